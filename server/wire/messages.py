"""The websocket wire schema: what clients send and what the server sends back.

Rules:
- Every frame is a JSON object with a dotted ``type``; client and server
  messages are two separate discriminated unions, so one validation path
  gives one precise error per bad frame (naming the field and what was
  expected) and the JSON schema documents both directions.
- Times on the wire are epoch milliseconds on the server's clock. Deadlines
  are absolute; clients render countdowns themselves from the deadline and
  their measured offset from the server's clock (``clock.ping``).
- Any client message may carry a ``request_id``; the server echoes it on the
  ``command.ok`` or ``error`` that answers it.
- Every ``room.updated`` carries the room's ``version``; versions of a room
  grow by one per change, so a client that sees a gap asks for a snapshot.
  The event and each help request are versioned the same way
  (``event.updated``, ``help.updated``).
- A ``resync`` says the server may have lost messages for this client (its
  live channel between processes was lost and re-established): the client
  asks for a fresh snapshot, after a random delay below ``spread_ms``.
- Event-wide actions and help claims may carry the ``expected_version`` they
  were made against; a stale one is refused with ``conflict``, and the error
  names the change that got there first (``change``).
- Every ``command.ok`` carries a typed result whose ``kind`` is the type of
  the message it answers.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    TypeAdapter,
    model_validator,
)

from server.fields import refuse_nul

RoomAction = Literal[
    "start", "pause", "resume", "next", "back", "adjust_time", "restart_phase", "finish"
]
AccessRole = Literal["uber", "moderator", "member", "observer"]


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid")

    _no_nul = model_validator(mode="before")(staticmethod(refuse_nul))

    request_id: str | None = Field(
        None, max_length=64, description="Echoed on the reply to this message"
    )


# -- client -> server ------------------------------------------------------------


class ClockPing(_Message):
    """Clock sync: the client's send time, echoed with the server's time."""

    type: Literal["clock.ping"]
    client_time: StrictFloat = Field(description="The client's clock when sending, epoch ms")
    offset_ms: StrictFloat | None = Field(
        None,
        ge=-1e13,
        le=1e13,
        description="The client's current estimate of server minus client time, in ms (shown "
        "to uber moderators as the connection's clock quality)",
    )
    round_trip_ms: StrictFloat | None = Field(
        None,
        ge=0,
        le=600_000,
        description="The round trip of the exchange that estimate rests on, in ms",
    )


PERSON_NAME_MAX_CHARS = 60


class PresenceName(_Message):
    """The name this person gives (optional): carried in the room's presence and shown
    beside them to its moderator and the uber moderators; empty clears it. Lasts for the
    connection."""

    type: Literal["presence.name"]
    name: str = Field(max_length=PERSON_NAME_MAX_CHARS, description="The name, as typed")


class SnapshotRequest(_Message):
    """Ask for a fresh ``snapshot`` (after a version gap, a ``resync`` or a ``setup.changed``)."""

    type: Literal["snapshot.request"]


class RoomCommand(_Message):
    """Run one room: start, pause, resume, next, back, adjust_time (+/- seconds),
    restart_phase or finish."""

    type: Literal["room.command"]
    room_id: str = Field(description="The room to run")
    action: RoomAction = Field(description="Which actions apply depends on the room's status")
    expected_version: StrictInt = Field(
        ge=0, description="The room version the command was made against"
    )
    seconds: StrictFloat | None = Field(
        None, description="For adjust_time: seconds to add (negative removes)"
    )


def _event_version() -> Any:
    return Field(
        None,
        ge=0,
        description=(
            "The event version the action was made against; refused with `conflict` if the "
            "event has changed since. Without it, the version the server first reads."
        ),
    )


class StartAll(_Message):
    """Start every room that has not started, at one instant."""

    type: Literal["event.start_all"]
    expected_version: StrictInt | None = _event_version()


class PauseAll(_Message):
    """Pause every running room (overtime included)."""

    type: Literal["event.pause_all"]
    expected_version: StrictInt | None = _event_version()


class ResumeAll(_Message):
    """Resume every paused room."""

    type: Literal["event.resume_all"]
    expected_version: StrictInt | None = _event_version()


class FitToTime(_Message):
    """Compress late rooms so they finish by ``target``.

    The default target is the event's main-room time minus the default recall
    countdown, so rooms are done before the recall begins.
    """

    type: Literal["event.fit_to_time"]
    target: StrictFloat | None = Field(
        None, description="Epoch ms; default: main-room time minus the default recall countdown"
    )
    minimum_seconds: StrictInt | None = Field(
        None,
        ge=0,
        le=600,
        description="The shortest a phase may become; default: the server's setting (60)",
    )
    expected_version: StrictInt | None = _event_version()


class Recall(_Message):
    """Every room gets a return-to-main-room countdown ending at one instant."""

    type: Literal["event.recall"]
    seconds: StrictInt | None = Field(
        None, ge=10, le=120, description="Default: the server's setting (60)"
    )
    expected_version: StrictInt | None = _event_version()


class BroadcastSend(_Message):
    """A message to every room, one room, or one role."""

    type: Literal["broadcast.send"]
    text: str = Field(min_length=1, max_length=500, description="The message")
    room_id: str | None = Field(None, description="One room; default: every room")
    role: str | None = Field(None, description="A protocol role id, or moderator/member/observer")
    expires_in_seconds: StrictInt | None = Field(
        None,
        ge=10,
        le=24 * 3600,
        description="Pages stop showing it this long after it is sent; default: until dismissed",
    )


class HelpRequest(_Message):
    """Ask for an uber moderator (a room's moderator or a team member)."""

    type: Literal["help.request"]
    message: str = Field("", max_length=500, description="What the help is for")


def _help_version() -> Any:
    return Field(
        None,
        ge=0,
        description=(
            "The help request's version as the caller saw it; refused with `conflict` if it "
            "has changed since. Without it, the version the server first reads."
        ),
    )


class HelpClaim(_Message):
    """An uber moderator takes a help request on."""

    type: Literal["help.claim"]
    help_id: str = Field(description="The help request's id")
    expected_version: StrictInt | None = _help_version()


class HelpResolve(_Message):
    """An uber moderator closes a help request (claimed or not)."""

    type: Literal["help.resolve"]
    help_id: str = Field(description="The help request's id")
    expected_version: StrictInt | None = _help_version()


NOTE_MAX_CHARS = 20_000


class NoteSave(_Message):
    """Save a note (as the person types): the caller's own, or their team's, for one phase
    of one round of their room. Acknowledged only once stored."""

    type: Literal["note.save"]
    round_index: StrictInt = Field(ge=0, description="The round the note is about (0 first)")
    phase_id: str = Field(min_length=1, max_length=64, description="The phase's id")
    text: str = Field(max_length=NOTE_MAX_CHARS, description="The whole note, as it stands")
    shared: StrictBool = Field(
        False, description="Share with the pair (the room's teams and moderator)"
    )
    expected_version: StrictInt = Field(
        ge=0,
        description="The note's version as the caller saw it (0: none yet); refused with "
        "`conflict` if it has changed since (the newer note reached the caller as "
        "`note.updated`)",
    )


FEEDBACK_MAX_CHARS = 2_000


class FeedbackSave(_Message):
    """Final thoughts on a round (in its last phase or after): what was most useful, and
    what could have been more useful. One per person (link), room and round."""

    type: Literal["feedback.save"]
    round_index: StrictInt = Field(ge=0, description="The round the feedback is about (0 first)")
    most_useful: str = Field(max_length=FEEDBACK_MAX_CHARS, description="What was most useful")
    more_useful: str = Field(
        max_length=FEEDBACK_MAX_CHARS, description="What could have been more useful"
    )
    expected_version: StrictInt = Field(
        ge=0,
        description="The feedback's version as the caller saw it (0: none yet); refused "
        "with `conflict` if it has changed since",
    )


AskKind = Literal["more_time", "done"]


class RoomAsk(_Message):
    """A team member asks for one more minute, or says the room is done; the room's
    moderator and every uber see it and answer it."""

    type: Literal["room.ask"]
    kind: AskKind = Field(description="more_time: one more minute; done: the room is done")


class RoomAnswer(_Message):
    """The room's moderator or an uber accepts or declines an ask (accepting one more
    minute adds it to the phase)."""

    type: Literal["room.answer"]
    ask_id: str = Field(description="The ask's id")
    accept: StrictBool
    expected_version: StrictInt | None = Field(
        None, ge=0, description="The ask's version as the caller saw it"
    )


class ConsentGive(_Message):
    """Accept the notice on what is kept of what this person writes (before their first note)."""

    type: Literal["consent.give"]


ClientMessage = Annotated[
    ClockPing
    | SnapshotRequest
    | RoomCommand
    | StartAll
    | PauseAll
    | ResumeAll
    | FitToTime
    | Recall
    | BroadcastSend
    | HelpRequest
    | HelpClaim
    | HelpResolve
    | NoteSave
    | FeedbackSave
    | RoomAsk
    | RoomAnswer
    | ConsentGive
    | PresenceName,
    Field(discriminator="type"),
]
client_message_adapter: TypeAdapter[ClientMessage] = TypeAdapter(ClientMessage)


# -- views shared by several server messages ---------------------------------------


class SeatView(BaseModel):
    seat: int
    team_id: str | None
    team_name: str
    organisation: str = ""
    role: str = Field(description="The protocol role this seat plays in the current round")
    fixed: bool = Field(
        default=False,
        description="The seat keeps its role in every round (a team beyond the protocol's seats)",
    )
    challenge: str = ""
    request: str = ""
    member_count: int = Field(
        0, description="How many members the seat's team lists (0: not given), for presence"
    )


class PlannedPhaseView(BaseModel):
    """A length set by fit to time for a phase still to come."""

    round_index: int
    phase_index: int
    seconds: float


class RoomView(BaseModel):
    id: str
    label: str
    video_room: str
    video_url: str = Field(
        default="", description="The video-call room's link (http or https); empty when none"
    )
    moderator_name: str
    protocol_id: str
    status: str
    version: int
    round_index: int
    phase_index: int
    phase_id: str
    phase_title: str
    phase_started_at: float | None = Field(description="Epoch ms")
    deadline: float | None = Field(
        description="Epoch ms the countdown reaches zero; null when paused"
    )
    remaining_ms: float | None = Field(description="Frozen remaining time while paused")
    phase_length_ms: float = Field(description="Planned length plus added time, for progress")
    projected_end: float | None = Field(description="Epoch ms the run is projected to finish")
    drift_seconds: float | None = Field(
        description="Projected end minus the room's current plan's end (+ = late): the "
        "fitted plan after a fit to time, else the scheduled start plus the protocol's length"
    )
    recall_deadline: float | None = None
    returned: bool = False
    seats: list[SeatView]
    planned: list[PlannedPhaseView] = Field(
        default_factory=list,
        description="Lengths fit to time set for phases still to come; a phase not listed "
        "lasts as its protocol says",
    )


EventStatusName = Literal["setup", "running", "recalling", "main_room"]
HelpStatusName = Literal["open", "claimed", "resolved"]


class ChangeView(BaseModel):
    """An event-level change: what, by whom, when."""

    action: str = Field(
        description="start_all, pause_all, resume_all, fit_to_time, recall, room_started "
        "(the first room started while the event was in setup) or main_room (the recall ended)"
    )
    by: str = Field(description="The label of whoever made it; 'timer' for the end of a recall")
    at: float = Field(description="Epoch ms")


class EventView(BaseModel):
    id: str
    title: str
    protocol_id: str
    scheduled_start: float = Field(description="Epoch ms")
    main_room_at: float = Field(description="Epoch ms everyone must be back in the main room")
    status: EventStatusName
    version: int = Field(description="Grows by one with every event-level change")
    setup_version: int = Field(
        default=0,
        description="Grows with every change of the event's teams, rooms, seats or links; "
        "setup edits carry the one their author saw",
    )
    recall_deadline: float | None = None
    last_change: ChangeView | None = None


class HelpView(BaseModel):
    id: str
    room_id: str
    round_index: int
    phase_id: str
    role: str
    requested_by: str
    message: str
    status: HelpStatusName
    version: int = Field(description="Grows by one with every change of the request")
    claimed_by: str
    resolved_by: str = ""
    created_at: float
    updated_at: float


class NoteView(BaseModel):
    """A note as its readers see it."""

    id: str
    room_id: str
    owner: Literal["team", "moderator", "observer"] = Field(
        description="Whose: a team's (shared by its members' links), or a moderator's or "
        "an observer's own"
    )
    team_id: str | None = Field(description="The owning team, for a team's note")
    round_index: int
    phase_id: str
    role: str = Field(description="The owner's protocol role in that round")
    text: str
    shared: bool = Field(description="Shared with the pair")
    version: int = Field(description="Grows by one with every save")
    updated_by: str = Field(description="Who saved it last ('<access>:<label>')")
    updated_at: float = Field(description="Epoch ms of the last save")


class FeedbackView(BaseModel):
    """One person's final thoughts on a round."""

    id: str
    room_id: str
    team_id: str | None = Field(description="The person's team, for a team member")
    round_index: int
    role: str = Field(description="The person's protocol role in that round")
    most_useful: str
    more_useful: str
    version: int
    updated_by: str = Field(description="Who wrote it ('<access>:<label>')")
    updated_at: float = Field(description="Epoch ms")


class AskView(BaseModel):
    """One more minute asked, or the room said to be done, and its answer."""

    id: str
    room_id: str
    round_index: int
    phase_id: str
    kind: AskKind
    status: Literal["open", "accepted", "declined"]
    requested_by: str
    decided_by: str
    version: int
    created_at: float = Field(description="Epoch ms")
    decided_at: float | None = Field(description="Epoch ms")


class PersonView(BaseModel):
    role: str
    label: str
    team_id: str = Field("", description="A team member's team (empty for everyone else)")
    name: str = Field("", description="The name the person gave on their page, if any")
    offset_ms: float | None = Field(
        None, description="The page's estimate of server minus client time (ms); null: not yet"
    )
    round_trip_ms: float | None = Field(
        None, description="The round trip that estimate rests on (ms); null: not yet"
    )


class YouView(BaseModel):
    access: AccessRole
    label: str
    room_id: str | None
    team_id: str | None
    consented: bool = Field(
        False, description="Whether this link accepted the notice on what is kept of notes"
    )


# -- server -> client ---------------------------------------------------------------

_ACTOR = (
    "Who made the change: '<access>:<label>' (the access role alone for a link without a "
    "label), or 'timer'"
)


class Snapshot(BaseModel):
    """Everything the connection may see, at one instant."""

    type: Literal["snapshot"] = "snapshot"
    request_id: str | None = Field(
        None, description="The snapshot.request's request_id; null in the snapshot sent on connect"
    )
    server_time: float = Field(description="Epoch ms when the snapshot was made")
    clock_rate: float = Field(description="Server clock speed (1 normally; 60 in a x60 rehearsal)")
    you: YouView = Field(description="Who this link is")
    event: EventView
    rooms: list[RoomView] = Field(
        description="Every room for an uber moderator (in room order), else the caller's room"
    )
    protocol: dict[str, Any] = Field(
        description="The protocol timeline (as `consult protocols show <id> --json`)"
    )
    protocols: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="The timeline of every other protocol the caller's rooms run, by id (a "
        "room re-formed in another format runs another protocol than the event's)",
    )
    help: list[HelpView] = Field(
        description="The open and claimed help requests of the rooms the caller may see"
    )
    presence: dict[str, list[PersonView]] = Field(
        description="Who is connected to each room the caller may see, by room id; "
        "a room nobody has joined may be absent"
    )
    notes: list[NoteView] = Field(
        default_factory=list,
        description="The caller's own (or their team's) notes of their room, and the notes "
        "the pair shared; none for an uber moderator",
    )
    asks: list[AskView] = Field(
        default_factory=list,
        description="Every ask (one more minute, done) of the rooms the caller may see",
    )
    feedback: list[FeedbackView] = Field(
        default_factory=list,
        description="Final-thoughts feedback: every room's for an uber moderator, else the "
        "caller's own",
    )
    agenda: AgendaView | None = Field(
        None, description="The session's agenda: main-room segments around the breakouts"
    )


class RoomUpdated(BaseModel):
    """A room changed (a room command, an event-wide action or the timer)."""

    type: Literal["room.updated"] = "room.updated"
    room: RoomView = Field(description="The room after the change, with its new version")
    events: list[str] = Field(description="Domain events, e.g. phase.started, run.paused")
    actor: str = Field(description=_ACTOR)


class EventUpdated(BaseModel):
    """The event changed: ``event.version`` is one more than the last one."""

    type: Literal["event.updated"] = "event.updated"
    event: EventView = Field(description="The event after the change")
    actor: str = Field("", description=_ACTOR)


class ClockPong(BaseModel):
    """The answer to a ``clock.ping``."""

    type: Literal["clock.pong"] = "clock.pong"
    request_id: str | None = Field(None, description="The ping's request_id")
    client_time: float = Field(description="The ping's client_time, echoed")
    server_time: float = Field(description="The server's clock when answering, epoch ms")
    clock_rate: float = Field(description="Server clock speed (1 normally; 60 in a x60 rehearsal)")


class BroadcastMessage(BaseModel):
    """A message from an uber moderator."""

    type: Literal["broadcast.message"] = "broadcast.message"
    id: str = Field(description="The broadcast's id, as returned to its sender")
    text: str
    sender: str = Field(description="The uber moderator's link label, else 'Uber moderator'")
    room_id: str | None = Field(description="The room it was sent to; null for every room")
    role: str | None = Field(description="The role it was sent to; null for everyone")
    at: float = Field(description="Epoch ms")
    expires_at: float | None = Field(
        None, description="Epoch ms after which pages stop showing it; null: until dismissed"
    )


class HelpUpdated(BaseModel):
    """A help request was made, claimed or resolved."""

    type: Literal["help.updated"] = "help.updated"
    help: HelpView


class PresenceUpdated(BaseModel):
    """Someone joined or left a room."""

    type: Literal["presence.updated"] = "presence.updated"
    room_id: str
    people: list[PersonView] = Field(
        description="Everyone connected to the room now, one entry per connection "
        "(uber moderators are not counted)"
    )


class Resync(BaseModel):
    """This client may have missed messages (the server's live channel was lost and
    re-established, or fell behind): ask for a fresh snapshot, after a random delay
    below ``spread_ms`` so that thousands of clients do not ask at one instant."""

    type: Literal["resync"] = "resync"
    reason: str = Field(description="Why, in words (for logs, not for people)")
    spread_ms: int = Field(ge=0, description="The longest to wait before asking, in ms")


class SegmentView(BaseModel):
    id: str
    title: str
    seconds: int = Field(description="Planned length (0 for the breakouts: their window)")
    kind: Literal["main", "breakouts"]
    planned_start: float = Field(description="Epoch ms")


class AgendaView(BaseModel):
    """The whole session on one clock: its segments and where it stands."""

    segments: list[SegmentView]
    index: int = Field(description="The current segment; -1 before the start, len(segments) after")
    status: Literal["waiting", "running", "paused", "over"]
    started_at: float | None = Field(None, description="Epoch ms the current segment started")
    deadline: float | None = Field(
        None, description="Epoch ms the current segment's countdown reaches zero (null if paused)"
    )
    remaining_ms: float | None = Field(None, description="Frozen remaining time while paused")
    version: int
    last_change: ChangeView | None = None


class AgendaUpdated(BaseModel):
    """The session moved to another segment, or its segment's time changed."""

    type: Literal["agenda.updated"] = "agenda.updated"
    agenda: AgendaView


class SetupChanged(BaseModel):
    """Teams, rooms or moderators changed: ask for a fresh snapshot."""

    type: Literal["setup.changed"] = "setup.changed"


# -- results: the detail of a command.ok ------------------------------------------------


class RoomCommandResult(BaseModel):
    kind: Literal["room.command"] = "room.command"
    room_id: str
    version: int = Field(description="The room's version after the command")


class _EachRoom(BaseModel):
    changed: list[str] = Field(description="Rooms the action changed")
    skipped: dict[str, str] = Field(description="Rooms left alone, with why")
    event_version: int = Field(description="The event's version after the action")


class StartAllResult(_EachRoom):
    kind: Literal["event.start_all"] = "event.start_all"
    at: float = Field(description="Epoch ms: the one instant every room started")


class PauseAllResult(_EachRoom):
    kind: Literal["event.pause_all"] = "event.pause_all"


class ResumeAllResult(_EachRoom):
    kind: Literal["event.resume_all"] = "event.resume_all"


class RecallResult(_EachRoom):
    kind: Literal["event.recall"] = "event.recall"
    deadline: float = Field(
        description="Epoch ms: the recall deadline, bit-identical to the event's and every room's"
    )


class FitResult(BaseModel):
    """Every room of the event is in exactly one of fitted, on_time, impossible, not_running."""

    kind: Literal["event.fit_to_time"] = "event.fit_to_time"
    target: float = Field(description="Epoch ms")
    fitted: list[str]
    on_time: list[str]
    impossible: dict[str, str]
    not_running: dict[str, str]
    event_version: int


class BroadcastResult(BaseModel):
    kind: Literal["broadcast.send"] = "broadcast.send"
    id: str


class NoteUpdated(BaseModel):
    """A note was saved (sent to its owner's links, and to the pair while it is shared)."""

    type: Literal["note.updated"] = "note.updated"
    note: NoteView


class FeedbackUpdated(BaseModel):
    """Someone's final thoughts were saved (sent to every uber moderator, and to the
    writer's own link)."""

    type: Literal["feedback.updated"] = "feedback.updated"
    feedback: FeedbackView


class AskUpdated(BaseModel):
    """An ask was made or answered (sent to its room and every uber)."""

    type: Literal["ask.updated"] = "ask.updated"
    ask: AskView


class AskResult(BaseModel):
    kind: Literal["room.ask", "room.answer"]
    ask: AskView


class FeedbackResult(BaseModel):
    kind: Literal["feedback.save"] = "feedback.save"
    feedback: FeedbackView


class NoteResult(BaseModel):
    kind: Literal["note.save"] = "note.save"
    note: NoteView


class ConsentResult(BaseModel):
    kind: Literal["consent.give"] = "consent.give"
    consented_at: float = Field(description="Epoch ms when the consent was first recorded")


class NameResult(BaseModel):
    kind: Literal["presence.name"] = "presence.name"
    name: str = Field(
        description="The name as presence shows it: trimmed, inner whitespace made one "
        "space; empty: cleared"
    )


class HelpResult(HelpView):
    kind: Literal["help.request", "help.claim", "help.resolve"]


CommandResult = Annotated[
    RoomCommandResult
    | StartAllResult
    | PauseAllResult
    | ResumeAllResult
    | RecallResult
    | FitResult
    | BroadcastResult
    | HelpResult
    | NoteResult
    | FeedbackResult
    | AskResult
    | ConsentResult
    | NameResult,
    Field(discriminator="kind"),
]


class CommandOk(BaseModel):
    """A command succeeded (sent to its sender only)."""

    type: Literal["command.ok"] = "command.ok"
    request_id: str | None = Field(description="The command's request_id")
    detail: CommandResult = Field(description="The result; its kind is the command's type")


class ErrorMessage(BaseModel):
    """A frame was refused (or, on connect, the token); nothing changed."""

    type: Literal["error"] = "error"
    code: str = Field(description="What went wrong, e.g. command.stale, message.invalid")
    message: str = Field(description="Written for a person; can be shown as is")
    request_id: str | None = Field(
        None, description="The refused frame's request_id, when it could be read"
    )
    field: str | None = Field(None, description="The offending field, if there is one")
    change: ChangeView | None = Field(
        None, description="For a conflict: the change that got there first"
    )
    result: FitResult | None = Field(
        None, description="For a fit to time that fitted no room: why, room by room"
    )
    retry_after_ms: int | None = Field(
        None, description="For rate_limited: milliseconds until a frame is accepted again"
    )


ServerMessage = Annotated[
    Snapshot
    | RoomUpdated
    | EventUpdated
    | ClockPong
    | BroadcastMessage
    | HelpUpdated
    | PresenceUpdated
    | Resync
    | SetupChanged
    | AgendaUpdated
    | NoteUpdated
    | FeedbackUpdated
    | AskUpdated
    | CommandOk
    | ErrorMessage,
    Field(discriminator="type"),
]
server_message_adapter: TypeAdapter[ServerMessage] = TypeAdapter(ServerMessage)
