"""A x60 rehearsal restarted mid-phase continues the same protocol time.

These tests are about real time: the server runs in its own process with
``--clock-speed`` 20 or 120, is stopped, and is started again on
the same database. Before the rehearsal clock's anchor was stored, the
restarted clock began again from wall time, so a phase with 58 s left showed
367 s left.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx

from server.protocols import shipped_library
from server.store import crud
from server.store.db import open_database, session_factory
from server.wire.views import ms
from tests.live.processes import server_process, start_a_room

SPEED = 20
"""x20: the first phase (3 min) lasts 9 s of real time, so a restart (a stop and a start,
about 3 s here, more under load) falls well inside it."""
CONSULTANCY = shipped_library().get("t4tla-consultancy")
SLACK_MS = 0.4 * SPEED * 1000
"""Protocol time the two readings of the clock may differ by: 0.4 s of real time."""


async def snapshot(base_url: str, uber: dict[str, str]) -> tuple[dict[str, Any], float]:
    """The snapshot, and the real instant half way through fetching it."""
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        before = time.time()
        reply = await http.get("/api/me", headers=uber)
        after = time.time()
    assert reply.status_code == 200, reply.text
    data: dict[str, Any] = reply.json()
    return data, (before + after) / 2


async def test_a_restarted_rehearsal_keeps_the_remaining_time(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'rehearsal.db'}"
    speed = ("--clock-speed", str(SPEED))
    async with server_process(database, extra=speed) as server:
        uber, _, _ = await start_a_room(server.base_url)
        first, first_real = await snapshot(server.base_url, uber)
    async with server_process(database, extra=speed) as server:
        second, second_real = await snapshot(server.base_url, uber)
    before, after = first["rooms"][0], second["rooms"][0]
    assert first["clock_rate"] == second["clock_rate"] == SPEED
    # The deadline is stored; the clock carried on at x20 while the server was down,
    # exactly as real time would have, so the remaining time is what it would have
    # been without the restart.
    assert after["deadline"] == before["deadline"]
    expected = first["server_time"] + (second_real - first_real) * SPEED * 1000
    assert abs(second["server_time"] - expected) < SLACK_MS, (second["server_time"], expected)
    remaining_before = before["deadline"] - first["server_time"]
    remaining_after = after["deadline"] - second["server_time"]
    assert 0 < remaining_after <= remaining_before


async def test_phases_that_ended_while_a_rehearsal_was_down_are_applied_once(
    tmp_path: Path,
) -> None:
    database = f"sqlite:///{tmp_path / 'rehearsal.db'}"
    speed = ("--clock-speed", "120")
    async with server_process(database, extra=speed) as server:
        uber, room_id, _ = await start_a_room(server.base_url)
        first, _ = await snapshot(server.base_url, uber)
    started_at = first["rooms"][0]["phase_started_at"]
    # Down for 3.5 s of real time at x120: 7 protocol minutes, so Explanation (3 min)
    # and Clarification (3 min) ended meanwhile.
    await asyncio.sleep(3.5)
    async with server_process(database, extra=speed) as server:
        second, _ = await snapshot(server.base_url, uber)
        room = second["rooms"][0]
    schedule = [started_at]
    for phase in CONSULTANCY.phases:
        schedule.append(schedule[-1] + phase.duration_seconds * 1000)
    # Where the schedule says the room is at the server's time, it is, and its phase
    # started exactly at its planned instant (not at the restart).
    reached = sum(1 for instant in schedule[1:] if instant <= second["server_time"])
    assert reached >= 2
    assert room["phase_index"] == reached
    assert room["phase_started_at"] == schedule[reached]
    engine = await open_database(database)
    try:
        async with session_factory(engine)() as session:
            event, _ = await crud.load_event_states(session, event_id=second["event"]["id"])
            log = await crud.read_log(session, event_id=second["event"]["id"], room_id=room_id)
    finally:
        await engine.dispose()
    assert event is not None
    ticks = [row for row in log if row.action == "tick"]
    # The catching up is one change (one version step) holding each overdue phase
    # once, each ending and starting exactly at its deadline.
    assert [(row.version_before, row.version_after) for row in ticks][:1] == [(1, 2)]
    assert room["version"] == 1 + len(ticks)
    starts = [
        ms(event["at"])
        for row in ticks
        for event in row.detail["events"]  # type: ignore[attr-defined]
        if event["name"] == "phase.started"
    ]
    assert starts == schedule[1 : 1 + reached]
