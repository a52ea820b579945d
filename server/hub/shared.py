"""The channel every process follows from start to stop: deadlines and revoked links.

Rules:
- After each committed change set, its process publishes the set's next deadlines
  (scheduler keys such as ``room:ID`` and ``event:ID``, each with an instant or
  None) here, whether or not any process has clients of that event. Each process
  hands them to its scheduler (``on_due``), so any process can apply a room's timer
  or end a recall if the one that set it goes away; the compare-and-set in the
  write path makes sure only one applies each. A process skips its own change
  sets: it has them already.
- A revocation of links is published here too (and, alike, links whose team
  moved to another room); every process, the one that
  revoked included (it applies it before publishing, so a lost backplane cannot
  delay it there), hands it to ``on_revoked``: forget the links, close their
  connections.
- If the channel was lost (or fell behind), deadlines or revocations may have
  been missed: once it is back, ``on_gap`` runs (the owner reloads every deadline
  and checks every cached link against the database).
- A publish that fails is logged; what it carried stays known to its own process
  (and a revocation reaches the others through their periodic check).
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

SHARED_CHANNEL = "consult.shared"

Revoked = Callable[[str, frozenset[str], str, bool], Awaitable[None]]
"""Told (event id, link ids, reason, moved) when links were revoked (or, when ``moved``,
lead to another room from now on)."""


class SharedChannel:
    def __init__(self, backplane: Backplane, process: str, restarted: Callable[[], None]) -> None:
        self._backplane = backplane
        self._process = process
        self._restarted = restarted
        self._reader: asyncio.Task[None] | None = None
        self.on_due: Callable[[str, float | None], None] | None = None
        """Told (scheduler key, next deadline) for every change set of another process."""
        self.on_revoked: Revoked | None = None
        self.on_gap: Callable[[], Awaitable[None]] | None = None
        """Called when something may have been missed (the channel was lost or lagged)."""

    async def start(self) -> None:
        """Follow the channel; returns once the first subscription was attempted."""
        ready = asyncio.Event()
        reader = Reader(
            ready,
            {"channel": SHARED_CHANNEL},
            self._subscribed,
            self._gap,
            self._handle,
            self._restarted,
        )
        self._reader = asyncio.create_task(
            follow(self._backplane, SHARED_CHANNEL, reader), name="hub-shared-reader"
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
        if entries:
            await self._publish(envelope.schedule(self._process, entries))

    async def revoke(
        self, event_id: str, link_ids: list[str], reason: str, *, moved: bool = False
    ) -> None:
        """Links were revoked (or moved to another room): apply it here at once, then
        tell every other process."""
        if not link_ids:
            return
        if self.on_revoked is not None:
            await self.on_revoked(event_id, frozenset(link_ids), reason, moved)
        await self._publish(
            envelope.links_revoked(self._process, event_id, link_ids, reason, moved=moved)
        )

    async def _publish(self, text: str) -> None:
        try:
            await self._backplane.publish(SHARED_CHANNEL, text)
        except Exception as error:
            log.warning("backplane.publish_failed", channel=SHARED_CHANNEL, error=repr(error))

    async def _subscribed(self, recovered: bool) -> None:
        if recovered:
            await self._gap()

    async def _gap(self) -> None:
        if self.on_gap is not None:
            await self.on_gap()

    async def _handle(self, text: str) -> None:
        item = envelope.decode(text)
        match item:
            case envelope.Schedule(process, entries):
                if self.on_due is not None and process != self._process:
                    for key, due in entries:
                        self.on_due(key, due)
            case envelope.LinksRevoked(process, event_id, link_ids, reason, moved):
                if self.on_revoked is not None and process != self._process:
                    await self.on_revoked(event_id, link_ids, reason, moved)
            case _:
                raise EnvelopeError(f"not for {SHARED_CHANNEL}: {text[:80]!r}")
