"""Test doubles shared by the suite.

``FakeClock`` only moves when told, and never backwards (after trio's
MockClock), so a 25-minute round is tested in microseconds.
"""

from __future__ import annotations


class FakeClock:
    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError(f"a fake clock only moves forward; got {seconds}")
        self._now += seconds
        return self._now

    def set(self, instant: float) -> None:
        if instant < self._now:
            raise ValueError(f"a fake clock only moves forward: {instant} < {self._now}")
        self._now = instant
