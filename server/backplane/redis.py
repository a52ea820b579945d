"""The Redis backplane (``redis://``, ``rediss://``), built on ``redis.asyncio`` pub/sub.

It keeps the same rules as the in-memory backend (one contract suite checks both):

- Messages are ``str`` only; ``publish`` refuses anything else with ``TypeError`` before
  touching the network, and received messages are decoded to ``str``.
- Each subscription has a bounded ``BufferedSubscription`` of ``capacity`` messages. A
  reader task per subscription moves messages from its socket into that buffer as fast as
  they arrive, so the lag rule is the same as in memory: a subscriber more than
  ``capacity`` behind gets ``SubscriptionLagged`` on its next ``get()``, then newer
  messages. Redis never waits for subscribers, so publishing never blocks on them.
- Every subscriber of a channel gets every message, in publish order, and nothing from
  other channels. ``subscribe()`` returns only after Redis has confirmed the SUBSCRIBE, so
  everything published after the context is entered is delivered; leaving the context
  sends UNSUBSCRIBE and closes the subscription's connection.

Resources: one client (and its connection pool) per backplane, used for PING and PUBLISH;
one ``PubSub`` (one connection) and one reader task per subscription. ``connect()`` PINGs
and raises ``BackplaneError`` naming the URL (password redacted) and the cause.
``disconnect()`` unsubscribes, stops every reader task and closes every connection, so
nothing is left pending or unclosed.

Redis pub/sub is at-most-once, and a subscription does not survive its connection: if
the connection drops, ``get()`` returns what is buffered and then raises
``BackplaneError`` naming the cause (rather than waiting forever), and the owner decides
whether to subscribe again. Messages published before it does are lost.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from server.backplane.base import (
    Backplane,
    BackplaneError,
    BufferedSubscription,
    Subscription,
    check_capacity,
    check_publish,
    redact_url,
)

__all__ = ["RedisBackplane"]


MAX_CONNECTIONS = 2000
"""redis-py's own default (100) would cap a process at about 100 events being watched."""


class RedisBackplane(Backplane):
    def __init__(self, url: str, *, capacity: int = 1000, timeout: float = 5.0) -> None:
        """``timeout`` bounds connecting, PING, PUBLISH and the SUBSCRIBE confirmation."""
        check_capacity(capacity)
        self._url = url
        self._shown_url = redact_url(url)
        self._capacity = capacity
        self._timeout = timeout
        # Created by connect(), not here, so that a backplane can be built before the
        # event loop runs (in an app factory) and reconnected after disconnect().
        self._client: Redis | None = None
        self._subscriptions: set[_RedisSubscription] = set()

    async def connect(self) -> None:
        if self._client is not None:
            return
        try:
            client = Redis.from_url(
                self._url,
                decode_responses=True,
                # Each subscription holds a connection of its own (one per event with
                # connections in this process), besides those publishing.
                max_connections=MAX_CONNECTIONS,
                socket_connect_timeout=self._timeout,
                socket_timeout=self._timeout,
            )
        except ValueError as exc:
            raise BackplaneError(f"invalid Redis URL {self._shown_url}: {exc}") from exc
        try:
            await client.ping()
        except (RedisError, OSError) as exc:
            await client.aclose()
            raise BackplaneError(f"cannot reach Redis at {self._shown_url}: {exc}") from exc
        self._client = client

    async def disconnect(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        subscriptions, self._subscriptions = self._subscriptions, set()
        reason = f"the Redis backplane {self._shown_url} was disconnected"
        try:
            # In parallel: each one waits for its own UNSUBSCRIBE confirmation. A failure
            # to close one subscription must not keep the others or the pool open.
            await asyncio.gather(
                *(subscription.aclose(reason) for subscription in subscriptions),
                return_exceptions=True,
            )
        finally:
            await client.aclose()

    async def publish(self, channel: str, message: str) -> None:
        check_publish(channel, message)
        client = self._require_client()
        try:
            await client.publish(channel, message)
        except (RedisError, OSError) as exc:
            raise BackplaneError(
                f"cannot publish to {channel!r} on {self._shown_url}: {exc}"
            ) from exc

    @contextlib.asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[Subscription]:
        if not isinstance(channel, str):
            raise TypeError(f"channel must be a str; got {type(channel).__name__}")
        client = self._require_client()
        subscription = _RedisSubscription(
            channel, self._capacity, client.pubsub(), self._shown_url, self._timeout
        )
        # Registered before starting, so a concurrent disconnect() also closes it.
        self._subscriptions.add(subscription)
        try:
            await subscription.start()
            yield subscription
        finally:
            self._subscriptions.discard(subscription)
            await subscription.aclose(f"left the subscription to {channel!r} on {self._shown_url}")

    def _require_client(self) -> Redis:
        if self._client is None:
            raise BackplaneError(
                f"the Redis backplane {self._shown_url} is not connected; call connect() first"
            )
        return self._client


class _RedisSubscription(BufferedSubscription):
    """A buffer fed by a reader task from its own PubSub connection."""

    def __init__(
        self, channel: str, capacity: int, pubsub: PubSub, shown_url: str, timeout: float
    ) -> None:
        super().__init__(channel, capacity)
        self._pubsub = pubsub
        self._shown_url = shown_url
        self._timeout = timeout
        self._reader: asyncio.Task[None] | None = None
        self._closing = False

    async def start(self) -> None:
        """SUBSCRIBE, wait for Redis to confirm it, then start the reader task."""
        try:
            async with asyncio.timeout(self._timeout):
                await self._pubsub.subscribe(self.channel)
                # The confirmation is the first reply on this fresh connection; reading it
                # here (before any reader exists) is what makes "published after subscribe()
                # returned" mean "delivered".
                reply = await self._pubsub.get_message(timeout=None)
        except Exception as exc:  # RedisError, OSError, TimeoutError, or closed meanwhile
            raise BackplaneError(
                f"cannot subscribe to {self.channel!r} on {self._shown_url}: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        if reply is None or reply.get("type") != "subscribe" or self._closing:
            raise BackplaneError(
                f"cannot subscribe to {self.channel!r} on {self._shown_url}: "
                f"expected a subscribe confirmation, got {reply!r}"
            )
        self._reader = asyncio.create_task(
            self._read(), name=f"backplane reader {self.channel!r} {self._shown_url}"
        )

    async def _read(self) -> None:
        try:
            # listen() returns by itself once Redis confirms our UNSUBSCRIBE.
            async for reply in self._pubsub.listen():
                # The only other reply expected is the final unsubscribe confirmation.
                if reply["type"] == "message":
                    self.feed(reply["data"])
        except Exception as exc:
            # Whatever killed the reader, the subscriber must hear about it: a silent
            # death would leave get() waiting forever.
            self.end(
                f"lost the subscription to {self.channel!r} on {self._shown_url}: "
                f"{type(exc).__name__}: {exc}",
                error=BackplaneError,
                cause=exc,
            )

    async def aclose(self, reason: str) -> None:
        """Unsubscribe, stop the reader and close the connection; idempotent.

        ``reason`` is what ``get()`` reports once the buffer is drained.
        """
        if self._closing:
            return
        self._closing = True
        self.end(reason)
        reader = self._reader
        try:
            if reader is not None and not reader.done():
                # Unsubscribing lets the reader finish on its own after reading the
                # confirmation, which leaves the connection in a clean state; cancelling
                # it mid-read is the fallback when Redis does not answer in time.
                with contextlib.suppress(Exception):
                    async with asyncio.timeout(self._timeout):
                        await self._pubsub.unsubscribe(self.channel)
                        await asyncio.wait([reader])
        finally:
            # Also runs when this task is cancelled: no reader may outlive its subscription.
            if reader is not None:
                reader.cancel()
                # wait() rather than `await reader`: it never re-raises the reader's
                # CancelledError, so a cancellation of *this* task still propagates.
                await asyncio.wait([reader])
            await self._pubsub.aclose()  # type: ignore[no-untyped-call]  # untyped in redis-py
