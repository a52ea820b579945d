"""Asks from a room: one more minute (capped per round, one at a time) or "we are done",
answered in one click by the room's moderator or an uber; accepting adds the minute."""

from __future__ import annotations

import asyncio
from pathlib import Path

from server.store import crud
from tests.fakes import FakeClock
from tests.live.harness import client, make_settings, running_server, set_up_event


async def test_one_more_minute_is_capped_answered_once_and_adds_the_minute(tmp_path: Path) -> None:
    async with running_server(make_settings(tmp_path / "a.db"), FakeClock()) as server:
        setup = await set_up_event(server, rooms=2)
        room_id = setup.rooms[0]["id"]
        async with server.http(setup.moderators[0]) as moderator:
            started = await moderator.post(
                f"/api/rooms/{room_id}/commands", json={"action": "start", "expected_version": 0}
            )
            deadline = started.json()["deadline"]
        async with (
            client(server, setup.uber) as uber,
            client(server, setup.members[1][0]) as elsewhere,
            server.http(setup.members[0][0]) as member,
            server.http(setup.members[0][1]) as other_team,
        ):
            await uber.wait_type("snapshot")
            await elsewhere.wait_type("snapshot")
            first = await member.post("/api/asks", json={"kind": "more_time"})
            assert first.status_code == 201, first.text
            assert first.json()["status"] == "open"
            heard = (await uber.wait_type("ask.updated"))["ask"]
            assert heard["id"] == first.json()["id"]
            again = await other_team.post("/api/asks", json={"kind": "more_time"})
            assert again.status_code == 409
            assert "has not answered yet" in again.json()["error"]["message"]

            async with server.http(setup.moderators[0]) as moderator:
                accepted = await moderator.post(
                    f"/api/asks/{first.json()['id']}/answer", json={"accept": True}
                )
                assert accepted.status_code == 200, accepted.text
                assert accepted.json()["status"] == "accepted"
                room = (await moderator.get("/api/me")).json()["rooms"][0]
                assert room["deadline"] == deadline + 60_000
                twice = await moderator.post(
                    f"/api/asks/{first.json()['id']}/answer", json={"accept": False}
                )
                assert twice.status_code == 409
                assert "already accepted by Mod 0" in twice.json()["error"]["message"]

            second = await member.post("/api/asks", json={"kind": "more_time"})
            async with server.http(setup.uber) as http:
                declined = await http.post(
                    f"/api/asks/{second.json()['id']}/answer", json={"accept": False}
                )
                assert declined.json()["status"] == "declined"
            capped = await member.post("/api/asks", json={"kind": "more_time"})
            assert capped.status_code == 409
            assert "2 time(s) this round, the most allowed" in capped.json()["error"]["message"]
            done = await member.post("/api/asks", json={"kind": "done"})
            assert done.status_code == 201
            await asyncio.sleep(0.05)
            assert not [m for m in elsewhere.received if m["type"] == "ask.updated"]

        async with server.services.context.sessions() as session:
            log = await crud.read_log(session, event_id=setup.event_id, room_id=room_id)
        actions = [row.action for row in log]
        assert actions.count("ask.more_time") == 2
        assert actions.count("ask.answer") == 2
        added = [row for row in log if row.action == "adjust_time"]
        assert [row.detail["ask_id"] for row in added] == [first.json()["id"]]


async def test_two_people_answering_one_ask_at_once_give_one_answer(tmp_path: Path) -> None:
    async with running_server(
        make_settings(tmp_path / "a.db", more_time_asks_per_round=10), FakeClock()
    ) as server:
        setup = await set_up_event(server)
        room_id = setup.rooms[0]["id"]
        async with (
            server.http(setup.moderators[0]) as moderator,
            server.http(setup.uber) as uber,
            server.http(setup.members[0][0]) as member,
        ):
            await moderator.post(
                f"/api/rooms/{room_id}/commands", json={"action": "start", "expected_version": 0}
            )
            for _ in range(10):
                made = (await member.post("/api/asks", json={"kind": "more_time"})).json()
                path = f"/api/asks/{made['id']}/answer"
                answers = await asyncio.gather(
                    moderator.post(path, json={"accept": True}),
                    uber.post(path, json={"accept": False}),
                )
                assert sorted(a.status_code for a in answers) == [200, 409]
            room = (await moderator.get("/api/me")).json()["rooms"][0]
        async with server.services.context.sessions() as session:
            log = await crud.read_log(session, event_id=setup.event_id, room_id=room_id)
        accepted = sum(1 for row in log if row.action == "ask.answer" and row.detail["accept"])
        added = [row for row in log if row.action == "adjust_time"]
        assert len(added) == accepted
        assert room["phase_length_ms"] == (180 + 60 * accepted) * 1000
