"""Rooms of two: the pairs are the best there are (checked against brute force),
keep-apart holds whenever it can and breaks as few times as it must, pins are
honoured or refused by name, and the pruned matching loses nothing."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain.grouping import (
    Constraints,
    GroupingError,
    Similarity,
    greedy_pairs,
    group,
    score_rooms,
)
from server.domain.grouping.matching import (
    Weight,
    _all_edges,
    _blossom,
    _pruned_matching,
    best_matching,
    total,
)
from tests.domain.grouping_cases import (
    breaks_of,
    hand_scored,
    key_sets,
    perfect_matchings,
    score_matrices,
    seated_once,
    team,
    total_of,
)

EVEN = [2, 4, 6, 8, 10]


@settings(max_examples=200, deadline=None)
@given(scores=score_matrices(EVEN))
def test_pairs_score_the_brute_force_maximum(scores: list[list[float]]) -> None:
    similarity = hand_scored(scores)
    result = group(similarity, 2, profiles=similarity.profiles)
    best = max(total_of(similarity, m) for m in perfect_matchings(list(range(len(scores)))))
    assert result.total == pytest.approx(best, abs=1e-6)
    assert result.total >= result.greedy_total - 1e-6
    assert result.bound is None
    assert result.method == "maximum-weight matching"
    assert seated_once(len(scores), result.rooms, result.extras)
    assert result.extras == []


def test_the_greedy_counter_example_is_paired_optimally() -> None:
    # A-B 3, A-C 2, B-D 2, C-D 0 (scaled into [0, 1]): greedy takes A-B first and is left
    # with C-D (total 3); the best pairs are A-C and B-D (total 4).
    a, b, c, d = range(4)
    scores = [[0.0] * 4 for _ in range(4)]
    for (i, j), value in {(a, b): 0.3, (a, c): 0.2, (b, d): 0.2, (c, d): 0.0}.items():
        scores[i][j] = scores[j][i] = value
    similarity = hand_scored(scores)
    assert greedy_pairs(similarity) == [(a, b), (c, d)]
    result = group(similarity, 2, profiles=similarity.profiles)
    assert result.rooms == [(a, c), (b, d)]
    assert result.total == pytest.approx(0.4)
    assert result.greedy_total == pytest.approx(0.3)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), scores=score_matrices(EVEN))
def test_keep_apart_holds_whenever_it_can_and_breaks_as_little_as_it_must(
    data: st.DataObject, scores: list[list[float]]
) -> None:
    keys = data.draw(key_sets(len(scores)))
    similarity = hand_scored(scores, keys)
    result = group(similarity, 2, profiles=similarity.profiles)
    options = [
        (len(breaks_of(similarity, m)), -total_of(similarity, m))
        for m in perfect_matchings(list(range(len(scores))))
    ]
    fewest, best = min(options)
    # Breaks name exactly the pairs in one room that share a key, each once (i < j) ...
    assert sorted(result.breaks) == breaks_of(similarity, result.rooms)
    # ... as few as any pairing can manage (zero whenever some pairing has none) ...
    assert len(result.breaks) == fewest
    # ... and among those pairings the total is the best.
    assert result.total == pytest.approx(-best, abs=1e-6)


def test_keep_apart_can_be_switched_off() -> None:
    scores = [
        [0.0, 0.9, 0.2, 0.1],
        [0.9, 0.0, 0.1, 0.1],
        [0.2, 0.1, 0.0, 0.9],
        [0.1, 0.1, 0.9, 0.0],
    ]
    keys = [("state:texas",), ("state:texas",), ("state:ohio",), ("state:ohio",)]
    similarity = hand_scored(scores, keys)
    kept = group(similarity, 2, profiles=similarity.profiles)
    assert kept.breaks == []
    assert kept.rooms == [(0, 2), (1, 3)]
    ignored = group(
        similarity, 2, profiles=similarity.profiles, constraints=Constraints(keep_apart=False)
    )
    assert ignored.rooms == [(0, 1), (2, 3)]
    # Breaks are still reported as facts.
    assert ignored.breaks == [(0, 1), (2, 3)]


@settings(max_examples=100, deadline=None)
@given(scores=score_matrices([3, 5, 7, 9]), remainder=st.sampled_from(["join", "observe"]))
def test_an_odd_team_out_joins_a_room_and_everyone_is_seated_once(
    scores: list[list[float]], remainder: str
) -> None:
    similarity = hand_scored(scores)
    result = group(similarity, 2, profiles=similarity.profiles, remainder=remainder)  # type: ignore[arg-type]
    assert seated_once(len(scores), result.rooms, result.extras)
    assert len(result.extras) == 1
    assert all(len(room) == 2 for room in result.rooms)
    extra, room = result.extras[0]
    gains = [sum(scores[extra][t] for t in seated) for seated in result.rooms]
    assert gains[room] == pytest.approx(max(gains))
    assert group(similarity, 2, profiles=similarity.profiles, remainder=remainder) == result  # type: ignore[arg-type]


def test_an_odd_count_without_a_choice_is_refused_saying_what_to_choose() -> None:
    similarity = hand_scored([[0.0] * 5 for _ in range(5)])
    with pytest.raises(GroupingError, match=r'1 team is left over.*"join".*"observe"'):
        group(similarity, 2, profiles=similarity.profiles)


def test_pins_are_honoured() -> None:
    scores = [
        [0.0, 0.9, 0.1, 0.2],
        [0.9, 0.0, 0.2, 0.1],
        [0.1, 0.2, 0.0, 0.9],
        [0.2, 0.1, 0.9, 0.0],
    ]
    similarity = hand_scored(scores)
    together = group(
        similarity, 2, profiles=similarity.profiles, constraints=Constraints(together=((0, 2),))
    )
    assert together.rooms == [(0, 2), (1, 3)]
    apart = group(
        similarity, 2, profiles=similarity.profiles, constraints=Constraints(apart=((0, 1),))
    )
    assert (0, 1) not in apart.rooms
    assert apart.rooms == [(0, 3), (1, 2)]


def test_copies_of_one_team_are_never_paired() -> None:
    scores = [[0.0, 1.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0] * 4]
    profiles = [team(0), team(0), team(2), team(3)]
    similarity = Similarity(profiles, scores)
    result = group(similarity, 2, profiles=profiles)
    assert (0, 1) not in result.rooms


@pytest.mark.parametrize(
    ("constraints", "message"),
    [
        (Constraints(together=((0, 1), (1, 2))), r"Team 0, Team 1 and Team 2 in one room"),
        (Constraints(together=((0, 1),), apart=((0, 1),)), r"Team 0 and Team 1 are pinned apart"),
        (Constraints(apart=((0, 1), (0, 2), (0, 3))), r"no pairing seats .*Team 0"),
        (Constraints(together=((0, 9),)), r"names no team"),
        (Constraints(apart=((2, 2),)), r"Team 2 twice"),
    ],
)
def test_impossible_pins_are_refused_naming_the_teams(
    constraints: Constraints, message: str
) -> None:
    similarity = hand_scored([[0.5 if i != j else 0.0 for j in range(4)] for i in range(4)])
    with pytest.raises(GroupingError, match=message):
        group(similarity, 2, profiles=similarity.profiles, constraints=constraints)


def test_score_rooms_rescores_a_hand_edited_arrangement() -> None:
    scores = [
        [0.0, 0.9, 0.1, 0.2],
        [0.9, 0.0, 0.2, 0.1],
        [0.1, 0.2, 0.0, 0.9],
        [0.2, 0.1, 0.9, 0.0],
    ]
    similarity = hand_scored(scores, [("state:a",), ("state:b",), ("state:a",), ("state:b",)])
    result = group(similarity, 2, profiles=similarity.profiles)
    assert score_rooms(similarity, result.rooms, result.extras) == (
        result.room_scores,
        result.total,
        result.breaks,
    )
    # The organiser swaps teams: the preview shows the new scores and the break it makes.
    room_scores, total_score, breaks = score_rooms(similarity, [(0, 2), (1, 3)])
    assert room_scores == [pytest.approx(0.1), pytest.approx(0.1)]
    assert total_score == pytest.approx(0.2)
    assert breaks == [(0, 2), (1, 3)]


# -- the matching layer: the pruned path proves what it leaves out --------------------------


@st.composite
def weight_matrices(draw: st.DrawFn) -> list[list[Weight]]:
    count = draw(st.integers(min_value=1, max_value=10))
    weights: list[list[Weight]] = [[None] * count for _ in range(count)]
    for i in range(count):
        for j in range(i + 1, count):
            if not draw(st.booleans()) or draw(st.integers(0, 9)):
                value = draw(st.one_of(st.sampled_from([0, 1, 2, 3]), st.integers(0, 10**12)))
                weights[i][j] = weights[j][i] = value
    return weights


def brute_best(weights: list[list[Weight]]) -> tuple[int, int]:
    """(the most pairs any matching makes, the most weight among those)."""
    best = (0, 0)

    def extend(left: list[int], pairs: int, value: int) -> None:
        nonlocal best
        best = max(best, (pairs, value))
        if not left:
            return
        first, rest = left[0], left[1:]
        extend(rest, pairs, value)
        for k, other in enumerate(rest):
            weight = weights[first][other]
            if weight is not None:
                extend(rest[:k] + rest[k + 1 :], pairs + 1, value + weight)

    extend(list(range(len(weights))), 0, 0)
    return best


@settings(max_examples=300, deadline=None)
@given(weights=weight_matrices())
def test_the_pruned_matching_equals_brute_force(weights: list[list[Weight]]) -> None:
    pairs = best_matching(weights, dense_limit=0)
    assert (len(pairs), total(weights, pairs)) == brute_best(weights)
    assert all(weights[i][j] is not None for i, j in pairs)
    assert all(i < j for i, j in pairs)


@pytest.mark.parametrize("seed", range(4))
def test_the_pruned_matching_equals_the_full_one_on_larger_inputs(seed: int) -> None:
    # Clustered weights with many near-ties: odd cycles in the relaxation, so cuts are needed.
    chooser = random.Random(seed)
    count = 60 + seed
    topic = [chooser.randrange(5) for _ in range(count)]
    weights: list[list[Weight]] = [[None] * count for _ in range(count)]
    for i in range(count):
        for j in range(i + 1, count):
            if chooser.random() < 0.02:
                continue
            near = 600 if topic[i] == topic[j] else 0
            weights[i][j] = weights[j][i] = near + chooser.randrange(400)
    pruned = _pruned_matching(weights)
    assert pruned is not None, "the pruned path answered (no fallback)"
    full = _blossom(count, _all_edges(weights))
    assert (len(pruned), total(weights, pruned)) == (len(full), total(weights, full))


def test_score_rooms_can_read_keep_apart_keys_from_other_profiles() -> None:
    # Scores computed once; the organiser then keeps apart by a different field.
    similarity = hand_scored([[0.0, 0.5], [0.5, 0.0]])
    by_state = [team(0, keys=("state:ohio",)), team(1, keys=("state:ohio",))]
    assert score_rooms(similarity, [(0, 1)])[2] == []
    assert score_rooms(similarity, [(0, 1)], profiles=by_state) == ([0.5], 0.5, [(0, 1)])
    with pytest.raises(ValueError, match="3 profiles"):
        score_rooms(similarity, [(0, 1)], profiles=[*by_state, team(2)])
