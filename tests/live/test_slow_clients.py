"""A stalled client never delays the others; it is dropped and resyncs on reconnecting."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from urllib.parse import urlparse

from websockets.asyncio.client import connect

from tests.fakes import FakeClock
from tests.live.harness import client, make_settings, running_server, set_up_event

MAX_MESSAGES = 50_000


async def test_a_stalled_client_is_dropped_and_the_others_get_everything(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "s.db", send_queue_size=16)
    async with running_server(settings, FakeClock()) as server:
        setup = await set_up_event(server)
        url = server.base_url.replace("http://", "ws://") + f"/ws?token={setup.members[0][1]}"
        # A client that stops reading: tiny socket buffer, and a library queue of one frame.
        address = urlparse(server.base_url)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect((address.hostname, address.port))
        async with (
            connect(url, sock=sock, max_queue=1, compression=None) as stalled,
            client(server, setup.members[0][0]) as healthy,
            client(server, setup.uber) as uber,
        ):
            await healthy.wait_type("snapshot")
            await uber.wait_type("snapshot")
            text = "x" * 480
            hub = server.services.context.hub

            async def read_until_done() -> int:
                received = 0
                while True:
                    message = await healthy.wait_type("broadcast.message")
                    if message["text"] == "done":
                        return received
                    assert message["text"].startswith(f"{received} ")
                    received += 1

            reader = asyncio.create_task(read_until_done())
            sent = 0
            # Flood until the stalled client's socket and queue overflow (bounded).
            while hub.dropped_total == 0 and sent < MAX_MESSAGES:
                await uber.send({"type": "broadcast.send", "text": f"{sent} {text}"})
                await uber.wait_type("command.ok")
                sent += 1
            await uber.send({"type": "broadcast.send", "text": "done"})
            assert hub.dropped_total == 1, f"no drop after {sent} messages"
            assert await reader == sent
            # The stalled client's connection was closed by the server ("try again later").
            closed = False
            try:
                for _ in range(MAX_MESSAGES):
                    await stalled.recv()
            except Exception:
                closed = True
            assert closed
            assert stalled.close_code == 1013
        # Reconnecting gives a fresh snapshot.
        async with client(server, setup.members[0][1]) as again:
            snapshot = await again.wait_type("snapshot")
            assert snapshot["rooms"][0]["id"] == setup.rooms[0]["id"]
