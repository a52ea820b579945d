"""Members' e-mail addresses (CSV import and the API) and the rooms exported as Zoom's
breakout-room pre-assignment CSV, read back with Python's csv module; cells a
spreadsheet would run as formulas are neutralised."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tests.fakes import FakeClock
from tests.live.harness import ADMIN_KEY, make_settings, running_server, token_of

TEAMS = (
    "name,organisation,members,emails,tags\n"
    "Riverside District,State A,Ana;Ben,ana@riverside.example;ben@riverside.example,mentoring\n"
    "Hillcrest Schools,State B,Cy,cy@hillcrest.example,mentoring\n"
    "Lakeview Unified,State C,Di,,retention\n"
    "Pinecrest Academy,State D,Ed,ed@pinecrest.example,retention\n"
)


async def test_the_rooms_export_as_zoom_pre_assignment_rows(tmp_path: Path) -> None:
    clock = FakeClock()
    async with running_server(make_settings(tmp_path / "z.db"), clock) as server:
        async with server.http() as http:
            event = await http.post(
                "/api/events",
                headers={"X-Admin-Key": ADMIN_KEY},
                json={
                    "title": "Zoom",
                    "scheduled_start": "2030-01-01T10:00:00Z",
                    "main_room_at": "2030-01-01T11:30:00Z",
                },
            )
        uber = token_of(event.json()["uber_link"]["url"])
        async with server.http(uber) as http:
            imported = await http.post(
                "/api/teams/import", content=TEAMS, headers={"Content-Type": "text/csv"}
            )
            assert imported.status_code == 200, imported.text
            assert imported.json()["added"][0]["emails"] == [
                "ana@riverside.example",
                "ben@riverside.example",
            ]
            paired = await http.post("/api/rooms/pair", json={"by": "tags"})
            assert paired.status_code == 201
            rooms = paired.json()["detail"]["rooms"]
            extra = await http.post(
                "/api/teams",
                json={"name": "Formula FC", "emails": ["x@formula.example"]},
            )
            solo = await http.post(
                "/api/teams", json={"name": "Partner", "emails": ["p@partner.example"]}
            )
            await http.post(
                "/api/rooms",
                json={"team_ids": [extra.json()["id"], solo.json()["id"]], "label": "=1+1"},
            )
            exported = await http.get("/api/rooms/zoom.csv")
            assert exported.status_code == 200
            assert exported.headers["content-type"].startswith("text/csv")
            bad = await http.post("/api/teams", json={"name": "Typo", "emails": ["not-an-address"]})
            assert bad.status_code == 422
            assert bad.json()["error"]["field"] == "emails[0]"
        rows = list(csv.reader(io.StringIO(exported.text)))
        assert rows[0] == ["Pre-assign Room Name", "Email Address"]
        by_room = {label["label"]: label for label in rooms}
        # Room by room in room order (within a room, in seat order).
        assert [row[0] for row in rows[1:]] == ["Room 1"] * 3 + ["Room 2"] + ["'=1+1"] * 2
        assert sorted(rows[1:4]) == [
            ["Room 1", "ana@riverside.example"],
            ["Room 1", "ben@riverside.example"],
            ["Room 1", "cy@hillcrest.example"],
        ]
        assert rows[4:] == [
            ["Room 2", "ed@pinecrest.example"],
            ["'=1+1", "x@formula.example"],
            ["'=1+1", "p@partner.example"],
        ]
        assert set(by_room) == {"Room 1", "Room 2"}
