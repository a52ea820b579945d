"""A stalled client never delays the others; it is evicted for real and resyncs on reconnecting."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import socket
import time
import tracemalloc
from pathlib import Path
from urllib.parse import urlparse

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.fakes import FakeClock
from tests.live.harness import LiveServer, client, make_settings, running_server, set_up_event

MAX_MESSAGES = 50_000
UNLIMITED = {"ws_burst": 10_000, "ws_frames_per_second": 10_000}
"""These tests flood on purpose (to fill queues): no frame budget in the way."""


async def test_a_stalled_client_is_dropped_and_the_others_get_everything(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "s.db", send_queue_size=16, **UNLIMITED)
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


STALLED = 50


async def stalled_client(server: LiveServer, token: str) -> ClientConnection:
    """A client that stops reading: a tiny socket buffer and a library queue of one frame."""
    url = server.base_url.replace("http://", "ws://") + f"/ws?token={token}"
    address = urlparse(server.base_url)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((address.hostname, address.port))
    return await connect(url, sock=sock, max_queue=1, compression=None, close_timeout=0.1)


async def test_fifty_stalled_clients_are_evicted_for_real_and_their_memory_released(
    tmp_path: Path,
) -> None:
    """Each asks for snapshots and never reads: the server closes every one of their
    sockets within 10 s of falling behind, and its memory returns to within 10 %."""
    settings = make_settings(tmp_path / "e.db", send_queue_size=32, **UNLIMITED)
    async with running_server(settings, FakeClock()) as server:
        setup = await set_up_event(server, rooms=10)
        hub = server.services.context.hub
        async with client(server, setup.members[0][0]) as healthy:
            await healthy.wait_type("snapshot")
            sockets_before = server.open_sockets
            tasks_before = len(asyncio.all_tasks())
            gc.collect()
            tracemalloc.start()
            stalled: list[ClientConnection] = []
            try:
                before = tracemalloc.get_traced_memory()[0]
                stalled += [await stalled_client(server, setup.uber) for _ in range(STALLED)]
                request = json.dumps({"type": "snapshot.request"})
                async with asyncio.timeout(60):
                    while hub.dropped_total < STALLED:
                        for connection in stalled:
                            with contextlib.suppress(ConnectionClosed):
                                await connection.send(request)
                        await asyncio.sleep(0.005)
                assert hub.dropped_total == STALLED
                fell_behind = time.monotonic()
                peak = tracemalloc.get_traced_memory()[1]
                async with asyncio.timeout(10):
                    # uvicorn's set of connections has nothing to wait on: poll it.
                    while server.open_sockets > sockets_before:  # noqa: ASYNC110
                        await asyncio.sleep(0.05)
                released_after = time.monotonic() - fell_behind
                for connection in stalled:
                    connection.transport.abort()  # the client side, for the test's own sake
                stalled.clear()
                await asyncio.sleep(0.1)
                gc.collect()
                after = tracemalloc.get_traced_memory()[0]
            finally:
                tracemalloc.stop()
                for connection in stalled:
                    connection.transport.abort()
            # The stalled clients made the server hold memory (queues, socket buffers) ...
            held, kept = peak - before, after - before
            assert held > 10 * 2**20, f"only {held / 2**20:.1f} MiB held"
            # ... and it is given back (what stays is under 10 % of it, and under 1 MiB),
            # with their sockets and tasks.
            assert kept < 0.1 * held, f"{held} bytes held, {kept} kept"
            assert kept < 2**20, f"{kept} bytes kept"
            assert released_after < 10
            assert len(asyncio.all_tasks()) <= tasks_before
            # The healthy client was never disturbed and still hears every change.
            async with server.http(setup.moderators[0]) as http:
                started = await http.post(
                    f"/api/rooms/{setup.rooms[0]['id']}/commands",
                    json={"action": "start", "expected_version": 0},
                )
            assert started.status_code == 200
            assert (await healthy.wait_type("room.updated"))["room"]["version"] == 1


async def test_a_half_open_connection_is_closed_when_its_pongs_stop(tmp_path: Path) -> None:
    """A client that completes the handshake and then goes silent (a laptop closed
    mid-meeting) answers no ping: the server closes its socket after the ping timeout."""
    settings = make_settings(tmp_path / "p.db", ws_ping_interval=0.2, ws_ping_timeout=0.3)
    async with running_server(settings, FakeClock()) as server:
        setup = await set_up_event(server)
        before = server.open_connections()
        address = urlparse(server.base_url)
        assert address.hostname is not None
        assert address.port is not None
        reader, writer = await asyncio.open_connection(address.hostname, address.port)
        try:
            writer.write(
                (
                    f"GET /ws?token={setup.members[0][0]} HTTP/1.1\r\n"
                    f"Host: {address.hostname}:{address.port}\r\n"
                    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    "Sec-WebSocket-Version: 13\r\n\r\n"
                ).encode()
            )
            assert b"101" in await reader.readuntil(b"\r\n")
            (ours,) = server.open_connections() - before
            # Never answering: the pings pile up unread, no pong goes back.
            async with asyncio.timeout(5):
                while ours in server.open_connections():  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
