"""The session's agenda over REST: the uber runs the main-room clock and sets the
main-room segments (before the start)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import Field, StrictFloat

from server.api.deps import PrincipalDep, ServicesDep
from server.api.schemas import ERROR_RESPONSES, Body, PhaseLength, Version
from server.domain.protocol import parse_duration
from server.wire.messages import AgendaView

router = APIRouter(prefix="/api", responses=ERROR_RESPONSES, tags=["live"])


class AgendaCommand(Body):
    """Run the main-room clock: start the session, move to the next or previous segment,
    pause, resume, or add (remove) time."""

    action: Literal["start", "next", "back", "pause", "resume", "adjust_time"]
    expected_version: Version = Field(description="The agenda version the caller saw")
    seconds: StrictFloat | None = Field(
        None, ge=-3600, le=3600, description="For adjust_time: seconds to add (negative: remove)"
    )


class SegmentIn(Body):
    title: str = Field(min_length=1, max_length=80, examples=["Welcome"])
    length: PhaseLength = Field(examples=["10m"])
    part: Literal["before", "after"] = Field(description="Before or after the breakouts")


class AgendaSegments(Body):
    """The main-room segments, in order within each part; the breakouts sit between."""

    segments: list[SegmentIn] = Field(max_length=20)


@router.post("/event/agenda")
async def agenda_command(
    body: AgendaCommand, principal: PrincipalDep, services: ServicesDep
) -> AgendaView:
    """Run the session's main-room clock (uber moderators)."""
    return await services.agenda.command(
        principal, action=body.action, expected_version=body.expected_version, seconds=body.seconds
    )


@router.put("/event/agenda/segments", tags=["setup"])
async def agenda_segments(
    body: AgendaSegments, principal: PrincipalDep, services: ServicesDep
) -> AgendaView:
    """Set the main-room segments before and after the breakouts (before the start)."""
    return await services.agenda.set_segments(
        principal,
        items=[(item.title, parse_duration(item.length), item.part) for item in body.segments],
    )
