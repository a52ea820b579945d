"""One room at a time: a moderator's commands, and the timer's steps.

Rules:
- A room command carries the version the moderator saw; it goes through the
  one write path (``server.service.write_path``): one read of the room with
  its event and teams, the engine decides, one transaction writes the
  compare-and-set and its log rows, then the change is published.
- A timer step due at the command's instant is its own version step, written
  and published before the command's (one version step per message). A
  refused command changes nothing, not even that timer step (the scheduler
  applies it, as it would have anyway).
- The first room to start moves an event still being set up to running: an
  event-level change (a compare-and-set on the event's version) in the same
  transaction.
- The scheduler's timer steps are applied in slices of ``TICK_SLICE`` rooms,
  one transaction each, yielding to the loop in between: a thousand rooms due
  at one instant never hold the loop for long. A room with nothing due only
  corrects the scheduler's entry.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from server.access import Principal
from server.domain import commands as cmd
from server.domain import engine
from server.domain import event as event_domain
from server.domain.errors import EngineError
from server.errors import BadRequest, Conflict
from server.service.room_update import RoomUpdate
from server.service.tx import NO_DETAIL, Step, Tx
from server.service.write_path import WritePath
from server.wire.messages import RoomAction, RoomView

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

TICK_SLICE = 100
"""Rooms per timer transaction: about 10 ms of work here, so the loop is never held long."""


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


def engine_refusal(error: EngineError) -> Conflict:
    refusal = Conflict(str(error))
    refusal.code = error.code
    return refusal


class RoomCommands:
    def __init__(self, writes: WritePath) -> None:
        self.writes = writes

    async def command(
        self,
        principal: Principal,
        *,
        room_id: str,
        action: RoomAction,
        expected_version: int,
        seconds: float | None = None,
    ) -> RoomView:
        """Run one room command; the room's view after it (refusals are raised)."""
        principal.require_room_control(room_id)
        command = build_command(action, expected_version, seconds)
        detail = {"expected_version": expected_version, "seconds": seconds}

        async def attempt(tx: Tx) -> RoomUpdate:
            loaded = await tx.load_room(room_id, event_id=principal.event_id)
            stored = loaded.rooms[0]
            event = loaded.events[stored.room.event_id]
            protocol = tx.protocols.get(stored.state.protocol_id)
            try:
                steps = engine.command_steps(protocol, stored.state, command, tx.now)
            except EngineError as error:
                raise engine_refusal(error) from None
            labelled: list[Step] = [(step, "timer", "tick", NO_DETAIL) for step in steps[:-1]]
            labelled.append((steps[-1], principal.actor, action, detail))
            tx.change_room(stored.room, stored.state, labelled, event=event, teams=loaded.teams)
            if isinstance(command, cmd.Start):
                running = event_domain.room_started(event.state, by=principal.name, now=tx.now)
                if running is not None:
                    tx.change_event(
                        event, running, actor=principal.actor, detail={"room_id": room_id}
                    )
            return tx.room_updates[room_id]

        # The view published to the room is the one returned (built once, after the commit).
        update = await self.writes.run(attempt, what=f"room {room_id}")
        return update.view

    async def tick(self, room_ids: list[str]) -> None:
        """The scheduler's call: apply whatever is due in these rooms now."""
        ordered = sorted(set(room_ids))
        for start in range(0, len(ordered), TICK_SLICE):
            if start:
                await asyncio.sleep(0)  # let clients and commands in between slices
            await self.writes.run(
                _ticker(ordered[start : start + TICK_SLICE]), what="the timer's rooms"
            )


def _ticker(room_ids: list[str]) -> Callable[[Tx], Awaitable[None]]:
    async def attempt(tx: Tx) -> None:
        loaded = await tx.load_rooms(room_ids)
        for stored in loaded.rooms:
            protocol = tx.protocols.get(stored.state.protocol_id)
            step = engine.tick(protocol, stored.state, tx.now)
            if step.changed:
                tx.change_room(
                    stored.room,
                    stored.state,
                    [(step, "timer", "tick", NO_DETAIL)],
                    event=loaded.events[stored.room.event_id],
                    teams=loaded.teams,
                )
            else:  # the deadline moved (another process changed the room): follow it
                tx.remind(f"room:{stored.room.id}", engine.next_due(protocol, stored.state))

    return attempt
