"""Two uber moderators pressing at once on two server processes sharing PostgreSQL and
Redis: one change, one refusal, as in one process (see ``races``).

200 tries of each race over the websocket and 200 over REST. Needs PostgreSQL and
Redis (see ``tests.services``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.store.db import create_engine, session_factory
from tests.fakes import FakeClock
from tests.live.harness import make_settings, running_server, set_up_event
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


async def test_one_open_help_request_per_person_even_when_two_arrive_at_once_on_two_processes(
    migrated_postgres_url: str, redis_url: str
) -> None:
    """The same link asks for help twice at one instant, once through each process, ten
    times over: each time one request is made and the other is refused; after an uber
    resolves it, the person may ask again."""
    clock = FakeClock()
    settings = make_settings(None, database_url=migrated_postgres_url, backplane_url=redis_url)
    async with running_server(settings, clock) as one, running_server(settings, clock) as two:
        setup = await set_up_event(one)
        member = setup.members[0][0]
        async with (
            one.http(member) as first,
            two.http(member) as second,
            one.http(setup.uber) as uber,
        ):
            for attempt in range(10):
                replies = await asyncio.gather(
                    first.post("/api/help", json={"message": f"a{attempt}"}),
                    second.post("/api/help", json={"message": f"b{attempt}"}),
                )
                assert sorted(reply.status_code for reply in replies) == [201, 409]
                (made,) = [reply.json() for reply in replies if reply.status_code == 201]
                (refused,) = [reply.json() for reply in replies if reply.status_code == 409]
                assert "one request at a time" in refused["error"]["message"]
                resolved = await uber.post(f"/api/help/{made['id']}/resolve", json={})
                assert resolved.status_code == 200, resolved.text
