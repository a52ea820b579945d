"""Rooms of three and four: every team seated once, never worse than the greedy start,
never above the stated bound, the same result every time; exact where a single swap
reaches every grouping; pins honoured; leftover teams placed as chosen."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain.grouping import Constraints, GroupingError, group, score_rooms
from tests.domain.grouping_cases import (
    breaks_of,
    hand_scored,
    key_sets,
    partitions,
    score_matrices,
    seated_once,
    total_of,
)


@settings(max_examples=150, deadline=None)
@given(
    scores=score_matrices(list(range(3, 17))),
    size=st.sampled_from([3, 4]),
    remainder=st.sampled_from(["join", "observe"]),
)
def test_groups_seat_everyone_once_and_beat_greedy_within_the_bound(
    scores: list[list[float]], size: int, remainder: str
) -> None:
    count = len(scores)
    if count < size:
        return
    similarity = hand_scored(scores)
    result = group(similarity, size, profiles=similarity.profiles, remainder=remainder)  # type: ignore[arg-type]
    assert seated_once(count, result.rooms, result.extras)
    assert len(result.rooms) == count // size
    assert all(len(room) == size for room in result.rooms)
    assert len(result.extras) == count % size
    rooms_with_extras = [room for _, room in result.extras]
    if len(result.extras) <= len(result.rooms):
        assert len(set(rooms_with_extras)) == len(rooms_with_extras), "one extra per room"
    assert result.method == "greedy start + improving swaps"
    assert result.total >= result.greedy_total - 1e-9
    assert result.bound is not None
    assert result.total <= result.bound + 1e-9
    assert score_rooms(similarity, result.rooms, result.extras) == (
        result.room_scores,
        result.total,
        result.breaks,
    )
    again = group(similarity, size, profiles=similarity.profiles, remainder=remainder)  # type: ignore[arg-type]
    assert again == result


@settings(max_examples=150, deadline=None)
@given(data=st.data(), scores=score_matrices([6]))
def test_triads_of_six_are_the_best_there_are_and_keep_apart_when_they_can(
    data: st.DataObject, scores: list[list[float]]
) -> None:
    # With two rooms of three, any grouping is one swap from any other, so a grouping no
    # single swap improves is the best of all: brute force must agree exactly.
    keys = data.draw(key_sets(6))
    similarity = hand_scored(scores, keys)
    result = group(similarity, 3, profiles=similarity.profiles)
    fewest, best = min(
        (len(breaks_of(similarity, rooms)), -total_of(similarity, rooms))
        for rooms in partitions(list(range(6)), 3)
    )
    assert len(result.breaks) == fewest
    assert sorted(result.breaks) == breaks_of(similarity, result.rooms)
    assert result.total == pytest.approx(-best, abs=1e-9)


def test_the_bound_ignores_partners_a_team_may_not_have() -> None:
    # Team 0 scores 1 with team 1 only, but they are pinned apart: the bound cannot count it.
    scores = [[0.0] * 6 for _ in range(6)]
    scores[0][1] = scores[1][0] = 1.0
    similarity = hand_scored(scores)
    free = group(similarity, 3, profiles=similarity.profiles)
    apart = group(
        similarity, 3, profiles=similarity.profiles, constraints=Constraints(apart=((0, 1),))
    )
    assert free.bound == pytest.approx(1.0)
    assert free.total == pytest.approx(1.0)
    assert apart.bound == pytest.approx(0.0)
    assert apart.total == pytest.approx(0.0)
    assert not any({0, 1} <= set(room) for room in apart.rooms)


def test_together_pins_are_never_split_and_apart_pins_never_met() -> None:
    scores = [[0.0 if i == j else 1.0 / (1 + abs(i - j)) for j in range(9)] for i in range(9)]
    similarity = hand_scored(scores)
    pins = Constraints(together=((0, 8), (8, 4)), apart=((1, 2), (5, 6)))
    result = group(similarity, 3, profiles=similarity.profiles, constraints=pins)
    assert (0, 4, 8) in result.rooms
    for room in result.rooms:
        assert not {1, 2} <= set(room)
        assert not {5, 6} <= set(room)


def test_an_extra_goes_where_it_fits_best() -> None:
    # Two clear triads and a seventh team that belongs with the second.
    scores = [[0.0] * 7 for _ in range(7)]
    for room in ((0, 1, 2), (3, 4, 5, 6)):
        for i in room:
            for j in room:
                if i != j:
                    scores[i][j] = 0.8
    scores[6][3] = scores[3][6] = 0.1  # team 6 fits the room least well: it is the extra
    similarity = hand_scored(scores)
    result = group(similarity, 3, profiles=similarity.profiles, remainder="observe")
    assert result.rooms == [(0, 1, 2), (3, 4, 5)]
    assert result.extras == [(6, 1)]


def test_pins_that_cannot_be_packed_are_refused_by_name() -> None:
    similarity = hand_scored([[0.0] * 6 for _ in range(6)])
    pairs = Constraints(together=((0, 1), (2, 3), (4, 5)))
    with pytest.raises(GroupingError, match=r"cannot be packed into rooms of 3"):
        group(similarity, 3, profiles=similarity.profiles, constraints=pairs)
    with pytest.raises(GroupingError, match=r"Team 0, Team 1, Team 2 and Team 3 in one room"):
        group(
            similarity,
            3,
            profiles=similarity.profiles,
            constraints=Constraints(together=((0, 1), (1, 2), (2, 3))),
        )


def test_apart_pins_no_grouping_can_honour_are_refused_by_name() -> None:
    # Three rooms' worth of teams, but team 0 is pinned apart from all others but one.
    similarity = hand_scored([[0.0] * 6 for _ in range(6)])
    apart = Constraints(apart=((0, 2), (0, 3), (0, 4), (0, 5)))
    with pytest.raises(GroupingError, match=r"Team 0 and Team \d are pinned apart"):
        group(similarity, 3, profiles=similarity.profiles, constraints=apart)


@pytest.mark.parametrize(("size", "count"), [(3, 2), (4, 3), (2, 1), (2, 0)])
def test_too_few_teams_for_one_room_is_refused(size: int, count: int) -> None:
    similarity = hand_scored([[0.0] * count for _ in range(count)])
    with pytest.raises(
        GroupingError, match=rf"a room of {size} needs at least {size} teams; there are {count}"
    ):
        group(similarity, size, profiles=similarity.profiles)


def test_leftover_teams_need_a_choice() -> None:
    similarity = hand_scored([[0.0] * 8 for _ in range(8)])
    with pytest.raises(
        GroupingError, match=r"2 teams are left over: 8 teams do not fill rooms of 3"
    ):
        group(similarity, 3, profiles=similarity.profiles)
    result = group(similarity, 3, profiles=similarity.profiles, remainder="join")
    assert len(result.extras) == 2
    assert len({room for _, room in result.extras}) == 2


@settings(max_examples=100, deadline=None)
@given(
    data=st.data(),
    scores=score_matrices(list(range(6, 15))),
    size=st.sampled_from([3, 4]),
)
def test_with_keep_apart_keys_groups_never_end_worse_than_their_greedy_start(
    data: st.DataObject, scores: list[list[float]], size: int
) -> None:
    # "Worse" is more breaks, or as many and a lower total.
    from server.domain.grouping.board import board
    from server.domain.grouping.constraints import NO_PINS, resolve
    from server.domain.grouping.extras import place_extras
    from server.domain.grouping.greedy import greedy_rooms

    similarity = hand_scored(scores, data.draw(key_sets(len(scores))))
    rules = resolve(similarity.profiles, size, NO_PINS)
    start, left = greedy_rooms(board(similarity, rules), size, rules, similarity.profiles)
    extras = place_extras(board(similarity, rules), start, left)
    _, start_total, start_breaks = score_rooms(similarity, start, extras)
    result = group(similarity, size, profiles=similarity.profiles, remainder="join")
    assert result.greedy_total == start_total
    assert (len(result.breaks), -result.total) <= (len(start_breaks), -start_total + 1e-9)
    assert result.bound is not None
    if not result.breaks:
        assert result.total <= result.bound + 1e-9
