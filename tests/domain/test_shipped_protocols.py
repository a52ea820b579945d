"""The shipped protocol definitions: seed 000's table, and every file as a test case."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.protocols import load_protocol_file, shipped_library, shipped_protocols_dir

SHIPPED_FILES = sorted(shipped_protocols_dir().glob("*.yaml"))
REQUIRED_IDS = {
    "t4tla-consultancy",
    "fishbowl",
    "single-presenter",
    "grow-coaching",
    "peer-triad",
    "learning-walk",
    "descriptive-consultancy",
    "instructional-rounds",
    "lesson-study",
}


def test_every_required_protocol_ships() -> None:
    assert {protocol.id for protocol in shipped_library()} >= REQUIRED_IDS


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=lambda path: path.stem)
def test_shipped_file_loads_and_is_complete(path: Path) -> None:
    protocol = load_protocol_file(path)
    assert protocol.id == path.stem
    assert protocol.notes, "every shipped file states the choices it made"
    for phase in protocol.phases:
        assert set(phase.instructions) == set(protocol.role_ids)
        assert phase.duration_seconds > 0


def test_seed_000_session_design_table_is_reproduced_exactly() -> None:
    protocol = shipped_library().get("t4tla-consultancy")
    assert [(phase.title, phase.duration_seconds // 60) for phase in protocol.phases] == [
        ("Explanation", 3),
        ("Clarification", 3),
        ("Collaborative inquiry and discussion", 8),
        ("Reflective response", 8),
        ("Final thoughts", 3),
    ]
    assert all(phase.duration_seconds % 60 == 0 for phase in protocol.phases)
    assert protocol.round_seconds == 25 * 60
    assert protocol.rounds.count == 2
    assert protocol.total_seconds == 50 * 60


def test_seed_000_teams_swap_roles_in_round_two() -> None:
    protocol = shipped_library().get("t4tla-consultancy")
    assert protocol.seating_for_round(0) == ("presenting", "inquiry")
    assert protocol.seating_for_round(1) == ("inquiry", "presenting")


def test_seed_000_presenting_team_listens_silently_during_collaborative_inquiry() -> None:
    protocol = shipped_library().get("t4tla-consultancy")
    inquiry = protocol.phases[2]
    assert inquiry.speakers == ("inquiry",)
    assert "silently" in inquiry.instructions["presenting"]
    assert "notes" in inquiry.instructions["presenting"]


def test_seed_000_six_potential_questions_are_prompts() -> None:
    protocol = shipped_library().get("t4tla-consultancy")
    prompts = protocol.phases[2].prompts
    assert len(prompts) == 6
    assert prompts[0].startswith("What factors contribute to this challenge")
    assert prompts[5].startswith("What will you take away from today")


def test_peer_triad_gives_every_member_every_role_once() -> None:
    protocol = shipped_library().get("peer-triad")
    seatings = [protocol.seating_for_round(r) for r in range(protocol.rounds.count)]
    assert protocol.rounds.count == 3
    for seat in range(3):
        assert sorted(seating[seat] for seating in seatings) == sorted(protocol.room.seating)


def test_grow_coaching_has_goal_reality_options_will() -> None:
    protocol = shipped_library().get("grow-coaching")
    titles = [phase.title.lower() for phase in protocol.phases]
    for word, title in zip(("goal", "reality", "options", "will"), titles, strict=True):
        assert word in title
    assert all(phase.prompts for phase in protocol.phases)


def test_learning_walk_visits_and_debriefs_last_five_to_ten_minutes() -> None:
    protocol = shipped_library().get("learning-walk")
    assert len(protocol.room.seating) == 4
    for phase in protocol.phases:
        assert 5 * 60 <= phase.duration_seconds <= 10 * 60


def test_fishbowl_ends_each_round_with_the_outer_circle() -> None:
    protocol = shipped_library().get("fishbowl")
    others = protocol.room.others
    assert others is not None
    assert others in protocol.phases[-1].speakers
    assert len(protocol.room.seating) == 2


def test_single_presenter_has_one_presenting_team_and_respondents() -> None:
    protocol = shipped_library().get("single-presenter")
    assert len(protocol.room.seating) == 1
    assert protocol.room.others is not None


def test_instructional_rounds_observe_then_describe_then_find_patterns() -> None:
    """Seed 001: the problem of practice, observation in small groups, a factual
    debrief finding patterns, then the next level of work."""
    protocol = shipped_library().get("instructional-rounds")
    assert [phase.id for phase in protocol.phases] == [
        "problem-of-practice",
        "observation",
        "description",
        "patterns",
        "next-level-of-work",
    ]
    assert protocol.phase_on_time_up(1) == "hold"  # nobody leaves a classroom mid-lesson
    assert protocol.room.seating == ("host", "network")


def test_lesson_study_observers_watch_the_pupils_not_the_teacher() -> None:
    protocol = shipped_library().get("lesson-study")
    lesson = next(phase for phase in protocol.phases if phase.id == "research-lesson")
    assert lesson.speakers == ("teacher",)
    assert "pupils, not the teacher" in lesson.instructions["observer"]
    assert [phase.id for phase in protocol.phases][-2:] == ["discussion", "next-steps"]


def test_the_room_works_on_the_challenge_of_the_one_being_helped() -> None:
    """The card a room shows is the presenting team's in a consultancy, the coachee's in
    GROW and the client's in a triad; a learning walk works on no one's challenge."""
    library = shipped_library()
    expected = {
        "t4tla-consultancy": "presenting",
        "fishbowl": "presenting",
        "single-presenter": "presenting",
        "grow-coaching": "coachee",
        "peer-triad": "client",
        "learning-walk": None,
    }
    for protocol_id, role in expected.items():
        assert library.get(protocol_id).room.challenge_from == role, protocol_id
