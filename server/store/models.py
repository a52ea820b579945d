"""The tables. Times are epoch seconds (floats); ids are short random strings.

Rules:
- The schema is changed only by a migration (``server/store/migrations``); a
  test checks that the migrations build exactly these tables.
- Statuses and roles are enums stored as text with a CHECK constraint, so a
  value the code does not know can never be stored.
- Every reference the code relies on is a foreign key. Deleting an event
  deletes what belongs to it; a room's teams are its seats (``seat``), one
  row per seat, and a team sits in at most one room.
- Constraint names follow one convention (PostgreSQL's own defaults), so
  migrations can name what they change on every database.
"""

from __future__ import annotations

import enum
import secrets
from typing import Any

from sqlalchemy import JSON, Column, Enum, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.domain.event import EventStatus
from server.domain.help import HelpStatus
from server.domain.room_requests import RequestKind, RequestStatus
from server.wire.team import TeamFields

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "%(table_name)s_%(column_0_name)s_key",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "%(table_name)s_%(column_0_name)s_fkey",
    "pk": "%(table_name)s_pkey",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION


class AccessRoleName(enum.StrEnum):
    UBER = "uber"
    MODERATOR = "moderator"
    MEMBER = "member"
    OBSERVER = "observer"


def enum_column(kind: type[enum.StrEnum], name: str, **kwargs: Any) -> Column[Any]:
    """Text holding one of ``kind``'s values, with a CHECK constraint naming them."""
    return Column(
        Enum(
            kind,
            name=name,
            native_enum=False,
            create_constraint=True,
            length=16,
            values_callable=lambda members: [member.value for member in members],
            validate_strings=True,
        ),
        nullable=False,
        **kwargs,
    )


def new_id() -> str:
    return secrets.token_hex(6)  # server.api.record_ids.RECORD_ID_PATTERN


class EventRow(SQLModel, table=True):
    __tablename__ = "event"

    id: str = Field(default_factory=new_id, primary_key=True)
    title: str
    protocol_id: str
    scheduled_start: float
    main_room_at: float
    """When everyone must be back in the main room."""
    status: EventStatus = Field(
        default=EventStatus.SETUP, sa_column=enum_column(EventStatus, "status")
    )
    version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    recall_deadline: float | None = None
    last_action: str = Field(default="", sa_column_kwargs={"server_default": ""})
    last_by: str = Field(default="", sa_column_kwargs={"server_default": ""})
    last_at: float | None = None
    setup_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    """Grows with every change of the event's teams, rooms, seats or links."""
    created_at: float = 0.0


class TeamRow(TeamFields, table=True):
    __tablename__ = "team"

    id: str = Field(default_factory=new_id, primary_key=True)
    event_id: str = Field(foreign_key="event.id", index=True, ondelete="CASCADE")


class RoomRow(SQLModel, table=True):
    __tablename__ = "room"

    id: str = Field(default_factory=new_id, primary_key=True)
    event_id: str = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    position: int = 0
    label: str
    video_room: str = ""
    """The video-call room's name as the platform shows it ("Breakout 3")."""
    video_url: str = Field(default="", sa_column_kwargs={"server_default": ""})
    """The video-call room's link (http or https), opened in a new tab; "" when none."""
    moderator_name: str = ""
    state_json: str = Field(sa_column=Column(Text, nullable=False))
    """The run state (``server.store.codec``), with its own format version inside."""
    version: int = 0
    next_due: float | None = Field(default=None, index=True)


class SeatRow(SQLModel, table=True):
    """Seat ``position`` (0 first) of a room is taken by a team."""

    __tablename__ = "seat"

    room_id: str = Field(foreign_key="room.id", primary_key=True, ondelete="CASCADE")
    position: int = Field(primary_key=True)
    team_id: str = Field(foreign_key="team.id", unique=True, ondelete="CASCADE")
    role: str | None = None
    """A protocol role the seat's team keeps in every round (a team beyond the protocol's
    seats); None when the seat's role follows the protocol's rotation."""


class AccessTokenRow(SQLModel, table=True):
    """A join link. ``token_hash`` finds it from the token; ``id`` names it everywhere
    else (lists, revocation, logs), so nothing but its holder ever needs the token."""

    __tablename__ = "access_token"

    token_hash: str = Field(primary_key=True)
    id: str = Field(default_factory=new_id, unique=True)
    event_id: str = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    role: AccessRoleName = Field(sa_column=enum_column(AccessRoleName, "role"))
    room_id: str | None = Field(default=None, foreign_key="room.id", ondelete="CASCADE")
    team_id: str | None = Field(default=None, foreign_key="team.id", ondelete="CASCADE")
    label: str = ""
    created_at: float = 0.0
    may_mint_uber: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    """An uber link the admin allowed to make (and revoke) uber links."""
    revoked_at: float | None = None
    """Set once, by the compare-and-set that revokes the link; a revoked link opens nothing."""
    revoked_by: str = Field(default="", sa_column_kwargs={"server_default": ""})
    replaced_by: str | None = None
    """The id of the link a rotation issued in this one's place."""
    last_seen_at: float | None = None
    """When the link was last used (observed in batches, see ``server.service.sightings``)."""
    online_until: float | None = None
    """While in the future, the link has an open live connection somewhere."""
    consented_at: float | None = None
    """When the link's holder accepted the notice on what is kept of what they write."""


class CommandLogRow(SQLModel, table=True):
    __tablename__ = "command_log"

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    room_id: str | None = Field(
        default=None, foreign_key="room.id", index=True, ondelete="SET NULL"
    )
    actor: str
    action: str
    at: float
    version_before: int | None = None
    version_after: int | None = None
    detail: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class HelpRequestRow(SQLModel, table=True):
    __tablename__ = "help_request"

    id: str = Field(default_factory=new_id, primary_key=True)
    event_id: str = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    room_id: str = Field(foreign_key="room.id", index=True, ondelete="CASCADE")
    round_index: int
    phase_id: str
    role: str
    requested_by: str = ""
    message: str = ""
    status: HelpStatus = Field(default=HelpStatus.OPEN, sa_column=enum_column(HelpStatus, "status"))
    version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    claimed_by: str = ""
    resolved_by: str = Field(default="", sa_column_kwargs={"server_default": ""})
    created_at: float = 0.0
    updated_at: float = 0.0


class NoteRow(SQLModel, table=True):
    """One note: what its owner wrote in one phase of one round of a room.

    ``owner`` is ``team:<id>`` (every member link of a team shares the team's notes)
    or ``link:<id>`` (a moderator's or an observer's own). Changed only by a
    compare-and-set on ``version``; at most one note per owner, room, round and phase.
    """

    __tablename__ = "note"
    __table_args__ = (UniqueConstraint("room_id", "owner", "round_index", "phase_id"),)

    id: str = Field(default_factory=new_id, primary_key=True)
    event_id: str = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    room_id: str = Field(foreign_key="room.id", ondelete="CASCADE")
    owner: str
    team_id: str | None = Field(default=None, foreign_key="team.id", ondelete="CASCADE")
    round_index: int
    phase_id: str
    role: str
    """The owner's protocol role in that round (presenting, inquiry, moderator...)."""
    text: str = ""
    shared: bool = False
    """Shared with the pair: the room's teams and moderator see it too."""
    version: int = 0
    updated_by: str = ""
    created_at: float = 0.0
    updated_at: float = 0.0


class FeedbackRow(SQLModel, table=True):
    """One person's (one link's) final thoughts on one round of a room: what was most
    useful, and what could have been more useful. Changed only by a compare-and-set."""

    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("room_id", "link_id", "round_index"),)

    id: str = Field(default_factory=new_id, primary_key=True)
    event_id: str = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    room_id: str = Field(foreign_key="room.id", ondelete="CASCADE")
    link_id: str
    team_id: str | None = Field(default=None, foreign_key="team.id", ondelete="CASCADE")
    round_index: int
    role: str
    """The person's protocol role in that round."""
    most_useful: str = ""
    more_useful: str = ""
    version: int = 0
    updated_by: str = ""
    created_at: float = 0.0
    updated_at: float = 0.0


class RoomRequestRow(SQLModel, table=True):
    """A room's participant asks for one more minute, or says the room is done; the room's
    moderator or an uber accepts or declines. Changed only by a compare-and-set."""

    __tablename__ = "room_request"

    id: str = Field(default_factory=new_id, primary_key=True)
    event_id: str = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    room_id: str = Field(foreign_key="room.id", ondelete="CASCADE")
    round_index: int
    phase_id: str
    kind: RequestKind = Field(sa_column=enum_column(RequestKind, "kind"))
    status: RequestStatus = Field(
        default=RequestStatus.OPEN, sa_column=enum_column(RequestStatus, "status")
    )
    link_id: str
    requested_by: str
    decided_by: str = ""
    version: int = 0
    created_at: float = 0.0
    decided_at: float | None = None


class FormResponseRow(SQLModel, table=True):
    """One person's (one link's) answers to one reflection form in an event. Changed only
    by a compare-and-set on ``version``."""

    __tablename__ = "form_response"
    __table_args__ = (UniqueConstraint("event_id", "form_id", "link_id"),)

    id: str = Field(default_factory=new_id, primary_key=True)
    event_id: str = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    form_id: str
    link_id: str
    team_id: str | None = Field(default=None, foreign_key="team.id", ondelete="CASCADE")
    room_id: str | None = Field(default=None, foreign_key="room.id", ondelete="CASCADE")
    answers: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    version: int = 0
    updated_by: str = ""
    created_at: float = 0.0
    updated_at: float = 0.0


class AgendaRow(SQLModel, table=True):
    """An event's agenda (``server.domain.agenda``): its segments, where the session
    stands, and a version for compare-and-set."""

    __tablename__ = "agenda"

    event_id: str = Field(foreign_key="event.id", primary_key=True, ondelete="CASCADE")
    segments: list[dict[str, object]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    state: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    version: int = 0


class ClockAnchorRow(SQLModel, table=True):
    """A rehearsal clock's anchor: at real instant ``real_at`` the server's clock read
    ``protocol_at`` and ran ``speed`` times faster than real time. One row (id 1)."""

    __tablename__ = "clock_anchor"

    id: int = Field(default=1, primary_key=True, sa_column_kwargs={"autoincrement": False})
    real_at: float
    protocol_at: float
    speed: float
