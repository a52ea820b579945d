"""One fault stays where it happens: a broken socket, a lost backplane, a bad envelope.

Every other client keeps receiving, or resyncs within 2 s (a ``resync``, then a
fresh snapshot), and the versions it holds stay contiguous; every fault is
logged with its event (and room and connection where there is one).
"""

from __future__ import annotations

import asyncio
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import redis.asyncio as redis
from structlog.testing import capture_logs

from server.hub import Connection
from tests.fakes import FakeClock, FlakyBackplane
from tests.live.follower import follow
from tests.live.harness import LiveServer, Setup, make_settings, running_server, set_up_event

RESYNC_WITHIN = 2.0


async def command(server: LiveServer, setup: Setup, action: str, version: int) -> int:
    room_id = setup.rooms[0]["id"]
    async with server.http(setup.moderators[0]) as http:
        reply = await http.post(
            f"/api/rooms/{room_id}/commands",
            json={"action": action, "expected_version": version},
        )
    assert reply.status_code == 200, reply.text
    new_version: int = reply.json()["version"]
    return new_version


def member_connection(server: LiveServer, setup: Setup) -> Connection:
    (only,) = [
        connection
        for connection in server.services.context.hub.connections(setup.event_id)
        if connection.member.access == "member"
    ]
    return only


def happenings(logs: list[MutableMapping[str, Any]], name: str) -> list[MutableMapping[str, Any]]:
    return [line for line in logs if line["event"] == name]


def where(line: MutableMapping[str, Any]) -> str:
    """The event a log line is about, else its channel."""
    return str(line.get("event_id") or line["channel"])


async def test_a_socket_that_raises_on_write_is_evicted_and_nobody_else_notices(
    tmp_path: Path,
) -> None:
    async with running_server(make_settings(tmp_path / "f.db"), FakeClock()) as server:
        setup = await set_up_event(server)
        room_id = setup.rooms[0]["id"]
        hub = server.services.context.hub
        async with follow(server, setup.members[0][0]) as broken:
            victim = member_connection(server, setup)
            assert victim.direct is not None, "the fast path is in use on this uvicorn"

            def raising(_: bytes) -> bool:
                raise OSError("socket write failed: broken pipe")

            victim.direct = raising
            async with (
                follow(server, setup.members[0][1]) as other,
                follow(server, setup.uber) as uber,
            ):
                with capture_logs() as logs:
                    version = await command(server, setup, "start", 0)
                    await other.holds(room_id, version, within=RESYNC_WITHIN)
                    await uber.holds(room_id, version, within=RESYNC_WITHIN)
                    # The fan-out went on past the broken socket, and goes on after it.
                    version = await command(server, setup, "pause", version)
                    await other.holds(room_id, version, within=RESYNC_WITHIN)
                    await uber.holds(room_id, version, within=RESYNC_WITHIN)
                    async with asyncio.timeout(5):
                        while broken.closed_with is None:
                            broken.changed.clear()
                            await broken.changed.wait()
                assert broken.closed_with == 1013
                assert hub.dropped_total == 1
                assert other.contiguous()
                assert uber.contiguous()
                (evicted,) = happenings(logs, "connection.evicted")
                assert evicted["event_id"] == setup.event_id
                assert evicted["room_id"] == room_id
                assert evicted["connection"] == victim.id
                assert "broken pipe" in evicted["reason"]


async def test_a_send_that_fails_in_the_queue_is_evicted_and_nobody_else_notices(
    tmp_path: Path,
) -> None:
    async with running_server(make_settings(tmp_path / "q.db"), FakeClock()) as server:
        setup = await set_up_event(server)
        room_id = setup.rooms[0]["id"]
        async with follow(server, setup.members[0][0]):
            victim = member_connection(server, setup)
            victim.direct = None  # the ordinary path: the queue and its pump

            async def failing(_: str) -> None:
                raise RuntimeError("send after the transport was lost")

            victim.websocket.send_text = failing  # type: ignore[method-assign,assignment]
            async with follow(server, setup.members[0][1]) as other:
                with capture_logs() as logs:
                    version = await command(server, setup, "start", 0)
                    await other.holds(room_id, version, within=RESYNC_WITHIN)
                    version = await command(server, setup, "pause", version)
                    await other.holds(room_id, version, within=RESYNC_WITHIN)
                (evicted,) = happenings(logs, "connection.evicted")
                assert "send after the transport was lost" in evicted["reason"]
                assert victim not in set(server.services.context.hub.connections(setup.event_id))


async def test_a_lost_backplane_is_resubscribed_and_every_client_resyncs(tmp_path: Path) -> None:
    backplane = FlakyBackplane()
    settings = make_settings(tmp_path / "b.db")
    async with running_server(settings, FakeClock(), backplane=backplane) as server:
        setup = await set_up_event(server)
        room_id = setup.rooms[0]["id"]
        async with (
            follow(server, setup.members[0][0]) as member,
            follow(server, setup.uber) as uber,
        ):
            version = await command(server, setup, "start", 0)
            await member.holds(room_id, version, within=RESYNC_WITHIN)
            with capture_logs() as logs:
                backplane.fail()
                # A change made while the backplane is down is committed, and its
                # publication fails: no client hears of it now.
                version = await command(server, setup, "pause", version)
                await asyncio.sleep(0.3)
                assert member.rooms[room_id] == version - 1
                backplane.recover()
                took = await member.holds(room_id, version, within=RESYNC_WITHIN)
                await uber.holds(room_id, version, within=RESYNC_WITHIN)
                assert member.resyncs
                assert uber.resyncs
                # The schedule channel comes back on its own backoff: wait for it too.
                async with asyncio.timeout(5):
                    while len(happenings(logs, "backplane.recovered")) < 2:  # noqa: ASYNC110
                        await asyncio.sleep(0.02)
                # After the resync, changes arrive one version after another again.
                version = await command(server, setup, "resume", version)
                await member.holds(room_id, version, within=RESYNC_WITHIN)
                await uber.holds(room_id, version, within=RESYNC_WITHIN)
            assert member.contiguous()
            assert uber.contiguous()
            assert member.applied[-1] == (room_id, version)
            assert took < RESYNC_WITHIN
            # Both of this server's subscriptions were lost and came back: the event's
            # channel and the schedule channel (after which it reloads every deadline).
            lost = {
                line.get("event_id") or line["channel"]
                for line in happenings(logs, "backplane.lost")
            }
            assert lost == {setup.event_id, "consult.shared"}
            recovered = [
                line.get("event_id") or line["channel"]
                for line in happenings(logs, "backplane.recovered")
            ]
            assert sorted(recovered) == sorted([setup.event_id, "consult.shared"])
            assert happenings(logs, "scheduler.reloaded")
            assert happenings(logs, "backplane.publish_failed")


async def test_a_redis_subscriber_killed_with_client_kill_resyncs_every_client(
    tmp_path: Path, redis_url: str
) -> None:
    settings = make_settings(tmp_path / "r.db", backplane_url=redis_url)
    async with running_server(settings, FakeClock()) as server:
        setup = await set_up_event(server)
        room_id = setup.rooms[0]["id"]
        hub = server.services.context.hub
        async with (
            follow(server, setup.members[0][0]) as member,
            follow(server, setup.uber) as uber,
        ):
            version = await command(server, setup, "start", 0)
            await member.holds(room_id, version, within=RESYNC_WITHIN)
            admin = redis.from_url(redis_url)
            try:
                killed = await admin.client_kill_filter(_type="pubsub")
            finally:
                await admin.aclose()
            assert killed >= 1
            # Published at once: it may land before the subscription is back, and be lost.
            version = await command(server, setup, "pause", version)
            took = await member.holds(room_id, version, within=RESYNC_WITHIN)
            await uber.holds(room_id, version, within=RESYNC_WITHIN)
            async with asyncio.timeout(RESYNC_WITHIN):
                while not member.resyncs:
                    member.changed.clear()
                    await member.changed.wait()
            assert hub.reader_restarts >= 1
            version = await command(server, setup, "resume", version)
            await member.holds(room_id, version, within=RESYNC_WITHIN)
            assert member.contiguous()
            assert uber.contiguous()
            assert took < RESYNC_WITHIN


async def test_a_malformed_envelope_is_logged_and_skipped(tmp_path: Path) -> None:
    async with running_server(make_settings(tmp_path / "m.db"), FakeClock()) as server:
        setup = await set_up_event(server)
        room_id = setup.rooms[0]["id"]
        hub = server.services.context.hub
        async with follow(server, setup.members[0][0]) as member:
            with capture_logs() as logs:
                channel = hub.channel(setup.event_id)
                for junk in ("zjunk\n", "m{not json\n{}", "p{}\n[]", "no newline"):
                    await hub.backplane.publish(channel, junk)
                version = await command(server, setup, "start", 0)
                await member.holds(room_id, version, within=RESYNC_WITHIN)
            malformed = happenings(logs, "envelope.malformed")
            assert len(malformed) == 4
            assert all(line["event_id"] == setup.event_id for line in malformed)
