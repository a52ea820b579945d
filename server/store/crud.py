"""Keyword-only persistence functions (after the FastAPI full-stack template's crud.py).

Rules:
- Functions take an open session and keyword arguments only, so calls read
  like prose and cannot be mis-ordered; they flush but never commit: the
  caller owns the transaction.
- Room state is written only by ``save_room_state``, a compare-and-set on the
  version.
- Access tokens are random (256 bits) and stored only as their SHA-256 hash;
  the raw token exists once, in the value returned to whoever created it.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.domain.state import RunState
from server.store.codec import state_to_json
from server.store.models import (
    AccessTokenRow,
    CommandLogRow,
    EventRow,
    HelpRequestRow,
    RoomRow,
    TeamRow,
)

TOKEN_BYTES = 32


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# -- events --------------------------------------------------------------------


async def create_event(
    session: AsyncSession,
    *,
    title: str,
    protocol_id: str,
    scheduled_start: float,
    main_room_at: float,
    now: float,
) -> EventRow:
    row = EventRow(
        title=title,
        protocol_id=protocol_id,
        scheduled_start=scheduled_start,
        main_room_at=main_room_at,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def get_event(session: AsyncSession, *, event_id: str) -> EventRow | None:
    return await session.get(EventRow, event_id)


async def set_event_status(
    session: AsyncSession, *, event_id: str, status: str, recall_deadline: float | None = None
) -> None:
    await session.exec(
        update(EventRow)
        .where(col(EventRow.id) == event_id)
        .values(status=status, recall_deadline=recall_deadline)
    )


async def events_recalling(session: AsyncSession) -> Sequence[EventRow]:
    return (await session.exec(select(EventRow).where(col(EventRow.status) == "recalling"))).all()


# -- teams -----------------------------------------------------------------------


async def add_team(
    session: AsyncSession,
    *,
    event_id: str,
    name: str,
    organisation: str = "",
    members: Sequence[str] = (),
    challenge: str = "",
    request: str = "",
    stage: str = "",
    tags: Sequence[str] = (),
) -> TeamRow:
    row = TeamRow(
        event_id=event_id,
        name=name,
        organisation=organisation,
        members=list(members),
        challenge=challenge,
        request=request,
        stage=stage,
        tags=list(tags),
    )
    session.add(row)
    await session.flush()
    return row


async def list_teams(session: AsyncSession, *, event_id: str) -> Sequence[TeamRow]:
    query = select(TeamRow).where(col(TeamRow.event_id) == event_id).order_by(col(TeamRow.name))
    return (await session.exec(query)).all()


async def get_team(session: AsyncSession, *, team_id: str) -> TeamRow | None:
    return await session.get(TeamRow, team_id)


async def get_teams(session: AsyncSession, *, team_ids: Sequence[str]) -> Sequence[TeamRow]:
    if not team_ids:
        return []
    return (await session.exec(select(TeamRow).where(col(TeamRow.id).in_(team_ids)))).all()


# -- rooms -----------------------------------------------------------------------


async def create_room(
    session: AsyncSession,
    *,
    event_id: str,
    label: str,
    team_ids: Sequence[str],
    state: RunState,
    position: int,
    video_room: str = "",
    moderator_name: str = "",
) -> RoomRow:
    row = RoomRow(
        event_id=event_id,
        label=label,
        team_ids=list(team_ids),
        position=position,
        video_room=video_room,
        moderator_name=moderator_name,
        state_json=state_to_json(state),
        version=state.version,
    )
    session.add(row)
    await session.flush()
    return row


async def get_room(session: AsyncSession, *, room_id: str) -> RoomRow | None:
    return await session.get(RoomRow, room_id)


async def get_rooms(session: AsyncSession, *, room_ids: Sequence[str]) -> Sequence[RoomRow]:
    if not room_ids:
        return []
    return (await session.exec(select(RoomRow).where(col(RoomRow.id).in_(room_ids)))).all()


async def list_rooms(session: AsyncSession, *, event_id: str) -> Sequence[RoomRow]:
    query = select(RoomRow).where(col(RoomRow.event_id) == event_id).order_by(col(RoomRow.position))
    return (await session.exec(query)).all()


async def rooms_with_deadlines(session: AsyncSession) -> Sequence[tuple[str, float]]:
    query = select(RoomRow.id, RoomRow.next_due).where(col(RoomRow.next_due).is_not(None))
    return [(room_id, due) for room_id, due in (await session.exec(query)).all() if due is not None]


async def save_room_state(
    session: AsyncSession,
    *,
    room_id: str,
    expected_version: int,
    state: RunState,
    next_due: float | None,
) -> bool:
    """Write ``state`` only if the stored version is still ``expected_version``."""
    result = await session.exec(
        update(RoomRow)
        .where(col(RoomRow.id) == room_id, col(RoomRow.version) == expected_version)
        .values(state_json=state_to_json(state), version=state.version, next_due=next_due)
    )
    return bool(result.rowcount == 1)


@dataclass(frozen=True, slots=True)
class StateWrite:
    room_id: str
    expected_version: int
    state: RunState
    next_due: float | None


async def save_room_states(session: AsyncSession, *, writes: Sequence[StateWrite]) -> set[str]:
    """Compare-and-set many rooms; returns the ids whose write went through.

    One statement for all of them where the driver reports how many rows an
    ``executemany`` changed (SQLite does); one statement per room otherwise.
    """
    if not writes:
        return set()
    dialect = session.bind.dialect if session.bind is not None else None
    if len(writes) == 1 or dialect is None or not dialect.supports_sane_multi_rowcount:
        return {
            write.room_id
            for write in writes
            if await save_room_state(
                session,
                room_id=write.room_id,
                expected_version=write.expected_version,
                state=write.state,
                next_due=write.next_due,
            )
        }
    table = RoomRow.__table__  # type: ignore[attr-defined]
    statement = (
        update(table)
        .where(table.c.id == bindparam("b_id"), table.c.version == bindparam("b_old"))
        .values(
            state_json=bindparam("b_state"), version=bindparam("b_new"), next_due=bindparam("b_due")
        )
    )
    encoded = {write.room_id: state_to_json(write.state) for write in writes}
    result = await session.exec(
        statement,
        params=[
            {
                "b_id": write.room_id,
                "b_old": write.expected_version,
                "b_state": encoded[write.room_id],
                "b_new": write.state.version,
                "b_due": write.next_due,
            }
            for write in writes
        ],
    )
    if result.rowcount == len(writes):
        return set(encoded)
    # Some lost a race: the rooms now holding exactly our state are ours.
    query = select(RoomRow.id, RoomRow.state_json).where(col(RoomRow.id).in_(list(encoded)))
    return {
        room_id for room_id, text in (await session.exec(query)).all() if encoded[room_id] == text
    }


# -- the command log ---------------------------------------------------------------


async def append_log(
    session: AsyncSession,
    *,
    event_id: str,
    room_id: str | None,
    actor: str,
    action: str,
    at: float,
    version_before: int | None = None,
    version_after: int | None = None,
    detail: dict[str, object] | None = None,
) -> None:
    session.add(
        CommandLogRow(
            event_id=event_id,
            room_id=room_id,
            actor=actor,
            action=action,
            at=at,
            version_before=version_before,
            version_after=version_after,
            detail=detail or {},
        )
    )
    await session.flush()


async def append_logs(session: AsyncSession, *, rows: Sequence[dict[str, Any]]) -> None:
    """Append many log rows in one statement (keys as ``append_log``'s arguments)."""
    if rows:
        await session.exec(insert(CommandLogRow.__table__), params=list(rows))  # type: ignore[attr-defined]


async def read_log(
    session: AsyncSession, *, event_id: str, room_id: str | None = None
) -> Sequence[CommandLogRow]:
    query = select(CommandLogRow).where(col(CommandLogRow.event_id) == event_id)
    if room_id is not None:
        query = query.where(col(CommandLogRow.room_id) == room_id)
    return (await session.exec(query.order_by(col(CommandLogRow.id)))).all()


# -- access tokens -----------------------------------------------------------------


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
    session.add(
        AccessTokenRow(
            token_hash=hash_token(token),
            event_id=event_id,
            role=role,
            room_id=room_id,
            team_id=team_id,
            label=label,
            created_at=now,
        )
    )
    await session.flush()
    return token


async def all_tokens(session: AsyncSession) -> Sequence[AccessTokenRow]:
    return (await session.exec(select(AccessTokenRow))).all()


async def resolve_token(session: AsyncSession, *, token: str) -> AccessTokenRow | None:
    return await session.get(AccessTokenRow, hash_token(token))


# -- help requests -----------------------------------------------------------------


async def create_help_request(
    session: AsyncSession,
    *,
    event_id: str,
    room_id: str,
    round_index: int,
    phase_id: str,
    role: str,
    requested_by: str,
    message: str,
    now: float,
) -> HelpRequestRow:
    row = HelpRequestRow(
        event_id=event_id,
        room_id=room_id,
        round_index=round_index,
        phase_id=phase_id,
        role=role,
        requested_by=requested_by,
        message=message,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def get_help_request(session: AsyncSession, *, help_id: str) -> HelpRequestRow | None:
    return await session.get(HelpRequestRow, help_id)


async def list_help_requests(
    session: AsyncSession,
    *,
    event_id: str,
    room_id: str | None = None,
    include_resolved: bool = False,
) -> Sequence[HelpRequestRow]:
    query = select(HelpRequestRow).where(col(HelpRequestRow.event_id) == event_id)
    if room_id is not None:
        query = query.where(col(HelpRequestRow.room_id) == room_id)
    if not include_resolved:
        query = query.where(col(HelpRequestRow.status) != "resolved")
    return (await session.exec(query.order_by(col(HelpRequestRow.created_at)))).all()
