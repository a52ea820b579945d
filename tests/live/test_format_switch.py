"""Switching format live (seed 000: teams that don't show): pairs to a fishbowl and to a
single presenting team while rooms run, with a team absent. Every remaining participant's
page shows the new format and its role within a second, on the link it already has; the
log and the report show the switch; too few teams present is refused and changes nothing."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

import httpx

from server.store import crud
from tests.fakes import FakeClock
from tests.live.harness import Client, client, make_settings, running_server, set_up_event

WITHIN = 1.0
"""Seconds a page may take to show the new format."""


async def setup_version(http: httpx.AsyncClient) -> int:
    return int((await http.get("/api/me")).json()["event"]["setup_version"])


async def new_view(page: Client, team_id: str) -> tuple[str, str | None]:
    """The page's room protocol and its team's role once the switch reaches it: a
    ``room.updated`` in the new format, or (when its room changed) a fresh snapshot on the
    same link after the reconnect."""
    while True:
        message = await page.recv()
        if (
            message["type"] == "room.updated"
            and message["room"]["protocol_id"] != "t4tla-consultancy"
        ):
            return message["room"]["protocol_id"], _role(message["room"], team_id)


def _role(room: dict[str, Any], team_id: str) -> str | None:
    return next((seat["role"] for seat in room["seats"] if seat["team_id"] == team_id), None)


async def reconnected(server: Any, token: str) -> dict[str, Any]:
    async with client(server, token) as page:
        snapshot = await page.wait_type("snapshot")
    return snapshot


async def test_pairs_become_a_fishbowl_then_a_single_presenter_with_a_team_absent(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    async with running_server(make_settings(tmp_path / "f.db"), clock) as server:
        setup = await set_up_event(server, rooms=3)
        teams = [seat["team_id"] for room in setup.rooms for seat in room["seats"]]
        t1a, t1b, t2a, t2b, t3a, t3b = teams
        room1 = setup.rooms[0]["id"]
        async with server.http(setup.uber) as http:
            started = await http.post("/api/event/start-all", json={})
            assert started.status_code == 200, started.text
            clock.advance(90)
            seen = await setup_version(http)
            before_rooms = (await http.get("/api/me")).json()["rooms"]

            # Too few teams present for a fishbowl: refused, nothing changes.
            refused = await http.post(
                "/api/event/switch-format",
                json={
                    "setup_version": seen,
                    "format": "fishbowl",
                    "present_team_ids": [t1a, t1b],
                    "inner_team_ids": [t1a, t1b],
                },
            )
            assert refused.status_code == 409
            assert "needs at least 3 teams present" in refused.json()["error"]["message"]
            assert "single presenting team instead" in refused.json()["error"]["message"]
            assert (await http.get("/api/me")).json()["rooms"] == before_rooms

            async with contextlib.AsyncExitStack() as stack:
                page_1b = await stack.enter_async_context(client(server, setup.members[0][1]))
                page_mod1 = await stack.enter_async_context(client(server, setup.moderators[0]))
                page_2a = await stack.enter_async_context(client(server, setup.members[1][0]))
                for page in (page_1b, page_mod1, page_2a):
                    await page.wait_type("snapshot")
                switched = await http.post(
                    "/api/event/switch-format",
                    json={
                        "setup_version": seen,
                        "format": "fishbowl",
                        "present_team_ids": [t1a, t1b, t2a, t2b, t3a],
                        "inner_team_ids": [t2a, t1a],
                    },
                )
                assert switched.status_code == 200, switched.text
                result = switched.json()
                assert result["room_ids"] == [room1]
                assert result["absent_team_ids"] == [t3b]
                # Pages in room 1 follow on their open connection...
                protocol, role = await asyncio.wait_for(new_view(page_1b, t1b), WITHIN)
                assert (protocol, role) == ("fishbowl", "outer-circle")
                protocol, _ = await asyncio.wait_for(new_view(page_mod1, ""), WITHIN)
                assert protocol == "fishbowl"
                # ...a page whose team moved room is told to reconnect, at once.
                await asyncio.wait_for(_closed(page_2a), WITHIN)
            snapshot = await reconnected(server, setup.members[1][0])
            (room,) = snapshot["rooms"]
            assert room["id"] == room1
            assert room["protocol_id"] == "fishbowl"
            assert room["status"] == "not_started"
            assert _role(room, t2a) == "presenting"
            assert snapshot["protocols"]["fishbowl"]["id"] == "fishbowl"
            assert [seat["team_id"] for seat in room["seats"]] == [t2a, t1a, t1b, t2b, t3a]
            # Room 2's moderator keeps its link: it leads to the fishbowl now.
            moderator = await reconnected(server, setup.moderators[1])
            assert [room["id"] for room in moderator["rooms"]] == [room1]
            # The absent team keeps its link and is in no room.
            absent = await reconnected(server, setup.members[2][1])
            assert absent["you"]["room_id"] is None
            assert absent["rooms"] == []
            rooms = {room["id"]: room for room in (await http.get("/api/me")).json()["rooms"]}
            for ended in result["ended_room_ids"]:
                assert rooms[ended]["status"] == "finished"
                assert all(seat["team_id"] is None for seat in rooms[ended]["seats"])

            # The fishbowl runs; then everyone becomes respondents to one presenting team.
            await http.post(
                f"/api/rooms/{room1}/commands",
                json={"action": "start", "expected_version": rooms[room1]["version"]},
            )
            clock.advance(60)
            single = await http.post(
                "/api/event/switch-format",
                json={
                    "setup_version": await setup_version(http),
                    "format": "single",
                    "room_ids": [room1],
                    "present_team_ids": [t1a, t1b, t2a, t2b],
                    "inner_team_ids": [t1b],
                },
            )
            assert single.status_code == 200, single.text
            (room,) = [r for r in (await http.get("/api/me")).json()["rooms"] if r["id"] == room1]
            assert room["protocol_id"] == "single-presenter"
            assert [(seat["team_id"], seat["role"]) for seat in room["seats"]] == [
                (t1b, "presenting"),
                (t1a, "respondent"),
                (t2a, "respondent"),
                (t2b, "respondent"),
            ]
            report = (await http.get("/api/report")).json()
        switches = report["format_switches"]
        assert [switch["format"] for switch in switches] == ["fishbowl", "single"]
        assert switches[0]["absent"] == ["Team 3B"]
        assert switches[1]["rooms"] == ["Room 1"]
        reformed = next(r for r in report["rooms"] if r["id"] == room1)["reformed"]
        assert [item["protocol_id"] for item in reformed] == ["fishbowl", "single-presenter"]
        async with server.services.context.sessions() as session:
            entries = await crud.read_log(session, event_id=setup.event_id)
        assert [entry.action for entry in entries].count("event.switch_format") == 2


async def _closed(page: Client) -> None:
    with contextlib.suppress(Exception):
        while True:
            await page.recv()
    assert page.connection.close_code == 4409
