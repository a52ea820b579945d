"""The backplane interface: a dumb transport of serialized messages between processes.

The backplane is the per-process half of a two-layer broadcast (after encode/broadcaster):
one subscription per process per channel, with the hub fanning each message out to local
websockets. Every backend keeps the same rules, and ``tests/backplane/test_contract.py``
runs one suite against all of them so they cannot drift:

- Messages are ``str`` only (already-serialized JSON). ``publish`` refuses anything else
  with ``TypeError``, so the in-memory backend carries only what Redis could carry.
- Every subscription has a bounded buffer of ``capacity`` messages. A subscriber that falls
  behind by more than ``capacity`` messages loses the oldest ones and gets
  ``SubscriptionLagged`` on its next ``get()``; after that it continues with the newer
  messages. Memory never grows without bound, and publishing never blocks on a slow
  subscriber (after channels' ``InMemoryChannelLayer`` capacity and litestar's backends).
- Each subscriber on a channel gets every message, in publish order; messages on other
  channels are not delivered. Every message published after the ``subscribe()`` context
  has been entered is delivered; leaving the context unsubscribes.
- ``publish`` and ``subscribe`` need a connected backplane; ``connect`` and ``disconnect``
  are idempotent, and ``disconnect`` ends every open subscription: ``get()`` returns what is
  still buffered, then raises ``SubscriptionClosed`` (which ends ``async for``).

This module also holds ``BufferedSubscription``, the one bounded buffer every backend
uses, so the lag rule is implemented exactly once.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit, urlunsplit

__all__ = [
    "Backplane",
    "BackplaneError",
    "BufferedSubscription",
    "Subscription",
    "SubscriptionClosed",
    "SubscriptionLagged",
    "check_capacity",
    "check_publish",
    "redact_url",
]


class BackplaneError(Exception):
    """The backplane could not do what was asked (unreachable server, not connected...)."""


class SubscriptionLagged(BackplaneError):
    """The subscriber fell more than ``capacity`` messages behind; the oldest were dropped.

    Raised once by ``get()``; the next ``get()`` returns the oldest message still buffered.
    """

    def __init__(self, channel: str, dropped: int, capacity: int) -> None:
        super().__init__(
            f"subscriber on channel {channel!r} fell more than {capacity} messages behind: "
            f"the {dropped} oldest were dropped; newer messages follow"
        )
        self.channel = channel
        self.dropped = dropped
        self.capacity = capacity


class SubscriptionClosed(BackplaneError):
    """The subscription was left or its backplane disconnected, and its buffer is empty."""


class Subscription(abc.ABC):
    """An async iterator of the ``str`` messages published on one channel, in order.

    ``async for`` ends when the subscription is closed; a ``SubscriptionLagged`` raised
    by ``get()`` propagates out of the loop, and iterating again continues with the
    newer messages.
    """

    channel: str

    def __aiter__(self) -> AsyncIterator[str]:
        return self

    async def __anext__(self) -> str:
        try:
            return await self.get()
        except SubscriptionClosed:
            raise StopAsyncIteration from None

    @abc.abstractmethod
    async def get(self) -> str:
        """Wait for the next message; raise ``SubscriptionLagged`` if some were dropped."""

    @property
    @abc.abstractmethod
    def backlog(self) -> int:
        """How far behind this subscriber is: buffered messages plus unreported drops.

        For queue-depth metrics, and for tests that must wait until messages arrived.
        """


class Backplane(abc.ABC):
    """Carries ``str`` messages on named channels; an async context manager connects it."""

    @abc.abstractmethod
    async def connect(self) -> None:
        """Make the backplane usable; raise ``BackplaneError`` if its server is unreachable."""

    @abc.abstractmethod
    async def disconnect(self) -> None:
        """Close every subscription and release every resource. Safe to call twice."""

    @abc.abstractmethod
    async def publish(self, channel: str, message: str) -> None:
        """Send ``message`` to every current subscriber of ``channel``; never blocks on them."""

    @abc.abstractmethod
    def subscribe(self, channel: str) -> contextlib.AbstractAsyncContextManager[Subscription]:
        """Subscribe on entry (every later message is delivered); unsubscribe on exit."""

    async def __aenter__(self) -> Self:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.disconnect()


class BufferedSubscription(Subscription):
    """A bounded buffer that drops its oldest message when full and reports the drop.

    Backends call ``feed`` (synchronous, so it can never block a publisher or a reader
    task) and ``end``; the subscriber calls ``get``. Dropping the oldest rather than the
    newest (channels' ``ChannelFull``) keeps a lagging subscriber close to the present,
    which is what a live countdown needs.
    """

    def __init__(self, channel: str, capacity: int) -> None:
        check_capacity(capacity)
        self.channel = channel
        self._capacity = capacity
        self._messages: deque[str] = deque()
        self._dropped = 0
        # Why the subscription ended, kept as (type, text, cause) so every get() after
        # the end raises a fresh exception instead of re-raising one with a growing traceback.
        self._ending: tuple[type[BackplaneError], str, BaseException | None] | None = None
        self._ready = asyncio.Event()

    @property
    def backlog(self) -> int:
        return len(self._messages) + self._dropped

    @property
    def ended(self) -> bool:
        return self._ending is not None

    def feed(self, message: str) -> None:
        """Buffer one message; called by the backend, never waits."""
        if self._ending is not None:
            return  # a message racing with unsubscribe: the subscriber has already left
        if len(self._messages) >= self._capacity:
            self._messages.popleft()
            self._dropped += 1
        self._messages.append(message)
        self._ready.set()

    def end(
        self,
        reason: str,
        *,
        error: type[BackplaneError] = SubscriptionClosed,
        cause: BaseException | None = None,
    ) -> None:
        """Stop accepting messages; once drained, ``get()`` raises ``error(reason)``."""
        if self._ending is None:
            self._ending = (error, reason, cause)
            self._ready.set()

    async def get(self) -> str:
        while True:
            if self._dropped:
                # Report the gap before the messages that follow it, so the subscriber
                # knows exactly where its stream has a hole.
                dropped, self._dropped = self._dropped, 0
                raise SubscriptionLagged(self.channel, dropped, self._capacity)
            if self._messages:
                return self._messages.popleft()
            if self._ending is not None:
                error, reason, cause = self._ending
                raise error(reason) from cause
            self._ready.clear()
            await self._ready.wait()


def check_capacity(capacity: int) -> None:
    if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
        raise ValueError(f"backplane capacity must be an int >= 1; got {capacity!r}")


def check_publish(channel: str, message: str) -> None:
    """Refuse what Redis could not carry, in every backend, before anything is sent."""
    if not isinstance(channel, str):
        raise TypeError(f"channel must be a str; got {type(channel).__name__}")
    if not isinstance(message, str):
        raise TypeError(
            f"publish() takes a str message (already-serialized JSON); got {type(message).__name__}"
        )


def redact_url(url: str) -> str:
    """The URL with any password replaced by ``***``, fit for error messages and logs."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        netloc = parts.netloc.rpartition("@")[2]
        user = parts.username or ""
        return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))
    except ValueError:  # e.g. an invalid port: say nothing rather than leak a secret
        return "<unparsable URL>"
