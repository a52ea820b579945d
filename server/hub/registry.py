"""This process's connections, by event and by room, and the fan-out over them.

Rules:
- A message is encoded to one websocket frame per delivery, never per client;
  the same bytes go to every matching connection.
- A room's message touches that room's connections and the uber moderators'
  (kept under room ``None``, they see every room), not the whole event's.
- Every connection is isolated: one that refuses a message (full queue,
  failed write) is handed to ``refused`` and the fan-out goes on with the
  next; nothing one connection does can stop the others' delivery.
- A fan-out yields to the loop every ``FAN_OUT_SLICE`` connections.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable

from server.hub.connection import Connection, text_frame
from server.hub.envelope import Audience

FAN_OUT_SLICE = 4000
"""Connections served before a large fan-out yields to the loop, so timers never wait
longer than one slice (about 20 ms here). Smaller slices let other work (a recall's
own room updates) cut into an event-wide message and stretch its tail: 1,000 gave
1.47x the bare server's recall p99 at 5,000 clients, 4,000 gives about 1.1x."""


class Registry:
    def __init__(self) -> None:
        self._by_event: dict[str, set[Connection]] = defaultdict(set)
        self._by_room: dict[str, dict[str | None, set[Connection]]] = defaultdict(
            lambda: defaultdict(set)
        )

    def add(self, connection: Connection) -> None:
        member = connection.member
        self._by_event[member.event_id].add(connection)
        self._by_room[member.event_id][member.room_id].add(connection)

    def discard(self, connection: Connection) -> bool:
        """Forget a connection; True if it was the event's last one here."""
        member = connection.member
        self._by_event[member.event_id].discard(connection)
        self._by_room[member.event_id][member.room_id].discard(connection)
        return not self._by_event[member.event_id]

    def has(self, event_id: str) -> bool:
        return bool(self._by_event.get(event_id))

    def forget_event(self, event_id: str) -> None:
        self._by_event.pop(event_id, None)
        self._by_room.pop(event_id, None)

    def of_event(self, event_id: str) -> tuple[Connection, ...]:
        return tuple(self._by_event.get(event_id, ()))

    def everyone(self) -> tuple[Connection, ...]:
        return tuple(c for connections in self._by_event.values() for c in connections)

    def of_room(self, event_id: str, room_id: str) -> tuple[Connection, ...]:
        return tuple(self._by_room.get(event_id, {}).get(room_id, ()))

    async def deliver(
        self,
        event_id: str,
        audience: Audience,
        payload: str,
        refused: Callable[[Connection], None],
    ) -> int:
        """Hand ``payload`` to every connection ``audience`` selects; returns how many."""
        if audience.room_id is None:
            targets = self.of_event(event_id)
        else:
            rooms = self._by_room.get(event_id, {})
            targets = (*rooms.get(audience.room_id, ()), *rooms.get(None, ()))
        frame = text_frame(payload.encode())
        filtered = audience.filtered
        delivered = 0
        for index, connection in enumerate(targets, start=1):
            if not filtered or audience.selects(connection.member):
                if connection.offer(payload, frame):
                    delivered += 1
                else:
                    refused(connection)
            if index % FAN_OUT_SLICE == 0:
                await asyncio.sleep(0)  # let timers and other work run between slices
        return delivered
