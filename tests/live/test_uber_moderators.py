"""Seven rooms: the uber moderator starts all, broadcasts, fits to time and recalls."""

from __future__ import annotations

from contextlib import AsyncExitStack
from pathlib import Path

from tests.fakes import FakeClock
from tests.live.harness import Client, client, make_settings, running_server, set_up_event


async def test_seven_rooms_start_together_fit_to_time_and_return_at_one_instant(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    async with running_server(make_settings(tmp_path / "u.db"), clock) as server:
        # The meeting must be back in the main room 40 minutes from now: the
        # 50-minute consultancy has to be compressed.
        setup = await set_up_event(server, rooms=7, minutes_until_main_room=40)
        async with AsyncExitStack() as stack:
            uber = await stack.enter_async_context(client(server, setup.uber))
            members: list[Client] = [
                await stack.enter_async_context(client(server, tokens[0]))
                for tokens in setup.members
            ]
            snapshot = await uber.wait_type("snapshot")
            assert len(snapshot["rooms"]) == 7
            for member in members:
                assert len((await member.wait_type("snapshot"))["rooms"]) == 1

            # Start all: every room's first deadline is the same instant.
            await uber.send({"type": "event.start_all", "request_id": "start"})
            started = await uber.wait_type("command.ok")
            assert len(started["detail"]["changed"]) == 7
            deadlines = set()
            for member in members:
                update = await member.wait_type("room.updated")
                deadlines.add(update["room"]["deadline"])
            assert deadlines == {(clock.now() + 180) * 1000}

            # Broadcast to every room, then to one role only.
            await uber.send({"type": "broadcast.send", "text": "Five minutes to the break"})
            for member in members:
                message = await member.wait_type("broadcast.message")
                assert message["text"] == "Five minutes to the break"
                assert message["expires_at"] is None  # shown until dismissed
            # One that expires: an absolute instant on the server's clock.
            await uber.send(
                {"type": "broadcast.send", "text": "Water break", "expires_in_seconds": 120}
            )
            for member in members:
                message = await member.wait_type("broadcast.message")
                assert message["expires_at"] == (clock.now() + 120) * 1000
            await uber.send(
                {"type": "broadcast.send", "text": "Moderators only", "role": "moderator"}
            )
            await uber.wait_type("command.ok")
            await uber.send(
                {"type": "broadcast.send", "text": "Presenting teams", "role": "presenting"}
            )
            await uber.wait_type("command.ok")
            for member in members:  # seat 1 presents in round 1
                message = await member.wait_type("broadcast.message")
                assert message["text"] == "Presenting teams"

            # Fit to time: every room now ends by the main-room time minus the recall countdown.
            clock.advance(60)
            await server.settle()
            await uber.send({"type": "event.fit_to_time", "request_id": "fit"})
            fitted = await uber.wait_for(lambda m: m.get("request_id") == "fit")
            assert fitted["type"] == "command.ok", fitted
            assert len(fitted["detail"]["fitted"]) == 7
            target_ms = fitted["detail"]["target"]
            assert target_ms == (clock.now() - 60 + 40 * 60 - 60) * 1000
            for member in members:
                update = await member.wait_type("room.updated")
                assert abs(update["room"]["projected_end"] - target_ms) < 1
                # On its new plan: drift is measured against the fitted plan, not the
                # schedule it could not keep.
                assert abs(update["room"]["drift_seconds"]) < 1
                # Every phase still to come has its fitted length, shorter than defined.
                planned = update["room"]["planned"]
                assert [(p["round_index"], p["phase_index"]) for p in planned] == [
                    (0, 1),
                    (0, 2),
                    (0, 3),
                    (0, 4),
                    (1, 0),
                    (1, 1),
                    (1, 2),
                    (1, 3),
                    (1, 4),
                ]
                defined = [180, 180, 480, 480, 180]
                assert all(p["seconds"] < defined[p["phase_index"]] for p in planned)
            # Running a minute over the fitted plan is a minute behind it.
            await uber.send(
                {
                    "type": "room.command",
                    "room_id": update["room"]["id"],
                    "action": "adjust_time",
                    "seconds": 60,
                    "expected_version": update["room"]["version"],
                }
            )
            adjusted = await members[-1].wait_type("room.updated")
            assert abs(adjusted["room"]["drift_seconds"] - 60) < 1

            # Recall: every room counts down to one instant, then the event is in the main room.
            clock.advance(300)
            await server.settle()
            await uber.send({"type": "event.recall", "seconds": 45, "request_id": "recall"})
            recalled = await uber.wait_for(lambda m: m.get("request_id") == "recall")
            recall_at = recalled["detail"]["deadline"]
            assert recall_at == (clock.now() + 45) * 1000
            for member in members:
                update = await member.wait_for(
                    lambda m: m["type"] == "room.updated" and m["room"]["status"] == "recalled"
                )
                assert update["room"]["recall_deadline"] == recall_at
            clock.advance(45)
            for member in members:
                returned = await member.wait_for(
                    lambda m: m["type"] == "room.updated" and m["room"]["returned"]
                )
                assert returned["events"] == ["run.returned"]
                event = await member.wait_type("event.updated")
                assert event["event"]["status"] == "main_room"
                assert event["event"]["recall_deadline"] == recall_at


async def test_a_second_recall_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    clock = FakeClock()
    async with running_server(make_settings(tmp_path / "r.db"), clock) as server:
        setup = await set_up_event(server, rooms=2)
        async with server.http(setup.uber) as http:
            assert (await http.post("/api/event/start-all")).status_code == 200
            first = await http.post("/api/event/recall", json={})
            assert first.status_code == 200
            assert first.json()["detail"]["deadline"] == (clock.now() + 60) * 1000  # the default
            again = await http.post("/api/event/recall", json={"seconds": 20})
            assert again.status_code == 409
            refusal = again.json()["error"]
            assert refusal["code"] == "conflict"
            assert refusal["message"].startswith("the event is already being recalled: ")
            assert refusal["change"]["action"] == "recall"
            assert refusal["change"]["by"] == "Uber moderator"
            snapshot = (await http.get("/api/me")).json()
        assert snapshot["event"]["status"] == "recalling"
        assert snapshot["event"]["recall_deadline"] == first.json()["detail"]["deadline"]


async def test_a_moderator_starting_a_room_puts_the_event_under_way(tmp_path: Path) -> None:
    async with running_server(make_settings(tmp_path / "r.db"), FakeClock()) as server:
        setup = await set_up_event(server)
        async with client(server, setup.uber) as uber:
            assert (await uber.wait_type("snapshot"))["event"]["status"] == "setup"
            async with server.http(setup.moderators[0]) as http:
                await http.post(
                    f"/api/rooms/{setup.rooms[0]['id']}/commands",
                    json={"action": "start", "expected_version": 0},
                )
            assert (await uber.wait_type("event.updated"))["event"]["status"] == "running"


async def test_setup_changes_reach_open_pages_and_a_team_sits_in_one_room(tmp_path: Path) -> None:
    async with running_server(make_settings(tmp_path / "r.db"), FakeClock()) as server:
        setup = await set_up_event(server)
        seated = setup.rooms[0]["seats"][0]["team_id"]
        async with client(server, setup.uber) as uber, server.http(setup.uber) as http:
            await uber.wait_type("snapshot")
            team = await http.post("/api/teams", json={"name": "Late team"})
            await uber.wait_type("setup.changed")
            duplicate = await http.post(
                "/api/rooms", json={"team_ids": [seated, team.json()["id"]]}
            )
            assert duplicate.status_code == 409
            assert duplicate.json()["error"]["field"] == "team_ids[0]"
            assert "is already in Room 1" in duplicate.json()["error"]["message"]
