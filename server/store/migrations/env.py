"""Alembic's environment: migrations run on a connection the caller hands over
(``server.store.migrate``), or, from the ``alembic`` command line, on the
database named by ``CONSULT_DATABASE_URL`` (the server's own setting)."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from server.store import models as _models  # noqa: F401  (registers the tables)

target_metadata = SQLModel.metadata


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite changes constraints by rebuilding the table
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_from_settings() -> None:
    from server.settings import Settings
    from server.store.db import create_engine

    async def run() -> None:
        engine = create_engine(Settings().database_url)
        async with engine.begin() as connection:
            await connection.run_sync(run_on)
        await engine.dispose()

    asyncio.run(run())


connection = context.config.attributes.get("connection")
if connection is not None:
    run_on(connection)
else:
    run_from_settings()
