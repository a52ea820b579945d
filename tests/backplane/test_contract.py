"""One contract, every backend: memory:// and redis:// must behave the same.

Every test taking the ``backplane`` or ``backplane_url`` fixture runs once per backend
(after litestar's channels backend tests). The Redis runs use ``CONSULT_TEST_REDIS_URL``
(default ``redis://127.0.0.1:6379/0``); if that server is unreachable they are skipped
with a loud reason, unless the ``CI`` environment variable is set, when they fail.

Each test uses channels under a fresh uuid prefix, so runs sharing a Redis server do not
see each other's messages. ``asyncio.wait_for``/``asyncio.timeout`` are guards against
hangs only; no test relies on a delay.
"""

from __future__ import annotations

import asyncio
import functools
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis
import redis.asyncio

from server.backplane import (
    Backplane,
    BackplaneError,
    Subscription,
    SubscriptionClosed,
    SubscriptionLagged,
    create_backplane,
)

REDIS_URL = os.environ.get("CONSULT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
UNREACHABLE_REDIS_URL = "redis://127.0.0.1:1/0"  # port 1: nothing listens there
CAPACITY = 64  # roomy: only the lag test, with its own backplane, should ever lag
GUARD = 5.0  # seconds before a hung test fails; never waited for when things work


@functools.cache
def redis_unreachable_because() -> str | None:
    """Probe the test server once per run (pytest re-runs a fixture that skipped or failed)."""
    try:
        with redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1) as client:
            client.ping()
    except (redis.RedisError, OSError) as exc:
        return str(exc)
    return None


@pytest.fixture
def redis_url() -> str:
    cause = redis_unreachable_because()
    if cause is not None:
        reason = (
            f"REDIS NOT REACHABLE at {REDIS_URL} ({cause}): "
            "the redis:// backplane contract tests DID NOT RUN"
        )
        if "CI" in os.environ:
            pytest.fail(f"{reason}; CI is set, so this is a failure")
        pytest.skip(f"{reason}; start redis-server or set CONSULT_TEST_REDIS_URL")
    return REDIS_URL


@pytest.fixture(params=["memory", "redis"])
def backplane_url(request: pytest.FixtureRequest) -> str:
    if request.param == "memory":
        return "memory://"
    url: str = request.getfixturevalue("redis_url")
    return url


@pytest.fixture
async def backplane(backplane_url: str) -> AsyncIterator[Backplane]:
    async with create_backplane(backplane_url, capacity=CAPACITY) as connected:
        yield connected


@pytest.fixture
def prefix() -> str:
    return f"consult-test:{uuid.uuid4().hex}"


async def receive(subscription: Subscription) -> str:
    return await asyncio.wait_for(subscription.get(), GUARD)


async def receive_all(subscription: Subscription, count: int) -> list[str]:
    return [await receive(subscription) for _ in range(count)]


async def until_backlog(subscription: Subscription, backlog: int) -> None:
    """Wait until ``backlog`` messages reached the subscription without it reading any.

    Memory delivers within publish(); Redis delivers through a reader task, so this
    yields to the loop in 1 ms steps until the reader has caught up.
    """
    async with asyncio.timeout(GUARD):
        # Polling, not an Event: the backlog is a plain number on purpose, and a
        # wake-up hook on every backend only for tests would be the worse trade.
        while subscription.backlog < backlog:  # noqa: ASYNC110
            await asyncio.sleep(0.001)


# --- delivery ------------------------------------------------------------------------


async def test_message_published_right_after_subscribe_is_delivered(
    backplane: Backplane, prefix: str
) -> None:
    async with backplane.subscribe(f"{prefix}:a") as subscription:
        await backplane.publish(f"{prefix}:a", "first")
        assert await receive(subscription) == "first"


async def test_messages_arrive_in_publish_order(backplane: Backplane, prefix: str) -> None:
    sent = [f'{{"n": {n}}}' for n in range(20)]
    async with backplane.subscribe(f"{prefix}:a") as subscription:
        for message in sent:
            await backplane.publish(f"{prefix}:a", message)
        assert await receive_all(subscription, len(sent)) == sent
        assert subscription.backlog == 0


async def test_async_for_yields_messages_in_order(backplane: Backplane, prefix: str) -> None:
    received: list[str] = []
    async with backplane.subscribe(f"{prefix}:a") as subscription:
        for message in ("x", "y", "z"):
            await backplane.publish(f"{prefix}:a", message)
        async with asyncio.timeout(GUARD):
            async for message in subscription:
                received.append(message)
                if len(received) == 3:
                    break
    assert received == ["x", "y", "z"]


async def test_every_subscriber_gets_every_message(backplane: Backplane, prefix: str) -> None:
    sent = ["one", "two", "three"]
    async with (
        backplane.subscribe(f"{prefix}:a") as first,
        backplane.subscribe(f"{prefix}:a") as second,
        backplane.subscribe(f"{prefix}:a") as third,
    ):
        for message in sent:
            await backplane.publish(f"{prefix}:a", message)
        for subscription in (first, second, third):
            assert await receive_all(subscription, len(sent)) == sent


async def test_messages_on_other_channels_are_not_delivered(
    backplane: Backplane, prefix: str
) -> None:
    async with (
        backplane.subscribe(f"{prefix}:a") as on_a,
        backplane.subscribe(f"{prefix}:b") as on_b,
    ):
        await backplane.publish(f"{prefix}:b", "for b")
        await backplane.publish(f"{prefix}:a", "for a")
        await backplane.publish(f"{prefix}:b", "b again")
        # Each channel's stream is in publish order, so had "for b" reached on_a it
        # would come before "for a"; had "for a" reached on_b, before "b again".
        assert await receive(on_a) == "for a"
        assert await receive_all(on_b, 2) == ["for b", "b again"]
        assert on_a.backlog == 0


async def test_publishing_without_subscribers_is_fine(backplane: Backplane, prefix: str) -> None:
    await backplane.publish(f"{prefix}:nobody", "into the void")


# --- leaving and closing -------------------------------------------------------------


async def test_leaving_the_context_stops_delivery(backplane: Backplane, prefix: str) -> None:
    async with backplane.subscribe(f"{prefix}:a") as staying:
        async with backplane.subscribe(f"{prefix}:a") as leaving:
            await backplane.publish(f"{prefix}:a", "both")
            assert await receive(leaving) == "both"
        await backplane.publish(f"{prefix}:a", "after leaving")
        # Once the subscriber still present has it, the one that left would have too.
        assert await receive_all(staying, 2) == ["both", "after leaving"]
        assert leaving.backlog == 0
        with pytest.raises(SubscriptionClosed):
            await receive(leaving)
        assert [message async for message in leaving] == []


async def test_disconnect_ends_open_subscriptions_after_draining(
    backplane: Backplane, prefix: str
) -> None:
    async with backplane.subscribe(f"{prefix}:a") as subscription:
        await backplane.publish(f"{prefix}:a", "buffered")
        await until_backlog(subscription, 1)
        await backplane.disconnect()
        assert await receive(subscription) == "buffered"
        with pytest.raises(SubscriptionClosed, match="disconnected"):
            await receive(subscription)
    await backplane.disconnect()  # idempotent; the fixture calls it once more


async def test_using_an_unconnected_backplane_is_an_error(backplane_url: str, prefix: str) -> None:
    unconnected = create_backplane(backplane_url)
    with pytest.raises(BackplaneError, match="not connected"):
        await unconnected.publish(f"{prefix}:a", "x")
    with pytest.raises(BackplaneError, match="not connected"):
        async with unconnected.subscribe(f"{prefix}:a"):
            pass  # pragma: no cover - never entered


async def test_a_backplane_can_reconnect_after_disconnect(backplane_url: str, prefix: str) -> None:
    backplane = create_backplane(backplane_url)
    async with backplane:
        pass
    async with backplane, backplane.subscribe(f"{prefix}:a") as subscription:
        await backplane.publish(f"{prefix}:a", "again")
        assert await receive(subscription) == "again"


# --- the bounded buffer --------------------------------------------------------------


async def test_lagging_subscriber_is_told_then_gets_newer_messages(
    backplane_url: str, prefix: str
) -> None:
    capacity = 3
    async with (
        create_backplane(backplane_url, capacity=capacity) as backplane,
        backplane.subscribe(f"{prefix}:a") as slow,
        backplane.subscribe(f"{prefix}:a") as keeping_up,
    ):
        for n in range(capacity + 5):
            await backplane.publish(f"{prefix}:a", str(n))
            assert await receive(keeping_up) == str(n)  # lag is per subscriber
        await until_backlog(slow, capacity + 5)

        with pytest.raises(SubscriptionLagged) as lagged:
            await receive(slow)
        assert (lagged.value.dropped, lagged.value.capacity) == (5, capacity)
        assert lagged.value.channel == f"{prefix}:a"
        # The newest `capacity` messages survived, in order, and delivery goes on.
        assert await receive_all(slow, capacity) == ["5", "6", "7"]
        await backplane.publish(f"{prefix}:a", "8")
        assert await receive(slow) == "8"


@pytest.mark.parametrize("capacity", [0, -1])
def test_capacity_must_be_positive(backplane_url: str, capacity: int) -> None:
    with pytest.raises(ValueError, match="capacity"):
        create_backplane(backplane_url, capacity=capacity)


# --- only what Redis could carry -----------------------------------------------------


@pytest.mark.parametrize("message", [b"bytes", {"type": "dict"}, 42, None])
async def test_publish_refuses_non_str(backplane: Backplane, prefix: str, message: object) -> None:
    async with backplane.subscribe(f"{prefix}:a") as subscription:
        with pytest.raises(TypeError, match="str message"):
            await backplane.publish(f"{prefix}:a", message)  # type: ignore[arg-type]
        await backplane.publish(f"{prefix}:a", "valid")
        assert await receive(subscription) == "valid"  # the refused one was never sent


# --- choosing and reaching a backend -------------------------------------------------


@pytest.mark.parametrize(
    ("url", "named"),
    [("http://example.org", "'http'"), ("memcached://localhost", "'memcached'"), ("", "no")],
)
def test_unknown_scheme_names_it_and_the_supported_ones(url: str, named: str) -> None:
    with pytest.raises(ValueError, match="scheme") as error:
        create_backplane(url)
    assert named in str(error.value)
    for supported in ("memory://", "redis://", "rediss://"):
        assert supported in str(error.value)


async def test_unreachable_redis_fails_on_connect_naming_url_and_cause() -> None:
    backplane = create_backplane(UNREACHABLE_REDIS_URL)
    with pytest.raises(BackplaneError, match=UNREACHABLE_REDIS_URL) as error:
        await backplane.connect()
    assert isinstance(error.value.__cause__, redis.ConnectionError)
    await backplane.disconnect()  # nothing was opened; still safe


async def test_connect_error_does_not_reveal_the_password() -> None:
    backplane = create_backplane("redis://:hunter2@127.0.0.1:1/0")
    with pytest.raises(BackplaneError, match=r"redis://:\*\*\*@127\.0\.0\.1:1/0") as error:
        await backplane.connect()
    assert "hunter2" not in str(error.value)


def test_memory_backplane_does_not_import_redis() -> None:
    # A fresh interpreter: in this one other tests have long since imported redis.
    code = (
        "import sys\n"
        "from server.backplane import create_backplane\n"
        "create_backplane('memory://')\n"
        "loaded = sorted(m for m in sys.modules if m == 'redis' or m.endswith('.redis'))\n"
        "assert not loaded, loaded\n"
    )
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True, timeout=GUARD * 2)


# --- Redis specifics: the server's own view ------------------------------------------


async def test_redis_subscribe_is_confirmed_on_entry_and_removed_on_exit(
    redis_url: str, prefix: str
) -> None:
    channel = f"{prefix}:a"
    async with (
        redis.asyncio.Redis.from_url(redis_url, decode_responses=True) as observer,
        create_backplane(redis_url) as backplane,
    ):
        async with backplane.subscribe(channel):
            assert await observer.pubsub_numsub(channel) == [(channel, 1)]
        assert await observer.pubsub_numsub(channel) == [(channel, 0)]


async def test_redis_connection_loss_ends_the_subscription_with_an_error(
    redis_url: str, prefix: str
) -> None:
    # A client name unique to this test, so that only this subscription's connection is
    # killed, even when other runs share the server.
    client_name = f"consult-test-{uuid.uuid4().hex}"
    async with (
        redis.asyncio.Redis.from_url(redis_url, decode_responses=True) as observer,
        create_backplane(f"{redis_url}?client_name={client_name}") as backplane,
        backplane.subscribe(f"{prefix}:a") as subscription,
    ):
        await backplane.publish(f"{prefix}:a", "before")
        await until_backlog(subscription, 1)
        ours = [c for c in await observer.client_list(_type="pubsub") if c["name"] == client_name]
        assert len(ours) == 1
        await observer.client_kill_filter(_id=ours[0]["id"])

        assert await receive(subscription) == "before"  # what arrived is still delivered
        with pytest.raises(BackplaneError, match="lost the subscription") as error:
            await receive(subscription)
        assert not isinstance(error.value, SubscriptionClosed)  # an error, not an ending
