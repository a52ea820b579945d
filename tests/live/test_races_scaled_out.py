"""Two uber moderators pressing at once on two server processes sharing PostgreSQL and
Redis: one change, one refusal, as in one process (see ``races``).

200 tries of each race over the websocket and 200 over REST. Needs PostgreSQL and
Redis (see ``tests.services``).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.store.db import create_engine, session_factory
from tests.live.processes import ServerProcess, server_process
from tests.live.race_kit import Transport
from tests.live.races import CASES, run_case

TRIES = 200


@pytest.fixture
async def two_processes(
    migrated_postgres_url: str, redis_url: str
) -> AsyncIterator[tuple[ServerProcess, ServerProcess]]:
    async with (
        server_process(migrated_postgres_url, backplane_url=redis_url) as one,
        server_process(migrated_postgres_url, backplane_url=redis_url) as two,
    ):
        yield one, two


@pytest.fixture
async def sessions(migrated_postgres_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(migrated_postgres_url)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


@pytest.mark.parametrize("transport", ["ws", "rest"])
@pytest.mark.parametrize("name", list(CASES))
async def test_one_of_two_simultaneous_presses_wins_across_processes(
    name: str,
    transport: Transport,
    two_processes: tuple[ServerProcess, ServerProcess],
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    one, two = two_processes
    await run_case(
        CASES[name],
        sessions=sessions,
        now=time.time,
        base_urls=(one.base_url, two.base_url),
        transport=transport,
        tries=TRIES,
    )
