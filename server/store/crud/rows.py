"""Tables and the records their rows become.

Rules: every other crud module reads rows only through these converters, so a
record is built one way whatever query fetched it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Row

from server.domain.event import Change, EventState, EventStatus
from server.domain.help import HelpState, HelpStatus
from server.domain.records import Event, HelpRequest, Team
from server.store.models import (
    AccessTokenRow,
    ClockAnchorRow,
    CommandLogRow,
    EventRow,
    FeedbackRow,
    FormResponseRow,
    HelpRequestRow,
    NoteRow,
    RoomRequestRow,
    RoomRow,
    SeatRow,
    TeamRow,
)

TOKEN_BYTES = 32


EVENT = EventRow.__table__  # type: ignore[attr-defined]


TEAM = TeamRow.__table__  # type: ignore[attr-defined]


ROOM = RoomRow.__table__  # type: ignore[attr-defined]


SEAT = SeatRow.__table__  # type: ignore[attr-defined]


TOKEN = AccessTokenRow.__table__  # type: ignore[attr-defined]


LOG = CommandLogRow.__table__  # type: ignore[attr-defined]


HELP = HelpRequestRow.__table__  # type: ignore[attr-defined]


ANCHOR = ClockAnchorRow.__table__  # type: ignore[attr-defined]


NOTE = NoteRow.__table__  # type: ignore[attr-defined]


FEEDBACK = FeedbackRow.__table__  # type: ignore[attr-defined]


ROOM_REQUEST = RoomRequestRow.__table__  # type: ignore[attr-defined]


FORM_RESPONSE = FormResponseRow.__table__  # type: ignore[attr-defined]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def event_from_row(row: Row[Any] | Mapping[Any, Any]) -> Event:
    values = row._mapping if isinstance(row, Row) else row
    last = None
    if values["last_action"] and values["last_at"] is not None:
        last = Change(values["last_action"], values["last_by"], values["last_at"])
    return Event(
        id=values["id"],
        title=values["title"],
        protocol_id=values["protocol_id"],
        scheduled_start=values["scheduled_start"],
        main_room_at=values["main_room_at"],
        created_at=values["created_at"],
        setup_version=values["setup_version"],
        state=EventState(
            status=EventStatus(values["status"]),
            version=values["version"],
            recall_deadline=values["recall_deadline"],
            last_change=last,
        ),
    )


def team_from_row(values: Mapping[Any, Any]) -> Team:
    return Team(
        id=values["id"],
        event_id=values["event_id"],
        name=values["name"],
        organisation=values["organisation"],
        members=tuple(values["members"]),
        challenge=values["challenge"],
        request=values["request"],
        stage=values["stage"],
        state=values["state"],
        tags=tuple(values["tags"]),
        emails=tuple(values.get("emails") or ()),
    )


def help_from_row(values: Mapping[Any, Any]) -> HelpRequest:
    return HelpRequest(
        id=values["id"],
        event_id=values["event_id"],
        room_id=values["room_id"],
        round_index=values["round_index"],
        phase_id=values["phase_id"],
        role=values["role"],
        requested_by=values["requested_by"],
        message=values["message"],
        created_at=values["created_at"],
        state=HelpState(
            status=HelpStatus(values["status"]),
            version=values["version"],
            claimed_by=values["claimed_by"],
            resolved_by=values["resolved_by"],
            updated_at=values["updated_at"],
        ),
    )


EVENT_PREFIX = "event__"


EVENT_COLUMNS = tuple(column.label(f"{EVENT_PREFIX}{column.name}") for column in EVENT.c)


def event_from_prefixed_row(row: Mapping[Any, Any]) -> Event:
    return event_from_row(
        {
            key.removeprefix(EVENT_PREFIX): value
            for key, value in row.items()
            if key.startswith(EVENT_PREFIX)
        }
    )
