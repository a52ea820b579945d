"""Teams from CSV: every problem names its row and column; a bad file imports nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.errors import BadRequest
from server.service.csv_import import parse_teams_csv
from tests.fakes import FakeClock
from tests.live.harness import make_settings, running_server, set_up_event

GOOD = (
    "name,organisation,members,challenge,request,stage,tags\n"
    "Riverside,State A LEA,Ana; Ben,Mentors pulled away,Strategies?,early,mentoring; retention\n"
    "\n"
    "Hillcrest,State B LEA,,Uneven mentoring,Expectations?,early,mentoring\n"
)


def test_a_good_file_gives_every_team_with_lists_split() -> None:
    teams = parse_teams_csv("\ufeff" + GOOD)
    assert [team.name for team in teams] == ["Riverside", "Hillcrest"]
    assert teams[0].members == ["Ana", "Ben"]
    assert teams[0].tags == ["mentoring", "retention"]
    assert teams[1].members == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("organisation\nx\n", "a header row with a 'name' column"),
        ("name,colour\nx,red\n", "unknown column(s) colour"),
        ("name,stage\n,early\n", "row 2, column name: a team needs a name"),
        ("name,stage\n" + "x," + "s" * 81 + "\n", "row 2, column stage: longer than 80 characters"),
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
            bad = GOOD + ",no name,,,,,\n"
            refused = await http.post(
                "/api/teams/import", content=bad, headers={"Content-Type": "text/csv"}
            )
            assert refused.status_code == 422
            assert "row 5, column name" in refused.json()["error"]["message"]
            assert len((await http.get("/api/teams")).json()) == before
            imported = await http.post(
                "/api/teams/import", content=GOOD, headers={"Content-Type": "text/csv"}
            )
            assert imported.status_code == 201
            assert [team["name"] for team in imported.json()] == ["Riverside", "Hillcrest"]
            assert len((await http.get("/api/teams")).json()) == before + 2
