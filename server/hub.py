"""The hub: fans each published message out to the websockets of this process.

Two layers, after encode/broadcaster: the backplane carries one serialized
envelope per publish between processes; each process's hub holds one
subscription per event (however many browsers) and hands the payload text to
its local connections.

Rules:
- A message is encoded once per publish, never per client; the hub forwards
  the same bytes to every matching connection, writing straight to idle
  connections where the server allows it (``server.fast_ws``), without a
  task wake-up per client; a fan-out yields to the loop every
  ``FAN_OUT_SLICE`` connections.
- An envelope is one header line (JSON: which room, which access roles,
  which teams) and the payload after a newline; the header decides who gets
  the payload, and uber moderators get every room's messages.
- Every connection has a bounded send queue. Handing a message over never
  waits: a connection whose queue is full is dropped (closed with 1013, "try
  again later"); when it reconnects it gets a fresh snapshot. So a slow or
  stalled client never delays the others.
- A connection joins the hub before its snapshot is taken, so nothing
  published in between is missed; clients ignore room updates whose version
  is not newer than what they hold.
- Presence is counted per process and shared through the backplane, so every
  process can tell who is connected to each room; changes within a quarter
  second are sent as one message per room.
- Room updates carry the room's next deadline in their header; every process
  hands it to its scheduler, so a room keeps its timer if the process that
  last changed it goes away.
- An event's subscription is held only while this process has connections
  to that event, and ``IDLE_SUBSCRIPTION_SECONDS`` after the last one leaves
  (a page reloading keeps it): a process that hosts event after event does
  not pile up backplane subscriptions.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import os
import secrets
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from starlette.websockets import WebSocket, WebSocketState

from server.access import Principal
from server.backplane import Backplane, SubscriptionClosed, SubscriptionLagged
from server.fast_ws import SEND_NOW, SendNow
from server.wire.messages import PersonView, PresenceUpdated

log = logging.getLogger(__name__)

DROP_CODE = 1013  # "try again later": the client reconnects and resyncs
FAN_OUT_SLICE = 4000
"""Connections served before a large fan-out yields to the loop, so timers never wait
longer than one slice (about 20 ms here). Smaller slices let other work (a recall's
own room updates) cut into an event-wide message and stretch its tail: 1,000 gave
1.47x the bare server's recall p99 at 5,000 clients, 4,000 gives about 1.1x."""
IDLE_SUBSCRIPTION_SECONDS = 10.0
PRESENCE_DELAY = 0.25
"""Seconds over which joins and leaves are gathered into one presence message per room."""


@dataclass(frozen=True, slots=True)
class Audience:
    """Who a message is for.

    ``room_id`` limits it to that room's connections (and uber moderators, who
    see every room). Within that, if ``access`` or ``team_ids`` is given, only
    connections with one of those access roles or from one of those teams get
    it; if neither is given, everyone does.
    """

    room_id: str | None = None
    access: frozenset[str] = frozenset()
    team_ids: frozenset[str] = frozenset()

    def header(self) -> str:
        return _header(self)

    @classmethod
    def parse(cls, header: str) -> Audience:
        return _parse(header)

    @property
    def filtered(self) -> bool:
        """Whether connections of the room (or event) need checking one by one."""
        return bool(self.access or self.team_ids)

    def selects(self, principal: Principal) -> bool:
        """The access/team filter; which room is the hub's room index's business."""
        return principal.access in self.access or principal.team_id in self.team_ids


@functools.lru_cache(maxsize=4096)
def _header(audience: Audience) -> str:
    """Encoded once per audience: a start of a thousand rooms reuses a thousand headers."""
    return json.dumps(
        {"r": audience.room_id, "a": sorted(audience.access), "t": sorted(audience.team_ids)},
        separators=(",", ":"),
    )


@functools.lru_cache(maxsize=4096)
def _parse(header: str) -> Audience:
    data = json.loads(header)
    return Audience(data["r"], frozenset(data["a"]), frozenset(data["t"]))


class Connection:
    """One websocket, and a bounded queue of what could not be written at once."""

    __slots__ = (
        "direct",
        "dropped",
        "live",
        "pending",
        "principal",
        "pumping",
        "queue_size",
        "websocket",
    )

    def __init__(self, websocket: WebSocket, principal: Principal, queue_size: int) -> None:
        self.websocket = websocket
        self.principal = principal
        self.queue_size = queue_size
        self.pending: deque[str] = deque()
        self.dropped = False
        self.live = False
        """True once the snapshot is out: from then on, messages may go straight out."""
        self.pumping: asyncio.Task[None] | None = None
        """Sends what is pending; exists only while something is (idle connections hold no task)."""
        self.direct: SendNow | None = websocket.scope.get("extensions", {}).get(SEND_NOW)

    def offer(self, text: str, data: bytes | None = None) -> bool:
        """Send or queue a message without waiting; False if the client has fallen behind.

        An idle connection (nothing pending, nothing being sent) is written to
        at once when the server supports it; otherwise the message waits in
        the bounded queue, so order is kept either way.
        """
        if self.dropped:
            return False
        idle = self.pumping is None or self.pumping.done()
        if (
            self.direct is not None
            and self.live
            and idle
            and not self.pending
            and self.direct(data if data is not None else text.encode())
        ):
            return True
        if len(self.pending) >= self.queue_size:
            self.dropped = True
            return False
        self.pending.append(text)
        if self.live and idle:
            self.pumping = asyncio.create_task(self._pump())
        return True

    async def send_now(self, text: str) -> None:
        await self.websocket.send_text(text)

    def go_live(self) -> None:
        """The snapshot is out: send what queued up meanwhile, then send as messages come."""
        self.live = True
        if self.pending:
            self.pumping = asyncio.create_task(self._pump())

    async def _pump(self) -> None:
        try:
            while self.pending:
                await self.websocket.send_text(self.pending.popleft())
        except Exception:
            self.dropped = True

    async def stop(self) -> None:
        if self.pumping is not None and not self.pumping.done():
            self.pumping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.pumping

    async def close(self, code: int, reason: str) -> None:
        if self.websocket.client_state is WebSocketState.CONNECTED:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.websocket.close(code=code, reason=reason), 1.0)


class Hub:
    def __init__(self, backplane: Backplane) -> None:
        self._backplane = backplane
        self._process = f"{os.getpid()}-{secrets.token_hex(3)}"
        self._connections: dict[str, set[Connection]] = defaultdict(set)
        # The same connections by room (None: uber moderators, who see every room),
        # so a room's message touches that room's connections, not the whole event's.
        self._by_room: dict[str, dict[str | None, set[Connection]]] = defaultdict(
            lambda: defaultdict(set)
        )
        self._readers: dict[str, asyncio.Task[None]] = {}
        self._ready: dict[str, asyncio.Event] = {}
        self._idle_timers: dict[str, asyncio.TimerHandle] = {}
        # presence[event][room][process] = people connected through that process
        self._presence: dict[str, dict[str, dict[str, list[PersonView]]]] = defaultdict(
            lambda: defaultdict(dict)
        )
        self.dropped_total = 0
        self.on_dropped: Callable[[Connection], None] | None = None
        self.on_room_due: Callable[[str, float | None], None] | None = None
        self._generations: dict[str, int] = defaultdict(int)
        self._closing: set[asyncio.Task[None]] = set()
        self._presence_dirty: set[tuple[str, str]] = set()
        self._presence_flush: asyncio.Task[None] | None = None
        """Told (room id, next deadline) for every room update from any process."""

    # -- publishing --------------------------------------------------------

    @staticmethod
    def channel(event_id: str) -> str:
        return f"consult.event.{event_id}"

    async def publish(
        self,
        event_id: str,
        payload: str,
        audience: Audience = Audience(),
        *,
        room_due: tuple[str, float | None] | None = None,
    ) -> None:
        """Send ``payload`` to ``audience`` in every process.

        ``room_due`` (room id, next deadline) rides in the header so that every
        process's scheduler learns the room's next deadline, and any of them
        can apply it if the one that set it goes away.
        """
        self._generations[event_id] += 1  # our own change is visible at once, here
        header = audience.header()
        if room_due is not None:
            header = f"{room_due[0]} {room_due[1]}\t{header}"
        await self._backplane.publish(self.channel(event_id), f"m{header}\n{payload}")

    # -- connections -------------------------------------------------------

    async def join(self, connection: Connection) -> None:
        event_id = connection.principal.event_id
        if (timer := self._idle_timers.pop(event_id, None)) is not None:
            timer.cancel()
        self._connections[event_id].add(connection)
        self._by_room[event_id][connection.principal.room_id].add(connection)
        if event_id not in self._readers:
            ready = self._ready[event_id] = asyncio.Event()
            self._readers[event_id] = asyncio.create_task(
                self._read(event_id, ready), name=f"hub-reader-{event_id}"
            )
        await self._ready[event_id].wait()
        self._presence_changed(event_id, connection.principal.room_id)

    async def leave(self, connection: Connection) -> None:
        self._forget(connection)
        self._presence_changed(connection.principal.event_id, connection.principal.room_id)

    def _forget(self, connection: Connection) -> None:
        principal = connection.principal
        self._connections[principal.event_id].discard(connection)
        self._by_room[principal.event_id][principal.room_id].discard(connection)
        if not self._connections[principal.event_id] and principal.event_id in self._readers:
            release = asyncio.get_running_loop().call_later(
                IDLE_SUBSCRIPTION_SECONDS, self._release_if_idle, principal.event_id
            )
            self._idle_timers[principal.event_id] = release

    def _release_if_idle(self, event_id: str) -> None:
        """Nobody of this event is connected here any more: leave its subscription."""
        self._idle_timers.pop(event_id, None)
        if self._connections.get(event_id):
            return
        reader = self._readers.pop(event_id, None)
        self._ready.pop(event_id, None)
        self._connections.pop(event_id, None)
        self._by_room.pop(event_id, None)
        if reader is not None:
            reader.cancel()
            self._closing.add(reader)
            reader.add_done_callback(self._closing.discard)

    def generation(self, event_id: str) -> int:
        """Grows with every message of the event this process has seen (cache keys use it)."""
        return self._generations[event_id]

    def connections(self, event_id: str) -> Iterable[Connection]:
        return tuple(self._connections.get(event_id, ()))

    def presence(self, event_id: str, room_id: str | None = None) -> dict[str, list[PersonView]]:
        """Who is connected, by room: every room, or just ``room_id``."""
        rooms = self._presence.get(event_id, {})
        if room_id is not None:
            return {room_id: self._merged(rooms, room_id)} if room_id in rooms else {}
        return {room: self._merged(rooms, room) for room in rooms}

    async def close(self) -> None:
        for timer in self._idle_timers.values():
            timer.cancel()
        self._idle_timers.clear()
        if self._presence_flush is not None:
            self._presence_flush.cancel()
        for task in self._readers.values():
            task.cancel()
        for task in self._readers.values():
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._readers.clear()

    # -- delivery ----------------------------------------------------------

    async def _read(self, event_id: str, ready: asyncio.Event) -> None:
        channel = self.channel(event_id)
        async with self._backplane.subscribe(channel) as subscription:
            ready.set()
            while True:
                try:
                    envelope = await subscription.get()
                except SubscriptionClosed:
                    return
                except SubscriptionLagged:
                    self._generations[event_id] += 1
                    # This process fell behind the backplane: every local client
                    # may have missed something, so each resyncs by reconnecting.
                    log.warning("hub lagged behind channel %s; resyncing its clients", channel)
                    for connection in self.connections(event_id):
                        self._drop(connection)
                    continue
                kind, rest = envelope[0], envelope[1:]
                if kind == "m":  # a change; presence is read live, not cached
                    self._generations[event_id] += 1
                header, _, payload = rest.partition("\n")
                if kind == "m":
                    due_part, tab, header = header.rpartition("\t")
                    if tab and self.on_room_due is not None:
                        room_id, _, due = due_part.partition(" ")
                        self.on_room_due(room_id, None if due == "None" else float(due))
                    await self._deliver(event_id, Audience.parse(header), payload)
                elif kind == "p":
                    await self._receive_presence(event_id, header, payload)

    async def _deliver(self, event_id: str, audience: Audience, payload: str) -> None:
        if audience.room_id is None:
            targets = tuple(self._connections.get(event_id, ()))
        else:
            rooms = self._by_room[event_id]
            targets = (*rooms.get(audience.room_id, ()), *rooms.get(None, ()))
        data = payload.encode()  # once per message, not once per client
        filtered = audience.filtered
        for index, connection in enumerate(targets, start=1):
            if filtered and not audience.selects(connection.principal):
                continue
            if not connection.offer(payload, data):
                self._drop(connection)
            if index % FAN_OUT_SLICE == 0:
                await asyncio.sleep(0)  # let timers and other work run between slices

    def _drop(self, connection: Connection) -> None:
        connection.dropped = True
        self._forget(connection)
        closing = asyncio.create_task(
            connection.close(DROP_CODE, "too slow: reconnect for a fresh snapshot")
        )
        self._closing.add(closing)
        closing.add_done_callback(self._closing.discard)
        self.dropped_total += 1
        if self.on_dropped is not None:
            self.on_dropped(connection)

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

    async def _share_presence(self, event_id: str, room_id: str) -> None:
        people = [
            PersonView(role=connection.principal.access, label=connection.principal.label)
            for connection in self._by_room[event_id].get(room_id, ())
            if not connection.dropped
        ]
        header = json.dumps({"room": room_id, "process": self._process})
        body = json.dumps([person.model_dump() for person in people])
        await self._backplane.publish(self.channel(event_id), f"p{header}\n{body}")

    @staticmethod
    def _merged(rooms: dict[str, dict[str, list[PersonView]]], room_id: str) -> list[PersonView]:
        return [person for people in rooms.get(room_id, {}).values() for person in people]

    async def _receive_presence(self, event_id: str, header: str, body: str) -> None:
        meta = json.loads(header)
        room_id: str = meta["room"]
        people = [PersonView.model_validate(person) for person in json.loads(body)]
        rooms = self._presence[event_id]
        rooms[room_id][meta["process"]] = people
        message = PresenceUpdated(room_id=room_id, people=self._merged(rooms, room_id))
        await self._deliver(event_id, Audience(room_id=room_id), message.model_dump_json())
