"""What moderators and uber moderators do during the meeting.

Rules:
- Room commands carry the version the moderator saw; uber moderators'
  event-wide actions (start all, pause all, recall, fit to time) act on each
  room's current version, because they speak for the whole event.
- "Start all" and "recall" use one instant for every room, so every room's
  deadlines line up to the millisecond.
- A recall gives every room the same return deadline; when it passes the
  event is in the main room.
- Fit to time touches only rooms projected to finish after the target and
  reports, per room, what it did or why it could not.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import partial
from typing import Any

from server.access import ACCESS_ROLES, Principal
from server.domain import commands as cmd
from server.domain import engine
from server.domain.errors import EngineError
from server.domain.fit import plan_fit
from server.domain.protocol import Protocol
from server.domain.state import RunState, Status, projected_end
from server.errors import BadRequest, Conflict, NotFound
from server.hub import Audience
from server.messages import BroadcastMessage, EventUpdated, RoomAction, RoomView
from server.service.context import Context, require_event
from server.service.rooms import RoomRunner, load_room
from server.store import crud
from server.views import event_view

ROOM_COMMANDS: dict[RoomAction, type[cmd.Command]] = {
    "start": cmd.Start,
    "pause": cmd.Pause,
    "resume": cmd.Resume,
    "next": cmd.Next,
    "back": cmd.Back,
    "adjust_time": cmd.AdjustTime,
    "restart_phase": cmd.RestartPhase,
    "finish": cmd.Finish,
}


def build_command(action: RoomAction, expected_version: int, seconds: float | None) -> cmd.Command:
    if action == "adjust_time":
        if seconds is None:
            raise BadRequest(
                "adjust_time needs 'seconds' (negative to remove time)", field="seconds"
            )
        return cmd.AdjustTime(expected_version, seconds)
    if seconds is not None:
        raise BadRequest(f"'seconds' only goes with adjust_time, not {action}", field="seconds")
    return ROOM_COMMANDS[action](expected_version)


def _handle(
    protocol: Protocol, state: RunState, now: float, *, command: cmd.Command
) -> engine.Transition:
    return engine.handle(protocol, state, command, now)


def engine_refusal(error: EngineError) -> Conflict:
    refusal = Conflict(str(error))
    refusal.code = error.code
    return refusal


class LiveOperations:
    def __init__(self, context: Context, runner: RoomRunner) -> None:
        self.context = context
        self.runner = runner

    # -- one room ------------------------------------------------------------

    async def room_command(
        self,
        principal: Principal,
        *,
        room_id: str,
        action: RoomAction,
        expected_version: int,
        seconds: float | None = None,
    ) -> RoomView:
        principal.require_room_control(room_id)
        await self._require_room_in_event(principal, room_id)
        command = build_command(action, expected_version, seconds)
        # Whatever the timer has due is applied (and published) as its own
        # change first, so every change is one version step for clients.
        await self.runner.tick(room_id)
        try:
            applied = await self.runner.apply(
                room_id,
                partial(_handle, command=command),
                actor=principal.actor,
                action=action,
                detail={"expected_version": expected_version, "seconds": seconds},
            )
        except EngineError as error:
            raise engine_refusal(error) from None
        if action == "start":
            await self._event_under_way(principal.event_id)
        return applied.view

    async def _event_under_way(self, event_id: str) -> None:
        """A room has started: an event still being set up is now running."""
        async with self.context.sessions() as session:
            event = await require_event(session, event_id)
        if event.status == "setup":
            await self._set_event_status(event_id, "running")

    async def _require_room_in_event(self, principal: Principal, room_id: str) -> None:
        async with self.context.sessions() as session:
            row = await crud.get_room(session, room_id=room_id)
        if row is None or row.event_id != principal.event_id:
            raise NotFound(f"no room with id {room_id!r} in this event")

    # -- every room --------------------------------------------------------------

    async def _room_ids(self, event_id: str) -> list[str]:
        async with self.context.sessions() as session:
            return [row.id for row in await crud.list_rooms(session, event_id=event_id)]

    async def _each_room(
        self,
        principal: Principal,
        action: str,
        build: Callable[[RunState], cmd.Command],
        *,
        applies_to: frozenset[Status],
        now: float,
    ) -> dict[str, Any]:
        """Apply one command to every room in ``applies_to``, all at the same instant.

        Two transactions whatever the number of rooms: due timer steps first
        (each its own version step), then the command.
        """
        room_ids = await self._room_ids(principal.event_id)
        await self.runner.tick_many(room_ids, now=now)

        def transition(protocol: Protocol, state: RunState, at: float) -> engine.Transition:
            if state.status not in applies_to:
                return engine.Transition(state, ())
            return engine.handle(protocol, state, build(state), at)

        batch = await self.runner.apply_many(
            room_ids, transition, actor=principal.actor, action=action, now=now
        )
        changed = [
            room_id
            for room_id in room_ids
            if room_id in batch.applied and batch.applied[room_id].transition.changed
        ]
        skipped = {room_id: str(error) for room_id, error in batch.refused.items()}
        for room_id, applied in batch.applied.items():
            if not applied.transition.changed:
                skipped[room_id] = f"the room is {applied.view.status.replace('_', ' ')}"
        return {"changed": changed, "skipped": skipped}

    async def start_all(self, principal: Principal) -> dict[str, Any]:
        principal.require_uber("start every room")
        now = self.context.clock.now()
        result = await self._each_room(
            principal,
            "start_all",
            lambda state: cmd.Start(state.version),
            applies_to=frozenset({Status.NOT_STARTED}),
            now=now,
        )
        if result["changed"]:
            await self._event_under_way(principal.event_id)
        return {**result, "at": now * 1000}

    async def pause_all(self, principal: Principal) -> dict[str, Any]:
        principal.require_uber("pause every room")
        return await self._each_room(
            principal,
            "pause_all",
            lambda state: cmd.Pause(state.version),
            applies_to=frozenset({Status.RUNNING, Status.OVERTIME}),
            now=self.context.clock.now(),
        )

    async def resume_all(self, principal: Principal) -> dict[str, Any]:
        principal.require_uber("resume every room")
        return await self._each_room(
            principal,
            "resume_all",
            lambda state: cmd.Resume(state.version),
            applies_to=frozenset({Status.PAUSED}),
            now=self.context.clock.now(),
        )

    async def recall(self, principal: Principal, *, seconds: int | None) -> dict[str, Any]:
        principal.require_uber("call everyone back to the main room")
        if seconds is None:
            seconds = self.context.settings.default_recall_seconds
        async with self.context.sessions() as session:
            event = await require_event(session, principal.event_id)
        if event.status in ("recalling", "main_room"):
            raise Conflict("everyone has already been called back to the main room")
        if not 10 <= seconds <= 120:
            raise BadRequest(
                f"expected a recall countdown of 10-120 seconds, got {seconds}", field="seconds"
            )
        now = self.context.clock.now()
        deadline = now + seconds
        # The event goes first: one message puts the countdown on every screen
        # at once; each room's own update follows.
        await self._set_event_status(principal.event_id, "recalling", recall_deadline=deadline)
        self.context.schedule(f"event:{principal.event_id}", deadline)
        result = await self._each_room(
            principal,
            "recall",
            lambda state: cmd.Recall(state.version, deadline),
            applies_to=frozenset(engine.ALLOWED[cmd.Recall]),
            now=now,
        )
        return {**result, "deadline": deadline * 1000}

    async def finish_recall(self, event_id: str) -> None:
        """The scheduler's call when an event's recall deadline has passed."""
        async with self.context.sessions() as session:
            event = await require_event(session, event_id)
        if event.status != "recalling" or event.recall_deadline is None:
            return
        if self.context.clock.now() < event.recall_deadline:
            self.context.schedule(f"event:{event_id}", event.recall_deadline)
            return
        # Rooms return first, then the event is in the main room: clients see it in that order.
        await self.runner.tick_many(await self._room_ids(event_id))
        await self._set_event_status(event_id, "main_room", recall_deadline=event.recall_deadline)

    async def _set_event_status(
        self, event_id: str, status: str, *, recall_deadline: float | None = None
    ) -> None:
        async with self.context.sessions() as session, session.begin():
            await crud.set_event_status(
                session, event_id=event_id, status=status, recall_deadline=recall_deadline
            )
            await crud.append_log(
                session,
                event_id=event_id,
                room_id=None,
                actor="event",
                action=f"event.{status}",
                at=self.context.clock.now(),
            )
            event = await require_event(session, event_id)
        await self.context.hub.publish(
            event_id, EventUpdated(event=event_view(event)).model_dump_json()
        )

    async def fit_to_time(
        self, principal: Principal, *, target: float | None, minimum_seconds: int | None
    ) -> dict[str, Any]:
        """Compress late rooms so they finish by ``target`` (epoch seconds)."""
        principal.require_uber("fit rooms to time")
        settings = self.context.settings
        async with self.context.sessions() as session:
            event = await require_event(session, principal.event_id)
        if target is None:
            # Rooms should be done before the recall countdown to the main room begins.
            target = event.main_room_at - settings.default_recall_seconds
        minimum = settings.fit_minimum_seconds if minimum_seconds is None else minimum_seconds
        now = self.context.clock.now()
        fitted: list[str] = []
        on_time: list[str] = []
        impossible: dict[str, str] = {}
        not_running: dict[str, str] = {}
        room_ids = await self._room_ids(principal.event_id)
        await self.runner.tick_many(room_ids, now=now)
        for room_id in room_ids:
            async with self.context.sessions() as session:
                _, stored = await load_room(session, room_id)
            protocol = self.context.protocols.get(stored.protocol_id)
            state = engine.tick(protocol, stored, now).state
            end = projected_end(protocol, state, now)
            if state.status not in (Status.RUNNING, Status.OVERTIME):
                not_running[room_id] = state.status.value.replace("_", " ")
                continue
            if end is None or end <= target:
                on_time.append(room_id)
                continue
            try:
                plan = plan_fit(
                    protocol, state, now=now, target_end=target, minimum_seconds=minimum
                )
                command = cmd.ApplyFit(plan.based_on_version, plan)
                await self.runner.apply(
                    room_id,
                    partial(_handle, command=command),
                    actor=principal.actor,
                    action="fit_to_time",
                    now=now,
                    detail={"target": target, "minimum_seconds": minimum},
                )
            except EngineError as error:
                impossible[room_id] = str(error)
                continue
            fitted.append(room_id)
        return {
            "target": target * 1000,
            "fitted": fitted,
            "on_time": on_time,
            "impossible": impossible,
            "not_running": not_running,
        }

    # -- messages ------------------------------------------------------------------

    async def broadcast(
        self, principal: Principal, *, text: str, room_id: str | None, role: str | None
    ) -> dict[str, Any]:
        principal.require_uber("broadcast to rooms")
        if room_id is not None:
            await self._require_room_in_event(principal, room_id)
        audience = Audience(room_id=room_id)
        if role is not None:
            audience = await self._role_audience(principal.event_id, room_id, role)
        message = BroadcastMessage(
            id=secrets.token_hex(4),
            text=text,
            sender=principal.label or "Uber moderator",
            room_id=room_id,
            role=role,
            at=self.context.clock.now() * 1000,
        )
        await self.context.hub.publish(principal.event_id, message.model_dump_json(), audience)
        return {"id": message.id}

    async def _role_audience(self, event_id: str, room_id: str | None, role: str) -> Audience:
        """Who holds ``role`` now: an access role, or a protocol role held by teams."""
        if role in ACCESS_ROLES:
            return Audience(room_id=room_id, access=frozenset({role, "uber"}))
        async with self.context.sessions() as session:
            event = await require_event(session, event_id)
            protocol = self.context.protocols.get(event.protocol_id)
            if role not in protocol.role_ids:
                known = ", ".join(sorted(ACCESS_ROLES | set(protocol.role_ids)))
                raise BadRequest(f"unknown role {role!r}; expected one of: {known}", field="role")
            if role == protocol.room.moderator:
                return Audience(room_id=room_id, access=frozenset({"moderator", "uber"}))
            team_ids: set[str] = set()
            for row in await crud.list_rooms(session, event_id=event_id):
                if room_id is not None and row.id != room_id:
                    continue
                _, state = await load_room(session, row.id)
                seating = protocol.seating_for_round(state.round_index)
                team_ids.update(
                    team_id
                    for team_id, seat_role in zip(row.team_ids, seating, strict=False)
                    if seat_role == role
                )
        return Audience(room_id=room_id, access=frozenset({"uber"}), team_ids=frozenset(team_ids))
