"""Correcting a setup over REST: edit, move and delete teams; order seats; edit and
delete rooms. Each edit names the setup version its author saw (409
``setup.stale`` if the setup changed meanwhile)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query

from server.api.deps import PrincipalDep, ServicesDep
from server.api.edit_schemas import (
    FormatSwitchBody,
    FormatSwitched,
    PlanChange,
    PlanChanged,
    RoomEdit,
    SeatOrder,
    SetupEdited,
    TeamEdit,
    TeamMove,
)
from server.api.record_ids import RoomId, TeamId
from server.api.rest.setup import team_out
from server.api.schemas import ERROR_RESPONSES, TimingOut
from server.service.setup_edits import SeatMove
from server.wire.team import TeamOut

router = APIRouter(prefix="/api", responses=ERROR_RESPONSES, tags=["setup"])

SeenVersion = Annotated[
    int, Query(ge=0, description="The setup version the caller saw (the snapshot's event)")
]


@router.patch("/teams/{team_id:record_id}")
async def edit_team(
    team_id: TeamId, body: TeamEdit, principal: PrincipalDep, services: ServicesDep
) -> TeamOut:
    """Change some of a team's fields (only those given); any time."""
    changes = body.model_dump(include=body.model_fields_set - {"setup_version"}, mode="json")
    team = await services.edits.edit_team(
        principal, team_id=team_id, setup_version=body.setup_version, changes=changes
    )
    return team_out(team)


@router.delete("/teams/{team_id:record_id}")
async def delete_team(
    team_id: TeamId, setup_version: SeenVersion, principal: PrincipalDep, services: ServicesDep
) -> SetupEdited:
    """Delete a team, its member links and what it wrote; its seat is left empty. Refused
    while the team's room is under way."""
    await services.edits.delete_team(principal, team_id=team_id, setup_version=setup_version)
    return SetupEdited(setup_version=setup_version + 1)


@router.post("/teams/{team_id:record_id}/move")
async def move_team(
    team_id: TeamId, body: TeamMove, principal: PrincipalDep, services: ServicesDep
) -> SetupEdited:
    """Seat a team in a room (a taken seat's team changes places with it), or take it
    out of every room; only between rooms that have not started. Its member links
    lead to the new room from now on."""
    await services.edits.move_team(
        principal,
        team_id=team_id,
        setup_version=body.setup_version,
        to=SeatMove(body.room_id, body.seat, body.role),
    )
    return SetupEdited(setup_version=body.setup_version + 1)


@router.post("/rooms/{room_id:record_id}/seats")
async def order_seats(
    room_id: RoomId, body: SeatOrder, principal: PrincipalDep, services: ServicesDep
) -> SetupEdited:
    """Put the room's teams in a new seat order (who presents first), before it starts;
    the room's moderator may too."""
    await services.edits.order_seats(
        principal, room_id=room_id, setup_version=body.setup_version, team_ids=body.team_ids
    )
    return SetupEdited(setup_version=body.setup_version + 1)


@router.patch("/rooms/{room_id:record_id}")
async def edit_room(
    room_id: RoomId, body: RoomEdit, principal: PrincipalDep, services: ServicesDep
) -> SetupEdited:
    """Relabel a room, name its video-call room, set its video link or moderator's name
    (only the fields given); any time."""
    changes = body.model_dump(include=body.model_fields_set - {"setup_version"})
    await services.edits.edit_room(
        principal, room_id=room_id, setup_version=body.setup_version, changes=changes
    )
    return SetupEdited(setup_version=body.setup_version + 1)


@router.delete("/rooms/{room_id:record_id}")
async def delete_room(
    room_id: RoomId, setup_version: SeenVersion, principal: PrincipalDep, services: ServicesDep
) -> SetupEdited:
    """Delete a room that has not started: its teams are left unseated (their links stay
    theirs); its moderator and observer links go with it."""
    await services.edits.delete_room(principal, room_id=room_id, setup_version=setup_version)
    return SetupEdited(setup_version=setup_version + 1)


@router.post("/event/switch-format", tags=["live"])
async def switch_format(
    body: FormatSwitchBody, principal: PrincipalDep, services: ServicesDep
) -> FormatSwitched:
    """Re-form rooms live as pairs, a fishbowl or a single presenting team, with the teams
    present; every team keeps its link, and open pages follow. One change, logged."""
    switched = await services.formats.switch(
        principal,
        format_=body.format,
        setup_version=body.setup_version,
        room_ids=body.room_ids,
        present_team_ids=body.present_team_ids,
        inner_team_ids=body.inner_team_ids,
    )
    return FormatSwitched(
        format=switched.format,
        protocol_id=switched.protocol_id,
        room_ids=switched.rooms,
        ended_room_ids=switched.ended,
        absent_team_ids=switched.absent,
        setup_version=body.setup_version + 1,
    )


@router.patch("/event", tags=["setup"])
async def change_plan(
    body: PlanChange, principal: PrincipalDep, services: ServicesDep
) -> PlanChanged:
    """Change the event's start, main-room time or phase lengths (lengths only before any
    room starts); answered with the timing check against the main-room time."""
    event, timing = await services.plan.change(
        principal,
        expected_version=body.expected_version,
        scheduled_start=body.scheduled_start.timestamp() if body.scheduled_start else None,
        main_room_at=body.main_room_at.timestamp() if body.main_room_at else None,
        phase_lengths=body.phase_lengths,
    )
    return PlanChanged(
        protocol_id=event.protocol_id,
        scheduled_start=event.scheduled_start * 1000,
        main_room_at=event.main_room_at * 1000,
        version=event.state.version,
        timing=TimingOut(**asdict(timing)),
    )
