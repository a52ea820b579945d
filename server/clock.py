"""Clocks for the async shell: the only place the server reads the time.

Rules:
- ``now()`` is epoch seconds (a float) on the clock the server runs on.
- ``sleep_until(instant)`` returns no earlier than ``instant`` on that clock
  as far as the clock can tell; callers still re-check ``now()`` after it
  returns, so a wake-up never makes a transition fire early.
- ``ScaledClock`` runs time ``rate`` times faster than the wall clock from the
  moment it is made (rehearsals: x60 plays a 25-minute round in 25 seconds).
  Clients are told the rate so their countdowns run at the same speed.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol


class Clock(Protocol):
    rate: float

    def now(self) -> float: ...

    async def sleep_until(self, instant: float) -> None: ...


class SystemClock:
    rate = 1.0

    def now(self) -> float:
        return time.time()

    async def sleep_until(self, instant: float) -> None:
        # Sleeping can return a hair early on some platforms: sleep again for the rest.
        while (delay := instant - self.now()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(delay)


class ScaledClock:
    """Wall-clock time sped up by ``rate`` from ``origin`` (now, by default)."""

    def __init__(self, rate: float, origin: float | None = None) -> None:
        if rate <= 0:
            raise ValueError(f"clock speed must be positive, got {rate}")
        self.rate = rate
        self._origin = time.time() if origin is None else origin

    def now(self) -> float:
        return self._origin + (time.time() - self._origin) * self.rate

    async def sleep_until(self, instant: float) -> None:
        while (delay := instant - self.now()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(delay / self.rate)


def clock_for_speed(speed: float) -> Clock:
    return SystemClock() if speed == 1.0 else ScaledClock(speed)
