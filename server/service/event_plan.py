"""Changing an event's plan: its start, its main-room time, its phase lengths.

Rules:
- A plan change is an event-level change: a compare-and-set on the event's
  version (the one the uber saw), its log row (``event.plan``), an
  ``event.updated`` after the commit.
- Phase lengths change only while no room has started (fit to time compresses
  a run under way); the rooms, all waiting, take the adapted protocol in the
  same transaction (one version step each), and open pages re-read the setup.
- Every change answers with the timing check against the main-room time; a
  request that changes nothing is answered with the plan as it stands and its
  check (nothing is written).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from server.access import Principal
from server.domain import engine
from server.domain.event import Change
from server.domain.records import Event
from server.domain.state import Status
from server.domain.timing import TimingCheck
from server.errors import BadRequest, Conflict, NotFound
from server.service.setup import EventSetup
from server.service.tx import Tx
from server.service.write_path import WritePath
from server.store import crud


class EventPlan:
    def __init__(self, setup: EventSetup, writes: WritePath) -> None:
        self.setup = setup
        self.writes = writes

    async def change(
        self,
        principal: Principal,
        *,
        expected_version: int,
        scheduled_start: float | None = None,
        main_room_at: float | None = None,
        phase_lengths: Sequence[str] | None = None,
    ) -> tuple[Event, TimingCheck]:
        principal.require_uber("change the event's plan")
        if scheduled_start is None and main_room_at is None and phase_lengths is None:
            # Nothing to change: the plan as it stands, with its timing check.
            event = await self.writes.read(
                lambda session: crud.get_event(session, event_id=principal.event_id)
            )
            if event is None:
                raise NotFound(f"no event with id {principal.event_id!r}")
            return event, self.setup.timing(event)

        async def attempt(tx: Tx) -> Event:
            loaded = await tx.load_event(principal.event_id)
            event = loaded.events[principal.event_id]
            if event.state.version != expected_version:
                raise Conflict(
                    f"the event changed since you saw it (version {expected_version}; it is at "
                    f"{event.state.version}): look at it again",
                    field="expected_version",
                )
            start = event.scheduled_start if scheduled_start is None else scheduled_start
            end = event.main_room_at if main_room_at is None else main_room_at
            if end <= start:
                raise BadRequest("main_room_at must be after scheduled_start", field="main_room_at")
            protocol_id = event.protocol_id
            if phase_lengths is not None:
                protocol_id = self.setup.adapted(event.protocol_id, phase_lengths).id
            if protocol_id != event.protocol_id:
                started = [
                    s.room.label for s in loaded.rooms if s.state.status is not Status.NOT_STARTED
                ]
                if started:
                    raise Conflict(
                        f"{', '.join(started)} started already: phase lengths change only "
                        "before the start; use fit to time to compress what is left",
                        field="phase_lengths",
                    )
            planned = replace(
                event, scheduled_start=start, main_room_at=end, protocol_id=protocol_id
            )
            await crud.update_event_plan(
                tx.session,
                event_id=event.id,
                scheduled_start=start,
                main_room_at=end,
                protocol_id=protocol_id,
            )
            after = event.state.changed(Change("plan", principal.name, tx.now))
            detail = {"scheduled_start": start, "main_room_at": end, "protocol_id": protocol_id}
            changed = tx.change_event(planned, after, actor=principal.actor, detail=detail)
            if protocol_id != event.protocol_id:
                protocol = tx.protocols.get(protocol_id)
                for stored in loaded.rooms:
                    step = engine.reform(protocol, stored.state, tx.now)
                    tx.change_room(
                        stored.room,
                        stored.state,
                        [(step, principal.actor, "plan", detail)],
                        event=changed,
                        teams=loaded.teams,
                    )
                tx.setup_changed(event.id)
            return changed

        changed = await self.writes.run(attempt, what="the event's plan")
        return changed, self.setup.timing(changed)
