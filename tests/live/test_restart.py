"""Restart: every room carries on exactly where it was; an overdue phase advances once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from server.store import crud
from tests.fakes import FakeClock
from tests.live.harness import (
    ADMIN_KEY,
    client,
    free_port,
    make_settings,
    running_server,
    set_up_event,
)


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


async def wait_healthy(base: str, process: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient() as http:
        for _ in range(200):
            assert process.poll() is None, "the server exited"
            try:
                if (await http.get(f"{base}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    raise AssertionError("the server did not become healthy")


def serve(database: Path, port: int) -> subprocess.Popen[bytes]:
    environment = {**os.environ, "CONSULT_ADMIN_KEY": ADMIN_KEY}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "server",
            "serve",
            "--port",
            str(port),
            "--db",
            f"sqlite:///{database}",
        ],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def test_after_kill_9_the_room_continues_with_the_same_deadline(tmp_path: Path) -> None:
    database = tmp_path / "killed.db"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = serve(database, port)
    try:
        await wait_healthy(base, process)
        async with httpx.AsyncClient(base_url=base) as http:
            event = await http.post(
                "/api/events",
                headers={"X-Admin-Key": ADMIN_KEY},
                json={
                    "title": "k",
                    "scheduled_start": "2030-01-01T10:00:00Z",
                    "main_room_at": "2030-01-01T11:30:00Z",
                },
            )
            uber = {"Authorization": "Bearer " + event.json()["uber_link"]["url"].rsplit("/", 1)[1]}
            teams = [
                (await http.post("/api/teams", headers=uber, json={"name": name})).json()["id"]
                for name in ("A", "B")
            ]
            room = (await http.post("/api/rooms", headers=uber, json={"team_ids": teams})).json()
            started = await http.post(
                f"/api/rooms/{room['id']}/commands",
                headers=uber,
                json={"action": "start", "expected_version": 0},
            )
            assert started.status_code == 200
            deadline = started.json()["deadline"]
        process.send_signal(signal.SIGKILL)
        process.wait()
        process = serve(database, port)
        await wait_healthy(base, process)
        async with httpx.AsyncClient(base_url=base) as http:
            snapshot = (await http.get("/api/me", headers=uber)).json()
        assert snapshot["rooms"][0]["deadline"] == deadline
        assert snapshot["rooms"][0]["status"] == "running"
    finally:
        process.kill()
        process.wait()
