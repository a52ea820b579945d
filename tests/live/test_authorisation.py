"""Each role's allowed and refused commands, over REST and the websocket."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Origin

from server.access import link_name
from tests.fakes import FakeClock
from tests.live.harness import ADMIN_KEY, client, make_settings, running_server, set_up_event


@pytest.mark.parametrize("role", ["uber", "moderator", "member", "observer"])
async def test_room_commands_are_allowed_only_to_moderators_and_ubers(
    tmp_path: Path, role: str
) -> None:
    async with running_server(make_settings(tmp_path / "a.db"), FakeClock()) as server:
        setup = await set_up_event(server, rooms=2)
        token = {
            "uber": setup.uber,
            "moderator": setup.moderators[0],
            "member": setup.members[0][0],
            "observer": setup.observers[0],
        }[role]
        room_id = setup.rooms[0]["id"]
        async with server.http(token) as http:
            response = await http.post(
                f"/api/rooms/{room_id}/commands", json={"action": "start", "expected_version": 0}
            )
            if role in ("uber", "moderator"):
                assert response.status_code == 200, response.text
                assert response.json()["status"] == "running"
            else:
                assert response.status_code == 403
                assert f"this is {link_name(role)}" in response.json()["error"]["message"]
            uber_only = await http.post("/api/event/start-all")
            assert uber_only.status_code == (200 if role == "uber" else 403)
            if role != "uber":
                assert "only an uber moderator" in uber_only.json()["error"]["message"]


async def test_a_moderator_cannot_run_another_room_or_see_it(tmp_path: Path) -> None:
    async with running_server(make_settings(tmp_path / "a.db"), FakeClock()) as server:
        setup = await set_up_event(server, rooms=2)
        other_room = setup.rooms[1]["id"]
        async with server.http(setup.moderators[0]) as http:
            response = await http.post(
                f"/api/rooms/{other_room}/commands", json={"action": "start", "expected_version": 0}
            )
            assert response.status_code == 403
            assert "only controls its own room" in response.json()["error"]["message"]
            snapshot = (await http.get("/api/me")).json()
            assert [room["id"] for room in snapshot["rooms"]] == [setup.rooms[0]["id"]]


async def test_observer_websocket_commands_are_refused_and_change_nothing(tmp_path: Path) -> None:
    async with running_server(make_settings(tmp_path / "a.db"), FakeClock()) as server:
        setup = await set_up_event(server)
        room_id = setup.rooms[0]["id"]
        async with client(server, setup.observers[0]) as observer:
            await observer.wait_type("snapshot")
            await observer.send(
                {
                    "type": "room.command",
                    "room_id": room_id,
                    "action": "start",
                    "expected_version": 0,
                }
            )
            error = await observer.wait_type("error")
            assert error["code"] == "auth.forbidden"
            await observer.send({"type": "help.request", "message": "?"})
            assert (await observer.wait_type("error"))["code"] == "auth.forbidden"
            await observer.send({"type": "snapshot.request"})
            assert (await observer.wait_type("snapshot"))["rooms"][0]["version"] == 0


async def test_bad_tokens_and_admin_keys_are_refused_with_reasons(tmp_path: Path) -> None:
    async with running_server(make_settings(tmp_path / "a.db"), FakeClock()) as server:
        async with server.http("not-a-token") as http:
            response = await http.get("/api/me")
            assert response.status_code == 401
            assert "not valid" in response.json()["error"]["message"]
        async with server.http() as http:
            response = await http.get("/api/me")
            assert response.status_code == 401
            created = await http.post(
                "/api/events",
                headers={"X-Admin-Key": ADMIN_KEY + "x"},
                json={
                    "title": "x",
                    "scheduled_start": "2027-01-01T10:00:00Z",
                    "main_room_at": "2027-01-01T11:30:00Z",
                },
            )
            assert created.status_code == 401
            assert "admin key" in created.json()["error"]["message"]
        url = server.base_url.replace("http", "ws") + "/ws?token=nope"
        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed

        async with connect(url) as connection:
            message = await connection.recv()
            assert "not valid" in str(message)
            with pytest.raises(ConnectionClosed) as closed:
                await connection.recv()
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 4401


async def test_tokens_are_stored_only_hashed(tmp_path: Path) -> None:
    async with running_server(make_settings(tmp_path / "a.db"), FakeClock()) as server:
        setup = await set_up_event(server)
        raw = (tmp_path / "a.db").read_bytes() + (tmp_path / "a.db-wal").read_bytes()
        for token in [setup.uber, setup.moderators[0], *setup.members[0], setup.observers[0]]:
            assert len(token) >= 43  # 256 bits, base64url
            assert token.encode() not in raw


async def test_a_room_s_updates_reach_only_that_room_and_the_ubers(tmp_path: Path) -> None:
    async with running_server(make_settings(tmp_path / "a.db"), FakeClock()) as server:
        setup = await set_up_event(server, rooms=2)
        room_one = setup.rooms[0]["id"]
        async with (
            client(server, setup.uber) as uber,
            client(server, setup.members[0][0]) as inside,
            client(server, setup.members[1][0]) as elsewhere,
        ):
            for person in (uber, inside, elsewhere):
                await person.wait_type("snapshot")
            async with server.http(setup.moderators[0]) as http:
                await http.post(
                    f"/api/rooms/{room_one}/commands",
                    json={"action": "start", "expected_version": 0},
                )
            assert (await inside.wait_type("room.updated"))["room"]["id"] == room_one
            assert (await uber.wait_type("room.updated"))["room"]["id"] == room_one
            # A message to everyone after it: the other room's member gets that, and nothing before.
            await uber.send({"type": "broadcast.send", "text": "marker"})
            await elsewhere.wait_type("broadcast.message")
            assert not [m for m in elsewhere.received if m["type"] == "room.updated"]
            presence = [m for m in elsewhere.received if m["type"] == "presence.updated"]
            assert all(m["room_id"] == setup.rooms[1]["id"] for m in presence)


async def test_a_page_from_another_site_cannot_open_the_live_channel(tmp_path: Path) -> None:
    async with running_server(make_settings(tmp_path / "o.db"), FakeClock()) as server:
        setup = await set_up_event(server)
        url = server.base_url.replace("http://", "ws://") + f"/ws?token={setup.uber}"
        for origin in ("http://evil.example", "null"):
            with pytest.raises(InvalidStatus) as refused:
                async with connect(url, origin=Origin(origin)):
                    pass
            assert refused.value.response.status_code == 403
        # The server's own pages (loopback here) connect as before.
        async with connect(url, origin=Origin(server.base_url)) as connection:
            assert json.loads(await connection.recv())["type"] == "snapshot"


async def test_every_page_carries_the_security_headers(tmp_path: Path) -> None:
    async with running_server(make_settings(tmp_path / "h.db"), FakeClock()) as server:
        setup = await set_up_event(server)
        async with server.http() as http:
            pages = ("setup", "links", "report")
            every = ("/", "/new", f"/j/{setup.uber}", *(f"/j/{setup.uber}/{p}" for p in pages))
            for path in (*every, "/j/nope"):
                page = await http.get(path)
                assert page.headers["content-type"].startswith("text/html")
                policy = page.headers["content-security-policy"]
                assert "frame-ancestors 'none'" in policy
                assert "script-src 'self'" in policy
                assert "unsafe-inline" not in policy
                assert page.headers["x-content-type-options"] == "nosniff"
                assert page.headers["x-frame-options"] == "DENY"
                assert page.headers["referrer-policy"] == "no-referrer"
                assert "<script>" not in page.text  # no inline script to allow
                if path.startswith("/j/"):
                    assert page.headers["cache-control"] == "no-store"
            api = await http.get("/api/me", headers={"Authorization": f"Bearer {setup.uber}"})
            assert api.headers["cache-control"] == "no-store"
            assert api.headers["referrer-policy"] == "no-referrer"
            static = await http.get("/static/js/app.js")
            assert static.headers["x-content-type-options"] == "nosniff"
