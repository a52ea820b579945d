"""The in-process backplane (``memory://``): the embedded default, and the test double.

It keeps the same rules as the Redis backend so that code tested against it behaves the
same when scaled out:

- Messages are ``str`` only; ``publish`` refuses anything else with ``TypeError``, so this
  backend carries only what Redis could carry.
- Each subscription is a ``BufferedSubscription`` of ``capacity`` messages: a subscriber
  more than ``capacity`` behind gets ``SubscriptionLagged`` on its next ``get()`` and then
  the newer messages. ``publish`` only appends to buffers, so it never blocks on a slow
  subscriber.
- Every subscriber of a channel gets every message, in publish order, and nothing from
  other channels. A subscription receives everything published after its context was
  entered; leaving the context removes its buffer (and the channel, when it was the last).
- Like Redis, it must be connected before use; ``disconnect`` ends open subscriptions.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from server.backplane.base import (
    Backplane,
    BackplaneError,
    BufferedSubscription,
    Subscription,
    check_capacity,
    check_publish,
)

__all__ = ["MemoryBackplane"]


class MemoryBackplane(Backplane):
    def __init__(self, *, capacity: int = 1000) -> None:
        check_capacity(capacity)
        self._capacity = capacity
        self._connected = False
        # A dict keeps insertion order, so fan-out order is stable; the values are
        # only ever used as a set.
        self._channels: dict[str, dict[BufferedSubscription, None]] = {}

    async def connect(self) -> None:
        self._connected = True

    async def disconnect(self) -> None:
        self._connected = False
        channels, self._channels = self._channels, {}
        for subscribers in channels.values():
            for subscription in subscribers:
                subscription.end("the memory:// backplane was disconnected")

    async def publish(self, channel: str, message: str) -> None:
        check_publish(channel, message)
        self._require_connected()
        for subscription in self._channels.get(channel, ()):
            subscription.feed(message)

    @contextlib.asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[Subscription]:
        if not isinstance(channel, str):
            raise TypeError(f"channel must be a str; got {type(channel).__name__}")
        self._require_connected()
        subscription = BufferedSubscription(channel, self._capacity)
        self._channels.setdefault(channel, {})[subscription] = None
        try:
            yield subscription
        finally:
            subscription.end(f"left the subscription to {channel!r}")
            subscribers = self._channels.get(channel)
            if subscribers is not None:
                subscribers.pop(subscription, None)
                if not subscribers:  # no empty entries left behind by short-lived channels
                    del self._channels[channel]

    def _require_connected(self) -> None:
        if not self._connected:
            raise BackplaneError("the memory:// backplane is not connected; call connect() first")
