"""REST request bodies and responses (the websocket's are in ``server.messages``).

Rules: times in requests are ISO 8601 with a time zone; times in responses
are epoch milliseconds, like on the websocket. Unknown fields are refused.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from server.messages import AccessRole, RoomAction


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EventCreate(_Body):
    title: str = Field(min_length=1, max_length=200)
    protocol_id: str = Field("t4tla-consultancy", examples=["t4tla-consultancy"])
    scheduled_start: AwareDatetime
    main_room_at: AwareDatetime = Field(description="When everyone must be back in the main room")


class TeamCreate(_Body):
    name: str = Field(min_length=1, max_length=120)
    organisation: str = Field("", max_length=200)
    members: list[str] = Field(default_factory=list, max_length=50)
    challenge: str = Field("", max_length=5000, description="The implementation challenge")
    request: str = Field("", max_length=2000, description="The request for feedback")
    stage: str = Field("", max_length=80, description="Stage of implementation")
    tags: list[str] = Field(default_factory=list, max_length=20)


class TeamOut(TeamCreate):
    model_config = ConfigDict(extra="ignore")
    id: str


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
    expected_version: int = Field(ge=0)
    seconds: float | None = None


class RecallBody(_Body):
    seconds: int | None = Field(
        None, ge=10, le=120, description="Default: the server's setting (60)"
    )


class FitBody(_Body):
    target: AwareDatetime | None = Field(
        None, description="Default: main-room time minus the recall countdown"
    )
    minimum_seconds: int | None = Field(None, ge=0, le=600)


class BroadcastBody(_Body):
    text: str = Field(min_length=1, max_length=500)
    room_id: str | None = None
    role: str | None = None


class HelpBody(_Body):
    message: str = Field("", max_length=500)


class Result(BaseModel):
    detail: dict[str, Any]
