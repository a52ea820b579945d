"""The REST API: setup, and the same live commands as the websocket.

Rules: every route names its caller through ``PrincipalDep`` (or the admin
key) and goes through the services, never to persistence; a refusal is an
error body ``{"error": {"code", "message", "field"}}`` with a 4xx status
(a conflict also says which change got there first, ``change``; a 422 for a
malformed body also keeps FastAPI's ``detail`` list). Replies are typed: the
same results as the websocket's ``command.ok``.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import PlainTextResponse, Response

from server.api.deps import AdminDep, PrincipalDep, ServicesDep, StewardDep
from server.api.openapi import ROOM_COMMAND_OPERATION, SNAPSHOT_LINKS
from server.api.schemas import (
    ERROR_RESPONSES,
    AnswerBody,
    AskBody,
    BroadcastBody,
    ConsentOut,
    Deleted,
    DeleteEventBody,
    EventActionBody,
    EventCreate,
    EventCreated,
    FeedbackBody,
    FeedbackSummaryOut,
    FitBody,
    HelpBody,
    HelpMoveBody,
    LinkCreate,
    LinkInfo,
    LinkOut,
    LinkStatus,
    NoteBody,
    PairRequest,
    PairResult,
    RecallBody,
    Result,
    Revoked,
    RoleBody,
    RoomCommandBody,
    RoomCreate,
    RoomFeedbackOut,
    RoomOut,
)
from server.domain.records import Team
from server.service import Link
from server.service.data_rights import EMPTY_HEADERS, Section
from server.service.links import LinkEntry
from server.service.setup import ZOOM_COLUMNS, zoom_assignment_rows
from server.spreadsheet import csv_text
from server.wire import report_formats
from server.wire.messages import (
    AskView,
    BroadcastResult,
    FeedbackView,
    FitResult,
    HelpView,
    NoteView,
    PauseAllResult,
    RecallResult,
    ResumeAllResult,
    RoomView,
    Snapshot,
    StartAllResult,
)
from server.wire.schema import websocket_schema
from server.wire.team import TeamCreate, TeamOut

router = APIRouter(prefix="/api", responses=ERROR_RESPONSES)


def link_out(link: Link) -> LinkOut:
    return LinkOut(
        id=link.id,
        role=link.role,
        label=link.label,
        url=link.url,
        room_id=link.room_id,
        team_id=link.team_id,
        may_mint_uber=link.may_mint_uber,
        replaces=link.replaces,
    )


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000


def link_info(entry: LinkEntry, now: float) -> LinkInfo:
    grant = entry.grant
    status: LinkStatus = (
        "revoked" if grant.revoked else "expired" if entry.expires_at <= now else "live"
    )
    return LinkInfo(
        id=grant.link_id,
        role=grant.role,
        label=grant.label,
        room_id=grant.room_id,
        room_label=entry.room_label,
        team_id=grant.team_id,
        team_name=entry.team_name,
        may_mint_uber=grant.may_mint_uber,
        status=status,
        created_at=grant.created_at * 1000,
        last_seen_at=_ms(grant.last_seen_at),
        connected=entry.connected,
        expires_at=entry.expires_at * 1000,
        revoked_at=_ms(grant.revoked_at),
        revoked_by=grant.revoked_by or None,
        replaced_by=grant.replaced_by,
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
        tags=list(team.tags),
        emails=list(team.emails),
    )


def expected(body: EventActionBody | HelpMoveBody | None) -> int | None:
    return None if body is None else body.expected_version


# -- setup -------------------------------------------------------------------------


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
    )
    return EventCreated(id=event.id, uber_link=link_out(link))


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
    status_code=status.HTTP_201_CREATED,
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
) -> list[TeamOut]:
    """Add teams from CSV text (header row: name, organisation, members, challenge, request,
    stage, tags; members and tags separated by semicolons). Any bad row imports nothing."""
    text = (await request.body()).decode("utf-8", errors="replace")
    teams = await services.setup.import_teams(principal, csv_text=text)
    return [team_out(team) for team in teams]


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
    """Pair every team not yet in a room, by shared topic tags and/or stage."""
    rooms, leftovers = await services.setup.auto_pair(principal, by=body.by)
    return Result(
        detail=PairResult(
            rooms=[
                RoomOut(id=room.id, label=room.label, team_ids=list(room.team_ids))
                for room in rooms
            ],
            unpaired_team_ids=[team.id for team in leftovers],
        )
    )


@router.get("/links", tags=["links"])
async def list_links(steward: StewardDep, services: ServicesDep) -> list[LinkInfo]:
    """Every link of the event, revoked and expired ones too (never their URLs)."""
    now = services.context.clock.now()
    return [link_info(entry, now) for entry in await services.links.listing(steward)]


@router.post("/links", status_code=status.HTTP_201_CREATED, tags=["links"])
async def create_link(body: LinkCreate, steward: StewardDep, services: ServicesDep) -> LinkOut:
    """Make a role-scoped join link; the URL is shown only now. Uber links need the
    admin key or an uber link allowed to make them."""
    return link_out(await services.links.create(steward, **body.model_dump()))


@router.post("/links/revoke-role", tags=["links"])
async def revoke_role(body: RoleBody, steward: StewardDep, services: ServicesDep) -> Revoked:
    """Revoke every live link of a role (but the one making the request)."""
    result = await services.links.revoke_role(steward, role=body.role)
    return Revoked(revoked=result.revoked, kept=result.kept)


@router.post("/links/rotate-role", status_code=status.HTTP_201_CREATED, tags=["links"])
async def rotate_role(body: RoleBody, steward: StewardDep, services: ServicesDep) -> list[LinkOut]:
    """Replace every live link of a role (but the one making the request): the new URLs,
    shown only now."""
    return [link_out(link) for link in await services.links.rotate_role(steward, role=body.role)]


@router.post("/links/{link_id}/revoke", tags=["links"])
async def revoke_link(link_id: str, steward: StewardDep, services: ServicesDep) -> Revoked:
    """Revoke one link: its pages and connections stop within a second."""
    await services.links.revoke(steward, link_id=link_id)
    return Revoked(revoked=[link_id])


@router.post("/links/{link_id}/rotate", status_code=status.HTTP_201_CREATED, tags=["links"])
async def rotate_link(link_id: str, steward: StewardDep, services: ServicesDep) -> LinkOut:
    """Revoke one link and make a new one for the same person; the new URL, shown only now."""
    return link_out(await services.links.rotate(steward, link_id=link_id))


# -- live ----------------------------------------------------------------------------


@router.post("/rooms/{room_id}/commands", tags=["live"], operation_id=ROOM_COMMAND_OPERATION)
async def room_command(
    room_id: str, body: RoomCommandBody, principal: PrincipalDep, services: ServicesDep
) -> RoomView:
    """start, pause, resume, next, back, adjust_time, restart_phase or finish a room."""
    return await services.rooms.command(
        principal,
        room_id=room_id,
        action=body.action,
        expected_version=body.expected_version,
        seconds=body.seconds,
    )


@router.post("/event/start-all", tags=["live"])
async def start_all(
    principal: PrincipalDep, services: ServicesDep, body: EventActionBody | None = None
) -> Result[StartAllResult]:
    """Start every room that has not started, at one instant."""
    return Result(detail=await services.event.start_all(principal, expected_version=expected(body)))


@router.post("/event/pause-all", tags=["live"])
async def pause_all(
    principal: PrincipalDep, services: ServicesDep, body: EventActionBody | None = None
) -> Result[PauseAllResult]:
    return Result(detail=await services.event.pause_all(principal, expected_version=expected(body)))


@router.post("/event/resume-all", tags=["live"])
async def resume_all(
    principal: PrincipalDep, services: ServicesDep, body: EventActionBody | None = None
) -> Result[ResumeAllResult]:
    return Result(
        detail=await services.event.resume_all(principal, expected_version=expected(body))
    )


@router.post("/event/recall", tags=["live"])
async def recall(
    body: RecallBody, principal: PrincipalDep, services: ServicesDep
) -> Result[RecallResult]:
    return Result(
        detail=await services.event.recall(
            principal, seconds=body.seconds, expected_version=body.expected_version
        )
    )


@router.post("/event/fit-to-time", tags=["live"])
async def fit_to_time(
    body: FitBody, principal: PrincipalDep, services: ServicesDep
) -> Result[FitResult]:
    target = body.target.timestamp() if body.target is not None else None
    return Result(
        detail=await services.event.fit_to_time(
            principal,
            target=target,
            minimum_seconds=body.minimum_seconds,
            expected_version=body.expected_version,
        )
    )


@router.post("/event/broadcast", tags=["live"])
async def broadcast(
    body: BroadcastBody, principal: PrincipalDep, services: ServicesDep
) -> Result[BroadcastResult]:
    return Result(detail=await services.event.broadcast(principal, **body.model_dump()))


@router.post("/help", status_code=status.HTTP_201_CREATED, tags=["help"])
async def request_help(body: HelpBody, principal: PrincipalDep, services: ServicesDep) -> HelpView:
    return await services.help.request(principal, message=body.message)


@router.post("/help/{help_id}/claim", tags=["help"])
async def claim_help(
    help_id: str, principal: PrincipalDep, services: ServicesDep, body: HelpMoveBody | None = None
) -> HelpView:
    return await services.help.claim(principal, help_id=help_id, expected_version=expected(body))


@router.post("/help/{help_id}/resolve", tags=["help"])
async def resolve_help(
    help_id: str, principal: PrincipalDep, services: ServicesDep, body: HelpMoveBody | None = None
) -> HelpView:
    return await services.help.resolve(principal, help_id=help_id, expected_version=expected(body))


# -- notes ---------------------------------------------------------------------------


@router.post("/consent", tags=["notes"])
async def give_consent(principal: PrincipalDep, services: ServicesDep) -> ConsentOut:
    """Accept the notice on what is kept of what this link's holder writes (once)."""
    return ConsentOut(consented_at=await services.notes.consent(principal) * 1000)


@router.post("/notes", tags=["notes"])
async def save_note(body: NoteBody, principal: PrincipalDep, services: ServicesDep) -> NoteView:
    """Save the caller's (or their team's) note for one phase of one round of their room."""
    return await services.notes.save(principal, **body.model_dump())


@router.post("/feedback", tags=["notes"])
async def save_feedback(
    body: FeedbackBody, principal: PrincipalDep, services: ServicesDep
) -> FeedbackView:
    """Final thoughts on a round: what was most useful, what could have been more useful."""
    return await services.feedback.save(principal, **body.model_dump())


@router.get("/feedback/summary", tags=["notes"])
async def feedback_summary(principal: PrincipalDep, services: ServicesDep) -> FeedbackSummaryOut:
    """Every room's final thoughts, summarised (uber moderators)."""
    summary, labels = await services.feedback.summary(principal)
    return FeedbackSummaryOut(
        responses=summary.responses,
        rooms_answered=summary.rooms_answered,
        rooms=[
            RoomFeedbackOut(
                room_id=room.room_id,
                room_label=labels[room.room_id],
                responses=room.responses,
                by_round=room.by_round,
                most_useful=room.most_useful,
                more_useful=room.more_useful,
            )
            for room in summary.rooms
        ],
    )


# -- asks ----------------------------------------------------------------------------


@router.post("/asks", status_code=status.HTTP_201_CREATED, tags=["live"])
async def ask(body: AskBody, principal: PrincipalDep, services: ServicesDep) -> AskView:
    """A team member asks for one more minute, or says the room is done."""
    return await services.asks.ask(principal, kind=body.kind)


@router.post("/asks/{ask_id}/answer", tags=["live"])
async def answer_ask(
    ask_id: str, body: AnswerBody, principal: PrincipalDep, services: ServicesDep
) -> AskView:
    """The room's moderator or an uber accepts or declines an ask."""
    return await services.asks.answer(
        principal, ask_id=ask_id, accept=body.accept, expected_version=body.expected_version
    )


# -- data rights ------------------------------------------------------------------------


@router.get("/export", tags=["data"])
async def export(principal: PrincipalDep, services: ServicesDep) -> dict[str, Any]:
    """Everything kept of the event (an uber moderator) or of the caller's team (a team
    member): teams, rooms, notes, final thoughts, asks and the timing log."""
    return await services.data.export(principal)


@router.get(
    "/export/{section}.csv",
    tags=["data"],
    response_class=Response,
    responses={
        200: {"description": "One section", "content": {"text/csv": {"schema": {"type": "string"}}}}
    },
)
async def export_csv(section: Section, principal: PrincipalDep, services: ServicesDep) -> Response:
    """One section of the export as CSV (lists and objects as JSON text in their cell)."""
    data = await services.data.export(principal)
    rows: list[dict[str, Any]] = data[section]
    header = list(rows[0]) if rows else list(EMPTY_HEADERS[section])
    body = csv_text(
        header,
        ([_cell(row.get(name)) for name in header] for row in rows),
    )
    return PlainTextResponse(
        body,
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{section}.csv"'},
    )


def _cell(value: object) -> object:
    return json.dumps(value) if isinstance(value, list | dict) else value


@router.post("/event/delete", tags=["data"])
async def delete_event(
    body: DeleteEventBody, steward: StewardDep, services: ServicesDep
) -> Deleted:
    """Delete the event and everything about it (an uber moderator, or the admin key with
    ?event_id=): its links stop at once. Type its title in ``confirm``."""
    title = await services.data.delete_event(steward, confirm=body.confirm)
    return Deleted(deleted=steward.event_id, title=title)


# -- the report -------------------------------------------------------------------------


@router.get("/report", tags=["report"])
async def report(steward: StewardDep, services: ServicesDep) -> dict[str, Any]:
    """How the event ran, room by room: planned against actual phases, drift, pauses,
    time added, overtime, help waits, asks, broadcasts, final thoughts (an uber, or the
    admin key with ?event_id=)."""
    return await services.reports.report(steward)


def _document(media_type: str, description: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {"description": description, "content": {media_type: {"schema": {"type": "string"}}}}
    }


@router.get(
    "/report.md",
    tags=["report"],
    response_class=Response,
    responses=_document("text/markdown", "The report as Markdown"),
)
async def report_markdown(steward: StewardDep, services: ServicesDep) -> Response:
    text = report_formats.markdown(await services.reports.report(steward))
    return Response(text, media_type="text/markdown; charset=utf-8")


@router.get(
    "/report.csv",
    tags=["report"],
    response_class=Response,
    responses=_document("text/csv", "One row per phase run"),
)
async def report_csv(steward: StewardDep, services: ServicesDep) -> Response:
    text = report_formats.csv(await services.reports.report(steward))
    return Response(
        text,
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="report.csv"'},
    )


@router.get(
    "/report.svg",
    tags=["report"],
    response_class=Response,
    responses=_document("image/svg+xml", "The timeline chart"),
)
async def report_svg(steward: StewardDep, services: ServicesDep) -> Response:
    return Response(
        report_formats.svg(await services.reports.report(steward)), media_type="image/svg+xml"
    )
