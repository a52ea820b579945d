"""Building the wire views of rooms, events and help requests from stored rows.

Rules: views are computed from the stored run state and ``now`` only; times
become epoch milliseconds; a team member's role comes from the protocol's
seating for the room's current round.
"""

from __future__ import annotations

from collections.abc import Mapping

from server.domain.protocol import Protocol
from server.domain.state import RunState, Status, projected_end
from server.messages import EventView, HelpView, RoomView, SeatView
from server.store.models import EventRow, HelpRequestRow, RoomRow, TeamRow
from server.timeline import seat_label


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000.0, 3)


def room_view(
    *,
    protocol: Protocol,
    row: RoomRow,
    state: RunState,
    teams: Mapping[str, TeamRow],
    event: EventRow,
    now: float,
) -> RoomView:
    seating = protocol.seating_for_round(state.round_index)
    seats = []
    for seat_index, role_id in enumerate(seating):
        team_id = row.team_ids[seat_index] if seat_index < len(row.team_ids) else None
        team = teams.get(team_id) if team_id else None
        seats.append(
            SeatView(
                seat=seat_index + 1,
                team_id=team_id,
                team_name=team.name if team else seat_label(protocol, seat_index),
                organisation=team.organisation if team else "",
                role=role_id,
                challenge=team.challenge if team else "",
                request=team.request if team else "",
            )
        )
    phase = protocol.phases[state.phase_index]
    end = projected_end(protocol, state, now)
    planned_end = event.scheduled_start + protocol.total_seconds
    remaining = state.remaining(now)
    return RoomView(
        id=row.id,
        label=row.label,
        video_room=row.video_room,
        moderator_name=row.moderator_name,
        protocol_id=protocol.id,
        status=state.status.value,
        version=state.version,
        round_index=state.round_index,
        phase_index=state.phase_index,
        phase_id=phase.id,
        phase_title=phase.title,
        phase_started_at=ms(state.phase_started_at),
        deadline=ms(state.deadline),
        remaining_ms=ms(remaining) if state.status is Status.PAUSED else None,
        phase_length_ms=(state.phase_seconds + state.added_seconds) * 1000.0,
        projected_end=ms(end),
        drift_seconds=None if end is None else round(end - planned_end, 3),
        recall_deadline=ms(state.recall_deadline),
        returned=state.returned,
        seats=seats,
    )


def event_view(event: EventRow) -> EventView:
    return EventView(
        id=event.id,
        title=event.title,
        protocol_id=event.protocol_id,
        scheduled_start=event.scheduled_start * 1000.0,
        main_room_at=event.main_room_at * 1000.0,
        status=event.status,
        recall_deadline=ms(event.recall_deadline),
    )


def help_view(row: HelpRequestRow) -> HelpView:
    return HelpView(
        id=row.id,
        room_id=row.room_id,
        round_index=row.round_index,
        phase_id=row.phase_id,
        role=row.role,
        requested_by=row.requested_by,
        message=row.message,
        status=row.status,
        claimed_by=row.claimed_by,
        created_at=row.created_at * 1000.0,
    )
