"""Load clients for our server: many minimal websocket clients, grouped by room.

Rules: clients connect with bounded concurrency; each room's first client
holds the moderator link (so a room can be advanced), the others member or
observer links. A client records the arrival time of every message; only a
moderator's own messages are parsed (to know its room's version).
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import time
from dataclasses import dataclass, field

from bench.seed import Seeded
from bench.wsclient import WSClient, connect

_ROOM_VERSION = re.compile(rb'"version":(\d+)')
"""The first version in a ``room.updated`` is the room's (no field before it has one)."""


@dataclass
class LoadClient:
    room_index: int
    token: str
    moderator: bool
    client: WSClient | None = None
    arrivals: list[tuple[float, bytes]] = field(default_factory=list)
    version: int = 0
    snapshot_at: float | None = None
    snapshot: asyncio.Future[float] | None = None
    room_versions: list[tuple[float, int]] | None = None
    """When a list: (arrival, room version) of every ``room.updated`` (B4's deadline-to-client)."""

    def expect_snapshot(self) -> asyncio.Future[float]:
        """A future set when the next snapshot arrives (no polling: the generator stays cheap)."""
        self.snapshot_at = None
        self.snapshot = asyncio.get_running_loop().create_future()
        return self.snapshot

    def on_message(self, _: WSClient, payload: bytes, at: float) -> None:
        if self.snapshot_at is None and payload.startswith(b'{"type":"snapshot"'):
            self.snapshot_at = at
            if self.snapshot is not None and not self.snapshot.done():
                self.snapshot.set_result(at)
        head = payload[:96]
        if b"recall" in payload:
            head += b" recall"  # the marker may sit deep in the message
        self.arrivals.append((at, head))
        if self.moderator and b'"room.updated"' in payload[:40]:
            self.version = json.loads(payload)["room"]["version"]
        if self.room_versions is not None and b'"room.updated"' in payload[:40]:
            found = _ROOM_VERSION.search(payload, 0, 600)
            if found is not None:
                self.room_versions.append((at, int(found.group(1))))

    def first_after(self, start: float, marker: bytes) -> float | None:
        for at, head in self.arrivals:
            if at >= start and marker in head:
                return at
        return None


def plan_clients(seeded: Seeded, total: int, *, seed: int = 7) -> list[LoadClient]:
    """Spread ``total`` clients over the seeded rooms, 2-10 per room."""
    chooser = random.Random(seed)
    clients: list[LoadClient] = []
    for index, room in enumerate(seeded.rooms):
        size = chooser.randint(2, 10)
        for position in range(size):
            if len(clients) >= total:
                return clients
            if position == 0:
                clients.append(LoadClient(index, room.moderator, True))
            else:
                token = room.members[position % 2] if position < size - 1 else room.observer
                clients.append(LoadClient(index, token, False))
    return clients


def rooms_needed(total: int) -> int:
    return total // 5 + 10  # 2-10 clients per room: about 6 on average


async def connect_all(port: int, clients: list[LoadClient], *, concurrency: int = 256) -> float:
    """Connect every client (bounded concurrency); returns seconds until all hold a snapshot."""
    semaphore = asyncio.Semaphore(concurrency)
    start = time.perf_counter()

    async def one(load: LoadClient) -> None:
        async with semaphore:
            arrived = load.expect_snapshot()
            for attempt in range(20):
                try:
                    load.client = await connect(
                        "127.0.0.1", port, f"/ws?token={load.token}", load.on_message
                    )
                    break
                except OSError:
                    await asyncio.sleep(0.05 * (attempt + 1))
            await arrived

    await asyncio.gather(*(one(load) for load in clients))
    return time.perf_counter() - start


async def quiesce(clients: list[LoadClient], *, quiet: float = 0.3, limit: float = 30) -> None:
    """Wait until no client has received anything for ``quiet`` seconds."""
    start = time.perf_counter()
    while time.perf_counter() - start < limit:
        counts = sum(len(load.arrivals) for load in clients)
        await asyncio.sleep(quiet)
        if sum(len(load.arrivals) for load in clients) == counts:
            return


def close_all(clients: list[LoadClient]) -> None:
    for load in clients:
        if load.client is not None:
            load.client.close()
