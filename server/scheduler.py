"""One task that sleeps until the earliest deadline of every room and event.

Rules:
- One task for the whole process, not one per room: a heap of (due, key)
  with lazy deletion; ``set(key, due)`` replaces a key's entry and wakes the
  task if the new entry is earlier.
- On waking, the scheduler re-reads the clock and hands every key whose due
  time has really passed to ``on_due`` in one batch (rooms started together
  share deadlines: one transaction for all of them, not one after another);
  a transition never fires early. What to do with the keys is the callback's
  business (it applies the engine's timer step with a compare-and-set and
  reports each key's next due time).
- A failing callback is logged and its keys retried a little later, never fatal.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
from collections.abc import Awaitable, Callable

from server.clock import Clock
from server.logs import get_logger

log = get_logger(__name__)

RETRY_SECONDS = 1.0


class Scheduler:
    def __init__(self, clock: Clock, on_due: Callable[[list[str]], Awaitable[None]]) -> None:
        self._clock = clock
        self._on_due = on_due
        self._due: dict[str, float] = {}
        self._heap: list[tuple[float, str]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.fired = 0
        self.observe_lateness: Callable[[float], None] | None = None
        """Told how late (real seconds) each piece of work ran after its due time."""

    def set(self, key: str, due: float | None) -> None:
        if due is None:
            self._due.pop(key, None)
            return
        if self._due.get(key) == due:
            return
        earliest = self._heap[0][0] if self._heap else None
        self._due[key] = due
        heapq.heappush(self._heap, (due, key))
        if earliest is None or due < earliest:
            self._wake.set()

    def _earliest(self) -> tuple[float, str] | None:
        while self._heap:
            due, key = self._heap[0]
            if self._due.get(key) == due:
                return due, key
            heapq.heappop(self._heap)  # superseded or removed
        return None

    def seconds_to_next(self) -> float | None:
        """Real seconds until the earliest due key (None if nothing is scheduled)."""
        earliest = self._earliest()
        if earliest is None:
            return None
        return (earliest[0] - self._clock.now()) / self._clock.rate

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="consult-scheduler")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            earliest = self._earliest()
            self._wake.clear()
            if earliest is None:
                await self._wake.wait()
                continue
            await self._sleep_until(earliest[0])
            await self._fire_due()

    async def _sleep_until(self, instant: float) -> None:
        sleeper = asyncio.ensure_future(self._clock.sleep_until(instant))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleeper, waker):
                task.cancel()
            for task in (sleeper, waker):
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _fire_due(self) -> None:
        now = self._clock.now()
        keys: list[str] = []
        while (earliest := self._earliest()) is not None and earliest[0] <= now:
            due, key = earliest
            heapq.heappop(self._heap)
            del self._due[key]
            keys.append(key)
            if self.observe_lateness is not None:
                self.observe_lateness((now - due) / self._clock.rate)
        if not keys:
            return
        try:
            await self._on_due(keys)
            self.fired += len(keys)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception(
                "scheduler.work_failed",
                keys=keys[:20],
                count=len(keys),
                retry_in_seconds=RETRY_SECONDS,
            )
            for key in keys:
                if key not in self._due:
                    self.set(key, now + RETRY_SECONDS)
