"""Clocks for the async shell: the only place the server reads the time.

Rules:
- ``now()`` is epoch seconds (a float) on the clock the server runs on.
- ``sleep_until(instant)`` returns no earlier than ``instant`` on that clock
  as far as the clock can tell; callers still re-check ``now()`` after it
  returns, so a wake-up never makes a transition fire early.
- ``ScaledClock`` runs time ``rate`` times faster than the wall clock from an
  ``Anchor``: at real instant ``real_at`` it read ``protocol_at`` (rehearsals:
  x60 plays a 25-minute round in 25 seconds). Clients are told the rate so
  their countdowns run at the same speed.
- A rehearsal's anchor is stored with the event data, so a restarted server
  carries on from the same protocol time (``continue_from``): time went on
  while it was down, at the rehearsal's speed, exactly as real time does.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class Anchor:
    """At real (wall-clock) instant ``real_at`` a scaled clock read ``protocol_at``."""

    real_at: float
    protocol_at: float
    speed: float

    def protocol_time(self, real: float) -> float:
        return self.protocol_at + (real - self.real_at) * self.speed


def continue_from(stored: Anchor | None, speed: float, real_now: float) -> Anchor | None:
    """The anchor a server starting at ``speed`` should run on (None: the system clock).

    A stored anchor is kept at the same speed; at another speed the protocol
    time carries on from where the stored one has reached, at the new speed.
    Without a stored anchor a rehearsal starts at wall-clock time.
    """
    if stored is None:
        return None if speed == 1.0 else Anchor(real_now, real_now, speed)
    if stored.speed == speed:
        return stored
    return Anchor(real_now, stored.protocol_time(real_now), speed)


class ScaledClock:
    """Wall-clock time sped up by ``rate`` from an anchor (by default: now, at wall time)."""

    def __init__(self, rate: float, anchor: Anchor | None = None) -> None:
        if rate <= 0:
            raise ValueError(f"clock speed must be positive, got {rate}")
        self.rate = rate
        real = time.time()
        self.anchor = anchor or Anchor(real, real, rate)
        if self.anchor.speed != rate:
            raise ValueError(f"the anchor runs at x{self.anchor.speed}, not x{rate}")

    def now(self) -> float:
        return self.anchor.protocol_time(time.time())

    async def sleep_until(self, instant: float) -> None:
        while (delay := instant - self.now()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(delay / self.rate)


def clock_for_anchor(anchor: Anchor | None) -> Clock:
    return SystemClock() if anchor is None else ScaledClock(anchor.speed, anchor)
