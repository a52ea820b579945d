"""A client that floods the live channel is slowed, then told, then closed; nobody else waits.

Rules (per connection, one ``FrameBudget`` each, no task, no thread, no lock):
- Frames are paid from a token bucket: ``burst`` at once (a page sends six clock
  pings on connecting; a person clicking fast, a few a second), refilled at
  ``per_second``. A frame with no token left is not processed: it is answered
  with a ``rate_limited`` error saying in how many milliseconds a frame will be
  accepted again.
- Refusals are paid from a second bucket: a client that keeps sending after
  being told (``refusals`` refused frames, refilled at a tenth of that a second)
  is closed with 1008 ("policy violation").
- Time is a parameter (the endpoint passes its loop's monotonic clock), so the
  rules are tested without sleeping.

A well-kept rate-limit library (``limits``) was measured for this: its memory
store runs a background expiry thread and a lock per key, too much for a check
on every frame of thousands of connections; this is the classic token bucket,
a few arithmetic operations per frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Verdict(Enum):
    SERVE = "serve"
    REFUSE = "refuse"
    CLOSE = "close"


@dataclass(slots=True)
class TokenBucket:
    capacity: float
    per_second: float
    tokens: float
    at: float

    @classmethod
    def full(cls, capacity: float, per_second: float, now: float) -> TokenBucket:
        return cls(capacity, per_second, capacity, now)

    def take(self, now: float) -> bool:
        self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.per_second)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False

    def seconds_to_next(self) -> float:
        return max(0.0, (1 - self.tokens) / self.per_second)


class FrameBudget:
    def __init__(self, *, burst: int, per_second: float, refusals: int, now: float) -> None:
        self._frames = TokenBucket.full(burst, per_second, now)
        self._refusals = TokenBucket.full(refusals, refusals / 10, now)

    def judge(self, now: float) -> Verdict:
        if self._frames.take(now):
            return Verdict.SERVE
        return Verdict.REFUSE if self._refusals.take(now) else Verdict.CLOSE

    def retry_after_ms(self) -> int:
        """When the next frame will be served (after a refusal)."""
        return max(1, round(self._frames.seconds_to_next() * 1000))
