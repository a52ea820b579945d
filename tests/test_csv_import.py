"""Teams from CSV: every problem names its row and column; a bad file imports nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.errors import BadRequest
from server.service.csv_import import parse_teams_csv
from tests.fakes import FakeClock
from tests.live.harness import make_settings, running_server, set_up_event

GOOD = (
    "name,organisation,members,challenge,request,stage,State,tags\n"
    "Riverside,State A LEA,Ana; Ben,Mentors pulled away,Strategies?,early,State A,"
    "mentoring; retention\n"
    "\n"
    "Hillcrest,State B LEA,,Uneven mentoring,Expectations?,early,,mentoring\n"
)


def test_a_good_file_gives_every_team_with_lists_split() -> None:
    teams = parse_teams_csv("\ufeff" + GOOD)
    assert [team.name for team in teams] == ["Riverside", "Hillcrest"]
    assert teams[0].members == ["Ana", "Ben"]
    assert teams[0].tags == ["mentoring", "retention"]
    assert teams[1].members == []
    assert [team.state for team in teams] == ["State A", ""]  # a "State" header reads as state


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("organisation\nx\n", "a header row with a 'name' column"),
        ("name,colour\nx,red\n", "unknown column(s) colour"),
        ("name,stage\n,early\n", "row 2, column name: a team needs a name"),
        ("name,stage\n" + "x," + "s" * 81 + "\n", "row 2, column stage: longer than 80 characters"),
        ("name,state\nx," + "s" * 201 + "\n", "row 2, column state: longer than 200 characters"),
        (
            "name,tags\nx," + ";".join(f"t{i}" for i in range(21)) + "\n",
            "row 2, column tags: more than 20",
        ),
        ("name\na,b\n", "row 2: more cells than header columns"),
        ("name\n\n", "no teams"),
    ],
)
def test_each_mistake_is_named(text: str, expected: str) -> None:
    with pytest.raises(BadRequest) as caught:
        parse_teams_csv(text)
    assert expected in caught.value.message


async def test_import_over_rest_is_all_or_nothing(tmp_path: Path) -> None:
    async with running_server(make_settings(tmp_path / "csv.db"), FakeClock()) as server:
        setup = await set_up_event(server)
        async with server.http(setup.uber) as http:
            before = len((await http.get("/api/teams")).json())
            bad = GOOD + ",no name,,,,,,\n"
            refused = await http.post(
                "/api/teams/import", content=bad, headers={"Content-Type": "text/csv"}
            )
            assert refused.status_code == 422
            assert "row 5, column name" in refused.json()["error"]["message"]
            assert len((await http.get("/api/teams")).json()) == before
            imported = await http.post(
                "/api/teams/import", content=GOOD, headers={"Content-Type": "text/csv"}
            )
            assert imported.status_code == 200
            assert [team["name"] for team in imported.json()["added"]] == [
                "Riverside",
                "Hillcrest",
            ]
            assert [team["state"] for team in imported.json()["added"]] == ["State A", ""]
            assert len((await http.get("/api/teams")).json()) == before + 2


async def test_importing_again_updates_the_teams_it_names_and_never_copies_them(
    tmp_path: Path,
) -> None:
    async with running_server(make_settings(tmp_path / "again.db"), FakeClock()) as server:
        setup = await set_up_event(server)
        async with server.http(setup.uber) as http:
            csv_headers = {"Content-Type": "text/csv"}
            first = await http.post("/api/teams/import", content=GOOD, headers=csv_headers)
            assert first.status_code == 200
            teams = (await http.get("/api/teams")).json()
            # The same file again: nothing new. A changed stage and state and a
            # renamed-in-case team ("RIVERSIDE", "state a lea") update the teams they name;
            # a new one is added.
            same = await http.post("/api/teams/import", content=GOOD, headers=csv_headers)
            assert same.json()["added"] == []
            assert same.json()["updated"] == []
            assert len(same.json()["unchanged"]) == 2
            changed = (
                "name,organisation,stage,state\n"
                "RIVERSIDE,state a lea,full implementation,Northeast network\n"
                "Lakeview,State C LEA,early,State C\n"
            )
            again = await http.post("/api/teams/import", content=changed, headers=csv_headers)
            assert again.status_code == 200, again.text
            assert [team["name"] for team in again.json()["added"]] == ["Lakeview"]
            assert again.json()["added"][0]["state"] == "State C"
            (updated,) = again.json()["updated"]
            assert updated["name"] == "Riverside"  # the team keeps its own spelling
            assert updated["stage"] == "full implementation"
            assert updated["state"] == "Northeast network"
            assert updated["challenge"] == "Mentors pulled away"  # a column not in the file
            # A file without the state column leaves every team's state as it is.
            challenge = "name,organisation,challenge\nRiverside,State A LEA,Mentor time\n"
            kept = await http.post("/api/teams/import", content=challenge, headers=csv_headers)
            assert kept.status_code == 200, kept.text
            (updated,) = kept.json()["updated"]
            assert (updated["challenge"], updated["state"]) == ("Mentor time", "Northeast network")
            after = (await http.get("/api/teams")).json()
            assert len(after) == len(teams) + 1
            names = [(team["name"].lower(), team["organisation"].lower()) for team in after]
            assert len(names) == len(set(names))
            # A team's state is not part of who it is: another state makes no other team.
            twice = await http.post(
                "/api/teams/import",
                content="name,organisation,state\nOakdale,X,State A\noakdale ,x,State B\n",
                headers=csv_headers,
            )
            assert twice.status_code == 422
            assert "Oakdale (X) (entries 1 and 2)" in twice.json()["error"]["message"]
            by_hand = await http.post(
                "/api/teams",
                json={"name": "Hillcrest", "organisation": "State B LEA", "state": "State E"},
            )
            assert by_hand.status_code == 409
            assert "edit the team instead" in by_hand.json()["error"]["message"]
            assert len((await http.get("/api/teams")).json()) == len(after)
