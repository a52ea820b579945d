"""Similarity: text, tags and stage mixed by stated weights into scores in [0, 1];
shared terms and explanations in plain words; bad weights refused by name; nothing
heavy loaded until a score is asked for."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

from server.domain.grouping import (
    GroupingError,
    Profile,
    Weights,
    group,
    similarity,
)

SEED_CHALLENGE = (
    "Mentors spend 40% of their time with new teachers against a goal of 80%; "
    "principals pull them to other tasks"
)
MENTORING = Profile(
    id="a",
    name="Riverside",
    challenge=SEED_CHALLENGE,
    request="Ideas for protecting mentor time",
    tags=("Mentoring",),
    stage="Implementation",
    apart_keys=("state:texas", "organisation:riverside isd"),
)
ALSO_MENTORING = Profile(
    id="b",
    name="Northside",
    challenge=(
        "Our mentors lose the time meant for beginning teachers: building administrators "
        "keep taking mentors away to cover classes and duties"
    ),
    request="How have others protected mentor time?",
    tags=("mentoring ", "retention"),
    stage="implementation",
    apart_keys=("state:ohio", "organisation:northside isd"),
)
MATHS = Profile(
    id="c",
    name="Hillcrest",
    challenge=(
        "We are adopting a new math curriculum and the pacing guide and materials arrived late"
    ),
    request="Feedback on our rollout plan for the adoption",
    tags=("math",),
    stage="exploration",
    apart_keys=("state:texas", "organisation:hillcrest isd"),
)


def test_a_similar_mentoring_challenge_scores_higher_than_an_unrelated_one() -> None:
    scores = similarity([MENTORING, ALSO_MENTORING, MATHS])
    assert scores.score(0, 1) > scores.score(0, 2)
    assert scores.score(0, 1) > 0.3
    terms = scores.shared_terms(0, 1)
    assert any(term.startswith("mentor") for term in terms)
    assert len(terms) <= 3
    explanation = scores.explain(0, 1)
    assert explanation.startswith("both: ")
    assert "mentor" in explanation
    assert "tags: Mentoring" in explanation
    assert "same stage (Implementation)" in explanation
    assert "different states" in explanation
    assert "different organisations" in explanation
    assert "same state" in scores.explain(0, 2)


def test_scores_are_symmetric_in_range_with_a_zero_diagonal_and_deterministic() -> None:
    profiles = [MENTORING, ALSO_MENTORING, MATHS, Profile("d", "Empty")]
    first = similarity(profiles)
    second = similarity(profiles)
    assert first.scores == second.scores
    for i in range(4):
        assert first.score(i, i) == 0.0
        for j in range(4):
            assert first.score(i, j) == first.score(j, i)
            assert 0.0 <= first.score(i, j) <= 1.0


def test_weights_mix_the_parts_and_are_scaled_to_sum_to_one() -> None:
    twins = [
        Profile("a", "A", tags=("data", "coaching"), stage="Full"),
        Profile("b", "B", tags=("DATA",), stage="full "),
    ]
    only_tags = similarity(twins, Weights(text=0, tags=1, stage=0))
    assert only_tags.score(0, 1) == pytest.approx(0.5)  # Jaccard {data} / {data, coaching}
    only_stage = similarity(twins, Weights(text=0, tags=0, stage=5))
    assert only_stage.score(0, 1) == pytest.approx(1.0)
    mixed = similarity(twins, Weights(text=60, tags=25, stage=15))
    assert mixed.score(0, 1) == pytest.approx(0.25 * 0.5 + 0.15)


def test_shared_terms_are_readable_words_without_numbers_or_stop_words() -> None:
    scores = similarity([MENTORING, ALSO_MENTORING])
    terms = scores.shared_terms(0, 1, limit=10)
    assert terms
    for term in terms:
        assert all(word.isalpha() or "-" in word for word in term.split())
        assert not {"of", "the", "their", "with", "to"} & set(term.split())
    # A two-word term stands as written in both texts.
    for term in terms:
        if " " in term:
            assert term in SEED_CHALLENGE.lower() + " ideas for protecting mentor time"


def test_teams_with_nothing_written_still_group_deterministically_with_nothing_in_common() -> None:
    empty = [Profile(f"t{index}", f"Team {index}") for index in range(6)]
    scores = similarity(empty)
    assert all(value == 0.0 for row in scores.scores for value in row)
    assert scores.shared_terms(0, 1) == []
    assert scores.explain(0, 1) == "nothing in common found"
    pairs = group(scores, 2, profiles=empty)
    assert pairs == group(scores, 2, profiles=empty)
    assert pairs.total == 0.0
    assert sorted(t for room in pairs.rooms for t in room) == list(range(6))
    triads = group(scores, 3, profiles=empty)
    assert triads.total == 0.0
    assert len(triads.rooms) == 2


def test_a_team_with_no_text_contributes_no_text_similarity() -> None:
    blank = Profile("z", "Blank", tags=("mentoring",))
    scores = similarity([MENTORING, blank], Weights(text=1, tags=0, stage=0))
    assert scores.score(0, 1) == 0.0
    assert scores.shared_terms(0, 1) == []
    assert scores.explain(0, 1) == "tags: Mentoring"  # a fact, though these weights ignore tags


def test_stop_words_and_numbers_alone_are_like_no_one() -> None:
    profiles = [
        Profile("a", "A", challenge="the 40% of it"),
        Profile("b", "B", challenge="of the 80%"),
    ]
    scores = similarity(profiles)
    assert scores.score(0, 1) == 0.0


def test_keep_apart_facts_name_the_field() -> None:
    a = Profile("a", "A", apart_keys=("organisation:riverside isd", "region:north", "cohort 3"))
    b = Profile("b", "B", apart_keys=("organisation:riverside isd", "region:south", "cohort 3"))
    text = similarity([a, b]).explain(0, 1)
    assert text == (
        "nothing in common found; same organisation; different regions; same keep-apart group"
    )


@pytest.mark.parametrize(
    ("weights", "field"),
    [
        ({"text": -0.1}, "text"),
        ({"tags": math.nan}, "tags"),
        ({"stage": math.inf}, "stage"),
        ({"text": 0, "tags": 0, "stage": 0}, "all 0"),
        ({"tags": "much"}, "tags"),
    ],
)
def test_bad_weights_are_refused_naming_the_field(weights: dict[str, object], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        Weights(**weights)  # type: ignore[arg-type]


def test_a_grouping_error_is_a_value_error() -> None:
    assert issubclass(GroupingError, ValueError)


def test_importing_grouping_loads_no_heavy_library() -> None:
    code = (
        "import sys, server.domain.grouping; "
        "print(','.join(sorted(m for m in ('sklearn', 'networkx', 'scipy', 'numpy') "
        "if m in sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
