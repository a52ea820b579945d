"""Test doubles shared by the suite.

``FakeClock`` only moves when told, and never backwards (after trio's
MockClock): a 25-minute round is tested in microseconds. It satisfies the
server's ``Clock`` protocol; sleepers wake when ``advance`` passes their
instant.
"""

from __future__ import annotations

import asyncio


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
