"""Timings that fit: an event's own phase lengths (validated as the protocol files are)
drive the engine and fit to time; a window too short is reported with the numbers at
creation and on every change of the plan; lengths change only before any room starts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from tests.fakes import FakeClock
from tests.live.harness import ADMIN_KEY, LiveServer, make_settings, running_server, token_of


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).isoformat()


async def create(server: LiveServer, minutes: float, **extra: Any) -> httpx.Response:
    start = server.clock.now() + 60
    async with server.http() as http:
        return await http.post(
            "/api/events",
            headers={"X-Admin-Key": ADMIN_KEY},
            json={
                "title": "Timing",
                "scheduled_start": iso(start),
                "main_room_at": iso(start + minutes * 60),
                **extra,
            },
        )


async def one_room(http: httpx.AsyncClient) -> dict[str, Any]:
    a = await http.post("/api/teams", json={"name": "Riverside"})
    b = await http.post("/api/teams", json={"name": "Hillcrest"})
    room = await http.post("/api/rooms", json={"team_ids": [a.json()["id"], b.json()["id"]]})
    assert room.status_code == 201, room.text
    return room.json()  # type: ignore[no-any-return]


async def test_a_window_too_short_is_reported_with_the_numbers_at_creation(
    tmp_path: Path,
) -> None:
    async with running_server(make_settings(tmp_path / "t.db"), FakeClock()) as server:
        short = await create(server, 30)
        assert short.status_code == 201
        timing = short.json()["timing"]
        assert timing["fits"] is False
        assert timing["message"] == (
            "two rounds take 50 min; the window is 30 min: shorten phases, start earlier, "
            "or fit to time later"
        )
        assert (timing["needed_seconds"], timing["window_seconds"]) == (3000, 1800)
        roomy = await create(server, 90)
        assert roomy.json()["timing"]["fits"] is True
        assert roomy.json()["timing"]["message"] == (
            "two rounds take 50 min; the window is 90 min (40 min to spare)"
        )


async def test_bad_phase_lengths_are_refused_by_name(tmp_path: Path) -> None:
    async with running_server(make_settings(tmp_path / "b.db"), FakeClock()) as server:
        for lengths, status, field, words in (
            (["4m", "4m"], 409, "phase_lengths", "has 5 phases"),
            (["4m", "4m", "7m", "7m", "three"], 422, "phase_lengths[4]", ""),
            (["4m", "4m", "0m", "7m", "3m"], 422, "phase_lengths[2]", ""),
            (["4m", "4m", "0m0s", "7m", "3m"], 422, "phase_lengths[2]", ""),
        ):
            refused = await create(server, 90, phase_lengths=lengths)
            assert refused.status_code == status, lengths
            error = refused.json()["error"]
            assert error["field"] == field, error
            assert words in error["message"]


async def test_the_events_own_lengths_drive_the_engine_and_fit_to_time(tmp_path: Path) -> None:
    clock = FakeClock()
    async with running_server(make_settings(tmp_path / "l.db"), clock) as server:
        made = await create(server, 35, phase_lengths=["2m", "2m", "6m", "6m", "4m"])
        assert made.status_code == 201, made.text
        body = made.json()
        assert body["protocol_id"] == "t4tla-consultancy~120-120-360-360-240"
        assert body["timing"]["message"].startswith("two rounds take 40 min; the window is 35")
        uber = token_of(body["uber_link"]["url"])
        async with server.http(uber) as http:
            room = await one_room(http)
            me = (await http.get("/api/me")).json()
            assert [p["duration_seconds"] for p in me["protocol"]["rounds"][0]["phases"]] == [
                120,
                120,
                360,
                360,
                240,
            ]
            clock.advance(60)
            started = await http.post("/api/event/start-all", json={})
            assert started.status_code == 200, started.text
            (view,) = (await http.get("/api/me")).json()["rooms"]
            assert view["phase_length_ms"] == 120_000
            clock.advance(121)
            await server.settle()
            (view,) = (await http.get("/api/me")).json()["rooms"]
            assert view["phase_id"] == "clarification"
            assert view["phase_length_ms"] == 120_000
            # 40 minutes of rounds in a 35-minute window: fit to time compresses the rest.
            fitted = await http.post("/api/event/fit-to-time", json={"minimum_seconds": 30})
            assert fitted.status_code == 200, fitted.text
            assert fitted.json()["detail"]["fitted"] == [room["id"]]
            (view,) = (await http.get("/api/me")).json()["rooms"]
            target = fitted.json()["detail"]["target"]
            assert view["projected_end"] <= target + 1


async def test_the_plan_changes_with_its_timing_check_and_lengths_only_before_the_start(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    async with running_server(make_settings(tmp_path / "p.db"), clock) as server:
        made = await create(server, 30)
        uber = token_of(made.json()["uber_link"]["url"])
        async with server.http(uber) as http:
            await one_room(http)
            version = (await http.get("/api/me")).json()["event"]["version"]
            changed = await http.patch(
                "/api/event",
                json={"expected_version": version, "phase_lengths": ["3m", "3m", "4m", "2m", "3m"]},
            )
            assert changed.status_code == 200, changed.text
            assert changed.json()["timing"] == {
                "needed_seconds": 1800.0,
                "window_seconds": 1800.0,
                "fits": True,
                "message": "two rounds take 30 min; the window is 30 min",
            }
            (room,) = (await http.get("/api/me")).json()["rooms"]
            assert room["protocol_id"] == "t4tla-consultancy~180-180-240-120-180"
            stale = await http.patch(
                "/api/event", json={"expected_version": version, "main_room_at": iso(0)}
            )
            assert stale.status_code == 409
            later = await http.patch(
                "/api/event",
                json={
                    "expected_version": version + 1,
                    "main_room_at": iso(clock.now() + 60 + 25 * 60),
                },
            )
            assert later.json()["timing"]["fits"] is False
            assert "the window is 25 min: shorten phases" in later.json()["timing"]["message"]
            clock.advance(60)
            await http.post("/api/event/start-all", json={})
            version = (await http.get("/api/me")).json()["event"]["version"]
            refused = await http.patch(
                "/api/event",
                json={"expected_version": version, "phase_lengths": ["5m", "3m", "8m", "8m", "3m"]},
            )
            assert refused.status_code == 409
            assert "use fit to time" in refused.json()["error"]["message"]
            (room,) = (await http.get("/api/me")).json()["rooms"]
            assert room["protocol_id"] == "t4tla-consultancy~180-180-240-120-180"
