"""What every service needs, built once by the app's lifespan and passed along."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.clock import Clock
from server.hub import Hub
from server.protocols import ProtocolLibrary
from server.settings import Settings

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
    single_writer: bool = False
    """True on SQLite: one change at a time per process (see ``write_path``)."""
