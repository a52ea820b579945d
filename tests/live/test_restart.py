"""Restart: every room carries on exactly where it was; an overdue phase advances once."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx

from server.store import crud
from tests.fakes import FakeClock
from tests.live.harness import (
    client,
    make_settings,
    running_server,
    set_up_event,
)
from tests.live.processes import server_process, start_a_room


async def test_a_restart_mid_phase_keeps_the_same_remaining_time(tmp_path: Path) -> None:
    database = tmp_path / "restart.db"
    clock = FakeClock()
    async with running_server(make_settings(database), clock) as server:
        setup = await set_up_event(server)
        room_id = setup.rooms[0]["id"]
        async with server.http(setup.moderators[0]) as http:
            started = await http.post(
                f"/api/rooms/{room_id}/commands", json={"action": "start", "expected_version": 0}
            )
        deadline = started.json()["deadline"]
        clock.advance(100)
    clock.advance(30)  # the server is down for 30 s
    async with (
        running_server(make_settings(database), clock) as server,
        client(server, setup.members[0][0]) as member,
    ):
        room = (await member.wait_type("snapshot"))["rooms"][0]
        assert room["deadline"] == deadline
        assert room["phase_id"] == "explanation"
        assert deadline - clock.now() * 1000 == 50_000


async def test_a_phase_that_ended_while_down_advances_exactly_once(tmp_path: Path) -> None:
    database = tmp_path / "restart.db"
    clock = FakeClock()
    async with running_server(make_settings(database), clock) as server:
        setup = await set_up_event(server)
        room_id = setup.rooms[0]["id"]
        async with server.http(setup.moderators[0]) as http:
            await http.post(
                f"/api/rooms/{room_id}/commands", json={"action": "start", "expected_version": 0}
            )
        t0 = clock.now()
        clock.advance(150)
    clock.advance(100)  # Explanation ended at t0 + 180 while the server was down.
    async with running_server(make_settings(database), clock) as server:
        async with client(server, setup.members[0][0]) as member:
            room = await member.wait_for(
                lambda m: (
                    m["type"] in ("snapshot", "room.updated")
                    and (m.get("room") or m["rooms"][0])["phase_id"] == "clarification"
                )
            )
            view = room.get("room") or room["rooms"][0]
            # The next phase started at the old deadline, not at the restart.
            assert view["phase_started_at"] == (t0 + 180) * 1000
            assert view["deadline"] == (t0 + 360) * 1000
        async with server.services.context.sessions() as session:
            log = await crud.read_log(session, event_id=setup.event_id, room_id=room_id)
        ticks = [row for row in log if row.action == "tick"]
        assert len(ticks) == 1
        events = ticks[0].detail["events"]
        assert isinstance(events, list)
        started = [e for e in events if e["name"] == "phase.started"]
        assert started == [
            {
                "name": "phase.started",
                "at": t0 + 180,
                "round_index": 0,
                "phase_index": 1,
                "deadline": t0 + 360,
            }
        ]


async def test_after_kill_9_the_room_continues_with_the_same_deadline(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'killed.db'}"
    async with server_process(database) as first:
        uber, _, deadline = await start_a_room(first.base_url)
        first.process.send_signal(signal.SIGKILL)
        first.process.wait()
    async with (
        server_process(database) as second,
        httpx.AsyncClient(base_url=second.base_url) as http,
    ):
        snapshot = (await http.get("/api/me", headers=uber)).json()
    assert snapshot["rooms"][0]["deadline"] == deadline
    assert snapshot["rooms"][0]["status"] == "running"
