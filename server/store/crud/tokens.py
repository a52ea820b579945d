"""Join links: random tokens, stored only as their hash, named by a public id.

Rules:
- The raw token exists once, in the value returned to whoever made it.
- A link's life has one step, live to revoked: ``revoke_links`` is its
  compare-and-set (it revokes only links still live and says which it did).
- ``note_sightings`` records when links were seen and whether they are
  connected: observations nothing is decided on, written in batches.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain.records import AccessGrant
from server.store.crud.rows import EVENT, TOKEN, TOKEN_BYTES, hash_token
from server.store.models import new_id

_WITH_EVENT_END = select(TOKEN, EVENT.c.main_room_at.label("event_ends_at")).join(
    EVENT, EVENT.c.id == TOKEN.c.event_id
)


async def create_token(
    session: AsyncSession,
    *,
    event_id: str,
    role: str,
    now: float,
    room_id: str | None = None,
    team_id: str | None = None,
    label: str = "",
    may_mint_uber: bool = False,
    link_id: str | None = None,
) -> str:
    """Make a join link (named ``link_id``, else a new id); returns its raw token, of
    which only the hash is stored."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    await session.execute(
        insert(TOKEN).values(
            token_hash=hash_token(token),
            id=link_id or new_id(),
            event_id=event_id,
            role=role,
            room_id=room_id,
            team_id=team_id,
            label=label,
            created_at=now,
            may_mint_uber=may_mint_uber,
            revoked_by="",
        )
    )
    return token


def _grant(values: Mapping[Any, Any]) -> AccessGrant:
    return AccessGrant(
        token_hash=values["token_hash"],
        event_id=values["event_id"],
        role=str(values["role"]),
        room_id=values["room_id"],
        team_id=values["team_id"],
        label=values["label"],
        link_id=values["id"],
        created_at=values["created_at"],
        may_mint_uber=bool(values["may_mint_uber"]),
        revoked_at=values["revoked_at"],
        revoked_by=values["revoked_by"],
        replaced_by=values["replaced_by"],
        event_ends_at=values["event_ends_at"],
        last_seen_at=values["last_seen_at"],
        online_until=values["online_until"],
    )


async def live_grants(session: AsyncSession) -> list[AccessGrant]:
    """Every link not revoked (of every event)."""
    query = _WITH_EVENT_END.where(TOKEN.c.revoked_at.is_(None))
    return [_grant(row) for row in (await session.execute(query)).mappings()]


async def resolve_token(session: AsyncSession, *, token: str) -> AccessGrant | None:
    query = _WITH_EVENT_END.where(TOKEN.c.token_hash == hash_token(token))
    row = (await session.execute(query)).mappings().first()
    return None if row is None else _grant(row)


async def list_links(session: AsyncSession, *, event_id: str) -> list[AccessGrant]:
    """Every link of an event, revoked ones too, in the order they were made."""
    query = _WITH_EVENT_END.where(TOKEN.c.event_id == event_id).order_by(
        TOKEN.c.created_at, TOKEN.c.id
    )
    return [_grant(row) for row in (await session.execute(query)).mappings()]


async def revoke_links(
    session: AsyncSession, *, link_ids: Collection[str], now: float, by: str
) -> set[str]:
    """Revoke the links still live among ``link_ids``; returns the ids it revoked."""
    if not link_ids:
        return set()
    statement = (
        update(TOKEN)
        .where(TOKEN.c.id.in_(sorted(link_ids)), TOKEN.c.revoked_at.is_(None))
        .values(revoked_at=now, revoked_by=by, online_until=None)
        .returning(TOKEN.c.id)
    )
    return set((await session.execute(statement)).scalars())


async def revoked_since(session: AsyncSession, *, since: float | None) -> list[tuple[str, str]]:
    """(event id, link id) of the links revoked at or after ``since`` (None: ever)."""
    query = select(TOKEN.c.event_id, TOKEN.c.id).where(TOKEN.c.revoked_at.is_not(None))
    if since is not None:
        query = query.where(TOKEN.c.revoked_at >= since)
    return [(row[0], row[1]) for row in await session.execute(query)]


async def set_replacement(session: AsyncSession, *, link_id: str, replaced_by: str) -> None:
    """Name the link a rotation issued in place of a revoked one."""
    await session.execute(
        update(TOKEN).where(TOKEN.c.id == link_id).values(replaced_by=replaced_by)
    )


async def note_sightings(
    session: AsyncSession,
    *,
    seen: Collection[str],
    online: Collection[str],
    offline: Collection[str],
    now: float,
    online_until: float,
) -> None:
    """``seen`` links were used now; ``online`` ones hold a connection until at least
    ``online_until``; ``offline`` ones have just closed their last one here."""
    for chunk in _chunks(sorted(set(seen) | set(online))):
        await session.execute(update(TOKEN).where(TOKEN.c.id.in_(chunk)).values(last_seen_at=now))
    for chunk in _chunks(sorted(online)):
        await session.execute(
            update(TOKEN)
            .where(TOKEN.c.id.in_(chunk), TOKEN.c.revoked_at.is_(None))
            .values(online_until=online_until)
        )
    for chunk in _chunks(sorted(set(offline) - set(online))):
        await session.execute(update(TOKEN).where(TOKEN.c.id.in_(chunk)).values(online_until=now))


def _chunks(ids: list[str], size: int = 500) -> list[list[str]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]
