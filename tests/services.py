"""The real PostgreSQL and Redis the scaled-out tests use, as pytest fixtures.

Needs PostgreSQL (127.0.0.1:5432, trust auth) and Redis (127.0.0.1:6379):
without them these tests skip loudly, and fail in CI (the CI variable set).
``postgres_url`` is a fresh, empty database for one test, dropped afterwards;
``migrated_postgres_url`` is one upgraded to the newest schema, as an
operator leaves it after ``consult db upgrade``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator

import asyncpg
import pytest
import redis.asyncio as redis

from server.store.db import create_engine
from server.store.migrate import upgrade

PG_ADMIN = os.environ.get("CONSULT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("CONSULT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def unavailable(what: str, error: Exception) -> None:
    message = f"{what} NOT REACHABLE: scaled-out tests did not run ({error})"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A fresh, empty database for one test, dropped afterwards."""
    name = f"consult_test_{secrets.token_hex(4)}"
    try:
        admin = await asyncpg.connect(PG_ADMIN)
    except (OSError, asyncpg.PostgresError) as error:
        unavailable("POSTGRESQL", error)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture
async def migrated_postgres_url(postgres_url: str) -> str:
    engine = create_engine(postgres_url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    return postgres_url


@pytest.fixture
async def redis_url() -> str:
    connection = redis.from_url(REDIS_URL)
    try:
        await connection.ping()
    except (OSError, redis.RedisError) as error:
        unavailable("REDIS", error)
    finally:
        await connection.aclose()
    return REDIS_URL
