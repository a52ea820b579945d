"""Shared makers for the grouping tests: profiles, hand-set scores, brute force."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import combinations

from hypothesis import strategies as st

from server.domain.grouping import Profile, Similarity

# Ties and zeros on purpose: they are where a careless algorithm goes wrong.
SCORE = st.one_of(
    st.sampled_from([0.0, 0.0, 0.25, 0.5, 1.0]),
    st.floats(min_value=0, max_value=1, allow_nan=False),
)
STATES = ["state:texas", "state:ohio", "state:maine"]
ORGANISATIONS = ["organisation:riverside isd", "organisation:northside isd", ""]


def team(index: int, *, keys: Sequence[str] = ()) -> Profile:
    return Profile(id=f"t{index}", name=f"Team {index}", apart_keys=tuple(k for k in keys if k))


@st.composite
def score_matrices(draw: st.DrawFn, sizes: Sequence[int]) -> list[list[float]]:
    count = draw(st.sampled_from(sizes))
    scores = [[0.0] * count for _ in range(count)]
    for i, j in combinations(range(count), 2):
        scores[i][j] = scores[j][i] = draw(SCORE)
    return scores


@st.composite
def key_sets(draw: st.DrawFn, count: int) -> list[tuple[str, ...]]:
    return [
        (draw(st.sampled_from(STATES)), draw(st.sampled_from(ORGANISATIONS))) for _ in range(count)
    ]


def hand_scored(scores: list[list[float]], keys: Sequence[Sequence[str]] = ()) -> Similarity:
    count = len(scores)
    profiles = [team(index, keys=keys[index] if keys else ()) for index in range(count)]
    return Similarity(profiles, scores)


def perfect_matchings(teams: list[int]) -> Iterator[list[tuple[int, int]]]:
    if not teams:
        yield []
        return
    first, rest = teams[0], teams[1:]
    for k, other in enumerate(rest):
        for tail in perfect_matchings(rest[:k] + rest[k + 1 :]):
            yield [(first, other), *tail]


def partitions(teams: list[int], size: int) -> Iterator[list[tuple[int, ...]]]:
    """Every way to split the teams into rooms of ``size`` (their count a multiple)."""
    if not teams:
        yield []
        return
    first, rest = teams[0], teams[1:]
    for others in combinations(rest, size - 1):
        left = [t for t in rest if t not in others]
        for tail in partitions(left, size):
            yield [(first, *others), *tail]


def breaks_of(similarity: Similarity, rooms: Sequence[Sequence[int]]) -> list[tuple[int, int]]:
    keys = [set(profile.apart_keys) for profile in similarity.profiles]
    return sorted(
        (i, j) for room in rooms for i, j in combinations(sorted(room), 2) if keys[i] & keys[j]
    )


def total_of(similarity: Similarity, rooms: Sequence[Sequence[int]]) -> float:
    return sum(similarity.score(i, j) for room in rooms for i, j in combinations(room, 2))


def seated_once(
    count: int, rooms: Sequence[Sequence[int]], extras: Sequence[tuple[int, int]]
) -> bool:
    seen = [t for room in rooms for t in room] + [t for t, _ in extras]
    return sorted(seen) == list(range(count))
