"""Running rooms: apply the engine to a stored room, persist, log, publish.

Rules:
- Every change goes the same way: read the room, let the pure engine decide
  at ``now``, write with a compare-and-set on the version together with a
  command-log row, commit, then publish one ``room.updated`` and tell the
  scheduler the room's next deadline.
- A compare-and-set that loses (another writer got there first) is retried
  from a fresh read, where the engine judges the command again: a command
  made against the old version is then refused as stale.
- An engine refusal changes nothing and is raised to the caller as it is.
- A timer tick that finds nothing due only corrects the scheduler's entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from server.domain import engine
from server.domain import events as domain_events
from server.domain.protocol import Protocol
from server.domain.state import RunState
from server.errors import Conflict, NotFound
from server.hub import Audience
from server.messages import RoomUpdated, RoomView
from server.service.context import Context, require_event
from server.store import crud
from server.store.codec import state_from_json
from server.store.models import RoomRow, TeamRow
from server.views import room_view

MakeTransition = Callable[[Protocol, RunState, float], engine.Transition]

CAS_ATTEMPTS = 8


class _LostRace(Exception):
    """The stored version moved between our read and our write."""


@dataclass(frozen=True, slots=True)
class Applied:
    view: RoomView
    transition: engine.Transition


async def load_room(session: AsyncSession, room_id: str) -> tuple[RoomRow, RunState]:
    row = await crud.get_room(session, room_id=room_id)
    if row is None:
        raise NotFound(f"no room with id {room_id!r}")
    return row, state_from_json(row.state_json)


async def teams_of(session: AsyncSession, rows: list[RoomRow]) -> dict[str, TeamRow]:
    teams: dict[str, TeamRow] = {}
    for team_id in {team_id for row in rows for team_id in row.team_ids}:
        team = await crud.get_team(session, team_id=team_id)
        if team is not None:
            teams[team_id] = team
    return teams


class RoomRunner:
    def __init__(self, context: Context) -> None:
        self.context = context

    async def apply(
        self,
        room_id: str,
        make: MakeTransition,
        *,
        actor: str,
        action: str,
        now: float | None = None,
        detail: dict[str, object] | None = None,
    ) -> Applied:
        """Apply one transition to a room (see the module rules)."""
        for _ in range(CAS_ATTEMPTS):
            try:
                return await self._apply_once(
                    room_id, make, actor=actor, action=action, now=now, detail=detail
                )
            except _LostRace:
                continue
        raise Conflict(f"room {room_id} is changing too fast; try again")

    async def _apply_once(
        self,
        room_id: str,
        make: MakeTransition,
        *,
        actor: str,
        action: str,
        now: float | None,
        detail: dict[str, object] | None,
    ) -> Applied:
        context = self.context
        instant = context.clock.now() if now is None else now
        async with context.sessions() as session, session.begin():
            row, state = await load_room(session, room_id)
            protocol = context.protocols.get(state.protocol_id)
            transition = make(protocol, state, instant)
            next_due = engine.next_due(protocol, transition.state)
            if transition.changed:
                saved = await crud.save_room_state(
                    session,
                    room_id=room_id,
                    expected_version=row.version,
                    state=transition.state,
                    next_due=next_due,
                )
                if not saved:
                    raise _LostRace
                await crud.append_log(
                    session,
                    event_id=row.event_id,
                    room_id=room_id,
                    actor=actor,
                    action=action,
                    at=instant,
                    version_before=state.version,
                    version_after=transition.state.version,
                    detail={
                        **(detail or {}),
                        "events": [event_record(event) for event in transition.events],
                    },
                )
            event = await require_event(session, row.event_id)
            teams = await teams_of(session, [row])
            view = room_view(
                protocol=protocol,
                row=row,
                state=transition.state,
                teams=teams,
                event=event,
                now=instant,
            )
        context.schedule(f"room:{room_id}", next_due)
        if transition.changed:
            message = RoomUpdated(
                room=view,
                events=[event.name for event in transition.events],
                actor=actor,
            )
            await context.hub.publish(
                row.event_id,
                message.model_dump_json(),
                Audience(room_id=room_id),
                room_due=(room_id, next_due),
            )
        return Applied(view, transition)

    async def tick(self, room_id: str) -> None:
        """The scheduler's call: apply whatever is due in this room now."""
        await self.apply(
            room_id,
            lambda protocol, state, now: engine.tick(protocol, state, now),
            actor="timer",
            action="tick",
        )


def event_record(event: domain_events.Event) -> dict[str, object]:
    return {"name": event.name, **asdict(event)}
