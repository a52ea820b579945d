"""Rooms' run states: written only by the batched compare-and-set, read for deadlines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain.state import RunState
from server.store.codec import state_to_json
from server.store.crud.rows import ROOM


async def rooms_with_deadlines(session: AsyncSession) -> list[tuple[str, float]]:
    query = select(ROOM.c.id, ROOM.c.next_due).where(ROOM.c.next_due.is_not(None))
    return [
        (room_id, due) for room_id, due in (await session.execute(query)).all() if due is not None
    ]


@dataclass(frozen=True, slots=True)
class StateWrite:
    room_id: str
    expected_version: int
    state: RunState
    next_due: float | None


async def write_rooms(session: AsyncSession, *, writes: Sequence[StateWrite]) -> set[str]:
    """Compare-and-set many rooms, in the order given; returns the ids whose write went through.

    One ``executemany`` where the driver reports how many rows it changed
    (SQLite does); one statement per room otherwise.
    """
    if not writes:
        return set()
    encoded = {write.room_id: state_to_json(write.state) for write in writes}
    statement = (
        update(ROOM)
        .where(ROOM.c.id == bindparam("b_id"), ROOM.c.version == bindparam("b_old"))
        .values(
            state_json=bindparam("b_state"), version=bindparam("b_new"), next_due=bindparam("b_due")
        )
    )
    params = [
        {
            "b_id": write.room_id,
            "b_old": write.expected_version,
            "b_state": encoded[write.room_id],
            "b_new": write.state.version,
            "b_due": write.next_due,
        }
        for write in writes
    ]
    dialect = session.bind.dialect if session.bind is not None else None
    if len(writes) == 1 or dialect is None or not dialect.supports_sane_multi_rowcount:
        written: set[str] = set()
        for write, values in zip(writes, params, strict=True):
            result = await session.execute(statement, values)
            if result.rowcount == 1:  # type: ignore[attr-defined]
                written.add(write.room_id)
        return written
    result = await session.execute(statement, params)
    if result.rowcount == len(writes):  # type: ignore[attr-defined]
        return set(encoded)
    # Some lost a race: the rooms now holding exactly our state are ours.
    query = select(ROOM.c.id, ROOM.c.state_json).where(ROOM.c.id.in_(list(encoded)))
    return {
        str(room_id)
        for room_id, text in (await session.execute(query)).all()
        if encoded[room_id] == text
    }
