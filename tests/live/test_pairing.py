"""Automatic pairing over REST: a file imported twice pairs without copies, and an odd
team is placed as the organiser chooses (a third team joining the inquiry, or observers),
never silently left out."""

from __future__ import annotations

from pathlib import Path

from tests.fakes import FakeClock
from tests.live.harness import ADMIN_KEY, make_settings, running_server, token_of

TEAMS = (
    "name,organisation,tags\n"
    "Northside ISD,State A,mentoring\n"
    "Riverside,State B,mentoring\n"
    "Hillcrest,State C,retention\n"
    "Lakeview,State D,retention\n"
    "Oakdale,State E,retention\n"
)


async def test_a_twice_imported_file_pairs_without_copies_and_the_odd_team_is_placed(
    tmp_path: Path,
) -> None:
    async with running_server(make_settings(tmp_path / "p.db"), FakeClock()) as server:
        async with server.http() as http:
            event = await http.post(
                "/api/events",
                headers={"X-Admin-Key": ADMIN_KEY},
                json={
                    "title": "Pairing",
                    "scheduled_start": "2030-01-01T10:00:00Z",
                    "main_room_at": "2030-01-01T11:30:00Z",
                },
            )
        uber = token_of(event.json()["uber_link"]["url"])
        async with server.http(uber) as http:
            for _ in range(2):
                imported = await http.post(
                    "/api/teams/import", content=TEAMS, headers={"Content-Type": "text/csv"}
                )
                assert imported.status_code == 200, imported.text
            teams = {team["id"]: team for team in (await http.get("/api/teams")).json()}
            assert len(teams) == 5
            before = (await http.get("/api/me")).json()["event"]["setup_version"]
            undecided = await http.post("/api/rooms/pair", json={"by": "tags"})
            assert undecided.status_code == 409
            error = undecided.json()["error"]
            assert error["field"] == "odd_team"
            assert "5 teams make 2 pairs and leave" in error["message"]
            assert (await http.get("/api/me")).json()["event"]["setup_version"] == before
            paired = await http.post("/api/rooms/pair", json={"by": "tags", "odd_team": "join"})
            assert paired.status_code == 201, paired.text
            result = paired.json()["detail"]
            assert result["unpaired_team_ids"] == []
            rooms = (await http.get("/api/me")).json()["rooms"]
        seated = [seat["team_id"] for room in rooms for seat in room["seats"]]
        assert sorted(seated) == sorted(teams)  # every team, once
        for room in rooms:
            names = [teams[seat["team_id"]]["name"] for seat in room["seats"]]
            assert len(set(names)) == len(names)
        (trio,) = [room for room in rooms if len(room["seats"]) == 3]
        assert trio["seats"][2]["team_id"] == result["odd_team_id"]
        assert trio["seats"][2]["role"] == "inquiry"
        assert trio["seats"][2]["fixed"] is True
        # The retention teams share a tag: the odd one joins their room.
        assert {teams[seat["team_id"]]["tags"][0] for seat in trio["seats"]} == {"retention"}


async def test_an_odd_team_may_sit_in_a_room_as_observers(tmp_path: Path) -> None:
    async with running_server(make_settings(tmp_path / "o.db"), FakeClock()) as server:
        async with server.http() as http:
            event = await http.post(
                "/api/events",
                headers={"X-Admin-Key": ADMIN_KEY},
                json={
                    "title": "Observers",
                    "scheduled_start": "2030-01-01T10:00:00Z",
                    "main_room_at": "2030-01-01T11:30:00Z",
                },
            )
        uber = token_of(event.json()["uber_link"]["url"])
        async with server.http(uber) as http:
            await http.post(
                "/api/teams/import",
                content="name\nA\nB\nC\n",
                headers={"Content-Type": "text/csv"},
            )
            paired = await http.post("/api/rooms/pair", json={"by": "both", "odd_team": "observe"})
            assert paired.status_code == 201, paired.text
            (room,) = (await http.get("/api/me")).json()["rooms"]
            observer = room["seats"][2]
            link = await http.post(
                "/api/links",
                json={"role": "member", "room_id": room["id"], "team_id": observer["team_id"]},
            )
            assert link.status_code == 201
        assert observer["role"] == "observer"
        assert [seat["role"] for seat in room["seats"][:2]] == ["presenting", "inquiry"]
        async with server.http(token_of(link.json()["url"])) as member:
            me = (await member.get("/api/me")).json()
        assert me["you"]["team_id"] == observer["team_id"]
        assert me["rooms"][0]["seats"][2]["role"] == "observer"
