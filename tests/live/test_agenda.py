"""The whole session on one clock: the uber runs the main-room segments (welcome,
debrief, close) like a moderator runs a room; the first room starting moves the agenda to
the breakouts and the end of the recall moves it to the debrief, in the same change; every
page hears each move; two ubers pressing at once give one move and one refusal."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

from tests.fakes import FakeClock
from tests.live.harness import (
    ADMIN_KEY,
    Client,
    client,
    make_settings,
    running_server,
    set_up_event,
    token_of,
)


async def next_segment(page: Client) -> tuple[str, str]:
    message = await page.wait_type("agenda.updated")
    agenda = message["agenda"]
    if agenda["status"] == "over":
        return "over", agenda["status"]
    return agenda["segments"][agenda["index"]]["id"], agenda["status"]


async def test_the_agenda_runs_welcome_breakouts_recall_and_debrief_on_every_page(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    async with running_server(make_settings(tmp_path / "a.db"), clock) as server:
        setup = await set_up_event(server, rooms=1)
        async with server.http(setup.uber) as http, contextlib.AsyncExitStack() as stack:
            pages = [
                await stack.enter_async_context(client(server, token))
                for token in (setup.uber, setup.moderators[0], setup.members[0][0])
            ]
            snapshots = [await page.wait_type("snapshot") for page in pages]
            agenda = snapshots[2]["agenda"]
            assert agenda["status"] == "waiting"
            assert [s["id"] for s in agenda["segments"]] == [
                "welcome",
                "breakouts",
                "debrief",
                "close",
            ]
            event = snapshots[0]["event"]
            assert agenda["segments"][0]["planned_start"] == event["scheduled_start"] - 600_000
            assert agenda["segments"][2]["planned_start"] == event["main_room_at"]

            async def everyone_sees(segment: str) -> None:
                seen = await asyncio.gather(*(next_segment(page) for page in pages))
                assert {item[0] for item in seen} == {segment}, seen

            started = await http.post(
                "/api/event/agenda", json={"action": "start", "expected_version": 0}
            )
            assert started.status_code == 200, started.text
            welcome = started.json()
            assert welcome["deadline"] == clock.now() * 1000 + 600_000
            await everyone_sees("welcome")
            clock.advance(60)
            added = await http.post(
                "/api/event/agenda",
                json={"action": "adjust_time", "expected_version": 1, "seconds": 120},
            )
            assert added.json()["deadline"] == welcome["deadline"] + 120_000
            await everyone_sees("welcome")
            # Starting the rooms moves the session to the breakouts, in the same change.
            await http.post("/api/event/start-all", json={})
            await everyone_sees("breakouts")
            clock.advance(20 * 60)
            recalled = await http.post("/api/event/recall", json={"seconds": 30})
            assert recalled.status_code == 200, recalled.text
            clock.advance(31)
            await server.settle()
            # The recall's end leads into the debrief.
            await everyone_sees("debrief")
            me = (await http.get("/api/me")).json()
            assert me["event"]["status"] == "main_room"
            debrief = me["agenda"]
            assert debrief["started_at"] == clock.now() * 1000  # when the recall ended
            assert debrief["deadline"] == debrief["started_at"] + 900_000
            version = debrief["version"]
            nxt = await http.post(
                "/api/event/agenda", json={"action": "next", "expected_version": version}
            )
            assert nxt.status_code == 200
            await everyone_sees("close")
            done = await http.post(
                "/api/event/agenda", json={"action": "next", "expected_version": version + 1}
            )
            assert done.json()["status"] == "over"
            await everyone_sees("over")
            refused = await http.post(
                "/api/event/agenda", json={"action": "next", "expected_version": version + 2}
            )
            assert refused.status_code == 409
            assert "the session is over" in refused.json()["error"]["message"]
        async with server.services.context.sessions() as session:
            from server.store import crud

            actions = [
                entry.action for entry in await crud.read_log(session, event_id=setup.event_id)
            ]
        assert [a for a in actions if a.startswith("agenda.")] == [
            "agenda.start",
            "agenda.adjust_time",
            "agenda.breakouts",
            "agenda.main_room",
            "agenda.next",
            "agenda.next",
        ]


async def test_two_ubers_moving_the_agenda_at_once_give_one_move(tmp_path: Path) -> None:
    async with running_server(make_settings(tmp_path / "r.db"), FakeClock()) as server:
        setup = await set_up_event(server, rooms=1)
        async with server.http() as admin:
            made = await admin.post(
                f"/api/links?event_id={setup.event_id}",
                headers={"X-Admin-Key": ADMIN_KEY},
                json={"role": "uber", "label": "Second uber"},
            )
        second = token_of(made.json()["url"])
        async with server.http(setup.uber) as one, server.http(second) as two:
            await one.post("/api/event/agenda", json={"action": "start", "expected_version": 0})
            for attempt in range(20):
                version = (await one.get("/api/me")).json()["agenda"]["version"]
                body: dict[str, Any] = {
                    "action": "adjust_time",
                    "expected_version": version,
                    "seconds": 60,
                }
                replies = await asyncio.gather(
                    one.post("/api/event/agenda", json=body),
                    two.post("/api/event/agenda", json=body),
                )
                assert sorted(r.status_code for r in replies) == [200, 409], attempt
                loser = next(r for r in replies if r.status_code == 409)
                assert loser.json()["error"]["code"] == "agenda.stale"
                after = (await one.get("/api/me")).json()["agenda"]
                assert after["version"] == version + 1


async def test_main_room_segments_are_set_before_the_start_only(tmp_path: Path) -> None:
    async with running_server(make_settings(tmp_path / "s.db"), FakeClock()) as server:
        setup = await set_up_event(server, rooms=1)
        async with server.http(setup.uber) as http:
            changed = await http.put(
                "/api/event/agenda/segments",
                json={
                    "segments": [
                        {"title": "Welcome and norms", "length": "12m", "part": "before"},
                        {"title": "Gallery walk", "length": "10m", "part": "after"},
                        {"title": "Close", "length": "3m", "part": "after"},
                    ]
                },
            )
            assert changed.status_code == 200, changed.text
            assert [(s["id"], s["seconds"]) for s in changed.json()["segments"]] == [
                ("welcome-and-norms", 720),
                ("breakouts", 0),
                ("gallery-walk", 600),
                ("close", 180),
            ]
            await http.post("/api/event/agenda", json={"action": "start", "expected_version": 1})
            late = await http.put("/api/event/agenda/segments", json={"segments": []})
            assert late.status_code == 409
            assert "only before the start" in late.json()["error"]["message"]
