"""Concurrent moderators, bad frames, bad REST input, and clock sync."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from pathlib import Path

from websockets.exceptions import ConnectionClosed

from tests.fakes import FakeClock
from tests.live.harness import ADMIN_KEY, client, make_settings, running_server, set_up_event


async def test_two_moderators_next_at_the_same_version_advance_exactly_one_phase(
    tmp_path: Path,
) -> None:
    async with running_server(make_settings(tmp_path / "c.db"), FakeClock()) as server:
        setup = await set_up_event(server)
        room_id = setup.rooms[0]["id"]
        async with server.http(setup.uber) as http:
            link = await http.post(
                "/api/links", json={"role": "moderator", "room_id": room_id, "label": "Second"}
            )
        second = link.json()["url"].rsplit("/", 1)[1]
        async with client(server, setup.moderators[0]) as one, client(server, second) as two:
            await one.wait_type("snapshot")
            await two.wait_type("snapshot")
            await one.send(
                {
                    "type": "room.command",
                    "room_id": room_id,
                    "action": "start",
                    "expected_version": 0,
                }
            )
            await one.wait_type("command.ok")
            command = {
                "type": "room.command",
                "room_id": room_id,
                "action": "next",
                "expected_version": 1,
            }
            await asyncio.gather(
                one.send({**command, "request_id": "one"}),
                two.send({**command, "request_id": "two"}),
            )
            replies = [
                await one.wait_for(lambda m: m.get("request_id") == "one"),
                await two.wait_for(lambda m: m.get("request_id") == "two"),
            ]
            assert sorted(reply["type"] for reply in replies) == ["command.ok", "error"]
            refusal = next(reply for reply in replies if reply["type"] == "error")
            assert refusal["code"] == "command.stale"
            assert "version 1, the room is at version 2" in refusal["message"]
            await one.send({"type": "snapshot.request"})
            snapshot = await one.wait_type("snapshot")
            assert snapshot["rooms"][0]["phase_index"] == 1
            assert snapshot["rooms"][0]["version"] == 2


async def test_bad_frames_get_errors_and_the_connection_stays_open(tmp_path: Path) -> None:
    async with running_server(make_settings(tmp_path / "c.db"), FakeClock()) as server:
        setup = await set_up_event(server)
        room_id = setup.rooms[0]["id"]
        async with client(server, setup.moderators[0]) as moderator:
            await moderator.wait_type("snapshot")
            await moderator.connection.send(b"\x00binary")
            error = await moderator.wait_type("error")
            assert "binary frame" in error["message"]
            await moderator.send_raw("{not json")
            error = await moderator.wait_type("error")
            assert error["code"] == "message.invalid"
            assert "JSON" in error["message"]
            await moderator.send({"type": "room.teleport", "request_id": "t"})
            error = await moderator.wait_type("error")
            assert error["request_id"] == "t"
            assert "room.teleport" in error["message"]
            assert "room.command" in error["message"]  # names what was expected
            await moderator.send({"type": "room.command", "room_id": room_id, "action": "start"})
            error = await moderator.wait_type("error")
            assert error["field"] == "room.command.expected_version"
            await moderator.send(
                {
                    "type": "room.command",
                    "room_id": room_id,
                    "action": "adjust_time",
                    "expected_version": 0,
                }
            )
            error = await moderator.wait_type("error")
            assert error["field"] == "seconds"
            await moderator.send(
                {
                    "type": "room.command",
                    "room_id": room_id,
                    "action": "pause",
                    "expected_version": 0,
                }
            )
            error = await moderator.wait_type("error")
            assert error["code"] == "command.illegal"
            assert "not started" in error["message"]
            # Still open, nothing changed.
            await moderator.send({"type": "snapshot.request"})
            snapshot = await moderator.wait_type("snapshot")
            assert snapshot["rooms"][0]["version"] == 0
            assert snapshot["rooms"][0]["status"] == "not_started"


async def test_deeply_nested_frames_get_an_error_and_the_connection_stays_open(
    tmp_path: Path,
) -> None:
    async with running_server(make_settings(tmp_path / "d.db"), FakeClock()) as server:
        setup = await set_up_event(server)
        async with client(server, setup.members[0][0]) as member:
            await member.wait_type("snapshot")
            deep_inside = (
                '{"type":"clock.ping","client_time":1,"request_id":"d","x":'
                + "[" * 980
                + "]" * 980
                + "}"
            )
            for frame in ("[" * 30_000 + "]" * 30_000, "{" * 20_000, deep_inside):
                await member.send_raw(frame)
                error = await member.wait_type("error")
                assert error["code"] == "message.invalid"
                assert "nested deeper than 32 levels" in error["message"]
            # Brackets inside a string are text, not nesting.
            await member.send({"type": "help.request", "message": "[" * 100, "request_id": "h"})
            reply = await member.wait_for(lambda message: message.get("request_id") == "h")
            assert reply["type"] == "command.ok"
            await member.send({"type": "clock.ping", "client_time": 1.0, "request_id": "p"})
            assert (await member.wait_type("clock.pong"))["request_id"] == "p"


async def test_invalid_rest_input_is_422_naming_the_field(tmp_path: Path) -> None:
    async with running_server(make_settings(tmp_path / "c.db"), FakeClock()) as server:
        setup = await set_up_event(server)
        async with server.http() as http:
            response = await http.post(
                "/api/events",
                headers={"X-Admin-Key": ADMIN_KEY},
                json={
                    "title": "x",
                    "scheduled_start": "tomorrow",
                    "main_room_at": "2027-01-01T11:30:00Z",
                },
            )
            assert response.status_code == 422
            assert response.json()["detail"][0]["loc"] == ["body", "scheduled_start"]
            assert response.json()["error"]["field"] == "scheduled_start"
            assert response.json()["error"]["code"] == "request.invalid"
        async with server.http(setup.moderators[0]) as http:
            response = await http.post(
                f"/api/rooms/{setup.rooms[0]['id']}/commands",
                json={"action": "jump", "expected_version": 0},
            )
            assert response.status_code == 422
            assert response.json()["detail"][0]["loc"] == ["body", "action"]
        async with server.http(setup.uber) as http:
            response = await http.post("/api/rooms", json={"team_ids": ["a"]})
            assert response.status_code == 409  # a consultancy room seats two teams
            assert response.json()["error"]["field"] == "team_ids"


async def test_clock_ping_returns_the_server_time_and_rate(tmp_path: Path) -> None:
    clock = FakeClock()
    async with running_server(make_settings(tmp_path / "c.db"), clock) as server:
        setup = await set_up_event(server)
        async with client(server, setup.members[0][0]) as member:
            await member.wait_type("snapshot")
            await member.send({"type": "clock.ping", "client_time": 12345.5, "request_id": "p1"})
            pong = await member.wait_type("clock.pong")
            assert pong["request_id"] == "p1"
            assert pong["client_time"] == 12345.5
            assert pong["server_time"] == clock.now() * 1000
            assert pong["clock_rate"] == 1.0


async def test_help_requests_are_seen_by_ubers_claimed_then_resolved(tmp_path: Path) -> None:
    async with running_server(make_settings(tmp_path / "c.db"), FakeClock()) as server:
        setup = await set_up_event(server, rooms=2)
        room_id = setup.rooms[0]["id"]
        async with (
            client(server, setup.uber) as uber,
            client(server, setup.members[0][0]) as member,
            client(server, setup.members[1][0]) as elsewhere,
        ):
            for person in (uber, member, elsewhere):
                await person.wait_type("snapshot")
            await member.send({"type": "help.request", "message": "Our video dropped"})
            seen = await uber.wait_type("help.updated")
            assert seen["help"]["room_id"] == room_id
            assert seen["help"]["phase_id"] == "explanation"
            assert seen["help"]["role"] == "presenting"  # the team's role this round
            assert seen["help"]["status"] == "open"
            help_id = seen["help"]["id"]
            await member.send({"type": "help.claim", "help_id": help_id})
            assert (await member.wait_type("error"))["code"] == "auth.forbidden"
            await uber.send({"type": "help.claim", "help_id": help_id})
            assert (await member.wait_type("help.updated"))["help"]["status"] == "claimed"
            await uber.send({"type": "help.claim", "help_id": help_id, "request_id": "again"})
            again = await uber.wait_for(lambda m: m.get("request_id") == "again")
            assert again["type"] == "error"
            assert "already claimed" in again["message"]
            await uber.send({"type": "help.resolve", "help_id": help_id})
            assert (await member.wait_type("help.updated"))["help"]["status"] == "resolved"
            # The other room never heard of it.
            await elsewhere.send({"type": "snapshot.request"})
            snapshot = await elsewhere.wait_type("snapshot")
            assert snapshot["help"] == []
            assert all(m["type"] != "help.updated" for m in elsewhere.received)


async def test_presence_shows_who_is_connected_by_role(tmp_path: Path) -> None:
    async with running_server(make_settings(tmp_path / "c.db"), FakeClock()) as server:
        setup = await set_up_event(server)
        room_id = setup.rooms[0]["id"]
        async with client(server, setup.uber) as uber:
            await uber.wait_type("snapshot")
            async with client(server, setup.moderators[0]), client(server, setup.observers[0]):
                presence = await uber.wait_for(
                    lambda m: m["type"] == "presence.updated" and len(m["people"]) == 2
                )
                assert presence["room_id"] == room_id
                assert sorted(p["role"] for p in presence["people"]) == ["moderator", "observer"]
            left = await uber.wait_for(
                lambda m: m["type"] == "presence.updated" and len(m["people"]) == 0
            )
            assert left["room_id"] == room_id


async def test_metrics_and_ops_stats_report_connections_and_loop_lag(tmp_path: Path) -> None:
    async with running_server(make_settings(tmp_path / "m.db"), FakeClock()) as server:
        setup = await set_up_event(server)
        async with client(server, setup.members[0][0]) as member, server.http() as http:
            await member.wait_type("snapshot")
            metrics = (await http.get("/metrics")).text
            assert "consult_connections 1.0" in metrics
            assert "consult_event_loop_lag_seconds_bucket" in metrics
            refused = await http.get("/ops/stats")
            assert refused.status_code == 401
            stats = (await http.get("/ops/stats", headers={"X-Admin-Key": ADMIN_KEY})).json()
            assert stats["dropped_clients"] == 0
            assert stats["resyncs"] == 0
            assert stats["backplane_reader_restarts"] == 0
            assert stats["loop_lag"]["count"] >= 0


async def test_one_client_s_flood_is_throttled_then_closed_while_another_s_pings_stay_fast(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path / "f.db", ws_burst=20, ws_frames_per_second=10)
    async with running_server(settings, FakeClock()) as server:
        setup = await set_up_event(server)
        async with (
            client(server, setup.members[0][0]) as flooder,
            client(server, setup.members[0][1]) as calm,
        ):
            await flooder.wait_type("snapshot")
            await calm.wait_type("snapshot")
            ping = json.dumps({"type": "clock.ping", "client_time": 1.0})
            for _ in range(500):
                with contextlib.suppress(ConnectionClosed):
                    await flooder.connection.send(ping)
            round_trips = []
            for index in range(5):
                sent = time.perf_counter()
                await calm.send(
                    {"type": "clock.ping", "client_time": 1.0, "request_id": f"c{index}"}
                )
                await calm.wait_type("clock.pong")
                round_trips.append(time.perf_counter() - sent)
            # Not starved: most round trips stay quick while the flood is refused. One
            # may meet a pause of the whole machine (a busy CI host), so the median is
            # held to 0.1 s and none may take longer than 2 s.
            assert sorted(round_trips)[len(round_trips) // 2] < 0.1, round_trips
            assert max(round_trips) < 2.0, round_trips
            pongs, limited = 0, []
            with contextlib.suppress(ConnectionClosed, TimeoutError):
                while True:
                    message = await flooder.recv()
                    if message["type"] == "clock.pong":
                        pongs += 1
                    elif message["type"] == "error":
                        limited.append(message)
            assert 20 <= pongs < 60  # the burst, and what refilled meanwhile
            assert limited
            assert {message["code"] for message in limited} == {"rate_limited"}
            assert all(message["retry_after_ms"] > 0 for message in limited)
            assert flooder.connection.close_code == 1008
