"""The session's agenda at work: the uber's commands on the main-room clock, the agenda
following the rooms, and its segments set at creation or changed before the start.

Rules:
- Every change is a compare-and-set on the agenda's version with its log row,
  published to everyone (``agenda.updated``) after the commit.
- The agenda follows the rooms in the very transaction that moved the event:
  the first room starting (the event running) moves it to the breakouts; the end
  of the recall (the event in the main room) moves it to the segment after them.
- Segments change only before the session starts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from server.access import Principal
from server.domain import agenda as domain
from server.domain.agenda import Agenda, AgendaAction, AgendaError, Part
from server.domain.event import EventStatus
from server.domain.records import Event
from server.errors import Conflict, NotFound
from server.service.tx import Tx
from server.service.write_path import WritePath
from server.store import crud
from server.wire.messages import AgendaView
from server.wire.views import agenda_view


def refusal(error: AgendaError) -> Conflict:
    refused = Conflict(str(error))
    refused.code = error.code
    return refused


class SessionAgenda:
    def __init__(self, writes: WritePath) -> None:
        self.writes = writes
        writes.followers.append(self.follow_rooms)

    async def _load(self, tx: Tx, event_id: str) -> tuple[Event, Agenda]:
        event = await crud.get_event(tx.session, event_id=event_id)
        if event is None:
            raise NotFound(f"no event with id {event_id!r}")
        agenda = await crud.get_agenda(tx.session, event_id=event_id)
        if agenda is None:
            raise NotFound("this event has no agenda")
        return event, agenda

    async def command(
        self,
        principal: Principal,
        *,
        action: AgendaAction,
        expected_version: int,
        seconds: float | None = None,
    ) -> AgendaView:
        """Run the main-room clock: start the session, next or back a segment, pause,
        resume, add or remove time."""
        principal.require_uber("run the session's agenda")

        async def attempt(tx: Tx) -> AgendaView:
            event, agenda = await self._load(tx, principal.event_id)
            try:
                after = domain.command(
                    agenda,
                    action,
                    expected_version=expected_version,
                    by=principal.name,
                    now=tx.now,
                    seconds=seconds,
                )
            except AgendaError as error:
                raise refusal(error) from None
            tx.change_agenda(event, agenda, after, actor=principal.actor)
            return agenda_view(after, event, tx.now)

        return await self.writes.run(attempt, what="the agenda")

    async def set_segments(
        self, principal: Principal, *, items: Sequence[tuple[str, int, Part]]
    ) -> AgendaView:
        """The main-room segments before and after the breakouts (only before the start)."""
        principal.require_uber("change the session's agenda")

        async def attempt(tx: Tx) -> AgendaView:
            event, agenda = await self._load(tx, principal.event_id)
            if agenda.state.index >= 0:
                raise Conflict(
                    "the session has started: its segments change only before the start",
                    field="agenda",
                )
            state = replace(
                agenda.state,
                version=agenda.state.version + 1,
                last_action="segments",
                last_by=principal.name,
                last_at=tx.now,
            )
            after = Agenda(domain.build_segments(items), state)
            tx.change_agenda(event, agenda, after, actor=principal.actor)
            return agenda_view(after, event, tx.now)

        return await self.writes.run(attempt, what="the agenda")

    async def follow_rooms(self, tx: Tx) -> None:
        """The write path's follower: the agenda keeps up with the event's status."""
        for event, before, after in tx.event_moves:
            moment: domain.RoomsMoment | None = None
            if before is EventStatus.SETUP and after is EventStatus.RUNNING:
                moment = "started"
            elif after is EventStatus.MAIN_ROOM:
                moment = "returned"
            if moment is None:
                continue
            agenda = await crud.get_agenda(tx.session, event_id=event.id)
            if agenda is None:
                continue
            followed = domain.follow_rooms(agenda, moment, tx.now)
            if followed is not None:
                tx.change_agenda(event, agenda, followed, actor="timer")
