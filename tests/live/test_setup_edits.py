"""Correcting a setup over REST: teams edited, moved, deleted; seats ordered; rooms
relabelled, linked and deleted. Each edit names the setup version its author saw; open
pages follow (a moved team's page reconnects to its new room); edits that would break a
running room are refused and change nothing."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from tests.fakes import FakeClock
from tests.live.harness import (
    ADMIN_KEY,
    Client,
    LiveServer,
    client,
    make_settings,
    running_server,
    set_up_event,
    token_of,
)


async def setup_version(http: httpx.AsyncClient) -> int:
    me = await http.get("/api/me")
    return int(me.json()["event"]["setup_version"])


async def rooms_of(http: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    return {room["label"]: room for room in (await http.get("/api/me")).json()["rooms"]}


async def test_a_team_is_edited_and_a_room_relabelled_and_open_pages_follow(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    async with running_server(make_settings(tmp_path / "e.db"), clock) as server:
        setup = await set_up_event(server, rooms=1)
        team_id = setup.rooms[0]["seats"][0]["team_id"]
        async with server.http(setup.uber) as http, client(server, setup.members[0][0]) as page:
            await page.wait_type("snapshot")
            seen = await setup_version(http)
            edited = await http.patch(
                f"/api/teams/{team_id}",
                json={"setup_version": seen, "name": "Northside ISD", "tags": ["mentoring"]},
            )
            assert edited.status_code == 200, edited.text
            assert edited.json()["name"] == "Northside ISD"
            assert edited.json()["challenge"] == "challenge 0-0"  # untouched fields stay
            await page.wait_type("setup.changed")
            room_id = setup.rooms[0]["id"]
            relabelled = await http.patch(
                f"/api/rooms/{room_id}",
                json={
                    "setup_version": seen + 1,
                    "label": "Blue room",
                    "video_url": "https://zoom.example/j/123",
                },
            )
            assert relabelled.status_code == 200, relabelled.text
            await page.wait_type("setup.changed")
        async with server.http(setup.members[0][0]) as member:
            (room,) = (await member.get("/api/me")).json()["rooms"]
        assert room["label"] == "Blue room"
        assert room["video_url"] == "https://zoom.example/j/123"
        assert room["seats"][0]["team_name"] == "Northside ISD"


async def test_a_team_s_state_is_given_edited_and_cleared_and_read_back_everywhere(
    tmp_path: Path,
) -> None:
    """The state, region or network a team belongs to is kept like its other fields: given
    when the team is added, changed and cleared by an edit, listed and exported."""
    async with running_server(make_settings(tmp_path / "s.db"), FakeClock()) as server:
        setup = await set_up_event(server, rooms=1)
        async with server.http(setup.uber) as http:
            added = await http.post(
                "/api/teams",
                json={"name": "Northside ISD", "organisation": "State E LEA", "state": "State E"},
            )
            assert added.status_code == 201, added.text
            assert added.json()["state"] == "State E"
            team_id = added.json()["id"]
            too_long = await http.post("/api/teams", json={"name": "Eastview", "state": "s" * 201})
            assert too_long.status_code == 422
            assert too_long.json()["error"]["field"] == "state"
            seen = await setup_version(http)
            edited = await http.patch(
                f"/api/teams/{team_id}", json={"setup_version": seen, "state": "Northeast network"}
            )
            assert edited.status_code == 200, edited.text
            assert edited.json()["state"] == "Northeast network"
            assert edited.json()["organisation"] == "State E LEA"  # untouched fields stay
            listed = {team["id"]: team["state"] for team in (await http.get("/api/teams")).json()}
            assert listed.pop(team_id) == "Northeast network"
            assert set(listed.values()) == {""}  # the teams added without one
            exported = (await http.get("/api/export")).json()
            teams_csv = (await http.get("/api/export/teams.csv")).text
            cleared = await http.patch(
                f"/api/teams/{team_id}", json={"setup_version": seen + 1, "state": ""}
            )
            assert cleared.status_code == 200, cleared.text
            assert cleared.json()["state"] == ""
            after = {team["id"]: team["state"] for team in (await http.get("/api/teams")).json()}
        assert after[team_id] == ""
        assert {team["id"]: team["state"] for team in exported["teams"]}[team_id] == (
            "Northeast network"
        )
        rows = {row["id"]: row for row in csv.DictReader(io.StringIO(teams_csv))}
        assert rows[team_id]["state"] == "Northeast network"


async def test_bad_edits_are_refused_by_name_and_change_nothing(tmp_path: Path) -> None:
    clock = FakeClock()
    async with running_server(make_settings(tmp_path / "b.db"), clock) as server:
        setup = await set_up_event(server, rooms=1)
        room_id = setup.rooms[0]["id"]
        first, second = (seat["team_id"] for seat in setup.rooms[0]["seats"])
        async with server.http(setup.uber) as http:
            seen = await setup_version(http)
            before = (await http.get("/api/me")).json()
            for link in ("javascript:alert(1)", "ftp://files.example/x", "https://", "zoom.us"):
                bad = await http.patch(
                    f"/api/rooms/{room_id}", json={"setup_version": seen, "video_url": link}
                )
                assert bad.status_code == 422, link
                assert bad.json()["error"]["field"] == "video_url"
            stale = await http.patch(
                f"/api/teams/{first}", json={"setup_version": seen - 1, "name": "Late"}
            )
            assert stale.status_code == 409
            assert stale.json()["error"]["code"] == "setup.stale"
            twin = await http.patch(
                f"/api/teams/{first}", json={"setup_version": seen, "name": " team 1b "}
            )
            assert twin.status_code == 409
            assert "Team 1B" in twin.json()["error"]["message"]
            empty = await http.patch(f"/api/teams/{first}", json={"setup_version": seen})
            assert empty.status_code == 422
            missing = await http.patch("/api/teams/nope", json={"setup_version": seen, "name": "X"})
            assert missing.status_code == 404
            wrong_order = await http.post(
                f"/api/rooms/{room_id}/seats",
                json={"setup_version": seen, "team_ids": [first, "0123456789ab"]},
            )
            assert wrong_order.status_code == 422
            assert wrong_order.json()["error"]["field"] == "team_ids"
            assert second  # the room's other team is named in that refusal
            assert "Team 1B" in wrong_order.json()["error"]["message"]
            assert (await http.get("/api/me")).json()["rooms"] == before["rooms"]
            assert await setup_version(http) == seen


async def test_the_moderator_orders_the_seats_before_the_start_and_not_after(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    async with running_server(make_settings(tmp_path / "o.db"), clock) as server:
        setup = await set_up_event(server, rooms=1)
        room_id = setup.rooms[0]["id"]
        first, second = (seat["team_id"] for seat in setup.rooms[0]["seats"])
        async with server.http(setup.moderators[0]) as moderator:
            seen = await setup_version(moderator)
            swapped = await moderator.post(
                f"/api/rooms/{room_id}/seats",
                json={"setup_version": seen, "team_ids": [second, first]},
            )
            assert swapped.status_code == 200, swapped.text
            (room,) = (await moderator.get("/api/me")).json()["rooms"]
            assert [seat["team_id"] for seat in room["seats"]] == [second, first]
            assert room["seats"][0]["role"] == "presenting"
            started = await moderator.post(
                f"/api/rooms/{room_id}/commands",
                json={"action": "start", "expected_version": room["version"]},
            )
            assert started.status_code == 200, started.text
            again = await moderator.post(
                f"/api/rooms/{room_id}/seats",
                json={"setup_version": seen + 1, "team_ids": [first, second]},
            )
            assert again.status_code == 409
            assert "is running (Explanation, round 1)" in again.json()["error"]["message"]
        async with server.http(setup.members[0][0]) as member:
            refused = await member.post(
                f"/api/rooms/{room_id}/seats",
                json={"setup_version": seen + 1, "team_ids": [first, second]},
            )
            assert refused.status_code == 403


async def test_a_moved_team_keeps_its_link_and_its_open_page_follows_it(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    async with running_server(make_settings(tmp_path / "m.db"), clock) as server:
        setup = await set_up_event(server, rooms=2)
        room_a, room_b = (room["id"] for room in setup.rooms)
        mover = setup.rooms[0]["seats"][0]["team_id"]
        displaced = setup.rooms[1]["seats"][1]["team_id"]
        async with (
            server.http(setup.uber) as http,
            client(server, setup.members[0][0]) as page,
        ):
            first = await page.wait_type("snapshot")
            assert first["you"]["room_id"] == room_a
            seen = await setup_version(http)
            moved = await http.post(
                f"/api/teams/{mover}/move",
                json={"setup_version": seen, "room_id": room_b, "seat": 2},
            )
            assert moved.status_code == 200, moved.text
            with pytest.raises(ConnectionClosed) as closed:
                await _read_until_closed(page)
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 4409
        rooms = {room["id"]: room for room in (await _me(server, setup.uber))["rooms"]}
        assert rooms[room_b]["seats"][1]["team_id"] == mover
        assert rooms[room_a]["seats"][0]["team_id"] == displaced
        # The same link, reconnecting, is in its new room.
        async with client(server, setup.members[0][0]) as page:
            again = await page.wait_type("snapshot")
        assert again["you"]["room_id"] == room_b
        assert [room["id"] for room in again["rooms"]] == [room_b]


async def test_rooms_and_teams_are_deleted_only_where_nothing_is_under_way(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    async with running_server(make_settings(tmp_path / "d.db"), clock) as server:
        setup = await set_up_event(server, rooms=2)
        room_a, room_b = (room["id"] for room in setup.rooms)
        running_team = setup.rooms[0]["seats"][0]["team_id"]
        idle_team = setup.rooms[1]["seats"][0]["team_id"]
        async with server.http(setup.moderators[0]) as moderator:
            (room,) = (await moderator.get("/api/me")).json()["rooms"]
            await moderator.post(
                f"/api/rooms/{room_a}/commands",
                json={"action": "start", "expected_version": room["version"]},
            )
        async with server.http(setup.uber) as http:
            seen = await setup_version(http)
            refused = await http.delete(f"/api/teams/{running_team}?setup_version={seen}")
            assert refused.status_code == 409
            assert "Let the room finish first" in refused.json()["error"]["message"]
            refused_room = await http.delete(f"/api/rooms/{room_a}?setup_version={seen}")
            assert refused_room.status_code == 409
            assert await setup_version(http) == seen
            deleted = await http.delete(f"/api/teams/{idle_team}?setup_version={seen}")
            assert deleted.status_code == 200, deleted.text
            rooms = {room["id"]: room for room in (await http.get("/api/me")).json()["rooms"]}
            assert rooms[room_b]["seats"][0]["team_id"] is None
            gone = await http.delete(f"/api/rooms/{room_b}?setup_version={seen + 1}")
            assert gone.status_code == 200, gone.text
            rooms = {room["id"]: room for room in (await http.get("/api/me")).json()["rooms"]}
            assert list(rooms) == [room_a]
        async with server.http(setup.members[1][0]) as deleted_member:
            assert (await deleted_member.get("/api/me")).status_code == 401
        async with server.http(setup.moderators[1]) as room_moderator:
            assert (await room_moderator.get("/api/me")).status_code == 401
        async with server.http(setup.members[1][1]) as unseated:
            me = (await unseated.get("/api/me")).json()
        assert me["you"]["room_id"] is None
        assert me["rooms"] == []


async def test_two_ubers_editing_at_once_give_one_edit_and_one_refusal(tmp_path: Path) -> None:
    clock = FakeClock()
    async with running_server(make_settings(tmp_path / "r.db"), clock) as server:
        setup = await set_up_event(server, rooms=1)
        team_id = setup.rooms[0]["seats"][0]["team_id"]
        async with server.http() as admin:
            made = await admin.post(
                f"/api/links?event_id={setup.event_id}",
                headers={"X-Admin-Key": ADMIN_KEY},
                json={"role": "uber", "label": "Second uber"},
            )
        second = token_of(made.json()["url"])
        async with server.http(setup.uber) as one, server.http(second) as two:
            for attempt in range(30):
                seen = await setup_version(one)
                replies = await asyncio.gather(
                    one.patch(
                        f"/api/teams/{team_id}",
                        json={"setup_version": seen, "name": f"One {attempt}"},
                    ),
                    two.patch(
                        f"/api/teams/{team_id}",
                        json={"setup_version": seen, "name": f"Two {attempt}"},
                    ),
                )
                statuses = sorted(reply.status_code for reply in replies)
                assert statuses == [200, 409], [reply.text for reply in replies]
                winner = next(reply for reply in replies if reply.status_code == 200)
                loser = next(reply for reply in replies if reply.status_code == 409)
                assert loser.json()["error"]["code"] == "setup.stale"
                team = (await one.get("/api/teams")).json()
                assert next(t for t in team if t["id"] == team_id)["name"] == winner.json()["name"]
                assert await setup_version(one) == seen + 1


async def _me(server: LiveServer, token: str) -> dict[str, Any]:
    async with server.http(token) as http:
        return (await http.get("/api/me")).json()  # type: ignore[no-any-return]


async def _read_until_closed(page: Client) -> None:
    while True:
        await page.recv()
