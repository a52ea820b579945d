"""What uber moderators do to every room at once, and the end of a recall.

Rules:
- Every event-wide action (start all, pause all, resume all, fit to time,
  recall) is one change through the one write path: one read of the event
  with every room and team, one pure decision (``server.domain.event``), one
  transaction holding the event's compare-and-set, every room's and the log
  rows, then publication. Two uber moderators pressing at once give exactly
  one change; the other is refused with ``conflict``, naming what happened.
- An action is judged against the event version the uber moderator saw
  (``expected_version``), or, without one, the version first read for it:
  a retry after a lost race never turns a stale press into a second change.
- "Start all" and "recall" use one instant for every room, so deadlines line
  up to the millisecond; a recall's deadline is the same number in the
  event, every room and the reply.
- Order of messages: a recall puts the event's countdown on every screen
  first, then the rooms follow; otherwise the rooms go first, and the event
  after them.
- Broadcasts are not stored changes: they go straight to the hub.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from server.access import ACCESS_ROLES, Principal
from server.domain import event as event_domain
from server.domain.errors import EngineError
from server.domain.event import EventConflict, EventDecision, RoomRun
from server.domain.records import Event
from server.domain.seating import seat_role
from server.errors import BadRequest, Conflict, NotFound
from server.hub import Audience
from server.service.context import Context
from server.service.rooms import engine_refusal
from server.service.tx import NO_DETAIL, Step, Tx
from server.service.write_path import WritePath
from server.store import crud
from server.wire.messages import (
    BroadcastMessage,
    BroadcastResult,
    FitResult,
    PauseAllResult,
    RecallResult,
    ResumeAllResult,
    StartAllResult,
)
from server.wire.views import change_view, ms

Decide = Callable[[Event, list[RoomRun], float, int], EventDecision]


def fit_result(decision: EventDecision, target: float, version: int) -> FitResult:
    return FitResult(
        target=ms(target) or 0.0,
        fitted=decision.ids("fitted"),
        on_time=decision.ids("on_time"),
        impossible={
            room_id: room.reason
            for room_id, room in decision.rooms.items()
            if room.outcome == "impossible"
        },
        not_running={
            room_id: room.reason
            for room_id, room in decision.rooms.items()
            if room.outcome == "not_running"
        },
        event_version=version,
    )


def refusal(error: EngineError, *, target: float | None = None) -> Conflict:
    if not isinstance(error, EventConflict):
        return engine_refusal(error)
    result = None
    if error.decision is not None and target is not None:
        result = fit_result(error.decision, target, error.decision.event.version - 1)
    return Conflict(str(error), change=change_view(error.change), result=result)


class EventActions:
    def __init__(self, context: Context, writes: WritePath) -> None:
        self.context = context
        self.writes = writes

    async def _act(
        self,
        principal: Principal,
        action: str,
        decide: Decide,
        expected_version: int | None,
        *,
        event_first: bool = False,
        fit_target: Callable[[], float] | None = None,
    ) -> EventDecision:
        """Decide one event-wide action and record it (see the module rules)."""
        expected = expected_version

        async def attempt(tx: Tx) -> EventDecision:
            nonlocal expected
            loaded = await tx.load_event(principal.event_id)
            event = loaded.events[principal.event_id]
            if expected is None:  # fixed at the first read: a retry never re-bases it
                expected = event.state.version
            runs = [
                RoomRun(stored.room.id, tx.protocols.get(stored.state.protocol_id), stored.state)
                for stored in loaded.rooms
            ]
            try:
                decision = decide(event, runs, tx.now, expected)
            except EngineError as error:
                raise refusal(error, target=fit_target() if fit_target else None) from None
            summary = {"changed": decision.ids("changed") or decision.ids("fitted")}
            if event_first:
                event = tx.change_event(
                    event, decision.event, actor=principal.actor, detail=summary
                )
            for stored in loaded.rooms:
                outcome = decision.rooms[stored.room.id]
                steps: list[Step] = []
                if outcome.timer is not None:
                    steps.append((outcome.timer, "timer", "tick", NO_DETAIL))
                if outcome.applied is not None:
                    steps.append((outcome.applied, principal.actor, action, NO_DETAIL))
                tx.change_room(stored.room, stored.state, steps, event=event, teams=loaded.teams)
            if not event_first:
                tx.change_event(event, decision.event, actor=principal.actor, detail=summary)
            if decision.event.recall_deadline is not None and action == "recall":
                tx.remind(f"event:{principal.event_id}", decision.event.recall_deadline)
            return decision

        return await self.writes.run(attempt, what="the event")

    async def start_all(
        self, principal: Principal, *, expected_version: int | None = None
    ) -> StartAllResult:
        principal.require_uber("start every room")
        decision = await self._act(
            principal,
            "start_all",
            lambda event, rooms, now, expected: event_domain.start_all(
                event.state, rooms, by=principal.name, now=now, expected_version=expected
            ),
            expected_version,
        )
        return StartAllResult(
            changed=decision.ids("changed"),
            skipped=_skipped(decision),
            event_version=decision.event.version,
            at=ms(decision.at) or 0.0,
        )

    async def pause_all(
        self, principal: Principal, *, expected_version: int | None = None
    ) -> PauseAllResult:
        principal.require_uber("pause every room")
        decision = await self._act(
            principal,
            "pause_all",
            lambda event, rooms, now, expected: event_domain.pause_all(
                event.state, rooms, by=principal.name, now=now, expected_version=expected
            ),
            expected_version,
        )
        return PauseAllResult(
            changed=decision.ids("changed"),
            skipped=_skipped(decision),
            event_version=decision.event.version,
        )

    async def resume_all(
        self, principal: Principal, *, expected_version: int | None = None
    ) -> ResumeAllResult:
        principal.require_uber("resume every room")
        decision = await self._act(
            principal,
            "resume_all",
            lambda event, rooms, now, expected: event_domain.resume_all(
                event.state, rooms, by=principal.name, now=now, expected_version=expected
            ),
            expected_version,
        )
        return ResumeAllResult(
            changed=decision.ids("changed"),
            skipped=_skipped(decision),
            event_version=decision.event.version,
        )

    async def recall(
        self,
        principal: Principal,
        *,
        seconds: int | None = None,
        expected_version: int | None = None,
    ) -> RecallResult:
        principal.require_uber("call everyone back to the main room")
        if seconds is None:
            seconds = self.context.settings.default_recall_seconds
        if not 10 <= seconds <= 120:
            raise BadRequest(
                f"expected a recall countdown of 10-120 seconds, got {seconds}", field="seconds"
            )
        decision = await self._act(
            principal,
            "recall",
            lambda event, rooms, now, expected: event_domain.recall(
                event.state,
                rooms,
                by=principal.name,
                now=now,
                seconds=seconds,
                expected_version=expected,
            ),
            expected_version,
            event_first=True,
        )
        deadline = decision.event.recall_deadline
        assert deadline is not None
        return RecallResult(
            changed=decision.ids("changed"),
            skipped=_skipped(decision),
            event_version=decision.event.version,
            deadline=ms(deadline) or 0.0,
        )

    async def fit_to_time(
        self,
        principal: Principal,
        *,
        target: float | None,
        minimum_seconds: int | None,
        expected_version: int | None = None,
    ) -> FitResult:
        """Compress late rooms so they finish by ``target`` (epoch seconds)."""
        principal.require_uber("fit rooms to time")
        settings = self.context.settings
        minimum = settings.fit_minimum_seconds if minimum_seconds is None else minimum_seconds

        goal = target if target is not None else 0.0

        def decide(event: Event, rooms: list[RoomRun], now: float, expected: int) -> EventDecision:
            nonlocal goal
            # By default rooms should be done before the recall countdown begins.
            goal = (
                target
                if target is not None
                else event.main_room_at - settings.default_recall_seconds
            )
            return event_domain.fit_to_time(
                event.state,
                rooms,
                by=principal.name,
                now=now,
                target=goal,
                minimum_seconds=minimum,
                expected_version=expected,
            )

        decision = await self._act(
            principal, "fit_to_time", decide, expected_version, fit_target=lambda: goal
        )
        return fit_result(decision, goal, decision.event.version)

    async def end_recall(self, event_id: str) -> None:
        """The scheduler's call when an event's recall deadline may have passed."""

        async def attempt(tx: Tx) -> None:
            loaded = await tx.load_event(event_id)
            event = loaded.events[event_id]
            runs = [
                RoomRun(stored.room.id, tx.protocols.get(stored.state.protocol_id), stored.state)
                for stored in loaded.rooms
            ]
            decision = event_domain.end_recall(event.state, runs, now=tx.now)
            if decision is None:
                state = event.state
                if state.status is event_domain.EventStatus.RECALLING and state.recall_deadline:
                    tx.remind(f"event:{event_id}", state.recall_deadline)
                return
            # Rooms return first, then the event is in the main room: clients see it in that order.
            for stored in loaded.rooms:
                outcome = decision.rooms[stored.room.id]
                if outcome.timer is not None:
                    tx.change_room(
                        stored.room,
                        stored.state,
                        [(outcome.timer, "timer", "tick", NO_DETAIL)],
                        event=event,
                        teams=loaded.teams,
                    )
            tx.change_event(event, decision.event, actor="timer", detail={})

        await self.writes.run(attempt, what="the end of the recall")

    # -- messages ------------------------------------------------------------------

    async def broadcast(
        self,
        principal: Principal,
        *,
        text: str,
        room_id: str | None,
        role: str | None,
        expires_in_seconds: int | None = None,
    ) -> BroadcastResult:
        principal.require_uber("broadcast to rooms")
        audience = await self._audience(principal.event_id, room_id, role)

        async def attempt(tx: Tx) -> BroadcastResult:
            message = BroadcastMessage(
                id=secrets.token_hex(4),
                text=text,
                sender=principal.label or "Uber moderator",
                room_id=room_id,
                role=role,
                at=tx.now * 1000,
                # An absolute instant on the server's clock, like every deadline: pages
                # compare it with their synced clock, so it expires at once everywhere.
                expires_at=None
                if expires_in_seconds is None
                else (tx.now + expires_in_seconds) * 1000,
            )
            # Logged (for the event's report), published after the commit like any change.
            tx.log(
                principal.event_id,
                room_id,
                principal.actor,
                "broadcast",
                detail={
                    "broadcast_id": message.id,
                    "text": text,
                    "role": role,
                    "expires_in_seconds": expires_in_seconds,
                },
            )
            tx.publish(principal.event_id, message.model_dump_json(), audience)
            return BroadcastResult(id=message.id)

        return await self.writes.run(attempt, what="the broadcast")

    async def _audience(self, event_id: str, room_id: str | None, role: str | None) -> Audience:
        """Who gets a broadcast: one room or all, narrowed to an access role or to the
        teams holding a protocol role now."""
        loaded = await self.writes.read(lambda session: self._rooms(session, event_id))
        rooms = {stored.room.id: stored for stored in loaded.rooms}
        if room_id is not None and room_id not in rooms:
            raise _no_room(room_id)
        if role is None:
            return Audience(room_id=room_id)
        if role in ACCESS_ROLES:
            return Audience(room_id=room_id, access=frozenset({role, "uber"}))
        protocol = self.context.protocols.get(loaded.events[event_id].protocol_id)
        if role not in protocol.role_ids:
            known = ", ".join(sorted(ACCESS_ROLES | set(protocol.role_ids)))
            raise NotFound(f"unknown role {role!r}; expected one of: {known}", field="role")
        if role == protocol.room.moderator:
            return Audience(room_id=room_id, access=frozenset({"moderator", "uber"}))
        team_ids: set[str] = set()
        for stored in rooms.values():
            if room_id is not None and stored.room.id != room_id:
                continue
            team_ids.update(
                team_id
                for seat, team_id in enumerate(stored.room.team_ids)
                if team_id
                and seat_role(protocol, stored.room, seat, stored.state.round_index) == role
            )
        return Audience(room_id=room_id, access=frozenset({"uber"}), team_ids=frozenset(team_ids))

    async def _rooms(self, session: AsyncSession, event_id: str) -> crud.Loaded:
        event, states = await crud.load_event_states(session, event_id=event_id)
        if event is None:
            raise NotFound(f"no event with id {event_id!r}")
        return await self.writes.setups.loaded(
            session, {event_id: event}, {room: (event_id, state) for room, state in states.items()}
        )


def _no_room(room_id: str) -> NotFound:
    return NotFound(f"no room with id {room_id!r} in this event")


def _skipped(decision: EventDecision) -> dict[str, str]:
    return {
        room_id: room.reason
        for room_id, room in decision.rooms.items()
        if room.outcome == "skipped"
    }
