"""Reflection forms as data: the shipped ones load; a bad file is refused naming the file
and the field; answers are checked against their form; results add up (hypothesis)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.domain.forms import SCALE_POINTS, AnswerRefused, aggregate, check_answers
from server.forms import load_form_file, shipped_forms
from server.protocols import ProtocolFileError, shipped_library

FORMS = shipped_forms()


def test_the_shipped_forms_are_seed_001_s_and_seed_003_s() -> None:
    assert [form.id for form in FORMS] == [
        "grow-reflection",
        "progress-impact",
        "progress-implementation",
        "progress-innovation",
    ]
    implementation = FORMS.get("progress-implementation")
    assert implementation is not None
    assert [q.kind for q in implementation.questions].count("scale") == 5
    assert implementation.questions[0].prompt.startswith("We have met our alliance partners")
    assert [form.id for form in FORMS.for_protocol("t4tla-consultancy")] == [
        "progress-impact",
        "progress-implementation",
        "progress-innovation",
    ]
    assert "grow-reflection" in [form.id for form in FORMS.for_protocol("grow-coaching")]


def test_a_bad_form_file_is_refused_naming_the_file_and_every_field(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(
        "id: other\n"
        "title: Broken\n"
        "source: here\n"
        "protocols: [no-such-protocol]\n"
        "questions:\n"
        "  - {id: q, kind: stars, prompt: 'How?'}\n"
    )
    with pytest.raises(ProtocolFileError) as refused:
        load_form_file(path, shipped_library())
    text = str(refused.value)
    assert "broken.yaml" in text
    assert "questions[0].kind" in text
    path.write_text(
        "id: other\ntitle: Broken\nsource: here\nprotocols: [no-such-protocol]\n"
        "questions:\n  - {id: q, kind: text, prompt: A}\n  - {id: q, kind: text, prompt: B}\n"
    )
    with pytest.raises(ProtocolFileError) as twice:
        load_form_file(path, shipped_library())
    assert "questions[1].id: 'q' is used twice" in str(twice.value)
    path.write_text(
        "id: other\ntitle: Broken\nsource: here\nprotocols: [no-such-protocol]\n"
        "questions:\n  - {id: q, kind: text, prompt: A}\n"
    )
    with pytest.raises(ProtocolFileError) as named:
        load_form_file(path, shipped_library())
    assert "id: expected 'broken' to match the file name" in str(named.value)
    assert "protocols[0]: unknown protocol 'no-such-protocol'" in str(named.value)


def test_answers_are_checked_against_their_form() -> None:
    form = FORMS.get("progress-innovation")
    assert form is not None
    kept = check_answers(form, {"refine": "agree", "findings": "  It works  ", "help": " "})
    assert kept == {"refine": "agree", "findings": "It works"}
    with pytest.raises(AnswerRefused) as unknown:
        check_answers(form, {"mood": "agree"})
    assert unknown.value.field == "answers.mood"
    with pytest.raises(AnswerRefused) as off_scale:
        check_answers(form, {"refine": "sort of"})
    assert "strongly_agree" in off_scale.value.message
    with pytest.raises(AnswerRefused):
        check_answers(form, {"findings": "x" * 2001})


FORM = FORMS.get("progress-implementation")
assert FORM is not None
SCALE_IDS = [q.id for q in FORM.questions if q.kind == "scale"]
TEXT_IDS = [q.id for q in FORM.questions if q.kind == "text"]
answer_sets = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            **{qid: st.sampled_from(SCALE_POINTS) for qid in SCALE_IDS},
            **{qid: st.text(max_size=10) for qid in TEXT_IDS},
        },
    ),
    max_size=30,
)


@given(answer_sets)
def test_results_count_every_answer_once(responses: list[dict[str, str]]) -> None:
    assert FORM is not None
    result = aggregate(FORM, responses)
    assert result.responses == len(responses)
    for question in result.questions:
        given_answers = [r[question.question_id] for r in responses if question.question_id in r]
        if question.kind == "scale":
            assert list(question.counts) == list(SCALE_POINTS)
            assert question.answered == len(given_answers)
            for point in SCALE_POINTS:
                assert question.counts[point] == given_answers.count(point)
        else:
            assert question.texts == [a.strip() for a in given_answers if a.strip()]
