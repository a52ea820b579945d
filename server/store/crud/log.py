"""The command log: one row per change, written in the change's transaction."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import JSON, Text, bindparam, cast, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.store.crud.rows import LOG


@dataclass(frozen=True, slots=True)
class LogEntry:
    event_id: str
    room_id: str | None
    actor: str
    action: str
    at: float
    version_before: int | None = None
    version_after: int | None = None
    detail: Mapping[str, object] = field(default_factory=dict)


async def append_logs(session: AsyncSession, *, entries: Iterable[LogEntry]) -> None:
    """Append log rows in one statement. Details are encoded once per distinct detail
    object: the rooms of an event-wide change share theirs."""
    encoded: dict[int, str] = {}
    rows = []
    for entry in entries:
        key = id(entry.detail)
        text = encoded.get(key)
        if text is None:
            text = encoded[key] = json.dumps(entry.detail, separators=(",", ":"))
        rows.append(
            {
                "event_id": entry.event_id,
                "room_id": entry.room_id,
                "actor": entry.actor,
                "action": entry.action,
                "at": entry.at,
                "version_before": entry.version_before,
                "version_after": entry.version_after,
                "detail": text,
            }
        )
    if rows:
        # The detail arrives as JSON text: bound as text and stored in the JSON column as it
        # is (SQLite keeps JSON as text; PostgreSQL is told to read the text as json).
        detail: Any = bindparam("detail", type_=Text)
        if session.bind is not None and session.bind.dialect.name == "postgresql":
            detail = cast(detail, JSON)
        await session.execute(insert(LOG).values(detail=detail), rows)


async def read_log(
    session: AsyncSession, *, event_id: str, room_id: str | None = None
) -> list[LogEntry]:
    query = select(LOG).where(LOG.c.event_id == event_id)
    if room_id is not None:
        query = query.where(LOG.c.room_id == room_id)
    return [
        LogEntry(
            event_id=row["event_id"],
            room_id=row["room_id"],
            actor=row["actor"],
            action=row["action"],
            at=row["at"],
            version_before=row["version_before"],
            version_after=row["version_after"],
            detail=row["detail"],
        )
        for row in (await session.execute(query.order_by(LOG.c.id))).mappings()
    ]
