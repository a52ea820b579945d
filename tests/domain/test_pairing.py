"""Automatic pairing: never a team with itself or a copy of itself, every team placed
or reported, an odd team placed as chosen, the same input always the same rooms."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain.pairing import may_pair, pair_teams
from server.domain.records import Team
from server.domain.team_identity import identity

NAMES = ["Northside ISD", "northside  isd", "Riverside", "Hillcrest", "Lakeview", "Oakdale"]
ORGS = ["", "State A", "state a", "State B"]
TAGS = ["mentoring", "retention", "coaching", "data"]


@st.composite
def team_lists(draw: st.DrawFn) -> list[Team]:
    count = draw(st.integers(min_value=0, max_value=13))
    return [
        Team(
            id=f"t{index}",
            event_id="e",
            name=draw(st.sampled_from(NAMES)),
            organisation=draw(st.sampled_from(ORGS)),
            stage=draw(st.sampled_from(["", "early", "full"])),
            tags=tuple(draw(st.lists(st.sampled_from(TAGS), max_size=3, unique=True))),
        )
        for index in range(count)
    ]


@settings(max_examples=300, deadline=None)
@given(
    teams=team_lists(),
    by=st.sampled_from(["tags", "stage", "both"]),
    odd=st.sampled_from([None, "join", "observe"]),
)
def test_pairing_never_pairs_a_team_with_itself_or_a_copy(
    teams: list[Team], by: str, odd: str | None
) -> None:
    pairing = pair_teams(teams, by, odd)  # type: ignore[arg-type]
    for a, b in pairing.pairs:
        assert a.id != b.id
        assert identity(a) != identity(b)
    placed = [team.id for pair in pairing.pairs for team in pair]
    if pairing.extra is not None:
        extra, room = pairing.extra
        assert odd is not None
        assert all(may_pair(extra, other) for other in pairing.pairs[room])
        placed.append(extra.id)
    placed += [team.id for team in pairing.leftovers]
    # Every team exactly once: placed or reported, never dropped.
    assert sorted(placed) == sorted(team.id for team in teams)
    # What is left over cannot be paired among itself (only copies of one another remain),
    # except the odd team when no choice was made.
    left = pairing.leftovers
    pairable = [(a, b) for i, a in enumerate(left) for b in left[i + 1 :] if may_pair(a, b)]
    assert not pairable
    # The same input, the same rooms.
    assert pair_teams(teams, by, odd) == pairing  # type: ignore[arg-type]


def test_an_odd_team_joins_the_room_it_fits_best() -> None:
    teams = [
        Team("a", "e", "A", tags=("data",)),
        Team("b", "e", "B", tags=("data",)),
        Team("c", "e", "C", tags=("coaching",)),
        Team("d", "e", "D", tags=("coaching",)),
        Team("x", "e", "X", tags=("coaching",)),
    ]
    pairing = pair_teams(teams, "tags", "join")
    # The three coaching teams tie: which two pair is the matching's (always the same).
    assert ("a", "b") in [(a.id, b.id) for a, b in pairing.pairs]
    assert pairing.extra is not None
    odd, room = pairing.extra
    coaching = {team.id for team in pairing.pairs[room]} | {odd.id}
    assert coaching == {"c", "d", "x"}  # it joins the other coaching teams
    assert pairing.leftovers == []
    without_choice = pair_teams(teams, "tags")
    assert [team.id for team in without_choice.leftovers] == [odd.id]
    assert pair_teams(teams, "tags", "join") == pairing  # the same input, the same pairs


def test_pairing_is_optimal_where_greedy_is_not() -> None:
    """Shared tags A-B 3, A-C 2, B-D 2, C-D 0: best pair first takes A-B and leaves C-D
    (total 3); the best total pairs A-C and B-D (total 4)."""
    teams = [
        Team("a", "e", "A", tags=("t1", "t2", "t3", "x1", "x2")),
        Team("b", "e", "B", tags=("t1", "t2", "t3", "y1", "y2")),
        Team("c", "e", "C", tags=("x1", "x2")),
        Team("d", "e", "D", tags=("y1", "y2")),
    ]
    pairing = pair_teams(teams, "tags")
    assert sorted((a.id, b.id) for a, b in pairing.pairs) == [("a", "c"), ("b", "d")]
