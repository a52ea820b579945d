"""Data rights: the event's export (an uber) and a team's (its member), as JSON and CSV;
deleting an event leaves no row of it in any table and stops its links at once;
retention deletes events past it."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel
from websockets.exceptions import ConnectionClosed

from tests.fakes import FakeClock
from tests.live.harness import (
    LiveServer,
    Setup,
    client,
    make_settings,
    running_server,
    set_up_event,
)
from tests.live.test_feedback import to_final_thoughts

NOTE = {"round_index": 0, "phase_id": "explanation", "expected_version": 0}


async def fill(server: LiveServer, setup: Setup) -> None:
    """Notes (one starting like a formula), final thoughts and an ask in room 1."""
    room_id = setup.rooms[0]["id"]
    first, second = setup.members[0]
    for token, text in ((first, '=HYPERLINK("x")'), (second, "Their plan")):
        async with server.http(token) as http:
            assert (await http.post("/api/consent")).status_code == 200
            saved = await http.post("/api/notes", json={**NOTE, "text": text})
            assert saved.status_code == 200, saved.text
    await to_final_thoughts(server, setup.uber, room_id)
    async with server.http(first) as http:
        answered = await http.post(
            "/api/feedback",
            json={
                "round_index": 0,
                "most_useful": "Questions",
                "more_useful": "",
                "expected_version": 0,
            },
        )
        assert answered.status_code == 200, answered.text
        assert (await http.post("/api/asks", json={"kind": "done"})).status_code == 201


async def rows_of(server: LiveServer, event_id: str, room_ids: list[str]) -> dict[str, int]:
    """How many rows of every table belong to the event (by event or by room)."""
    counts: dict[str, int] = {}
    async with server.services.context.sessions() as session:
        for name, table in SQLModel.metadata.tables.items():
            if "event_id" in table.c:
                where = table.c.event_id == event_id
            elif "room_id" in table.c:
                where = table.c.room_id.in_(room_ids)
            elif name == "event":
                where = table.c.id == event_id
            else:
                continue
            counts[name] = (await session.execute(select(func.count()).where(where))).scalar_one()
    return counts


async def test_an_uber_exports_the_event_and_a_member_their_team(tmp_path: Path) -> None:
    async with running_server(make_settings(tmp_path / "a.db"), FakeClock()) as server:
        setup = await set_up_event(server, rooms=2)
        await fill(server, setup)
        async with server.http(setup.uber) as http:
            everything = (await http.get("/api/export")).json()
            notes_csv = await http.get("/api/export/notes.csv")
            log_csv = await http.get("/api/export/log.csv")
        assert everything["scope"] == "event"
        assert len(everything["teams"]) == 4
        assert len(everything["rooms"]) == 2
        assert sorted(n["text"] for n in everything["notes"]) == ['=HYPERLINK("x")', "Their plan"]
        assert [f["most_useful"] for f in everything["feedback"]] == ["Questions"]
        assert [a["kind"] for a in everything["asks"]] == ["done"]
        assert {"consent.give", "note.save", "feedback.save", "ask.done", "start"} <= {
            entry["action"] for entry in everything["log"]
        }
        notes = list(csv.DictReader(io.StringIO(notes_csv.text)))
        assert sorted(n["text"] for n in notes) == ['\'=HYPERLINK("x")', "Their plan"]
        assert notes_csv.headers["content-type"].startswith("text/csv")
        log = list(csv.DictReader(io.StringIO(log_csv.text)))
        assert len(log) == len(everything["log"])
        assert json.loads(log[0]["detail"]) == everything["log"][0]["detail"]

        async with server.http(setup.members[0][0]) as http:
            mine = (await http.get("/api/export")).json()
        team_id = setup.rooms[0]["seats"][0]["team_id"]
        assert mine["scope"] == "team"
        assert [team["id"] for team in mine["teams"]] == [team_id]
        assert [room["id"] for room in mine["rooms"]] == [setup.rooms[0]["id"]]
        assert [n["text"] for n in mine["notes"]] == ['=HYPERLINK("x")']  # not the other team's
        assert all(entry["room_id"] == setup.rooms[0]["id"] for entry in mine["log"])
        async with server.http(setup.moderators[0]) as http:
            assert (await http.get("/api/export")).status_code == 403
        async with server.http(setup.uber) as http:
            empty = await http.get("/api/export/asks.csv")
        assert empty.status_code == 200


async def test_deleting_an_event_leaves_nothing_and_stops_its_links(tmp_path: Path) -> None:
    async with running_server(make_settings(tmp_path / "a.db"), FakeClock()) as server:
        setup = await set_up_event(server, rooms=2)
        other = await set_up_event(server)
        await fill(server, setup)
        room_ids = [room["id"] for room in setup.rooms]
        before = await rows_of(server, setup.event_id, room_ids)
        assert all(
            before[name]
            for name in (
                "event",
                "team",
                "room",
                "seat",
                "access_token",
                "note",
                "feedback",
                "room_request",
                "command_log",
            )
        )
        async with server.http(setup.uber) as http:
            export = (await http.get("/api/export")).json()
        # The export holds every row the event has of what people wrote and did.
        assert len(export["teams"]) == before["team"]
        assert len(export["rooms"]) == before["room"]
        assert len(export["notes"]) == before["note"]
        assert len(export["feedback"]) == before["feedback"]
        assert len(export["asks"]) == before["room_request"]
        assert len(export["log"]) == before["command_log"]
        async with client(server, setup.members[0][1]) as member:
            await member.wait_type("snapshot")
            async with server.http(setup.uber) as http:
                wrong = await http.post("/api/event/delete", json={"confirm": "Test"})
                assert wrong.status_code == 409
                assert wrong.json()["error"]["field"] == "confirm"
                assert await rows_of(server, setup.event_id, room_ids) == before
                deleted = await http.post(
                    "/api/event/delete", json={"confirm": "Test community of practice"}
                )
                assert deleted.status_code == 200, deleted.text
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(_read_forever(member), 1.0)
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 4401
            notice = [m for m in member.received if m["type"] == "error"][-1]
            assert "deleted" in notice["message"]
        after = await rows_of(server, setup.event_id, room_ids)
        assert set(after.values()) == {0}, after
        for token in (setup.uber, setup.members[0][0], setup.observers[1]):
            async with server.http(token) as http:
                assert (await http.get("/api/me")).status_code == 401
        # The other event is untouched.
        async with server.http(other.uber) as http:
            assert (await http.get("/api/me")).status_code == 200


async def _read_forever(person: Any) -> None:
    while True:
        await person.recv()


async def test_retention_deletes_events_past_it(tmp_path: Path) -> None:
    clock = FakeClock()
    settings = make_settings(tmp_path / "a.db", retention_days=2)
    async with running_server(settings, clock) as server:
        setup = await set_up_event(server, minutes_until_main_room=90)
        assert await server.services.data.purge_expired() == []
        clock.advance(90 * 60 + 2 * 86400 + 1)
        assert await server.services.data.purge_expired() == [setup.event_id]
        counts = await rows_of(server, setup.event_id, [room["id"] for room in setup.rooms])
        assert set(counts.values()) == {0}
        assert await server.services.data.purge_expired() == []
