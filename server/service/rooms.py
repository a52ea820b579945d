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
from dataclasses import asdict, dataclass, field

from sqlmodel.ext.asyncio.session import AsyncSession

from server.domain import engine
from server.domain import events as domain_events
from server.domain.errors import EngineError
from server.domain.protocol import Protocol
from server.domain.state import RunState
from server.errors import Conflict, NotFound
from server.hub import Audience
from server.messages import RoomUpdated, RoomView
from server.service.context import Context, require_event
from server.store import crud
from server.store.codec import state_from_json
from server.store.models import EventRow, RoomRow, TeamRow
from server.views import room_view

MakeTransition = Callable[[Protocol, RunState, float], engine.Transition]

CAS_ATTEMPTS = 8


@dataclass(frozen=True, slots=True)
class Applied:
    view: RoomView
    transition: engine.Transition
    next_due: float | None


async def load_room(session: AsyncSession, room_id: str) -> tuple[RoomRow, RunState]:
    row = await crud.get_room(session, room_id=room_id)
    if row is None:
        raise NotFound(f"no room with id {room_id!r}")
    return row, state_from_json(row.state_json)


async def teams_of(session: AsyncSession, rows: list[RoomRow]) -> dict[str, TeamRow]:
    team_ids = sorted({team_id for row in rows for team_id in row.team_ids})
    return {team.id: team for team in await crud.get_teams(session, team_ids=team_ids)}


@dataclass
class Batch:
    applied: dict[str, Applied] = field(default_factory=dict)
    refused: dict[str, EngineError] = field(default_factory=dict)
    lost: list[str] = field(default_factory=list)


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
        """Apply one transition to a room (see the module rules); refusals are raised."""
        for _ in range(CAS_ATTEMPTS):
            batch = await self._apply_batch(
                [room_id], make, actor=actor, action=action, now=now, detail=detail, collect=False
            )
            if room_id in batch.applied:
                return batch.applied[room_id]
        raise Conflict(f"room {room_id} is changing too fast; try again")

    async def apply_many(
        self,
        room_ids: list[str],
        make: MakeTransition,
        *,
        actor: str,
        action: str,
        now: float | None = None,
    ) -> Batch:
        """Apply a transition to many rooms in one transaction; refusals are collected."""
        batch = await self._apply_batch(
            room_ids, make, actor=actor, action=action, now=now, detail=None, collect=True
        )
        for room_id in batch.lost:  # lost a race: retried alone, judged afresh
            try:
                batch.applied[room_id] = await self.apply(
                    room_id, make, actor=actor, action=action, now=now
                )
            except EngineError as error:
                batch.refused[room_id] = error
        batch.lost = []
        return batch

    async def _apply_batch(
        self,
        room_ids: list[str],
        make: MakeTransition,
        *,
        actor: str,
        action: str,
        now: float | None,
        detail: dict[str, object] | None,
        collect: bool,
    ) -> Batch:
        context = self.context
        instant = context.clock.now() if now is None else now
        batch = Batch()
        decided: list[tuple[RoomRow, RunState, Protocol, engine.Transition, float | None]] = []
        async with context.sessions() as session, session.begin():
            rows = {row.id: row for row in await crud.get_rooms(session, room_ids=room_ids)}
            missing = [room_id for room_id in room_ids if room_id not in rows]
            if missing and not collect:
                raise NotFound(f"no room with id {missing[0]!r}")
            room_ids = [room_id for room_id in room_ids if room_id in rows]
            for room_id in room_ids:
                row = rows[room_id]
                state = state_from_json(row.state_json)
                protocol = context.protocols.get(state.protocol_id)
                try:
                    transition = make(protocol, state, instant)
                except EngineError as error:
                    if not collect:
                        raise
                    batch.refused[room_id] = error
                    continue
                decided.append(
                    (row, state, protocol, transition, engine.next_due(protocol, transition.state))
                )
            changed = [item for item in decided if item[3].changed]
            saved = await crud.save_room_states(
                session,
                writes=[
                    crud.StateWrite(row.id, row.version, transition.state, next_due)
                    for row, _, _, transition, next_due in changed
                ],
            )
            await crud.append_logs(
                session,
                rows=[
                    {
                        "event_id": row.event_id,
                        "room_id": row.id,
                        "actor": actor,
                        "action": action,
                        "at": instant,
                        "version_before": state.version,
                        "version_after": transition.state.version,
                        "detail": {
                            **(detail or {}),
                            "events": [event_record(event) for event in transition.events],
                        },
                    }
                    for row, state, _, transition, _ in changed
                    if row.id in saved
                ],
            )
            batch.lost = [row.id for row, *_ in changed if row.id not in saved]
            kept = [item for item in decided if not item[3].changed or item[0].id in saved]
            teams = await teams_of(session, [item[0] for item in kept])
            events: dict[str, EventRow] = {}
            for row, _, _, _, _ in kept:
                if row.event_id not in events:
                    events[row.event_id] = await require_event(session, row.event_id)
        for row, _, protocol, transition, next_due in kept:
            view = room_view(
                protocol=protocol,
                row=row,
                state=transition.state,
                teams=teams,
                event=events[row.event_id],
                now=instant,
            )
            batch.applied[row.id] = Applied(view, transition, next_due)
        # Published only once committed: nobody hears of a change that could still roll back.
        for room_id, applied in batch.applied.items():
            context.schedule(f"room:{room_id}", applied.next_due)
            if applied.transition.changed:
                message = RoomUpdated(
                    room=applied.view,
                    events=[event.name for event in applied.transition.events],
                    actor=actor,
                )
                await context.hub.publish(
                    rows[room_id].event_id,
                    message.model_dump_json(),
                    Audience(room_id=room_id),
                    room_due=(room_id, applied.next_due),
                )
        return batch

    async def tick(self, room_id: str) -> None:
        """The scheduler's call: apply whatever is due in this room now."""
        await self.apply(room_id, _tick, actor="timer", action="tick")

    async def tick_many(self, room_ids: list[str], *, now: float | None = None) -> None:
        await self.apply_many(room_ids, _tick, actor="timer", action="tick", now=now)


def _tick(protocol: Protocol, state: RunState, now: float) -> engine.Transition:
    return engine.tick(protocol, state, now)


def event_record(event: domain_events.Event) -> dict[str, object]:
    return {"name": event.name, **asdict(event)}
