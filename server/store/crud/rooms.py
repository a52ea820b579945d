"""Rooms' run states: written only by the batched compare-and-set, read for deadlines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Float, Integer, Text, bindparam, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
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
    (SQLite does); on PostgreSQL one ``UPDATE ... FROM (VALUES ...)`` with
    ``RETURNING``; one statement per room otherwise.
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
    if len(writes) > 1 and dialect is not None and dialect.name == "postgresql":
        return await _write_rooms_in_one_statement(session, params)
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


_UNNEST_WRITE = text(
    "UPDATE room SET state_json = incoming.state, version = incoming.new, "
    "next_due = incoming.due "
    "FROM unnest(:ids, :olds, :states, :news, :dues) "
    "AS incoming(id, old, state, new, due) "
    "WHERE room.id = incoming.id AND room.version = incoming.old "
    "RETURNING room.id"
).bindparams(
    bindparam("ids", type_=ARRAY(Text)),
    bindparam("olds", type_=ARRAY(Integer)),
    bindparam("states", type_=ARRAY(Text)),
    bindparam("news", type_=ARRAY(Integer)),
    bindparam("dues", type_=ARRAY(Float)),
)


async def _write_rooms_in_one_statement(
    session: AsyncSession, params: Sequence[Mapping[str, object]]
) -> set[str]:
    """PostgreSQL: the same compare-and-set per room, in one statement whatever the
    number of rooms (asyncpg reports no rowcount for an executemany): the rooms'
    values travel as five arrays, ``unnest`` pairs them up, ``RETURNING`` names the
    rooms whose version still matched. The SQL text never changes, so it is
    prepared once."""
    arrays = {
        "ids": [row["b_id"] for row in params],
        "olds": [row["b_old"] for row in params],
        "states": [row["b_state"] for row in params],
        "news": [row["b_new"] for row in params],
        "dues": [row["b_due"] for row in params],
    }
    result = await session.execute(_UNNEST_WRITE, arrays)
    return {str(room_id) for (room_id,) in result.all()}
