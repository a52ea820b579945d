"""Operational figures: event-loop lag and Prometheus metrics.

Rules: the lag monitor wakes every ``INTERVAL`` seconds and records how late
it woke (the time other work held the loop); the last ``WINDOW`` samples are
kept for exact quantiles at ``/ops/stats`` (admin key) and the same figures
feed Prometheus histograms at ``/metrics``. Metrics live in a registry per
app, so tests can build many apps in one process.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

INTERVAL = 0.05
WINDOW = 20_000


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.connections = Gauge(
            "consult_connections", "Open websocket connections", registry=self.registry
        )
        self.dropped = Counter(
            "consult_dropped_clients", "Clients dropped for falling behind", registry=self.registry
        )
        self.published = Counter(
            "consult_messages_published",
            "Messages published to the backplane",
            registry=self.registry,
        )
        self.loop_lag = Histogram(
            "consult_event_loop_lag_seconds",
            "How late the event loop ran a timer",
            buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0),
            registry=self.registry,
        )
        self.transition_lateness = Histogram(
            "consult_transition_lateness_seconds",
            "Real seconds between a deadline and the timer transition applying it",
            buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0),
            registry=self.registry,
        )
        self.lag_samples: deque[float] = deque(maxlen=WINDOW)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._watch_loop(), name="consult-loop-lag")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _watch_loop(self) -> None:
        while True:
            expected = time.perf_counter() + INTERVAL
            await asyncio.sleep(INTERVAL)
            lag = max(0.0, time.perf_counter() - expected)
            self.lag_samples.append(lag)
            self.loop_lag.observe(lag)

    def lag_summary(self) -> dict[str, float]:
        samples = sorted(self.lag_samples)
        if not samples:
            return {"count": 0}

        def at(fraction: float) -> float:
            return samples[min(len(samples) - 1, round(fraction * (len(samples) - 1)))] * 1000

        return {
            "count": len(samples),
            "p50_ms": at(0.5),
            "p99_ms": at(0.99),
            "max_ms": samples[-1] * 1000,
        }
