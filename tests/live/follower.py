"""A websocket client that follows the live channel as the page does (``app.js``).

It applies a ``room.updated`` only if its version is the next one, asks for a
snapshot on a gap or when told to ``resync``, and keeps what it did, so a test
can tell that the versions it held were contiguous and when it caught up.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.live.harness import LiveServer


@dataclass
class Follower:
    connection: ClientConnection
    rooms: dict[str, int] = field(default_factory=dict)
    """Room id -> the version held."""
    applied: list[tuple[str, int]] = field(default_factory=list)
    """(room, version) of every update applied, in order."""
    snapshots: int = 0
    resyncs: list[float] = field(default_factory=list)
    """When each resync arrived (monotonic)."""
    gaps: int = 0
    closed_with: int | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self) -> None:
        try:
            async for frame in self.connection:
                self._receive(json.loads(frame))
        except ConnectionClosed:
            pass
        self.closed_with = self.connection.close_code
        self.changed.set()

    def _receive(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "snapshot":
            self.snapshots += 1
            self.rooms = {room["id"]: room["version"] for room in message["rooms"]}
        elif kind == "room.updated":
            room = message["room"]
            held = self.rooms.get(room["id"])
            if held is not None and room["version"] <= held:
                return
            if held is not None and room["version"] > held + 1:
                self.gaps += 1
                self._ask_for_snapshot()
                return
            self.rooms[room["id"]] = room["version"]
            self.applied.append((room["id"], room["version"]))
        elif kind == "resync":
            self.resyncs.append(time.monotonic())
            self._ask_for_snapshot()
        self.changed.set()

    def _ask_for_snapshot(self) -> None:
        asyncio.get_running_loop().create_task(
            self.connection.send(json.dumps({"type": "snapshot.request"}))
        )

    async def holds(self, room_id: str, version: int, *, within: float) -> float:
        """Wait until the room's version is held; returns how long it took."""
        started = time.monotonic()
        async with asyncio.timeout(within):
            while self.rooms.get(room_id) != version:
                self.changed.clear()
                await self.changed.wait()
        return time.monotonic() - started

    def contiguous(self) -> bool:
        """Whether no update ever skipped a version (updates are applied only when
        they are the next version, so what was held was always contiguous)."""
        return self.gaps == 0


@contextlib.asynccontextmanager
async def follow(server: LiveServer, token: str) -> AsyncIterator[Follower]:
    url = server.base_url.replace("http://", "ws://") + f"/ws?token={token}"
    async with connect(url, compression=None, max_queue=None) as connection:
        follower = Follower(connection)
        task = asyncio.create_task(follower.run())
        try:
            async with asyncio.timeout(5):
                while follower.snapshots == 0:
                    follower.changed.clear()
                    await follower.changed.wait()
            yield follower
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
