"""Access tokens: random, stored only as their hash."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain.records import AccessGrant
from server.store.crud.rows import TOKEN, TOKEN_BYTES, hash_token


async def create_token(
    session: AsyncSession,
    *,
    event_id: str,
    role: str,
    now: float,
    room_id: str | None = None,
    team_id: str | None = None,
    label: str = "",
) -> str:
    """Make a join token and return it raw; only its hash is stored."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    await session.execute(
        insert(TOKEN).values(
            token_hash=hash_token(token),
            event_id=event_id,
            role=role,
            room_id=room_id,
            team_id=team_id,
            label=label,
            created_at=now,
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
    )


async def all_grants(session: AsyncSession) -> list[AccessGrant]:
    return [_grant(row) for row in (await session.execute(select(TOKEN))).mappings()]


async def resolve_token(session: AsyncSession, *, token: str) -> AccessGrant | None:
    query = select(TOKEN).where(TOKEN.c.token_hash == hash_token(token))
    row = (await session.execute(query)).mappings().first()
    return None if row is None else _grant(row)
