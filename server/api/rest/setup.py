"""Setting an event up over REST: the event (admin key), its teams, rooms and pairing,
the Zoom export, the caller's snapshot and the websocket's schema."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import PlainTextResponse, Response

from server.api.deps import AdminDep, PrincipalDep, ServicesDep
from server.api.openapi import SNAPSHOT_LINKS
from server.api.rest.links import link_out
from server.api.schemas import (
    ERROR_RESPONSES,
    EventCreate,
    EventCreated,
    ImportResult,
    PairRequest,
    PairResult,
    Result,
    RoomCreate,
    RoomOut,
    TimingOut,
)
from server.domain.records import Team
from server.service.setup import ZOOM_COLUMNS, zoom_assignment_rows
from server.spreadsheet import csv_text
from server.wire.messages import (
    RoomView,
    Snapshot,
)
from server.wire.schema import websocket_schema
from server.wire.team import TeamCreate, TeamOut

router = APIRouter(prefix="/api", responses=ERROR_RESPONSES)


@router.get("/ws/schema", tags=["live"])
async def websocket_messages_schema() -> dict[str, Any]:
    """The websocket's messages, both directions, as JSON Schema (docs/ws-schema.json)."""
    return websocket_schema()


@router.post("/events", status_code=status.HTTP_201_CREATED, tags=["setup"])
async def create_event(body: EventCreate, services: ServicesDep, _: AdminDep) -> EventCreated:
    """Create an event (admin key); returns its first uber moderator link."""
    event, link = await services.setup.create_event(
        title=body.title,
        protocol_id=body.protocol_id,
        scheduled_start=body.scheduled_start.timestamp(),
        main_room_at=body.main_room_at.timestamp(),
        uber_may_mint_uber=body.uber_may_mint_uber,
        phase_lengths=body.phase_lengths,
    )
    timing = services.setup.timing(event)
    return EventCreated(
        id=event.id,
        uber_link=link_out(link),
        protocol_id=event.protocol_id,
        timing=TimingOut(**asdict(timing)),
    )


@router.get("/me", tags=["live"], responses={200: {"links": SNAPSHOT_LINKS}})
async def snapshot(principal: PrincipalDep, services: ServicesDep) -> Snapshot:
    """Everything the caller may see now (the same snapshot as on the websocket)."""
    return await services.snapshots.snapshot(principal)


@router.post("/teams", status_code=status.HTTP_201_CREATED, tags=["setup"])
async def add_team(body: TeamCreate, principal: PrincipalDep, services: ServicesDep) -> TeamOut:
    (team,) = await services.setup.add_teams(principal, [body])
    return team_out(team)


@router.post(
    "/teams/import",
    tags=["setup"],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
async def import_teams(
    request: Request, principal: PrincipalDep, services: ServicesDep
) -> ImportResult:
    """Add teams from CSV text (header row: name, organisation, members, challenge, request,
    stage, state, tags, emails; lists separated by semicolons). A team the event already has (the
    same name and organisation) is updated with the file's columns, never added twice. Any
    bad row imports nothing."""
    text = (await request.body()).decode("utf-8", errors="replace")
    imported = await services.setup.import_teams(principal, csv_text=text)
    return ImportResult(
        added=[team_out(team) for team in imported.added],
        updated=[team_out(team) for team in imported.updated],
        unchanged=[team_out(team) for team in imported.unchanged],
    )


@router.get("/teams", tags=["setup"])
async def list_teams(principal: PrincipalDep, services: ServicesDep) -> list[TeamOut]:
    return [team_out(team) for team in await services.setup.list_teams(principal)]


@router.post("/rooms", status_code=status.HTTP_201_CREATED, tags=["setup"])
async def create_room(body: RoomCreate, principal: PrincipalDep, services: ServicesDep) -> RoomView:
    """Create a breakout room by hand, with its teams in seat order."""
    room = await services.setup.create_room(principal, **body.model_dump())
    snapshot = await services.snapshots.snapshot(principal)
    return next(view for view in snapshot.rooms if view.id == room.id)


@router.get(
    "/rooms/zoom.csv",
    tags=["setup"],
    response_class=Response,
    responses={
        200: {
            "description": "Zoom's breakout-room pre-assignment CSV",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
async def zoom_assignment(principal: PrincipalDep, services: ServicesDep) -> PlainTextResponse:
    """The rooms as Zoom's breakout-room pre-assignment CSV: one row per member address,
    under its room's name (teams without addresses are left out)."""
    rows = await zoom_assignment_rows(services.writes, principal)
    return PlainTextResponse(
        csv_text(ZOOM_COLUMNS, rows),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="zoom-breakout-rooms.csv"'},
    )


@router.post("/rooms/pair", status_code=status.HTTP_201_CREATED, tags=["setup"])
async def pair_rooms(
    body: PairRequest, principal: PrincipalDep, services: ServicesDep
) -> Result[PairResult]:
    """Pair every team not yet in a room, by shared topic tags and/or stage; never a team
    with a copy of itself. With an odd number of teams, ``odd_team`` says where the odd
    one goes (409 without it)."""
    paired = await services.setup.auto_pair(principal, by=body.by, odd_team=body.odd_team)
    return Result(
        detail=PairResult(
            rooms=[
                RoomOut(id=room.id, label=room.label, team_ids=list(room.team_ids))
                for room in paired.rooms
            ],
            unpaired_team_ids=[team.id for team in paired.leftovers],
            odd_team_id=paired.odd_team.id if paired.odd_team else None,
        )
    )


def team_out(team: Team) -> TeamOut:
    return TeamOut(
        id=team.id,
        name=team.name,
        organisation=team.organisation,
        members=list(team.members),
        challenge=team.challenge,
        request=team.request,
        stage=team.stage,
        state=team.state,
        tags=list(team.tags),
        emails=list(team.emails),
    )
