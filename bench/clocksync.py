"""A port of the part of the web client's clock sync (web_client/static/js/clock.js)
that B3 exercises: estimating the offset from ping/pong samples.

Rules (the same as the browser's): offset = server_time - midpoint * rate for
each ping/pong; keep the last 16 samples; trust those within 1.5x (+1 ms) of
the fastest round trip, at most 3, and take their median; server now = client
now * rate + offset. Not ported: ageing samples out after 10 minutes and
dropping them across a sleep (B3's clients neither sleep nor run that long;
those rules have their own tests in tests/js/clock.test.mjs).
"""

from __future__ import annotations

from dataclasses import dataclass, field

BEST_SAMPLES = 3
KEPT_SAMPLES = 16


@dataclass
class ClockSync:
    rate: float = 1.0
    offset: float | None = None
    samples: list[tuple[float, float]] = field(default_factory=list)  # (round trip, offset)

    def add_sample(
        self, sent_at: float, received_at: float, server_time: float, rate: float = 1.0
    ) -> float:
        if rate != self.rate:
            self.rate = rate
            self.samples = []
        round_trip = max(0.0, received_at - sent_at)
        midpoint = sent_at + round_trip / 2
        self.samples.append((round_trip, server_time - midpoint * rate))
        if len(self.samples) > KEPT_SAMPLES:
            self.samples.pop(0)
        ordered = sorted(self.samples)
        limit = ordered[0][0] * 1.5 + 1
        best = [sample for sample in ordered if sample[0] <= limit][:BEST_SAMPLES]
        offsets = sorted(offset for _, offset in best)
        self.offset = offsets[len(offsets) // 2]
        return self.offset

    def server_now(self, client_now: float) -> float:
        return client_now * self.rate + (self.offset or 0.0)

    @property
    def min_round_trip(self) -> float:
        return min(round_trip for round_trip, _ in self.samples)
