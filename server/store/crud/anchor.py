"""The rehearsal clock's stored anchor (one row)."""

from __future__ import annotations

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.clock import Anchor
from server.store.crud.rows import ANCHOR


async def get_clock_anchor(session: AsyncSession) -> Anchor | None:
    row = (await session.execute(select(ANCHOR).where(ANCHOR.c.id == 1))).mappings().first()
    return None if row is None else Anchor(row["real_at"], row["protocol_at"], row["speed"])


async def put_clock_anchor(
    session: AsyncSession, *, anchor: Anchor, replacing: Anchor | None
) -> bool:
    """Store ``anchor`` if the stored one is still ``replacing`` (compare-and-set; an
    insert when there was none). False if another process got there first."""
    values = {"real_at": anchor.real_at, "protocol_at": anchor.protocol_at, "speed": anchor.speed}
    if replacing is None:
        try:
            async with session.begin_nested():
                await session.execute(insert(ANCHOR).values(id=1, **values))
        except IntegrityError:
            return False
        return True
    result = await session.execute(
        update(ANCHOR)
        .where(
            ANCHOR.c.id == 1,
            ANCHOR.c.real_at == replacing.real_at,
            ANCHOR.c.protocol_at == replacing.protocol_at,
            ANCHOR.c.speed == replacing.speed,
        )
        .values(**values)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def delete_clock_anchor(session: AsyncSession) -> None:
    await session.execute(delete(ANCHOR))
