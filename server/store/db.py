"""The database engine: created by the app's lifespan, disposed with it.

Rules: SQLite runs in WAL mode with foreign keys on, so readers never block
the writer and a killed process loses nothing it committed. The schema comes
from the migrations: the embedded SQLite default upgrades itself when the
server starts; another database (PostgreSQL) is upgraded by
``consult db upgrade`` (or ``--upgrade-db``), and a server refuses to start
on a schema older than its own.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from server.store import models as _models  # noqa: F401  (registers the tables)
from server.store.migrate import require_current, upgrade

SQLITE_BUSY_TIMEOUT_MS = 2000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # A bounded wait for another program's write (the server itself writes one at a time):
    # past it the change is refused as busy (503, Retry-After), never left hanging.
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def normalise_url(url: str) -> str:
    """Accept plain sqlite:/postgresql: URLs and pick the async driver."""
    if url.startswith("sqlite:"):
        return "sqlite+aiosqlite:" + url.removeprefix("sqlite:")
    if url.startswith(("postgresql:", "postgres:")):
        return "postgresql+asyncpg:" + url.split(":", 1)[1]
    return url


def create_engine(url: str) -> AsyncEngine:
    engine = create_async_engine(normalise_url(url))
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


async def open_database(url: str, *, upgrade_schema: bool | None = None) -> AsyncEngine:
    """An engine on an up-to-date schema. ``upgrade_schema``: None upgrades SQLite and
    only checks any other database; True or False say so for every database."""
    engine = create_engine(url)
    try:
        if upgrade_schema or (upgrade_schema is None and engine.dialect.name == "sqlite"):
            await upgrade(engine)
        else:
            await require_current(engine)
    except BaseException:
        await engine.dispose()
        raise
    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
