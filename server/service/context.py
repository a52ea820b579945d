"""What every service needs, built once by the app's lifespan and passed along."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from server.clock import Clock
from server.errors import NotFound
from server.hub import Hub
from server.protocols import ProtocolLibrary
from server.settings import Settings
from server.store import crud
from server.store.models import EventRow

ScheduleHook = Callable[[str, float | None], None]
"""Tell the scheduler a key ("room:ID" or "event:ID") is next due at an instant (or never)."""


@dataclass
class Context:
    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    protocols: ProtocolLibrary
    clock: Clock
    hub: Hub
    schedule: ScheduleHook


async def require_event(session: AsyncSession, event_id: str) -> EventRow:
    event = await crud.get_event(session, event_id=event_id)
    if event is None:
        raise NotFound(f"no event with id {event_id!r}")
    return event
