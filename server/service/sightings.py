"""When each link was last seen, and whether it is connected now.

Rules:
- This process counts its own live connections per link and notes every link
  used over REST or a page; every ``FLUSH_SECONDS`` it writes what it saw in
  one transaction (``WritePath.observe``): ``last_seen_at`` for every link
  seen, ``online_until`` a margin ahead for links with a connection here, and
  ``online_until = now`` for links whose last connection here closed.
- So "connected now" (``online_until`` in the future) is right within
  ``FLUSH_SECONDS`` of a change, across processes; a process that dies stops
  renewing its links, which read as offline within ``ONLINE_SECONDS``.
- Observations are not state: nothing is decided on them, a write the
  database refuses is logged and its sightings are kept for the next flush.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter

from sqlalchemy.ext.asyncio import AsyncSession

from server.logs import get_logger
from server.service.context import Context
from server.service.write_path import WritePath
from server.store import crud

log = get_logger(__name__)

FLUSH_SECONDS = 5.0
ONLINE_SECONDS = 3 * FLUSH_SECONDS
"""How long a link reads as connected after a process last said so."""


class Sightings:
    def __init__(self, context: Context, writes: WritePath) -> None:
        self.context = context
        self.writes = writes
        self._open: Counter[str] = Counter()
        self._seen: set[str] = set()
        self._offline: set[str] = set()
        self._task: asyncio.Task[None] | None = None

    def used(self, link_id: str) -> None:
        if link_id:
            self._seen.add(link_id)

    def opened(self, link_id: str) -> None:
        if link_id:
            self._open[link_id] += 1
            self._seen.add(link_id)
            self._offline.discard(link_id)

    def closed(self, link_id: str) -> None:
        if not link_id:
            return
        self._open[link_id] -= 1
        if self._open[link_id] <= 0:
            del self._open[link_id]
            self._offline.add(link_id)
            self._seen.add(link_id)

    async def flush(self) -> None:
        """Write what was seen since the last flush."""
        clock = self.context.clock
        now = clock.now()
        seen, online, offline = set(self._seen), set(self._open), set(self._offline)
        if not (seen or online or offline):
            return

        async def note(session: AsyncSession) -> None:
            await crud.note_sightings(
                session,
                seen=seen,
                online=online,
                offline=offline,
                now=now,
                online_until=now + ONLINE_SECONDS * clock.rate,
            )

        if await self.writes.observe(note):
            self._seen -= seen
            self._offline -= offline

    def start(self) -> None:
        self._task = asyncio.create_task(self._flushing(), name="link-sightings")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        with contextlib.suppress(Exception):
            self._offline |= set(self._open)
            self._open.clear()
            await self.flush()

    async def _flushing(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            try:
                await self.flush()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("sightings.flush_failed")
