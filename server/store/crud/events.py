"""Events: created, read, and changed only by a compare-and-set on their version."""

from __future__ import annotations

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain.event import EventState, EventStatus
from server.domain.records import Event
from server.store.crud.rows import EVENT, event_from_row
from server.store.models import new_id


async def create_event(
    session: AsyncSession,
    *,
    title: str,
    protocol_id: str,
    scheduled_start: float,
    main_room_at: float,
    now: float,
) -> Event:
    values = {
        "id": new_id(),
        "title": title,
        "protocol_id": protocol_id,
        "scheduled_start": scheduled_start,
        "main_room_at": main_room_at,
        "status": EventStatus.SETUP,
        "version": 0,
        "recall_deadline": None,
        "last_action": "",
        "last_by": "",
        "last_at": None,
        "setup_version": 0,
        "created_at": now,
    }
    await session.execute(insert(EVENT).values(**values))
    return event_from_row(values)


async def get_event(session: AsyncSession, *, event_id: str) -> Event | None:
    row = (await session.execute(select(EVENT).where(EVENT.c.id == event_id))).first()
    return None if row is None else event_from_row(row)


async def write_event(
    session: AsyncSession, *, event_id: str, expected_version: int, state: EventState
) -> bool:
    """Compare-and-set: store ``state`` only if the event is still at ``expected_version``."""
    change = state.last_change
    result = await session.execute(
        update(EVENT)
        .where(EVENT.c.id == event_id, EVENT.c.version == expected_version)
        .values(
            status=state.status,
            version=state.version,
            recall_deadline=state.recall_deadline,
            last_action=change.action if change else "",
            last_by=change.by if change else "",
            last_at=change.at if change else None,
        )
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def update_event_plan(
    session: AsyncSession,
    *,
    event_id: str,
    scheduled_start: float,
    main_room_at: float,
    protocol_id: str,
) -> None:
    """The event's plan; written beside the compare-and-set on its version."""
    await session.execute(
        update(EVENT)
        .where(EVENT.c.id == event_id)
        .values(scheduled_start=scheduled_start, main_room_at=main_room_at, protocol_id=protocol_id)
    )


async def events_recalling(session: AsyncSession) -> list[tuple[str, float]]:
    query = select(EVENT.c.id, EVENT.c.recall_deadline).where(
        EVENT.c.status == EventStatus.RECALLING
    )
    return [
        (event_id, deadline)
        for event_id, deadline in (await session.execute(query)).all()
        if deadline is not None
    ]


async def delete_event(session: AsyncSession, *, event_id: str) -> bool:
    """Delete an event; every row that belongs to it goes with it (ON DELETE CASCADE)."""
    result = await session.execute(delete(EVENT).where(EVENT.c.id == event_id))
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def events_ended_before(session: AsyncSession, *, instant: float) -> list[str]:
    """Events whose main-room time is before ``instant``."""
    query = select(EVENT.c.id).where(EVENT.c.main_room_at < instant)
    return list((await session.execute(query)).scalars())
