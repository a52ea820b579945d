"""Grouping over REST: a dry run proposes rooms by what teams wrote, explained and kept
apart by state; an edited proposal is scored; a commit makes exactly the rooms given as
one change; bad input says why and writes nothing."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import httpx

from tests.fakes import FakeClock
from tests.live.harness import ADMIN_KEY, LiveServer, make_settings, running_server, token_of
from tests.test_cli import CONSULT

TEAMS = (
    "name,organisation,state,challenge,request\n"
    'Northside ISD,Northside,Texas,"Mentors spend 40% of their time with new teachers '
    'against a goal of 80%; principals pull mentors to other tasks",Protecting mentor time\n'
    'Riverside,Riverside,Ohio,"Our mentors lose time with beginning teachers because '
    'principals assign mentors to cover classes",Keeping mentor time with new teachers\n'
    'Hillcrest,Hillcrest,Texas,"Adopting a new math curriculum across grades 6-8 with '
    'uneven teacher buy-in",Building buy-in for the math curriculum\n'
    'Lakeview,Lakeview,Ohio,"Teachers resist the new math curriculum; grade 7 pacing '
    'guides are ignored",Getting teachers to use the math pacing guides\n'
)


async def event_with_teams(server: LiveServer, protocol_id: str = "t4tla-consultancy") -> str:
    async with server.http() as http:
        event = await http.post(
            "/api/events",
            headers={"X-Admin-Key": ADMIN_KEY},
            json={
                "title": "Grouping",
                "protocol_id": protocol_id,
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
    return uber


def names(room: dict[str, Any]) -> set[str]:
    return {team["name"] for team in room["teams"]}


async def state_of(http: httpx.AsyncClient) -> tuple[int, int]:
    me = (await http.get("/api/me")).json()
    return me["event"]["setup_version"], len(me["rooms"])


async def test_a_dry_run_proposes_explained_rooms_and_a_commit_makes_exactly_them(
    tmp_path: Path,
) -> None:
    async with running_server(make_settings(tmp_path / "g.db"), FakeClock()) as server:
        uber = await event_with_teams(server)
        async with server.http(uber) as http:
            before = await state_of(http)
            preview = await http.post("/api/rooms/group/preview", json={})
            assert preview.status_code == 200, preview.text
            view = preview.json()["detail"]
            assert await state_of(http) == before  # a dry run writes nothing
            # By what they wrote, and from different states: mentoring with mentoring,
            # math with math.
            rooms = sorted((names(room) for room in view["rooms"]), key=sorted)
            assert rooms == [{"Hillcrest", "Lakeview"}, {"Northside ISD", "Riverside"}]
            assert view["bound"] is None  # pairs: the best possible total
            assert view["breaks"] == []
            assert view["unplaced"] == []
            assert view["weights"] == {"text": 0.6, "tags": 0.25, "stage": 0.15}
            mentoring = next(room for room in view["rooms"] if "Riverside" in names(room))
            assert "mentor" in mentoring["explanation"]
            assert "different states" in mentoring["explanation"]
            assert mentoring["score"] > 0

            # The organiser swaps two teams: the arrangement is scored as it stands.
            ids = {team["name"]: team["id"] for room in view["rooms"] for team in room["teams"]}
            swapped = [
                [ids["Northside ISD"], ids["Lakeview"]],
                [ids["Hillcrest"], ids["Riverside"]],
            ]
            scored = (await http.post("/api/rooms/group/preview", json={"rooms": swapped})).json()[
                "detail"
            ]
            assert scored["method"] == "as arranged"
            assert scored["total"] < view["total"]
            assert await state_of(http) == before

            # Commit exactly the previewed rooms, on the version the preview was made on.
            committed = await http.post(
                "/api/rooms/group",
                json={"rooms": swapped, "setup_version": scored["setup_version"]},
            )
            assert committed.status_code == 201, committed.text
            made = committed.json()["detail"]["room_ids"]
            me = (await http.get("/api/me")).json()
            assert [room["id"] for room in me["rooms"]] == made
            assert [[seat["team_id"] for seat in room["seats"]] for room in me["rooms"]] == swapped
            assert me["event"]["setup_version"] == before[0] + 1

            # The same commit again is refused: the setup moved on; nothing changes.
            again = await http.post(
                "/api/rooms/group",
                json={"rooms": swapped, "setup_version": scored["setup_version"]},
            )
            assert again.status_code == 409
            assert await state_of(http) == (before[0] + 1, 2)


async def test_keep_apart_yields_only_when_it_must_and_names_the_pairs(tmp_path: Path) -> None:
    async with running_server(make_settings(tmp_path / "k.db"), FakeClock()) as server:
        uber = await event_with_teams(server)
        async with server.http(uber) as http:
            # Every team of one organisation cannot be kept apart... by organisation they
            # all differ; pinning the two Texas teams together breaks keep-apart by state.
            teams = {team["name"]: team["id"] for team in (await http.get("/api/teams")).json()}
            pinned = await http.post(
                "/api/rooms/group/preview",
                json={"together": [[teams["Northside ISD"], teams["Hillcrest"]]]},
            )
            view = pinned.json()["detail"]
            assert {frozenset(names(room)) for room in view["rooms"]} == {
                frozenset({"Northside ISD", "Hillcrest"}),
                frozenset({"Riverside", "Lakeview"}),
            }
            broken = {frozenset((a["name"], b["name"])) for a, b in view["breaks"]}
            assert broken == {
                frozenset({"Northside ISD", "Hillcrest"}),
                frozenset({"Riverside", "Lakeview"}),
            }
            # Not keeping anyone apart: no breaks to speak of.
            free = await http.post("/api/rooms/group/preview", json={"keep_apart_by": []})
            assert free.json()["detail"]["breaks"] == []


async def test_bad_input_says_why_and_writes_nothing(tmp_path: Path) -> None:
    async with running_server(make_settings(tmp_path / "b.db"), FakeClock()) as server:
        uber = await event_with_teams(server)
        async with server.http(uber) as http:
            before = await state_of(http)
            teams = [team["id"] for team in (await http.get("/api/teams")).json()]
            unknown = await http.post(
                "/api/rooms/group/preview", json={"keep_apart_by": ["district"]}
            )
            assert unknown.status_code == 422
            assert "keep_apart_by" in unknown.json()["error"]["field"]
            weightless = await http.post(
                "/api/rooms/group/preview",
                json={"weights": {"text": 0, "tags": 0, "stage": 0}},
            )
            assert weightless.status_code == 422
            assert "at least one weight" in weightless.json()["error"]["message"]
            impossible = await http.post(
                "/api/rooms/group/preview",
                json={
                    "together": [[teams[0], teams[1]]],
                    "apart": [[teams[0], teams[1]]],
                },
            )
            assert impossible.status_code == 409, impossible.text
            twice = await http.post(
                "/api/rooms/group",
                json={"rooms": [[teams[0], teams[0]]], "setup_version": before[0]},
            )
            assert twice.status_code == 409
            assert "named twice" in twice.json()["error"]["message"]
            wrong_size = await http.post("/api/rooms/group/preview", json={"rooms": [[teams[0]]]})
            assert wrong_size.status_code == 409
            assert "rooms take 2" in wrong_size.json()["error"]["message"]
            assert await state_of(http) == before


async def test_triads_seat_every_team_once_and_too_few_teams_are_refused(
    tmp_path: Path,
) -> None:
    async with running_server(make_settings(tmp_path / "t.db"), FakeClock()) as server:
        uber = await event_with_teams(server, protocol_id="peer-triad")
        async with server.http(uber) as http:
            undecided = await http.post("/api/rooms/group/preview", json={})
            assert undecided.status_code == 409  # 4 people make a triad and leave one
            assert "join" in undecided.json()["error"]["message"]
            view = (await http.post("/api/rooms/group/preview", json={"odd_team": "join"})).json()[
                "detail"
            ]
            assert view["size"] == 3
            assert len(view["rooms"]) == 1
            assert view["rooms"][0]["extra"] is not None
            assert view["bound"] is not None
            assert view["total"] <= view["bound"] + 1e-9
        async with server.http() as http:
            event = await http.post(
                "/api/events",
                headers={"X-Admin-Key": ADMIN_KEY},
                json={
                    "title": "Too few",
                    "protocol_id": "learning-walk",
                    "scheduled_start": "2030-01-01T10:00:00Z",
                    "main_room_at": "2030-01-01T11:30:00Z",
                },
            )
        few = token_of(event.json()["uber_link"]["url"])
        async with server.http(few) as http:
            await http.post("/api/teams", json={"name": "Only team"})
            refused = await http.post("/api/rooms/group/preview", json={"odd_team": "join"})
            assert refused.status_code == 409
            assert "at least 4" in refused.json()["error"]["message"]


async def test_consult_rooms_group_previews_then_commits_from_the_command_line(
    tmp_path: Path,
) -> None:
    async with running_server(make_settings(tmp_path / "c.db"), FakeClock()) as server:
        uber = await event_with_teams(server)
        async with server.http(uber) as http:
            event_id = (await http.get("/api/me")).json()["event"]["id"]

        async def consult(*args: str) -> subprocess.CompletedProcess[str]:
            environment = {**os.environ, "CONSULT_ADMIN_KEY": ADMIN_KEY}
            return await asyncio.to_thread(
                subprocess.run,
                [CONSULT, "rooms", "group", event_id, "--server", server.base_url, *args],
                capture_output=True,
                text=True,
                cwd=tmp_path,
                env=environment,
                check=False,
            )

        dry = await consult()
        assert dry.returncode == 0, dry.stderr
        assert "Northside ISD & Riverside" in dry.stdout
        assert "both: mentors" in dry.stdout
        assert "(optimal)" in dry.stdout
        async with server.http(uber) as http:
            assert (await http.get("/api/me")).json()["rooms"] == []
        bad = await consult("--keep-apart", "district")
        assert bad.returncode == 1
        assert "keep_apart_by" in bad.stderr
        made = await consult("--commit", "--json")
        assert made.returncode == 0, made.stderr
        view = json.loads(made.stdout)
        async with server.http(uber) as http:
            rooms = (await http.get("/api/me")).json()["rooms"]
        assert [room["id"] for room in rooms] == view["room_ids"]
        assert [[seat["team_id"] for seat in room["seats"]] for room in rooms] == [
            [team["id"] for team in room["teams"]] for room in view["rooms"]
        ]
