"""Request bodies for correcting a setup (``/api/teams/{id}``, ``/api/rooms/{id}``).

Rules: every edit names the setup version its author saw (``setup_version``,
from the snapshot's event); only the fields given change; unknown fields are
refused. A video link is http or https, nothing else.
"""

from __future__ import annotations

from typing import Annotated, Literal

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

from server.api.record_ids import RecordId
from server.api.schemas import (
    Body,
    Instant,
    PhaseLength,
    TimingOut,
    Version,
    VideoUrl,
    whole_number,
)
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
    room_id: RecordId | None = Field(description="The room; null takes the team out of every room")
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
    team_ids: list[RecordId] = Field(
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


class FormatSwitchBody(Body):
    """Re-form rooms live: the format, the rooms (none: every room), the teams present and,
    for a fishbowl or a single presenter, the inner teams in seat order."""

    setup_version: Version
    format: Literal["pairs", "fishbowl", "single"]
    room_ids: list[RecordId] | None = Field(
        None,
        max_length=200,
        description="The rooms to re-form; null for every room of the event",
        json_schema_extra={"uniqueItems": True},
    )
    present_team_ids: list[RecordId] = Field(
        min_length=1,
        max_length=500,
        description="The teams taking part (from the rooms re-formed, or from no room)",
        json_schema_extra={"uniqueItems": True},
    )
    inner_team_ids: list[RecordId] = Field(
        default_factory=list,
        max_length=4,
        description="Fishbowl: the two inner teams (presenting first); single: the "
        "presenting team; pairs: none (they are paired automatically)",
        json_schema_extra={"uniqueItems": True},
    )


class FormatSwitched(BaseModel):
    """The rooms re-formed (fresh runs of ``protocol_id``, waiting to be started), the
    rooms ended, and the teams now in no room."""

    format: str
    protocol_id: str
    room_ids: list[str]
    ended_room_ids: list[str]
    absent_team_ids: list[str]
    setup_version: int


class PlanChange(Body):
    """Some of the event's plan (only what is given changes); answered with the timing
    check against the main-room time (nothing given: just the check)."""

    expected_version: Version = Field(description="The event version the caller saw")
    scheduled_start: Instant | None = Field(None, examples=["2027-03-01T15:00:00Z"])
    main_room_at: Instant | None = Field(None, examples=["2027-03-01T16:30:00Z"])
    phase_lengths: list[PhaseLength] | None = Field(
        None,
        max_length=30,
        description="One per phase of the protocol, as '4m' or '90s'; only before any room starts",
        examples=[["4m", "4m", "7m", "7m", "3m"]],
    )


class PlanChanged(BaseModel):
    protocol_id: str
    scheduled_start: float = Field(description="Epoch ms")
    main_room_at: float = Field(description="Epoch ms")
    version: int
    timing: TimingOut
