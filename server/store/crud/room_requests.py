"""Room requests (one more minute, done): inserted open, then answered only by a
compare-and-set on their version."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain.room_requests import RequestKind, RequestStatus, RoomRequest
from server.store.crud.rows import ROOM_REQUEST
from server.store.models import new_id


def _request(values: Mapping[Any, Any]) -> RoomRequest:
    return RoomRequest(
        id=values["id"],
        event_id=values["event_id"],
        room_id=values["room_id"],
        round_index=values["round_index"],
        phase_id=values["phase_id"],
        kind=RequestKind(values["kind"]),
        status=RequestStatus(values["status"]),
        link_id=values["link_id"],
        requested_by=values["requested_by"],
        decided_by=values["decided_by"],
        version=values["version"],
        created_at=values["created_at"],
        decided_at=values["decided_at"],
    )


async def create_room_request(
    session: AsyncSession,
    *,
    event_id: str,
    room_id: str,
    round_index: int,
    phase_id: str,
    kind: RequestKind,
    link_id: str,
    requested_by: str,
    now: float,
) -> RoomRequest:
    values = {
        "id": new_id(),
        "event_id": event_id,
        "room_id": room_id,
        "round_index": round_index,
        "phase_id": phase_id,
        "kind": kind,
        "status": RequestStatus.OPEN,
        "link_id": link_id,
        "requested_by": requested_by,
        "decided_by": "",
        "version": 0,
        "created_at": now,
        "decided_at": None,
    }
    await session.execute(insert(ROOM_REQUEST).values(**values))
    return _request(values)


async def get_room_request(session: AsyncSession, *, request_id: str) -> RoomRequest | None:
    query = select(ROOM_REQUEST).where(ROOM_REQUEST.c.id == request_id)
    row = (await session.execute(query)).mappings().first()
    return None if row is None else _request(row)


async def list_room_requests(
    session: AsyncSession, *, event_id: str, room_id: str | None = None
) -> list[RoomRequest]:
    query = select(ROOM_REQUEST).where(ROOM_REQUEST.c.event_id == event_id)
    if room_id is not None:
        query = query.where(ROOM_REQUEST.c.room_id == room_id)
    query = query.order_by(ROOM_REQUEST.c.created_at, ROOM_REQUEST.c.id)
    return [_request(row) for row in (await session.execute(query)).mappings()]


async def write_room_request(
    session: AsyncSession, *, before: RoomRequest, after: RoomRequest
) -> bool:
    """Compare-and-set: store the answer only if the request is still at ``before.version``."""
    result = await session.execute(
        update(ROOM_REQUEST)
        .where(ROOM_REQUEST.c.id == before.id, ROOM_REQUEST.c.version == before.version)
        .values(
            status=after.status,
            decided_by=after.decided_by,
            decided_at=after.decided_at,
            version=after.version,
        )
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]
