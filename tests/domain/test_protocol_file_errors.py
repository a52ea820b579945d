"""Each kind of mistake in a protocol file gives an error naming the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.protocols import (
    ProtocolFileError,
    load_protocol_file,
    parse_protocol,
    read_yaml,
    shipped_protocols_dir,
)

GOOD = (shipped_protocols_dir() / "t4tla-consultancy.yaml").read_text(encoding="utf-8")


def problems_of(text: str) -> list[str]:
    with pytest.raises(ProtocolFileError) as caught:
        parse_protocol(text, source="protocol_defs/broken.yaml")
    assert str(caught.value).startswith("protocol_defs/broken.yaml: ")
    return [str(problem) for problem in caught.value.problems]


def test_the_good_file_parses() -> None:
    assert parse_protocol(GOOD, source="x.yaml").id == "t4tla-consultancy"


def test_duration_without_unit_names_the_phase_field() -> None:
    problems = problems_of(GOOD.replace("duration: 3m", "duration: 3", 1))
    assert any(p.startswith("phases[0].duration:") and "'3m'" in p for p in problems)


def test_unparseable_duration_names_the_field_and_value() -> None:
    problems = problems_of(GOOD.replace("duration: 8m", "duration: eight minutes", 1))
    assert any(p.startswith("phases[2].duration:") and "eight minutes" in p for p in problems)


def test_missing_field_is_named() -> None:
    problems = problems_of(GOOD.replace("    title: Clarification\n", "", 1))
    assert "phases[1].title: required field is missing" in problems


def test_unknown_field_is_named() -> None:
    problems = problems_of(GOOD.replace("warning_seconds: 60", "warning_secs: 60"))
    assert "warning_secs: unknown field" in problems


def test_unknown_role_in_speakers_is_named_with_the_roles_expected() -> None:
    problems = problems_of(GOOD.replace("speakers: [inquiry]", "speakers: [inquirers]", 1))
    assert any(
        p.startswith("phases[2].speakers[0]: unknown role 'inquirers'") and "presenting" in p
        for p in problems
    )


def test_missing_instruction_for_a_role_is_named() -> None:
    text = GOOD.replace(
        "      observer: Listen to the challenge and the request for feedback.\n", "", 1
    )
    problems = problems_of(text)
    assert "phases[0].instructions: every role needs an instruction; missing: observer" in problems


def test_wrong_on_time_up_word_names_the_allowed_values() -> None:
    problems = problems_of(GOOD.replace("on_time_up: advance", "on_time_up: stop"))
    assert any(p.startswith("on_time_up:") and "'advance' or 'hold'" in p for p in problems)


def test_yaml_1_1_booleans_stay_words() -> None:
    data = read_yaml("a: on\nb: off\nc: yes\nd: no\ne: y\nf: true\ng: 3:00\nh: 010\n")
    assert data == {
        "a": "on",
        "b": "off",
        "c": "yes",
        "d": "no",
        "e": "y",
        "f": True,
        "g": "3:00",
        "h": 10,
    }


def test_yaml_1_1_boolean_in_a_word_field_is_not_turned_into_true() -> None:
    problems = problems_of(GOOD.replace("on_time_up: advance", "on_time_up: on"))
    assert any("on_time_up:" in p and "got 'on'" in p for p in problems)


def test_number_where_text_is_expected_is_refused() -> None:
    problems = problems_of(GOOD.replace("version: 1", "version: one"))
    assert any(p.startswith("version:") for p in problems)


def test_duplicate_key_is_an_error_not_an_overwrite() -> None:
    problems = problems_of(GOOD.replace("version: 1\n", "version: 1\nversion: 2\n"))
    assert any("duplicate key 'version'" in p for p in problems)


def test_duplicate_phase_id_is_named() -> None:
    problems = problems_of(GOOD.replace("id: clarification", "id: explanation"))
    assert "phases[1].id: duplicate phase id 'explanation'" in problems


def test_invalid_yaml_is_reported() -> None:
    problems = problems_of("id: [unclosed\n")
    assert problems[0].startswith("not valid YAML")


def test_top_level_must_be_a_mapping() -> None:
    assert problems_of("- a\n- b\n") == ["expected a mapping at the top level, got list"]


def test_file_id_must_match_file_name(tmp_path: Path) -> None:
    path = tmp_path / "other-name.yaml"
    path.write_text(GOOD, encoding="utf-8")
    with pytest.raises(ProtocolFileError) as caught:
        load_protocol_file(path)
    assert str(path) in str(caught.value)
    assert "id: expected 'other-name'" in str(caught.value)


def test_a_challenge_role_that_holds_no_seat_is_named() -> None:
    problems = problems_of(GOOD.replace("challenge_from: presenting", "challenge_from: moderator"))
    assert any(
        p.startswith("room.challenge_from: 'moderator' holds no seat") and "presenting" in p
        for p in problems
    )
