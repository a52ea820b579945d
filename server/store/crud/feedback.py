"""Final-thoughts feedback: inserted at version 1, then changed only by a compare-and-set."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain.records import Feedback
from server.store.crud.rows import FEEDBACK
from server.store.models import new_id


def _feedback(values: Mapping[Any, Any]) -> Feedback:
    return Feedback(**{name: values[name] for name in Feedback.__dataclass_fields__})


async def find_feedback(
    session: AsyncSession, *, room_id: str, link_id: str, round_index: int
) -> Feedback | None:
    query = select(FEEDBACK).where(
        FEEDBACK.c.room_id == room_id,
        FEEDBACK.c.link_id == link_id,
        FEEDBACK.c.round_index == round_index,
    )
    row = (await session.execute(query)).mappings().first()
    return None if row is None else _feedback(row)


async def insert_feedback(
    session: AsyncSession,
    *,
    event_id: str,
    room_id: str,
    link_id: str,
    team_id: str | None,
    round_index: int,
    role: str,
    most_useful: str,
    more_useful: str,
    by: str,
    now: float,
) -> Feedback:
    values = {
        "id": new_id(),
        "event_id": event_id,
        "room_id": room_id,
        "link_id": link_id,
        "team_id": team_id,
        "round_index": round_index,
        "role": role,
        "most_useful": most_useful,
        "more_useful": more_useful,
        "version": 1,
        "updated_by": by,
        "created_at": now,
        "updated_at": now,
    }
    await session.execute(insert(FEEDBACK).values(**values))
    return _feedback(values)


async def write_feedback(session: AsyncSession, *, before: Feedback, after: Feedback) -> bool:
    """Compare-and-set: store ``after`` only if the row is still at ``before.version``."""
    result = await session.execute(
        update(FEEDBACK)
        .where(FEEDBACK.c.id == before.id, FEEDBACK.c.version == before.version)
        .values(
            most_useful=after.most_useful,
            more_useful=after.more_useful,
            version=after.version,
            updated_by=after.updated_by,
            updated_at=after.updated_at,
        )
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def list_feedback(session: AsyncSession, *, event_id: str) -> list[Feedback]:
    query = (
        select(FEEDBACK)
        .where(FEEDBACK.c.event_id == event_id)
        .order_by(FEEDBACK.c.room_id, FEEDBACK.c.round_index, FEEDBACK.c.created_at)
    )
    return [_feedback(row) for row in (await session.execute(query)).mappings()]
