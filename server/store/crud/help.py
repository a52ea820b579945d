"""Help requests: created, read, and changed only by a compare-and-set on their version."""

from __future__ import annotations

from sqlalchemy import insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain.help import HelpState, HelpStatus
from server.domain.records import HelpRequest
from server.store.crud.rows import HELP, help_from_row
from server.store.models import new_id


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
) -> HelpRequest:
    values = {
        "id": new_id(),
        "event_id": event_id,
        "room_id": room_id,
        "round_index": round_index,
        "phase_id": phase_id,
        "role": role,
        "requested_by": requested_by,
        "message": message,
        "status": HelpStatus.OPEN,
        "version": 0,
        "claimed_by": "",
        "resolved_by": "",
        "created_at": now,
        "updated_at": now,
    }
    await session.execute(insert(HELP).values(**values))
    return help_from_row(values)


async def get_help_request(session: AsyncSession, *, help_id: str) -> HelpRequest | None:
    row = (await session.execute(select(HELP).where(HELP.c.id == help_id))).mappings().first()
    return None if row is None else help_from_row(row)


async def write_help(
    session: AsyncSession, *, help_id: str, expected_version: int, state: HelpState
) -> bool:
    """Compare-and-set: store ``state`` only if the request is still at ``expected_version``."""
    result = await session.execute(
        update(HELP)
        .where(HELP.c.id == help_id, HELP.c.version == expected_version)
        .values(
            status=state.status,
            version=state.version,
            claimed_by=state.claimed_by,
            resolved_by=state.resolved_by,
            updated_at=state.updated_at,
        )
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def hold_requester(session: AsyncSession, *, room_id: str, requested_by: str) -> None:
    """Until the transaction ends, no other transaction passes this point for the same
    person in the same room (PostgreSQL: an advisory transaction lock; SQLite writes one
    transaction at a time anyway), so "one open request per person" holds across
    processes."""
    bind = session.bind
    if bind is not None and bind.dialect.name == "postgresql":
        await session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
            {"key": f"help:{room_id}:{requested_by}"},
        )


async def list_help_requests(
    session: AsyncSession,
    *,
    event_id: str,
    room_id: str | None = None,
    include_resolved: bool = False,
) -> list[HelpRequest]:
    query = select(HELP).where(HELP.c.event_id == event_id)
    if room_id is not None:
        query = query.where(HELP.c.room_id == room_id)
    if not include_resolved:
        query = query.where(HELP.c.status != HelpStatus.RESOLVED)
    query = query.order_by(HELP.c.created_at, HELP.c.id)
    return [help_from_row(row) for row in (await session.execute(query)).mappings()]
