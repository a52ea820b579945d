"""When the garbage collector may pause the server.

A full (oldest-generation) collection walks every tracked object: with a
thousand websockets that is a pause of about 150 ms on the machines we
measure on, long enough to stall a recall or a start of every room if it
falls in one. So:

Rules:
- Once the server has started, everything alive then (modules, schemas,
  protocols, the app) is frozen (``gc.freeze``): it lives as long as the
  process and no collection walks it again.
- Young collections stay automatic (they only walk recent objects and take
  well under a millisecond); full collections are never automatic.
- A full collection runs as maintenance every ``FULL_EVERY`` seconds, at a
  moment when the scheduler has nothing due within ``QUIET_SECONDS``: the
  cyclic garbage of closed connections is still reclaimed, while nobody is
  waiting for a deadline. Its duration is logged and counted.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections.abc import Callable

from server.logs import get_logger

log = get_logger(__name__)

YOUNG_THRESHOLD = 700
"""Allocations between young collections (Python's default)."""
MIDDLE_THRESHOLD = 10
NEVER = 1_000_000_000
FULL_EVERY = 120.0
QUIET_SECONDS = 1.0


class CollectionPolicy:
    def __init__(self, seconds_to_next_deadline: Callable[[], float | None]) -> None:
        self._next_deadline = seconds_to_next_deadline
        self._task: asyncio.Task[None] | None = None
        self._thresholds = gc.get_threshold()
        self.full_collections = 0
        self.last_pause_ms = 0.0

    def start(self) -> None:
        """Freeze what start-up made, take full collections off the automatic path."""
        self._thresholds = gc.get_threshold()
        gc.collect()
        gc.freeze()
        gc.set_threshold(YOUNG_THRESHOLD, MIDDLE_THRESHOLD, NEVER)
        self._task = asyncio.create_task(self._maintain(), name="consult-gc")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        gc.set_threshold(*self._thresholds)
        gc.unfreeze()

    async def _maintain(self) -> None:
        while True:
            await asyncio.sleep(FULL_EVERY)
            while not self._quiet():  # noqa: ASYNC110  (polls the scheduler, a plain value)
                await asyncio.sleep(QUIET_SECONDS / 2)
            self.collect_now()

    def _quiet(self) -> bool:
        due = self._next_deadline()
        return due is None or due > QUIET_SECONDS

    def collect_now(self) -> None:
        started = time.perf_counter()
        found = gc.collect()
        self.last_pause_ms = (time.perf_counter() - started) * 1000
        self.full_collections += 1
        log.info("gc.full_collection", freed=found, pause_ms=round(self.last_pause_ms, 1))
