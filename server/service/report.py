"""The event report: how the event actually ran, gathered from what is stored.

Rules: only an uber moderator (or the admin key, for an event it names) reads it;
it is read in one go (one session) and built by the pure ``server.domain.report``;
its JSON (times in epoch ms, lengths in seconds) is what every other format
(Markdown, CSV, the SVG timeline, the page) is rendered from, so they cannot
disagree.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.access import Principal
from server.domain.feedback_summary import summarise
from server.domain.forms import aggregate
from server.domain.report import LogRow, RoomRun, help_waits, run_of_room
from server.errors import NotFound
from server.forms import FormLibrary
from server.protocols import ProtocolLibrary
from server.service.write_path import WritePath
from server.store import crud
from server.wire.views import ms as ms_or_none


class Reports:
    def __init__(self, protocols: ProtocolLibrary, forms: FormLibrary, writes: WritePath) -> None:
        self.protocols = protocols
        self.forms = forms
        self.writes = writes

    def _title(self, protocol_id: object) -> str:
        if isinstance(protocol_id, str) and protocol_id in self.protocols:
            return self.protocols.get(protocol_id).title
        return str(protocol_id)

    async def report(self, principal: Principal) -> dict[str, Any]:
        principal.require_uber("read the event's report")
        return await self.writes.read(lambda session: self._gather(session, principal.event_id))

    async def _gather(self, session: AsyncSession, event_id: str) -> dict[str, Any]:
        event = await crud.get_event(session, event_id=event_id)
        if event is None:
            raise NotFound(f"no event with id {event_id!r}")
        protocol = self.protocols.get(event.protocol_id)
        setup = await crud.load_setup(session, event_id=event_id, version=event.setup_version)
        rooms = sorted(setup.rooms.values(), key=lambda room: (room.position, room.id))
        entries = await crud.read_log(session, event_id=event_id)
        rows = [
            LogRow(entry.room_id, entry.action, entry.at, entry.actor, entry.detail)
            for entry in entries
        ]
        requests = await crud.list_help_requests(session, event_id=event_id, include_resolved=True)
        feedback = await crud.list_feedback(session, event_id=event_id)
        asks = await crud.list_room_requests(session, event_id=event_id)
        summary = summarise(feedback, [room.id for room in rooms])
        by_room_feedback = {item.room_id: item for item in summary.rooms}
        report_rooms = []
        for room in rooms:
            mine = [row for row in rows if row.room_id == room.id]
            run = run_of_room(protocol, room.id, room.label, mine, self.protocols.get)
            asked = {
                request.id: (request.role, request.phase_id, request.created_at)
                for request in requests
                if request.room_id == room.id
            }
            run.help = help_waits(mine, asked)
            run.broadcasts = [
                (row.at, str(row.detail.get("text", "")))
                for row in rows
                if row.action == "broadcast" and row.room_id in (None, room.id)
            ]
            report_rooms.append(
                _room_json(
                    run,
                    room.team_ids,
                    setup.teams,
                    [a for a in asks if a.room_id == room.id],
                    by_room_feedback[room.id],
                )
            )
        forms = []
        for form in self.forms.for_protocol(protocol.id):
            responses = await crud.list_form_responses(session, event_id=event_id, form_id=form.id)
            result = aggregate(form, [response.answers for response in responses])
            forms.append(
                {
                    "id": form.id,
                    "title": form.title,
                    "responses": result.responses,
                    "questions": [
                        {
                            "id": question.question_id,
                            "kind": question.kind,
                            "prompt": question.prompt,
                            "counts": question.counts,
                            "texts": question.texts,
                        }
                        for question in result.questions
                    ],
                }
            )
        return {
            "forms": forms,
            "event": {
                "id": event.id,
                "title": event.title,
                "protocol_id": protocol.id,
                "protocol_title": protocol.title,
                "scheduled_start": event.scheduled_start * 1000,
                "main_room_at": event.main_room_at * 1000,
                "status": event.state.status.value,
            },
            "feedback": {"responses": summary.responses, "rooms_answered": summary.rooms_answered},
            "format_switches": [
                {
                    "at": row.at * 1000,
                    "by": row.actor,
                    "format": row.detail.get("format"),
                    "protocol_id": row.detail.get("protocol_id"),
                    "protocol_title": self._title(row.detail.get("protocol_id")),
                    "rooms": [
                        setup.rooms[room_id].label
                        for room_id in _ids(row.detail.get("rooms"))
                        if room_id in setup.rooms
                    ],
                    "present": _names(row.detail.get("present_team_ids"), setup.teams),
                    "absent": _names(row.detail.get("absent_team_ids"), setup.teams),
                }
                for row in rows
                if row.action == "event.switch_format"
            ],
            "rooms": report_rooms,
        }


def _ids(value: object) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []


def _names(value: object, teams: Any) -> list[str]:
    return [teams[team_id].name for team_id in _ids(value) if team_id in teams]


def _room_json(run: RoomRun, team_ids: Any, teams: Any, asks: Any, feedback: Any) -> dict[str, Any]:
    return {
        "id": run.room_id,
        "label": run.label,
        "teams": [
            {
                "id": team_id,
                "name": teams[team_id].name,
                "organisation": teams[team_id].organisation,
                "challenge": teams[team_id].challenge,
                "request": teams[team_id].request,
            }
            for team_id in team_ids
            if team_id in teams
        ],
        "started_at": ms_or_none(run.started_at),
        "finished_at": ms_or_none(run.finished_at),
        "recalled_at": ms_or_none(run.recalled_at),
        "reformed": [
            {"at": at * 1000, "from_protocol_id": before, "protocol_id": after}
            for at, before, after in run.reformed
        ],
        "phases": [
            {
                "round_index": phase.round_index,
                "phase_id": phase.phase_id,
                "title": phase.title,
                "planned_start": phase.planned_start * 1000,
                "planned_seconds": phase.planned_seconds,
                "start": phase.start * 1000,
                "end": ms_or_none(phase.end),
                "actual_seconds": phase.actual_seconds,
                "active_seconds": phase.active_seconds,
                "drift_seconds": phase.drift_seconds,
                "paused_seconds": phase.paused_seconds,
                "pauses": phase.pauses,
                "added_seconds": phase.added_seconds,
                "overtime_seconds": phase.overtime_seconds,
                "ended_by": phase.ended_by,
            }
            for phase in run.phases
        ],
        "help": [
            {
                "id": wait.help_id,
                "role": wait.role,
                "phase_id": wait.phase_id,
                "asked_at": wait.asked_at * 1000,
                "answered_at": ms_or_none(wait.answered_at),
                "answered_by": wait.answered_by,
                "wait_seconds": wait.wait_seconds,
            }
            for wait in run.help
        ],
        "broadcasts": [{"at": at * 1000, "text": text} for at, text in run.broadcasts],
        "asks": [
            {
                "kind": ask.kind.value,
                "status": ask.status.value,
                "asked_at": ask.created_at * 1000,
                "requested_by": ask.requested_by,
                "decided_by": ask.decided_by,
            }
            for ask in asks
        ],
        "feedback": {
            "responses": feedback.responses,
            "most_useful": feedback.most_useful,
            "more_useful": feedback.more_useful,
        },
    }
