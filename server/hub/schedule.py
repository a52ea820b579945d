"""Deadlines shared between processes: every process's scheduler learns every deadline.

Rules:
- After each committed change set, its process publishes the set's next deadlines
  (scheduler keys such as ``room:ID`` and ``event:ID``, each with an instant or
  None) on one channel that every process follows from start to stop, whether or
  not it has clients of that event. Each process hands them to its scheduler
  (``on_due``), so any process can apply a room's timer or end a recall if the one
  that set it goes away; the compare-and-set in the write path makes sure only one
  applies each. A process skips its own change sets: it has them already.
- If the channel was lost (or fell behind), deadlines may have been missed: once
  it is back, ``on_gap`` runs (the owner reloads every deadline from the database).
- A publish that fails is logged; the deadlines stay known to their own process.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from server.backplane import Backplane
from server.hub import envelope
from server.hub.envelope import Due, EnvelopeError
from server.hub.reader import Reader, follow
from server.logs import get_logger

log = get_logger(__name__)

SCHEDULE_CHANNEL = "consult.schedule"


class SharedSchedule:
    def __init__(self, backplane: Backplane, process: str, restarted: Callable[[], None]) -> None:
        self._backplane = backplane
        self._process = process
        self._restarted = restarted
        self._reader: asyncio.Task[None] | None = None
        self.on_due: Callable[[str, float | None], None] | None = None
        """Told (scheduler key, next deadline) for every change set of another process."""
        self.on_gap: Callable[[], Awaitable[None]] | None = None
        """Called when deadlines may have been missed (the channel was lost or lagged)."""

    async def start(self) -> None:
        """Follow the channel; returns once the first subscription was attempted."""
        ready = asyncio.Event()
        reader = Reader(
            ready,
            {"channel": SCHEDULE_CHANNEL},
            self._subscribed,
            self._gap,
            self._handle,
            self._restarted,
        )
        self._reader = asyncio.create_task(
            follow(self._backplane, SCHEDULE_CHANNEL, reader), name="hub-schedule-reader"
        )
        await ready.wait()

    async def stop(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None

    async def share(self, entries: list[Due]) -> None:
        """Tell every other process's scheduler these next deadlines (one change set's)."""
        if not entries:
            return
        try:
            await self._backplane.publish(
                SCHEDULE_CHANNEL, envelope.schedule(self._process, entries)
            )
        except Exception as error:
            log.warning("backplane.publish_failed", channel=SCHEDULE_CHANNEL, error=repr(error))

    async def _subscribed(self, recovered: bool) -> None:
        if recovered:
            await self._gap()

    async def _gap(self) -> None:
        if self.on_gap is not None:
            await self.on_gap()

    async def _handle(self, text: str) -> None:
        item = envelope.decode(text)
        if not isinstance(item, envelope.Schedule):
            raise EnvelopeError(f"not a schedule on {SCHEDULE_CHANNEL}: {text[:80]!r}")
        if self.on_due is not None and item.process != self._process:
            for key, due in item.entries:
                self.on_due(key, due)
