"""REST request bodies and responses (the websocket's are in ``server.wire.messages``).

Rules: times in requests are ISO 8601 with a time zone; times in responses
are epoch milliseconds, like on the websocket. Unknown fields are refused.
"""

from __future__ import annotations

from typing import Generic, Literal, TypeVar

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    model_validator,
)

from server.fields import refuse_nul
from server.wire.messages import AccessRole, RoomAction

T = TypeVar("T")


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    _no_nul = model_validator(mode="before")(staticmethod(refuse_nul))


class EventCreate(_Body):
    title: str = Field(min_length=1, max_length=200)
    protocol_id: str = Field("t4tla-consultancy", examples=["t4tla-consultancy"])
    scheduled_start: AwareDatetime
    main_room_at: AwareDatetime = Field(description="When everyone must be back in the main room")


class RoomCreate(_Body):
    team_ids: list[str] = Field(min_length=1, max_length=10, description="Teams in seat order")
    label: str | None = Field(None, max_length=80)
    video_room: str = Field("", max_length=80, examples=["Breakout 3"])
    moderator_name: str = Field("", max_length=120)


class PairRequest(_Body):
    by: Literal["tags", "stage", "both"] = "both"


class LinkCreate(_Body):
    role: AccessRole
    room_id: str | None = None
    team_id: str | None = None
    label: str = Field("", max_length=120, description="Who the link is for")


class LinkOut(BaseModel):
    role: AccessRole
    label: str
    url: str
    room_id: str | None
    team_id: str | None


class EventCreated(BaseModel):
    id: str
    uber_link: LinkOut


class RoomCommandBody(_Body):
    action: RoomAction
    expected_version: StrictInt = Field(ge=0)
    seconds: StrictFloat | None = None


def _expected_version(what: str) -> int | None:
    return Field(
        None,
        ge=0,
        description=f"The {what} version the action was made against: refused with 409 "
        "`conflict` if it has changed since. Without it, the version the server first reads.",
    )


class EventActionBody(_Body):
    """Optional body of start-all, pause-all and resume-all."""

    expected_version: StrictInt | None = _expected_version("event")


class RecallBody(_Body):
    seconds: StrictInt | None = Field(
        None, ge=10, le=120, description="Default: the server's setting (60)"
    )
    expected_version: StrictInt | None = _expected_version("event")


class FitBody(_Body):
    target: AwareDatetime | None = Field(
        None, description="Default: main-room time minus the recall countdown"
    )
    minimum_seconds: StrictInt | None = Field(None, ge=0, le=600)
    expected_version: StrictInt | None = _expected_version("event")


class HelpMoveBody(_Body):
    """Optional body of a help claim or resolve."""

    expected_version: StrictInt | None = _expected_version("help request")


class BroadcastBody(_Body):
    text: str = Field(min_length=1, max_length=500)
    room_id: str | None = None
    role: str | None = None


class HelpBody(_Body):
    message: str = Field("", max_length=500)


class Result(BaseModel, Generic[T]):
    detail: T


class RoomOut(BaseModel):
    id: str
    label: str
    team_ids: list[str]


class PairResult(BaseModel):
    rooms: list[RoomOut]
    unpaired_team_ids: list[str]
