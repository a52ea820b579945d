"""The fast path against the uvicorn installed here: used when its fields are as expected,
declined when it cannot write at once, and replaced by the ordinary send when not."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import uvicorn
from structlog.testing import capture_logs

from server import fast_ws
from server.hub import Connection
from server.hub.connection import text_frame
from tests.fakes import FakeClock
from tests.live.follower import follow
from tests.live.harness import LiveServer, Setup, make_settings, running_server, set_up_event


def the_member(server: LiveServer, setup: Setup) -> Connection:
    (connection,) = [
        connection
        for connection in server.services.context.hub.connections(setup.event_id)
        if connection.member.access == "member"
    ]
    return connection


async def start_room(server: LiveServer, setup: Setup) -> int:
    async with server.http(setup.moderators[0]) as http:
        reply = await http.post(
            f"/api/rooms/{setup.rooms[0]['id']}/commands",
            json={"action": "start", "expected_version": 0},
        )
    assert reply.status_code == 200, reply.text
    version: int = reply.json()["version"]
    return version


def test_the_installed_uvicorn_is_in_the_tested_range_and_has_the_sans_io_protocol() -> None:
    major, minor = (int(part) for part in uvicorn.__version__.split(".")[:2])
    assert (major, minor) >= (0, 35)
    assert fast_ws.protocol_class() is fast_ws.ConsultWebSocketProtocol


async def test_messages_go_straight_to_an_idle_socket(tmp_path: Path) -> None:
    async with running_server(make_settings(tmp_path / "d.db"), FakeClock()) as server:
        setup = await set_up_event(server)
        async with follow(server, setup.members[0][0]) as member:
            connection = the_member(server, setup)
            assert connection.direct is not None
            assert connection.abort is not None
            direct, written = connection.direct, []

            def counting(data: bytes) -> bool:
                done = direct(data)
                written.append(done)
                return done

            connection.direct = counting
            version = await start_room(server, setup)
            await member.holds(setup.rooms[0]["id"], version, within=2)
            assert written
            assert all(written)
            assert not connection.pending
            assert connection.pumping is None or connection.pumping.done()
            await member.connection.close()
            await member.connection.wait_closed()
            # A closed connection declines, it never raises.
            assert direct(text_frame(b'{"type":"late"}')) is False


async def test_a_protocol_without_the_expected_fields_falls_back_to_the_ordinary_send(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fast_ws, "capable", lambda _protocol: "writable (an asyncio.Event)")
    monkeypatch.setattr(fast_ws, "_warned", False)
    async with running_server(make_settings(tmp_path / "f.db"), FakeClock()) as server:
        setup = await set_up_event(server)
        with capture_logs() as logs:
            async with follow(server, setup.members[0][0]) as member:
                connection = the_member(server, setup)
                assert connection.direct is None
                assert connection.abort is not None  # only asyncio's public transport API
                version = await start_room(server, setup)
                await member.holds(setup.rooms[0]["id"], version, within=2)
            async with follow(server, setup.members[0][1]):
                pass
        warnings = [line for line in logs if line["event"] == "fast_ws.unavailable"]
        assert len(warnings) == 1
        assert warnings[0]["missing"] == "writable (an asyncio.Event)"


def test_the_capability_check_names_what_is_missing() -> None:
    class Bare:
        handshake_complete = True
        close_sent = False
        disconnected = False

    assert fast_ws.capable(Bare()) == "writable (an asyncio.Event)"
    assert fast_ws.capable(object()) == "handshake_complete (a bool)"

    class Transport:
        def write(self, _: bytes) -> None: ...
        def is_closing(self) -> bool:
            return False

    class Deflating(Bare):
        writable = asyncio.Event()
        transport = Transport()
        conn = type("Conn", (), {"extensions": ["permessage-deflate"]})()

    assert fast_ws.capable(Deflating()) == "conn.extensions (none negotiated)"
    Deflating.conn.extensions = []
    assert fast_ws.capable(Deflating()) is None
