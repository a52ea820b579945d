"""Request bodies for correcting a setup (``/api/teams/{id}``, ``/api/rooms/{id}``).

Rules: every edit names the setup version its author saw (``setup_version``,
from the snapshot's event); only the fields given change; unknown fields are
refused. A video link is http or https, nothing else.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    model_validator,
)
from sqlmodel import AutoString
from sqlmodel import Field as ColumnField

from server.api.schemas import Body, Version, VideoUrl, whole_number
from server.fields import refuse_nul
from server.wire.team import TeamFields

Seat = Annotated[int, Strict(), Field(ge=1, le=20), BeforeValidator(whole_number)]


class TeamEdit(TeamFields):
    """Some of a team's fields: only those given change."""

    # At least one field to change besides the version (the service says so too).
    model_config = ConfigDict(  # type: ignore[assignment]
        extra="forbid", json_schema_extra={"minProperties": 2}
    )

    setup_version: Version
    name: str = ColumnField("", min_length=1, max_length=120, sa_type=AutoString)

    _no_nul = model_validator(mode="before")(staticmethod(refuse_nul))


class TeamMove(Body):
    """Where a team goes; a taken seat's team changes places with it."""

    setup_version: Version
    room_id: str | None = Field(description="The room; null takes the team out of every room")
    seat: Seat | None = Field(
        None,
        description="1-based; null for the room's first empty seat. One past the protocol's "
        "seats adds a seat with a fixed role",
    )
    role: str | None = Field(
        None,
        max_length=40,
        description="For a seat beyond the protocol's: the role its team keeps in every round",
    )


class SeatOrder(Body):
    """A room's teams in their new seat order (seat 1 first)."""

    setup_version: Version
    team_ids: list[str] = Field(
        min_length=1, max_length=10, json_schema_extra={"uniqueItems": True}
    )


class RoomEdit(Body):
    """Some of a room's fields: only those given change."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 2})

    setup_version: Version
    label: str = Field("", min_length=1, max_length=80)
    video_room: str = Field("", max_length=80, examples=["Breakout 3"])
    video_url: VideoUrl = Field("", examples=["https://zoom.example/j/123456"])
    moderator_name: str = Field("", max_length=120)


class SetupEdited(BaseModel):
    """An edit was made: the setup's version after it."""

    setup_version: int
