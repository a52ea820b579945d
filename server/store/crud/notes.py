"""Notes: inserted at version 1, then changed only by a compare-and-set on their version."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain.records import Note
from server.store.crud.rows import NOTE, TOKEN
from server.store.models import new_id


def _note(values: Mapping[Any, Any]) -> Note:
    return Note(
        id=values["id"],
        event_id=values["event_id"],
        room_id=values["room_id"],
        owner=values["owner"],
        team_id=values["team_id"],
        round_index=values["round_index"],
        phase_id=values["phase_id"],
        role=values["role"],
        text=values["text"],
        shared=bool(values["shared"]),
        version=values["version"],
        updated_by=values["updated_by"],
        created_at=values["created_at"],
        updated_at=values["updated_at"],
    )


async def find_note(
    session: AsyncSession, *, room_id: str, owner: str, round_index: int, phase_id: str
) -> Note | None:
    query = select(NOTE).where(
        NOTE.c.room_id == room_id,
        NOTE.c.owner == owner,
        NOTE.c.round_index == round_index,
        NOTE.c.phase_id == phase_id,
    )
    row = (await session.execute(query)).mappings().first()
    return None if row is None else _note(row)


async def insert_note(
    session: AsyncSession,
    *,
    event_id: str,
    room_id: str,
    owner: str,
    team_id: str | None,
    round_index: int,
    phase_id: str,
    role: str,
    text: str,
    shared: bool,
    by: str,
    now: float,
) -> Note:
    """A new note, at version 1 (the unique owner/room/round/phase refuses a second)."""
    values = {
        "id": new_id(),
        "event_id": event_id,
        "room_id": room_id,
        "owner": owner,
        "team_id": team_id,
        "round_index": round_index,
        "phase_id": phase_id,
        "role": role,
        "text": text,
        "shared": shared,
        "version": 1,
        "updated_by": by,
        "created_at": now,
        "updated_at": now,
    }
    await session.execute(insert(NOTE).values(**values))
    return _note(values)


async def write_note(
    session: AsyncSession,
    *,
    note_id: str,
    expected_version: int,
    text: str,
    shared: bool,
    by: str,
    now: float,
) -> bool:
    """Compare-and-set: change the note only if it is still at ``expected_version``."""
    result = await session.execute(
        update(NOTE)
        .where(NOTE.c.id == note_id, NOTE.c.version == expected_version)
        .values(
            text=text, shared=shared, version=expected_version + 1, updated_by=by, updated_at=now
        )
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def list_notes(session: AsyncSession, *, event_id: str) -> list[Note]:
    query = (
        select(NOTE)
        .where(NOTE.c.event_id == event_id)
        .order_by(NOTE.c.room_id, NOTE.c.round_index, NOTE.c.created_at)
    )
    return [_note(row) for row in (await session.execute(query)).mappings()]


async def consented_links(session: AsyncSession, *, event_id: str) -> set[str]:
    """The ids of the event's links whose holders accepted the notice."""
    query = select(TOKEN.c.id).where(
        TOKEN.c.event_id == event_id, TOKEN.c.consented_at.is_not(None)
    )
    return set((await session.execute(query)).scalars())


async def record_consent(session: AsyncSession, *, link_id: str, now: float) -> bool:
    """Set once: True if this call recorded it, False if it was recorded before."""
    result = await session.execute(
        update(TOKEN)
        .where(TOKEN.c.id == link_id, TOKEN.c.consented_at.is_(None))
        .values(consented_at=now)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def consented_at(session: AsyncSession, *, link_id: str) -> float | None:
    query = select(TOKEN.c.consented_at).where(TOKEN.c.id == link_id)
    value: float | None = (await session.execute(query)).scalar()
    return value
