"""The event report: a timed event with a pause, added time, a command and a recall
reads back as planned against actual phases that match the log; the CSV and JSON
round-trip; the Markdown and the SVG timeline say the same."""

from __future__ import annotations

import asyncio
import csv
import io
import xml.etree.ElementTree as ElementTree
from itertools import pairwise
from pathlib import Path
from typing import Any, cast

import httpx
import pytest

from server.store import crud
from server.store.db import open_database, session_factory
from tests.fakes import FakeClock
from tests.live.harness import LiveServer, make_settings, running_server, set_up_event
from tests.live.processes import server_process
from tests.live.test_links_scaled_out import an_event_with_a_room, bearer


async def command(server: LiveServer, token: str, room_id: str, action: str, **extra: Any) -> None:
    async with server.http(token) as http:
        rooms = (await http.get("/api/me")).json()["rooms"]
        version = next(room for room in rooms if room["id"] == room_id)["version"]
        made = await http.post(
            f"/api/rooms/{room_id}/commands",
            json={"action": action, "expected_version": version, **extra},
        )
        assert made.status_code == 200, made.text


async def at(server: LiveServer, clock: FakeClock, start: float, seconds: float) -> None:
    clock.advance(start + seconds - clock.now())
    await server.settle()


async def test_the_report_reads_the_event_as_it_ran(tmp_path: Path) -> None:
    clock = FakeClock()
    async with running_server(make_settings(tmp_path / "r.db"), clock) as server:
        setup = await set_up_event(server, rooms=2)
        one, two = (room["id"] for room in setup.rooms)
        async with server.http(setup.uber) as http:
            assert (await http.post("/api/event/start-all", json={})).status_code == 200
        start = clock.now()
        await at(server, clock, start, 10)
        async with server.http(setup.members[0][0]) as http:
            asked = (await http.post("/api/help", json={"message": "No audio"})).json()
        await at(server, clock, start, 40)
        async with server.http(setup.uber) as http:
            claimed = await http.post(f"/api/help/{asked['id']}/claim", json={})
            assert claimed.status_code == 200, claimed.text
        await at(server, clock, start, 60)
        await command(server, setup.moderators[0], one, "pause")
        await at(server, clock, start, 90)
        await command(server, setup.moderators[0], one, "resume")
        await at(server, clock, start, 100)
        await command(server, setup.moderators[0], one, "adjust_time", seconds=60)
        async with server.http(setup.uber) as http:
            sent = await http.post("/api/event/broadcast", json={"text": "Halfway there"})
            assert sent.status_code == 200
        await at(server, clock, start, 180)  # room 2's Explanation ends on time
        await at(server, clock, start, 270)  # room 1's: 180 + 30 paused + 60 added
        await at(server, clock, start, 300)
        await command(server, setup.moderators[1], two, "next")  # Clarification cut short
        await at(server, clock, start, 320)
        async with server.http(setup.uber) as http:
            recalled = await http.post("/api/event/recall", json={"seconds": 30})
            assert recalled.status_code == 200
            report = (await http.get("/api/report")).json()
            as_csv = (await http.get("/api/report.csv")).text
            as_md = (await http.get("/api/report.md")).text
            as_svg = await http.get("/api/report.svg")

        s = start * 1000
        first, second = report["rooms"]
        explanation = first["phases"][0]
        assert explanation["phase_id"] == "explanation"
        assert explanation["start"] == s
        assert explanation["planned_seconds"] == 180
        assert explanation["actual_seconds"] == 270
        assert explanation["paused_seconds"] == 30
        assert explanation["pauses"] == 1
        assert explanation["active_seconds"] == 240
        assert explanation["added_seconds"] == 60
        assert explanation["ended_by"] == "time_up"
        clarification = first["phases"][1]
        assert clarification["start"] == s + 270_000
        assert clarification["drift_seconds"] == 90  # planned at 180 s
        assert clarification["ended_by"] == "recall"
        assert clarification["actual_seconds"] == 50
        assert [p["actual_seconds"] for p in second["phases"]] == [180, 120, 20]
        assert [p["ended_by"] for p in second["phases"]] == ["time_up", "next", "recall"]
        assert second["phases"][2]["drift_seconds"] == 300 - 360  # early: Clarification was cut
        assert [(h["id"], h["wait_seconds"], h["role"]) for h in first["help"]] == [
            (asked["id"], 30, "presenting")
        ]
        assert second["help"] == []
        assert [b["text"] for b in first["broadcasts"]] == ["Halfway there"]
        assert second["broadcasts"] == first["broadcasts"]  # it went to every room
        assert first["teams"][0]["challenge"] == "challenge 0-0"

        # Every phase the report lists matches the log's phase events.
        async with server.services.context.sessions() as session:
            log = await crud.read_log(session, event_id=setup.event_id, room_id=one)
        started = [
            event["at"] * 1000
            for row in log
            for event in cast(list[dict[str, Any]], row.detail.get("events", []))
            if event["name"] == "phase.started"
        ]
        assert [p["start"] for p in first["phases"]] == started

        rows = list(csv.DictReader(io.StringIO(as_csv)))
        assert len(rows) == len(first["phases"]) + len(second["phases"])
        assert [float(r["actual_seconds"]) for r in rows[:2]] == [270, 50]
        assert rows[0]["room"] == first["label"]
        assert f"## {first['label']}" in as_md
        assert "| 1 | Explanation |" in as_md
        assert as_svg.headers["content-type"].startswith("image/svg+xml")
        chart = ElementTree.fromstring(as_svg.text)
        rects = chart.findall("{http://www.w3.org/2000/svg}rect")
        assert len(rects) == 2 * (len(first["phases"]) + len(second["phases"]))
        async with server.http(setup.moderators[0]) as http:
            assert (await http.get("/api/report")).status_code == 403


async def test_a_report_of_an_event_not_started_says_so(tmp_path: Path) -> None:
    async with running_server(make_settings(tmp_path / "r.db"), FakeClock()) as server:
        setup = await set_up_event(server)
        async with server.http(setup.uber) as http:
            report = (await http.get("/api/report")).json()
            as_svg = (await http.get("/api/report.svg")).text
        assert report["rooms"][0]["phases"] == []
        assert "No room has started yet" in as_svg


async def test_a_rehearsal_at_x60_reads_back_as_its_log_says(tmp_path: Path) -> None:
    """A real server at x60 (a minute a second): a pause, time added, a fit to time and a
    recall; every phase the report lists starts and ends where the log says, its length
    is its end less its start, and the CSV says what the JSON says."""
    database = f"sqlite:///{tmp_path / 'x60.db'}"
    async with (
        server_process(database, extra=("--clock-speed", "60")) as server,
        httpx.AsyncClient(base_url=server.base_url, timeout=10) as http,
    ):
        uber_token, room_id, event_id = await an_event_with_a_room(http)
        uber = bearer(uber_token)

        async def act(action: str, **extra: Any) -> None:
            rooms = (await http.get("/api/me", headers=uber)).json()["rooms"]
            made = await http.post(
                f"/api/rooms/{room_id}/commands",
                headers=uber,
                json={"action": action, "expected_version": rooms[0]["version"], **extra},
            )
            assert made.status_code == 200, made.text

        await act("start")
        await asyncio.sleep(1.0)  # a minute of Explanation
        await act("pause")
        await asyncio.sleep(0.5)
        await act("resume")
        await act("adjust_time", seconds=60)
        await asyncio.sleep(3.5)  # Explanation ends (its 3 min, plus the minute added)
        fitted = await http.post("/api/event/fit-to-time", headers=uber, json={})
        assert fitted.status_code in (200, 409), fitted.text
        await asyncio.sleep(1.0)
        recalled = await http.post("/api/event/recall", headers=uber, json={"seconds": 30})
        assert recalled.status_code == 200, recalled.text
        report = (await http.get("/api/report", headers=uber)).json()
        as_csv = (await http.get("/api/report.csv", headers=uber)).text
    engine = await open_database(database)
    try:
        async with session_factory(engine)() as session:
            log = await crud.read_log(session, event_id=event_id, room_id=room_id)
    finally:
        await engine.dispose()
    events = [
        event for row in log for event in cast(list[dict[str, Any]], row.detail.get("events", []))
    ]
    starts = [e["at"] * 1000 for e in events if e["name"] == "phase.started"]
    phases = report["rooms"][0]["phases"]
    assert len(phases) >= 2
    # (Instants to a microsecond: the JSON carries epoch milliseconds as floats.)
    assert [p["start"] for p in phases] == pytest.approx(starts, abs=1e-3)
    for phase, following in pairwise(phases):
        assert phase["end"] == pytest.approx(following["start"], abs=1e-3)
        assert phase["actual_seconds"] == pytest.approx((phase["end"] - phase["start"]) / 1000)
    explanation = phases[0]
    assert explanation["pauses"] == 1
    assert explanation["paused_seconds"] > 0
    assert explanation["added_seconds"] == 60
    assert explanation["ended_by"] == "time_up"
    assert phases[-1]["ended_by"] == "recall"
    rows = list(csv.DictReader(io.StringIO(as_csv)))
    assert [float(row["actual_seconds"]) for row in rows] == pytest.approx(
        [p["actual_seconds"] for p in phases]
    )
    assert [float(row["actual_start"]) for row in rows] == pytest.approx(
        [p["start"] for p in phases], abs=1e-3
    )
