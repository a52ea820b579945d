"""What an event leaves behind, over REST: the export (JSON, CSV), deletion, and the
report (JSON, Markdown, CSV, SVG)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse, Response

from server.api.deps import PrincipalDep, ServicesDep, StewardDep
from server.api.schemas import (
    ERROR_RESPONSES,
    Deleted,
    DeleteEventBody,
)
from server.service.data_rights import EMPTY_HEADERS, Section
from server.spreadsheet import csv_text
from server.wire import report_formats

router = APIRouter(prefix="/api", responses=ERROR_RESPONSES)


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
