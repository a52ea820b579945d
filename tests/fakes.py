"""Test doubles shared by the suite.

``FlakyBackplane`` is an in-memory backplane that can lose its connection on
command: every open subscription ends with ``BackplaneError`` (as a Redis
subscription does when its socket dies), and until ``recover()`` publishing
and subscribing fail too.

``FakeClock`` only moves when told, and never backwards (after trio's
MockClock): a 25-minute round is tested in microseconds. It satisfies the
server's ``Clock`` protocol; sleepers wake when ``advance`` passes their
instant.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from server.backplane import Backplane, BackplaneError, MemoryBackplane, Subscription


class FakeClock:
    rate = 1.0

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self._now = start
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def now(self) -> float:
        return self._now

    async def sleep_until(self, instant: float) -> None:
        if instant <= self._now:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (instant, future)
        self._sleepers.append(entry)
        try:
            await future
        finally:
            if entry in self._sleepers:
                self._sleepers.remove(entry)

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError(f"a fake clock only moves forward; got {seconds}")
        self._now += seconds
        for instant, future in list(self._sleepers):
            if instant <= self._now and not future.done():
                future.set_result(None)
        return self._now

    def set(self, instant: float) -> None:
        if instant < self._now:
            raise ValueError(f"a fake clock only moves forward: {instant} < {self._now}")
        self.advance(instant - self._now)


class _Breakable(Subscription):
    def __init__(self, inner: Subscription) -> None:
        self.channel = inner.channel
        self._inner = inner
        self._broken = asyncio.Event()

    @property
    def backlog(self) -> int:
        return self._inner.backlog

    def break_(self) -> None:
        self._broken.set()

    async def get(self) -> str:
        if self._broken.is_set():
            raise BackplaneError(f"lost the subscription to {self.channel!r}: connection reset")
        getter = asyncio.ensure_future(self._inner.get())
        breaker = asyncio.ensure_future(self._broken.wait())
        await asyncio.wait({getter, breaker}, return_when=asyncio.FIRST_COMPLETED)
        breaker.cancel()
        if getter.done():
            return getter.result()
        getter.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await getter
        raise BackplaneError(f"lost the subscription to {self.channel!r}: connection reset")


class FlakyBackplane(Backplane):
    def __init__(self) -> None:
        self._inner = MemoryBackplane(capacity=100_000)
        self._live: set[_Breakable] = set()
        self.down = False
        self.subscribes = 0

    async def connect(self) -> None:
        await self._inner.connect()

    async def disconnect(self) -> None:
        await self._inner.disconnect()

    async def publish(self, channel: str, message: str) -> None:
        if self.down:
            raise BackplaneError(f"cannot publish to {channel!r}: connection refused")
        await self._inner.publish(channel, message)

    @contextlib.asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[Subscription]:
        if self.down:
            raise BackplaneError(f"cannot subscribe to {channel!r}: connection refused")
        async with self._inner.subscribe(channel) as inner:
            breakable = _Breakable(inner)
            self._live.add(breakable)
            self.subscribes += 1
            try:
                yield breakable
            finally:
                self._live.discard(breakable)

    def fail(self) -> None:
        """The connection is lost: open subscriptions end with an error, nothing works."""
        self.down = True
        for subscription in list(self._live):
            subscription.break_()

    def recover(self) -> None:
        self.down = False
