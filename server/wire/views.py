"""Building the wire views of rooms, events and help requests from domain state.

Rules: views are computed from domain records, the run state and ``now``
only, never from table rows; times become epoch milliseconds through ``ms``
(one conversion, so a deadline has the same bits in every view that carries
it); a team member's role comes from the protocol's seating for the room's
current round. A view is assembled as plain data and validated in one go
(pydantic's compiled validator), which is both checked and several times
faster than building the models field by field: a start of every room builds
hundreds of views at once.
"""

from __future__ import annotations

from collections.abc import Mapping

from server.domain.agenda import Agenda, deadline, planned, remaining
from server.domain.event import Change
from server.domain.protocol import Protocol
from server.domain.records import Event, HelpRequest, Room, Team
from server.domain.seating import seat_count, seat_role
from server.domain.state import RunState, Status, projected_end
from server.wire.messages import AgendaView, ChangeView, EventView, HelpView, RoomView
from server.wire.timeline import seat_label


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000.0, 3)


def room_view(
    *,
    protocol: Protocol,
    room: Room,
    state: RunState,
    teams: Mapping[str, Team],
    scheduled_start: float,
    now: float,
) -> RoomView:
    seats = []
    for seat_index in range(seat_count(protocol, room)):
        team_id = (room.team_ids[seat_index] if seat_index < len(room.team_ids) else "") or None
        team = teams.get(team_id) if team_id else None
        seats.append(
            {
                "seat": seat_index + 1,
                "team_id": team_id,
                "team_name": team.name if team else seat_label(protocol, seat_index),
                "organisation": team.organisation if team else "",
                "role": seat_role(protocol, room, seat_index, state.round_index),
                "fixed": seat_index < len(room.fixed_roles) and bool(room.fixed_roles[seat_index]),
                "challenge": team.challenge if team else "",
                "request": team.request if team else "",
                "member_count": len(team.members) if team else 0,
            }
        )
    phase = protocol.phases[state.phase_index]
    end = projected_end(protocol, state, now)
    # Drift is against the plan the room runs to now: the fitted one after a fit.
    planned_end = (
        state.plan_end if state.plan_end is not None else scheduled_start + protocol.total_seconds
    )
    remaining = state.remaining(now)
    return RoomView.model_validate(
        {
            "id": room.id,
            "label": room.label,
            "video_room": room.video_room,
            "video_url": room.video_url,
            "moderator_name": room.moderator_name,
            "protocol_id": protocol.id,
            "status": state.status.value,
            "version": state.version,
            "round_index": state.round_index,
            "phase_index": state.phase_index,
            "phase_id": phase.id,
            "phase_title": phase.title,
            "phase_started_at": ms(state.phase_started_at),
            "deadline": ms(state.deadline),
            "remaining_ms": ms(remaining) if state.status is Status.PAUSED else None,
            "phase_length_ms": (state.phase_seconds + state.added_seconds) * 1000.0,
            "projected_end": ms(end),
            "drift_seconds": None if end is None else round(end - planned_end, 3),
            "recall_deadline": ms(state.recall_deadline),
            "returned": state.returned,
            "seats": seats,
            "planned": [
                {
                    "round_index": entry.round_index,
                    "phase_index": entry.phase_index,
                    "seconds": entry.seconds,
                }
                for entry in state.planned
            ],
        }
    )


def change_view(change: Change | None) -> ChangeView | None:
    if change is None:
        return None
    return ChangeView(action=change.action, by=change.by, at=ms(change.at) or 0.0)


def event_view(event: Event) -> EventView:
    return EventView(
        id=event.id,
        title=event.title,
        protocol_id=event.protocol_id,
        scheduled_start=event.scheduled_start * 1000.0,
        main_room_at=event.main_room_at * 1000.0,
        status=event.state.status.value,
        version=event.state.version,
        setup_version=event.setup_version,
        recall_deadline=ms(event.state.recall_deadline),
        last_change=change_view(event.state.last_change),
    )


def help_view(help_request: HelpRequest) -> HelpView:
    state = help_request.state
    return HelpView(
        id=help_request.id,
        room_id=help_request.room_id,
        round_index=help_request.round_index,
        phase_id=help_request.phase_id,
        role=help_request.role,
        requested_by=help_request.requested_by,
        message=help_request.message,
        status=state.status.value,
        version=state.version,
        claimed_by=state.claimed_by,
        resolved_by=state.resolved_by,
        created_at=help_request.created_at * 1000.0,
        updated_at=state.updated_at * 1000.0,
    )


def agenda_view(agenda: Agenda, event: Event, now: float) -> AgendaView:
    state = agenda.state
    starts = planned(agenda, breakouts_start=event.scheduled_start, main_room_at=event.main_room_at)
    if state.index < 0:
        status = "waiting"
    elif state.index >= len(agenda.segments):
        status = "over"
    else:
        status = "paused" if state.paused_at is not None else "running"
    paused = state.paused_at is not None
    left = remaining(agenda, now, main_room_at=event.main_room_at) if paused else None
    change = (
        Change(state.last_action, state.last_by, state.last_at)
        if state.last_action and state.last_at is not None
        else None
    )
    return AgendaView.model_validate(
        {
            "segments": [
                {
                    "id": segment.id,
                    "title": segment.title,
                    "seconds": segment.seconds,
                    "kind": segment.kind,
                    "planned_start": start * 1000.0,
                }
                for segment, start in zip(agenda.segments, starts, strict=True)
            ],
            "index": state.index,
            "status": status,
            "started_at": ms(state.started_at),
            "deadline": ms(deadline(agenda, main_room_at=event.main_room_at)),
            "remaining_ms": ms(left),
            "version": state.version,
            "last_change": change_view(change),
        }
    )
