"""The hub: fans each published message out to the websockets of this process.

Two layers, after encode/broadcaster: the backplane carries one envelope per
publish between processes (``server.hub.envelope``); each process's hub holds
one subscription per event (however many browsers) and hands the payload text
to its local connections (``server.hub.registry``).

Rules:
- Faults stay where they happen. A connection that cannot take a message is
  evicted (``server.hub.connection``) and logged; the others never notice. A
  malformed envelope is logged and skipped.
- Each event's reader is supervised (``server.hub.reader``): if its
  subscription ends with an error (the backplane's connection was lost), it
  subscribes again with jittered exponential backoff, and once back it tells
  every local client of the event
  to resync (a ``resync`` message: the client asks for a fresh snapshot), so
  nothing missed stays missed. Falling behind the backplane's buffer is
  handled the same way. A publish that fails is logged; the next one that
  succeeds first tells every process to resync that event's clients.
- A connection joins before its snapshot is taken, so nothing published in
  between is missed; clients ignore updates whose version is not newer than
  what they hold, and ask for a snapshot when a version is skipped.
- Every committed change set's next deadlines (``room:ID``, ``event:ID``) go
  out on one schedule channel that every process follows from start to stop,
  whether or not it has clients of that event; each hands them to its
  scheduler, so a room's timer and an event's recall end are applied even if
  the process that set them goes away (the compare-and-set in the write path
  makes sure only one process applies each). If that channel was lost, the
  owner reloads every deadline (``server.hub.shared``). Revoked links travel on
  that channel too: every process closes their connections (``end_where``).
- Presence is shared per room and process, with heartbeats; a process that
  stops beating is forgotten within ``EXPIRY_SECONDS`` (``server.hub.presence``).
  Changes within ``PRESENCE_DELAY`` are sent as one message per room. A
  person's given name changes presence whenever it is given; their page's
  clock quality only when it is news (``server.hub.presence.clock_news``), so
  periodic pings do not become periodic presence messages.
- An event's subscription is held while this process has connections to it,
  and ``IDLE_SUBSCRIPTION_SECONDS`` after the last one leaves.
- The hub never touches the database or a use case: it knows people only as
  ``Member``s.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
import time
from collections import defaultdict
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

from pydantic import ValidationError

from server.backplane import Backplane
from server.hub import envelope
from server.hub.connection import DROP_CODE, Connection, text_frame
from server.hub.envelope import EVERYONE, Audience, EnvelopeError, Member, PersonData
from server.hub.presence import HEARTBEAT_SECONDS, PresenceBook, clock_news, tidy_name
from server.hub.reader import Reader, follow
from server.hub.registry import Registry
from server.hub.shared import SharedChannel
from server.logs import get_logger
from server.wire.messages import PersonView, PresenceUpdated, Resync

log = get_logger(__name__)

IDLE_SUBSCRIPTION_SECONDS = 10.0
PRESENCE_DELAY = 0.25
"""Seconds over which joins and leaves are gathered into one presence message per room."""
RESYNC_SPREAD_MS = 1000
"""Clients told to resync ask for their snapshots spread over this long."""
SLOW_DELIVERY_SECONDS = 0.25
"""A fan-out that takes longer than this is logged."""


class Hub:
    def __init__(self, backplane: Backplane) -> None:
        self._backplane = backplane
        self.process = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"
        self._registry = Registry()
        self._presence = PresenceBook()
        self._readers: dict[str, asyncio.Task[None]] = {}
        self._ready: dict[str, asyncio.Event] = {}
        self._idle_timers: dict[str, asyncio.TimerHandle] = {}
        self._generations: dict[str, int] = defaultdict(int)
        self._background: set[asyncio.Task[Any]] = set()
        self._presence_dirty: set[tuple[str, str]] = set()
        self._presence_flush: asyncio.Task[None] | None = None
        self._heartbeat: asyncio.Task[None] | None = None
        self._unsent: set[str] = set()
        """Events with a message this process could not publish: the next publish resyncs."""
        self.dropped_total = 0
        self.resyncs_total = 0
        self.reader_restarts = 0
        self.on_dropped: Callable[[Connection], None] | None = None
        self.shared = SharedChannel(backplane, self.process, self._restarted)
        """Every change set's next deadlines, and revoked links, shared with every process."""

    # -- publishing --------------------------------------------------------

    @property
    def backplane(self) -> Backplane:
        return self._backplane

    @staticmethod
    def channel(event_id: str) -> str:
        return f"consult.event.{event_id}"

    async def publish(self, event_id: str, payload: str, audience: Audience = EVERYONE) -> None:
        """Send ``payload`` to ``audience`` in every process; never raises for the backplane."""
        self._generations[event_id] += 1  # our own change is visible at once, here
        # Some message of this event never left: every process resyncs its clients first.
        resync_first = event_id in self._unsent
        if resync_first and await self._send(event_id, envelope.resync_all(self.process)):
            self._unsent.discard(event_id)
        if not await self._send(event_id, envelope.for_clients(payload, audience)):
            self._unsent.add(event_id)

    async def _send(self, event_id: str, text: str) -> bool:
        try:
            await self._backplane.publish(self.channel(event_id), text)
        except Exception as error:
            log.warning("backplane.publish_failed", event_id=event_id, error=repr(error))
            return False
        return True

    # -- connections -------------------------------------------------------

    async def join(self, connection: Connection) -> None:
        event_id = connection.member.event_id
        if (timer := self._idle_timers.pop(event_id, None)) is not None:
            timer.cancel()
        connection.on_failure = self._pump_failed
        self._registry.add(connection)
        if event_id not in self._readers:
            ready = self._ready[event_id] = asyncio.Event()
            self._readers[event_id] = asyncio.create_task(
                self._read_event(event_id, ready), name=f"hub-reader-{event_id}"
            )
        if self._heartbeat is None:
            self._heartbeat = asyncio.create_task(self._beat(), name="hub-heartbeat")
        await self._ready[event_id].wait()
        self._presence_changed(event_id, connection.member.room_id)

    async def leave(self, connection: Connection) -> None:
        connection.ended.set()
        self._forget(connection)
        self._presence_changed(connection.member.event_id, connection.member.room_id)

    def describe(
        self,
        connection: Connection,
        *,
        name: str | None = None,
        offset_ms: float | None = None,
        round_trip_ms: float | None = None,
    ) -> None:
        """What a connection's person says of themselves (None: not said this time): the
        name they gave (kept tidied: ``connection.name`` is what presence shows; "" clears
        it), and their page's clock offset and round trip.

        Presence is sent again for a name always, for the clock only when it is news.
        """
        changed = False
        if name is not None:
            connection.name = tidy_name(name)
            changed = True
        if clock_news(connection.offset_ms, connection.round_trip_ms, offset_ms, round_trip_ms):
            # Both move together: the offset shown is the one resting on that round trip.
            if offset_ms is not None:
                connection.offset_ms = offset_ms
            if round_trip_ms is not None:
                connection.round_trip_ms = round_trip_ms
            changed = True
        if changed and not connection.dropped:
            self._presence_changed(connection.member.event_id, connection.member.room_id)

    def evict(self, connection: Connection, reason: str | None = None) -> None:
        """Drop a connection that cannot keep up or is broken; it reconnects and resyncs."""
        if connection.dropped:
            return
        connection.dropped = True
        member = connection.member
        why = reason or connection.failure or "cannot take messages"
        self._forget(connection)
        self._presence_changed(member.event_id, member.room_id)
        self.dropped_total += 1
        log.warning(
            "connection.evicted",
            event_id=member.event_id,
            room_id=member.room_id,
            connection=connection.id,
            reason=why,
        )
        if self.on_dropped is not None:
            self.on_dropped(connection)
        self._spawn(self._close_evicted(connection))

    def end_where(
        self,
        event_id: str | None,
        ends: Callable[[Member], bool],
        *,
        code: int,
        reason: str,
        notice: str | None,
    ) -> int:
        """Close, for a reason of theirs (a revoked or expired link), the connections of
        ``event_id`` (or of every event) whose member ``ends``: each gets ``notice`` (if
        any), then a close frame with ``code``. Returns how many."""
        if event_id is None:
            connections: Iterable[Connection] = self._registry.everyone()
        else:
            connections = self._registry.of_event(event_id)
        ending = [c for c in connections if not c.dropped and ends(c.member)]
        for connection in ending:
            connection.dropped = True
            member = connection.member
            self._forget(connection)
            self._presence_changed(member.event_id, member.room_id)
            log.info(
                "connection.ended",
                event_id=member.event_id,
                room_id=member.room_id,
                connection=connection.id,
                link=member.link_id,
                reason=reason,
            )
            self._spawn(connection.farewell(notice, code, reason))
        return len(ending)

    async def _close_evicted(self, connection: Connection) -> None:
        aborted = await connection.evict(DROP_CODE, "too slow: reconnect for a fresh snapshot")
        if aborted:
            member = connection.member
            log.info(
                "connection.aborted",
                event_id=member.event_id,
                room_id=member.room_id,
                connection=connection.id,
            )

    def _pump_failed(self, connection: Connection) -> None:
        self.evict(connection)

    def _forget(self, connection: Connection) -> None:
        event_id = connection.member.event_id
        if self._registry.discard(connection) and event_id in self._readers:
            if (old := self._idle_timers.pop(event_id, None)) is not None:
                old.cancel()
            self._idle_timers[event_id] = asyncio.get_running_loop().call_later(
                IDLE_SUBSCRIPTION_SECONDS, self._release_if_idle, event_id
            )

    def _release_if_idle(self, event_id: str) -> None:
        """Nobody of this event is connected here any more: leave its subscription."""
        self._idle_timers.pop(event_id, None)
        if self._registry.has(event_id):
            return
        reader = self._readers.pop(event_id, None)
        self._ready.pop(event_id, None)
        self._registry.forget_event(event_id)
        self._presence.forget_event(event_id)
        if reader is not None:
            reader.cancel()
            self._background.add(reader)
            reader.add_done_callback(self._background.discard)

    def generation(self, event_id: str) -> int:
        """Grows with every message of the event this process has seen (cache keys use it)."""
        return self._generations[event_id]

    def connections(self, event_id: str) -> Iterable[Connection]:
        return self._registry.of_event(event_id)

    def presence(self, event_id: str, room_id: str | None = None) -> dict[str, list[PersonView]]:
        """Who is connected, by room: every room, or just ``room_id``."""
        rooms = self._presence.rooms(event_id)
        if room_id is not None:
            return {room_id: self._presence.people(event_id, room_id)} if room_id in rooms else {}
        return {room: self._presence.people(event_id, room) for room in rooms}

    async def close(self) -> None:
        """Stop every task; tell the other processes this one's people are gone."""
        for timer in self._idle_timers.values():
            timer.cancel()
        self._idle_timers.clear()
        tasks = [
            *self._readers.values(),
            self._presence_flush,
            self._heartbeat,
        ]
        for event_id in list(self._readers):
            with contextlib.suppress(Exception):
                async with asyncio.timeout(1.0):
                    await self._backplane.publish(
                        self.channel(event_id), envelope.heartbeat(self.process, gone=True)
                    )
        for task in [*tasks, *self._background]:
            if task is not None:
                task.cancel()
        for task in [*tasks, *self._background]:
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._readers.clear()
        await self.shared.stop()

    def _spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # -- reading the backplane ------------------------------------------------

    def _restarted(self) -> None:
        self.reader_restarts += 1

    def _read_event(self, event_id: str, ready: asyncio.Event) -> Coroutine[Any, Any, None]:
        async def subscribed(recovered: bool) -> None:
            if recovered:
                self._resync_clients(event_id, "the live channel was re-established")
            await self._send(event_id, envelope.presence_query(self.process))
            await self._share_all_presence(event_id)

        async def lagged() -> None:
            self._resync_clients(event_id, "this server fell behind its live channel")

        async def handle(text: str) -> None:
            await self._handle(event_id, envelope.decode(text))

        return follow(
            self._backplane,
            self.channel(event_id),
            Reader(ready, {"event_id": event_id}, subscribed, lagged, handle, self._restarted),
        )

    async def _handle(self, event_id: str, item: envelope.Envelope) -> None:
        now = time.monotonic()
        match item:
            case envelope.ForClients(audience, payload):
                self._generations[event_id] += 1
                started = time.perf_counter()
                count = await self._registry.deliver(event_id, audience, payload, self.evict)
                spent = time.perf_counter() - started
                if spent > SLOW_DELIVERY_SECONDS:
                    log.warning(
                        "fanout.slow",
                        event_id=event_id,
                        room_id=audience.room_id,
                        connections=count,
                        seconds=round(spent, 3),
                    )
            case envelope.PresencePart(room_id, process, people):
                try:
                    views = [PersonView.model_validate(person) for person in people]
                except ValidationError as error:
                    raise EnvelopeError(f"bad person in presence of {room_id}: {error}") from error
                self._presence.put(event_id, room_id, process, views, now)
                await self._deliver_presence(event_id, room_id)
            case envelope.Heartbeat(process, gone):
                if gone:
                    for room_id in self._presence.forget_process(event_id, process):
                        await self._deliver_presence(event_id, room_id)
                else:
                    self._presence.heard(event_id, process, now)
            case envelope.PresenceQuery(process):
                if process != self.process:
                    self._presence.heard(event_id, process, now)
                    await self._share_all_presence(event_id)
            case envelope.ResyncAll(process):
                self._resync_clients(event_id, "a server could not publish a change")
            case envelope.Schedule() | envelope.LinksRevoked():
                raise EnvelopeError("a shared-channel message on an event's channel")

    def _resync_clients(self, event_id: str, reason: str) -> None:
        """Tell every local client of the event to fetch a fresh snapshot."""
        self._generations[event_id] += 1
        self.resyncs_total += 1
        message = Resync(reason=reason, spread_ms=RESYNC_SPREAD_MS).model_dump_json()
        frame = text_frame(message.encode())
        connections = self._registry.of_event(event_id)
        for connection in connections:
            if not connection.offer(message, frame):
                self.evict(connection)
        log.info("hub.resync", event_id=event_id, connections=len(connections), reason=reason)

    # -- presence ------------------------------------------------------------

    def _presence_changed(self, event_id: str, room_id: str | None) -> None:
        """Coalesce presence: at most one message per room per PRESENCE_DELAY.

        A connect storm (thousands of joins) thus costs one message per room,
        not one per join fanned out to the whole room.
        """
        if room_id is None:
            return
        self._presence_dirty.add((event_id, room_id))
        if self._presence_flush is None or self._presence_flush.done():
            self._presence_flush = asyncio.create_task(self._flush_presence())

    async def _flush_presence(self) -> None:
        await asyncio.sleep(PRESENCE_DELAY)
        dirty, self._presence_dirty = self._presence_dirty, set()
        for event_id, room_id in sorted(dirty):
            await self._share_presence(event_id, room_id)

    def _local_people(self, event_id: str, room_id: str) -> list[PersonData]:
        return [
            PersonView(
                role=connection.member.access,
                label=connection.member.label,
                team_id=connection.member.team_id or "",
                name=connection.name,
                offset_ms=connection.offset_ms,
                round_trip_ms=connection.round_trip_ms,
            ).model_dump()
            for connection in self._registry.of_room(event_id, room_id)
            if not connection.dropped
        ]

    async def _share_presence(self, event_id: str, room_id: str) -> None:
        people = self._local_people(event_id, room_id)
        await self._send(event_id, envelope.presence_part(room_id, self.process, people))

    async def _share_all_presence(self, event_id: str) -> None:
        """Everyone this process has in the event, room by room (answering a query)."""
        rooms = {
            connection.member.room_id
            for connection in self._registry.of_event(event_id)
            if connection.member.room_id is not None
        }
        for room_id in sorted(rooms):
            await self._share_presence(event_id, room_id)

    async def _deliver_presence(self, event_id: str, room_id: str) -> None:
        message = PresenceUpdated(room_id=room_id, people=self._presence.people(event_id, room_id))
        await self._registry.deliver(
            event_id, Audience(room_id=room_id), message.model_dump_json(), self.evict
        )

    async def _beat(self) -> None:
        """Heartbeats for every event followed here, and forgetting silent processes."""
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            try:
                for event_id in list(self._readers):
                    await self._send(event_id, envelope.heartbeat(self.process))
                for event_id, room_id in self._presence.expire(time.monotonic(), keep=self.process):
                    log.info("presence.expired", event_id=event_id, room_id=room_id)
                    await self._deliver_presence(event_id, room_id)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("hub.heartbeat_failed")
