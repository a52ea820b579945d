"""REST request bodies and responses (the websocket's are in ``server.wire.messages``).

Rules: times in requests are ISO 8601 with a time zone; times in responses
are epoch milliseconds, like on the websocket. Unknown fields are refused.
"""

from __future__ import annotations

from typing import Annotated, Generic, Literal, TypeVar, get_args
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StrictBool,
    StrictFloat,
    StringConstraints,
    model_validator,
)

from server.fields import refuse_nul
from server.wire.messages import (
    FEEDBACK_MAX_CHARS,
    NOTE_MAX_CHARS,
    AccessRole,
    AskKind,
    ChangeView,
    FitResult,
    RoomAction,
)
from server.wire.team import TeamOut

T = TypeVar("T")


def whole_number(value: object) -> object:
    """JSON Schema's integer includes 3.0: take it as 3 (strings and booleans stay refused)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _not_a_number(value: object) -> object:
    if isinstance(value, int | float):
        raise ValueError("expected an ISO 8601 date-time with a time zone, not a number")
    return value


# Integers as JSON Schema means them: 3 and 3.0, never "3" or true. The bounds sit inside
# the type (before the validator, which pydantic applies first), so the schema of an
# optional field keeps them as minimum and maximum.
Version = Annotated[int, Strict(), Field(ge=0), BeforeValidator(whole_number)]
RecallSeconds = Annotated[int, Strict(), Field(ge=10, le=120), BeforeValidator(whole_number)]
MinimumSeconds = Annotated[int, Strict(), Field(ge=0, le=600), BeforeValidator(whole_number)]
ExpirySeconds = Annotated[int, Strict(), Field(ge=10, le=24 * 3600), BeforeValidator(whole_number)]
RoundIndex = Annotated[int, Strict(), Field(ge=0, le=19), BeforeValidator(whole_number)]
PhaseLength = Annotated[
    str,
    StringConstraints(
        max_length=16,
        pattern=r"^\s*(0*[1-9][0-9]*\s*m(in)?(\s*[0-9]+\s*s(ec)?)?"
        r"|(0+\s*m(in)?\s*)?0*[1-9][0-9]*\s*s(ec)?)\s*$",
    ),
]
"""A phase's length as the protocol files write it: "4m", "90s", "1m30s"."""
Instant = Annotated[AwareDatetime, BeforeValidator(_not_a_number)]
"""An ISO 8601 date-time with a time zone; a bare number is refused, as the schema says."""


def _web_link(value: str) -> str:
    if value:
        parts = urlsplit(value)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            raise ValueError("a video link starts with http:// or https:// and names a host")
    return value


VideoUrl = Annotated[
    str,
    # Whitespace spelled out beyond \s: the server's regex engine and JSON Schema's
    # (ECMA) disagree on U+0085 and U+FEFF, and the two must accept the same links.
    StringConstraints(max_length=500, pattern=r"^(https?://[^\s\x85\uFEFF/?#]+[^\s\x85\uFEFF]*)?$"),
    AfterValidator(_web_link),
]
"""A video-call room's link (http or https), or "" for none."""


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    _no_nul = model_validator(mode="before")(staticmethod(refuse_nul))


class EventCreate(Body):
    title: str = Field(min_length=1, max_length=200)
    protocol_id: str = Field("t4tla-consultancy", examples=["t4tla-consultancy"])
    scheduled_start: Instant = Field(examples=["2027-03-01T15:00:00Z"])
    main_room_at: Instant = Field(
        description="When everyone must be back in the main room; after scheduled_start",
        examples=["2027-03-01T16:30:00Z"],
    )
    uber_may_mint_uber: StrictBool = Field(
        False, description="Whether the event's first uber link may make further uber links"
    )
    phase_lengths: list[PhaseLength] | None = Field(
        None,
        max_length=30,
        description="The event's own phase lengths, one per phase of the protocol, written "
        "as the protocol files write them ('4m', '90s', '1m30s'); null for the protocol's",
        examples=[["4m", "4m", "7m", "7m", "3m"]],
    )


class RoomCreate(Body):
    team_ids: list[str] = Field(
        min_length=1,
        max_length=10,
        description="Teams in seat order, each once",
        json_schema_extra={"uniqueItems": True},
    )
    label: str | None = Field(None, max_length=80)
    video_room: str = Field("", max_length=80, examples=["Breakout 3"])
    video_url: VideoUrl = Field("", examples=["https://zoom.example/j/123456"])
    moderator_name: str = Field("", max_length=120)


class PairRequest(Body):
    by: Literal["tags", "stage", "both"] = "both"
    odd_team: Literal["join", "observe"] | None = Field(
        None,
        description="Where an odd team goes: 'join' (a three-team room in which it joins "
        "the inquiry) or 'observe' (it sits in a room as observers). Needed when the "
        "teams to pair are odd in number",
    )


class _LinkCreate(Body):
    label: str = Field("", max_length=120, description="Who the link is for")


class UberLinkCreate(_LinkCreate):
    """An uber moderator's link: the whole event."""

    role: Literal["uber"]
    room_id: None = None
    team_id: None = None
    may_mint_uber: StrictBool = Field(
        False, description="May make, revoke and rotate uber links (admin key only)"
    )


class RoomLinkCreate(_LinkCreate):
    """A room moderator's or an observer's link: one room."""

    role: Literal["moderator", "observer"]
    room_id: str
    team_id: None = None


class MemberLinkCreate(_LinkCreate):
    """A team member's link: a room, and a team seated in it."""

    role: Literal["member"]
    room_id: str
    team_id: str


LinkCreate = Annotated[
    UberLinkCreate | RoomLinkCreate | MemberLinkCreate, Field(discriminator="role")
]


class LinkOut(BaseModel):
    """A link just made: the only time its URL is shown."""

    id: str
    role: AccessRole
    label: str
    url: str
    room_id: str | None
    team_id: str | None
    may_mint_uber: bool = False
    replaces: str | None = Field(None, description="The link this one was issued in place of")


LinkStatus = Literal["live", "revoked", "expired"]


class LinkInfo(BaseModel):
    """An issued link as the links page lists it (never its URL)."""

    id: str
    role: AccessRole
    label: str
    room_id: str | None
    room_label: str | None
    team_id: str | None
    team_name: str | None
    may_mint_uber: bool
    status: LinkStatus
    created_at: float = Field(description="Epoch milliseconds")
    last_seen_at: float | None = Field(description="When the link was last used (epoch ms)")
    connected: bool = Field(description="Whether the link has a live connection now")
    expires_at: float = Field(description="When the link stops working with its event (epoch ms)")
    revoked_at: float | None = Field(description="Epoch milliseconds")
    revoked_by: str | None
    replaced_by: str | None = Field(description="The link a rotation issued in its place")


class RoleBody(Body):
    role: AccessRole


class Revoked(BaseModel):
    revoked: list[str] = Field(description="Ids of the links revoked")
    kept: list[str] = Field(
        default_factory=list, description="Ids left alone: the link making the request"
    )


class TimingOut(BaseModel):
    """Whether the plan fits between the start and the main-room time, with the numbers."""

    needed_seconds: float
    window_seconds: float
    fits: bool
    message: str = Field(
        examples=[
            "two rounds take 50 min; the window is 30 min: shorten phases, start earlier, "
            "or fit to time later"
        ]
    )


class EventCreated(BaseModel):
    id: str
    uber_link: LinkOut
    protocol_id: str = Field(description="The protocol the rooms run (adapted if lengths given)")
    timing: TimingOut


class AdjustTimeBody(Body):
    action: Literal["adjust_time"]
    expected_version: Version
    seconds: StrictFloat = Field(description="Seconds to add to the phase (negative: remove)")


PlainAction = Literal["start", "pause", "resume", "next", "back", "restart_phase", "finish"]
assert {*get_args(PlainAction), "adjust_time"} == set(get_args(RoomAction)), "every room action"


class PlainCommandBody(Body):
    action: PlainAction
    expected_version: Version
    seconds: None = None


RoomCommandBody = Annotated[AdjustTimeBody | PlainCommandBody, Field(discriminator="action")]


def _expected_version(what: str) -> int | None:
    return Field(
        None,
        description=f"The {what} version the action was made against: refused with 409 "
        "`conflict` if it has changed since. Without it, the version the server first reads.",
    )


class EventActionBody(Body):
    """Optional body of start-all, pause-all and resume-all."""

    expected_version: Version | None = _expected_version("event")


class RecallBody(Body):
    seconds: RecallSeconds | None = Field(None, description="Default: the server's setting (60)")
    expected_version: Version | None = _expected_version("event")


class FitBody(Body):
    target: Instant | None = Field(
        None, description="Default: main-room time minus the recall countdown"
    )
    minimum_seconds: MinimumSeconds | None = None
    expected_version: Version | None = _expected_version("event")


class HelpMoveBody(Body):
    """Optional body of a help claim or resolve."""

    expected_version: Version | None = _expected_version("help request")


class BroadcastBody(Body):
    text: str = Field(min_length=1, max_length=500)
    room_id: str | None = None
    role: str | None = None
    expires_in_seconds: ExpirySeconds | None = Field(
        None,
        description="Pages stop showing it this long after it is sent; default: until dismissed",
    )


class NoteBody(Body):
    round_index: RoundIndex = Field(description="The round the note is about (0 first)")
    phase_id: str = Field(min_length=1, max_length=64, examples=["collaborative-inquiry"])
    text: str = Field(max_length=NOTE_MAX_CHARS, description="The whole note, as it stands")
    shared: StrictBool = Field(False, description="Share with the pair")
    expected_version: Version = Field(
        description="The note's version as the caller saw it (0: none yet)"
    )


class FeedbackBody(Body):
    round_index: RoundIndex = Field(description="The round the feedback is about (0 first)")
    most_useful: str = Field(max_length=FEEDBACK_MAX_CHARS, description="What was most useful")
    more_useful: str = Field(
        max_length=FEEDBACK_MAX_CHARS, description="What could have been more useful"
    )
    expected_version: Version = Field(
        description="The answers' version as the caller saw them (0: none yet)"
    )


class RoomFeedbackOut(BaseModel):
    room_id: str
    room_label: str
    responses: int
    by_round: dict[int, int] = Field(description="Responses per round index")
    most_useful: list[str] = Field(description="What was most useful, in the order given")
    more_useful: list[str] = Field(description="What could have been more useful")


class FeedbackSummaryOut(BaseModel):
    responses: int
    rooms_answered: int
    rooms: list[RoomFeedbackOut] = Field(description="Every room, in room order")


class AskBody(Body):
    kind: AskKind = Field(description="more_time: one more minute; done: the room is done")


class AnswerBody(Body):
    accept: StrictBool
    expected_version: Version | None = Field(
        None, description="The ask's version as the caller saw it"
    )


class DeleteEventBody(Body):
    confirm: str = Field(
        max_length=200, description="The event's title, typed exactly, to confirm the deletion"
    )


class Deleted(BaseModel):
    deleted: str = Field(description="The deleted event's id")
    title: str


class ScalePoint(BaseModel):
    value: str
    label: str


class FormQuestion(BaseModel):
    id: str
    kind: Literal["scale", "text"]
    prompt: str


class FormOut(BaseModel):
    id: str
    title: str
    description: str
    source: str = Field(description="Where the form comes from")
    scale: list[ScalePoint] = Field(description="The five points of every scale question")
    questions: list[FormQuestion]


class FormResponseOut(BaseModel):
    id: str
    form_id: str
    answers: dict[str, str] = Field(description="Question id to answer (a scale point's value)")
    version: int
    updated_at: float = Field(description="Epoch ms")


class FormsOut(BaseModel):
    forms: list[FormOut] = Field(description="The forms of the caller's event")
    mine: list[FormResponseOut] = Field(description="The caller's own answers")


class AnswersBody(Body):
    answers: dict[str, Annotated[str, Field(max_length=2000)]] = Field(
        max_length=50, description="Question id to answer; questions left out stay unanswered"
    )
    expected_version: Version = Field(
        description="The answers' version as the caller saw them (0: none yet)"
    )


class QuestionResultOut(BaseModel):
    id: str
    kind: Literal["scale", "text"]
    prompt: str
    answered: int
    counts: dict[str, int] = Field(description="A scale question's count per point, every point")
    texts: list[str] = Field(description="A text question's answers, in the order given")


class FormResultsOut(BaseModel):
    form: FormOut
    responses: int
    questions: list[QuestionResultOut]


class ConsentOut(BaseModel):
    consented_at: float = Field(description="Epoch ms when the consent was first recorded")


class HelpBody(Body):
    message: str = Field("", max_length=500)


class Result(BaseModel, Generic[T]):
    detail: T


class RoomOut(BaseModel):
    id: str
    label: str
    team_ids: list[str]


class PairResult(BaseModel):
    rooms: list[RoomOut]
    unpaired_team_ids: list[str] = Field(
        description="Teams that could not be placed (only copies of one another were left)"
    )
    odd_team_id: str | None = Field(None, description="The odd team, seated as ``odd_team`` asked")


class ImportResult(BaseModel):
    """What an import did: teams added, teams updated with the file's columns, and teams
    the file named again with nothing new."""

    added: list[TeamOut]
    updated: list[TeamOut]
    unchanged: list[TeamOut]


class ErrorDetail(BaseModel):
    """What went wrong, for the person who made the request (docs/api.md section 6)."""

    code: str = Field(description="Stable: request.invalid, auth.invalid, conflict, ...")
    message: str = Field(description="Says what was wrong, in words that can be shown as is")
    field: str | None = Field(description="The offending field, when there is one")
    change: ChangeView | None = Field(
        None, description="For a conflict: the change that got there first"
    )
    result: FitResult | None = Field(
        None, description="For a fit to time that fitted no room: why, room by room"
    )


class ErrorBody(BaseModel):
    """Every refusal's body, whatever its status."""

    error: ErrorDetail


_RETRY_AFTER = {"description": "Seconds to wait", "schema": {"type": "integer"}}
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorBody, "description": "A body that cannot be read"},
    401: {"model": ErrorBody, "description": "No valid join token (or admin key)"},
    403: {"model": ErrorBody, "description": "This link may not do that"},
    404: {"model": ErrorBody, "description": "No such event, room, team, link or request"},
    409: {"model": ErrorBody, "description": "Stale, refused or lost to another change"},
    413: {"model": ErrorBody, "description": "A body over its cap"},
    422: {"model": ErrorBody, "description": "A value that breaks the schema or the rules"},
    429: {
        "model": ErrorBody,
        "description": "Too many requests from this link or address",
        "headers": {"Retry-After": _RETRY_AFTER},
    },
    503: {
        "model": ErrorBody,
        "description": "The database is busy: try again",
        "headers": {"Retry-After": _RETRY_AFTER},
    },
}
"""Declared on every operation: each can answer any of these."""
