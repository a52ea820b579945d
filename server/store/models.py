"""The tables. Times are epoch seconds (floats); ids are short random strings."""

from __future__ import annotations

import secrets

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel


def new_id() -> str:
    return secrets.token_hex(6)


class EventRow(SQLModel, table=True):
    __tablename__ = "event"

    id: str = Field(default_factory=new_id, primary_key=True)
    title: str
    protocol_id: str
    scheduled_start: float
    main_room_at: float
    """When everyone must be back in the main room."""
    status: str = "setup"
    """setup, running, recalling, main_room."""
    recall_deadline: float | None = None
    created_at: float = 0.0


class TeamRow(SQLModel, table=True):
    __tablename__ = "team"

    id: str = Field(default_factory=new_id, primary_key=True)
    event_id: str = Field(foreign_key="event.id", index=True)
    name: str
    organisation: str = ""
    members: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    challenge: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    request: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    stage: str = ""
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class RoomRow(SQLModel, table=True):
    __tablename__ = "room"

    id: str = Field(default_factory=new_id, primary_key=True)
    event_id: str = Field(foreign_key="event.id", index=True)
    position: int = 0
    label: str
    video_room: str = ""
    moderator_name: str = ""
    team_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    """Teams in seat order: seat 1 takes the protocol's first seating role in round 1."""
    state_json: str = Field(sa_column=Column(Text, nullable=False))
    version: int = 0
    next_due: float | None = Field(default=None, index=True)


class AccessTokenRow(SQLModel, table=True):
    __tablename__ = "access_token"

    token_hash: str = Field(primary_key=True)
    event_id: str = Field(foreign_key="event.id", index=True)
    role: str
    """uber, moderator, member or observer."""
    room_id: str | None = None
    team_id: str | None = None
    label: str = ""
    created_at: float = 0.0


class CommandLogRow(SQLModel, table=True):
    __tablename__ = "command_log"

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(index=True)
    room_id: str | None = Field(default=None, index=True)
    actor: str
    action: str
    at: float
    version_before: int | None = None
    version_after: int | None = None
    detail: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class HelpRequestRow(SQLModel, table=True):
    __tablename__ = "help_request"

    id: str = Field(default_factory=new_id, primary_key=True)
    event_id: str = Field(index=True)
    room_id: str
    round_index: int
    phase_id: str
    role: str
    requested_by: str = ""
    message: str = ""
    status: str = "open"
    """open, claimed, resolved."""
    claimed_by: str = ""
    created_at: float = 0.0
    updated_at: float = 0.0
