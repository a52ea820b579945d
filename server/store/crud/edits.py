"""Correcting a setup: teams edited or deleted, seats re-dealt, rooms relabelled or deleted.

Rules: these statements only write; what may change is decided by
``server.service.setup_edits`` before, in the same transaction, and the
event's setup version is raised by a compare-and-set (``bump_setup_version``
with the version the editor saw), so two editors never both win. A seat
re-deal deletes the rooms' seats and inserts them again: the seat table's
unique team constraint still refuses a team seated twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.store.crud.rows import EVENT, ROOM, SEAT, TEAM, TOKEN


async def claim_setup_version(session: AsyncSession, *, event_id: str, expected: int) -> bool:
    """Raise the setup version from ``expected``; False if another change came first."""
    result = await session.execute(
        update(EVENT)
        .where(EVENT.c.id == event_id, EVENT.c.setup_version == expected)
        .values(setup_version=expected + 1)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def update_team(session: AsyncSession, *, team_id: str, values: Mapping[str, Any]) -> None:
    if values:
        await session.execute(update(TEAM).where(TEAM.c.id == team_id).values(**values))


async def delete_team(session: AsyncSession, *, team_id: str) -> None:
    """The team, its seat, its member links and what it wrote (foreign keys cascade)."""
    await session.execute(delete(TEAM).where(TEAM.c.id == team_id))


async def deal_seats(
    session: AsyncSession, *, seats: Mapping[str, Sequence[tuple[str, str]]]
) -> None:
    """Each room's seats afresh: (team id or "" for an empty seat, fixed role or "")."""
    if not seats:
        return
    await session.execute(delete(SEAT).where(SEAT.c.room_id.in_(list(seats))))
    rows = [
        {"room_id": room_id, "position": position, "team_id": team_id, "role": role or None}
        for room_id, dealt in seats.items()
        for position, (team_id, role) in enumerate(dealt)
        if team_id
    ]
    if rows:
        await session.execute(insert(SEAT), rows)


async def update_room(session: AsyncSession, *, room_id: str, values: Mapping[str, Any]) -> None:
    if values:
        await session.execute(update(ROOM).where(ROOM.c.id == room_id).values(**values))


async def delete_room(session: AsyncSession, *, room_id: str) -> None:
    """The room, its seats and the links that were for it alone (foreign keys cascade).
    Member links first leave it: they belong to their team, not the room."""
    members = update(TOKEN).where(TOKEN.c.room_id == room_id, TOKEN.c.role == "member")
    await session.execute(members.values(room_id=None))
    await session.execute(delete(ROOM).where(ROOM.c.id == room_id))


async def room_link_ids(session: AsyncSession, *, room_id: str) -> list[str]:
    """The links for the room alone (moderator, observer): they go with it."""
    query = select(TOKEN.c.id).where(TOKEN.c.room_id == room_id, TOKEN.c.role != "member")
    return [str(link_id) for link_id in (await session.execute(query)).scalars()]


async def point_room_links(
    session: AsyncSession, *, from_room_id: str, to_room_id: str
) -> list[str]:
    """The room's own links (moderator, observer) lead to another room; their ids."""
    query = select(TOKEN.c.id).where(TOKEN.c.room_id == from_room_id, TOKEN.c.role != "member")
    ids = [str(link_id) for link_id in (await session.execute(query)).scalars()]
    if ids:
        await session.execute(update(TOKEN).where(TOKEN.c.id.in_(ids)).values(room_id=to_room_id))
    return ids


async def team_link_ids(session: AsyncSession, *, team_ids: Sequence[str]) -> list[str]:
    if not team_ids:
        return []
    query = select(TOKEN.c.id).where(TOKEN.c.team_id.in_(list(team_ids)))
    return [str(link_id) for link_id in (await session.execute(query)).scalars()]


async def rehome_member_links(
    session: AsyncSession, *, homes: Mapping[str, str | None]
) -> list[str]:
    """Point each team's member links at its room (None: no room); their ids."""
    moved: list[str] = []
    for team_id, room_id in homes.items():
        query = select(TOKEN.c.id).where(TOKEN.c.team_id == team_id, TOKEN.c.role == "member")
        ids = [str(link_id) for link_id in (await session.execute(query)).scalars()]
        if ids:
            await session.execute(update(TOKEN).where(TOKEN.c.id.in_(ids)).values(room_id=room_id))
            moved += ids
    return moved
