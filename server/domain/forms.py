"""Reflection forms: questionnaires defined as data, their answers checked, their results
added up. Pure: no I/O, no clock.

Rules:
- A form has questions of two kinds: ``scale`` (the five points of seed 001's
  progress assessment, strongly agree to strongly disagree) and ``text`` (free
  text up to ``TEXT_MAX_CHARS``). Question ids are unique within a form.
- A form lists the protocols whose events it belongs to (``protocols``), or none:
  then it belongs to every event.
- Answers name questions of the form and nothing else; a scale answer is one of
  the five points; an answer may be left out (every question is optional).
- Results list every scale point of every scale question, a point nobody chose
  included, and every non-empty text answer in the order given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Literal

from pydantic import Field, model_validator

from server.domain.protocol import Slug, Text, _Frozen

SCALE: tuple[tuple[str, str], ...] = (
    ("strongly_agree", "Strongly agree"),
    ("agree", "Agree"),
    ("uncertain", "Uncertain"),
    ("disagree", "Disagree"),
    ("strongly_disagree", "Strongly disagree"),
)
"""Seed 001, Appendix 4: SA, A, U (uncertain), D, SD."""
SCALE_POINTS = tuple(point for point, _ in SCALE)
TEXT_MAX_CHARS = 2000


class Question(_Frozen):
    id: Slug
    kind: Literal["scale", "text"]
    prompt: Text


class Form(_Frozen):
    id: Slug
    title: Text
    source: Text
    description: str = ""
    protocols: tuple[Slug, ...] = ()
    """The protocols whose events the form belongs to; empty: every event."""
    questions: Annotated[tuple[Question, ...], Field(min_length=1)]

    @model_validator(mode="after")
    def _unique_questions(self) -> Form:
        seen: set[str] = set()
        for index, question in enumerate(self.questions):
            if question.id in seen:
                raise ValueError(f"questions[{index}].id: {question.id!r} is used twice")
            seen.add(question.id)
        return self

    def belongs_to(self, protocol_id: str) -> bool:
        return not self.protocols or protocol_id in self.protocols

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


class AnswerRefused(Exception):
    def __init__(self, message: str, field: str, *, missing: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.missing = missing
        """True when the answer names a question the form does not have."""


def check_answers(form: Form, answers: Mapping[str, str]) -> dict[str, str]:
    """The answers as stored (text trimmed, empty ones dropped), or ``AnswerRefused``."""
    kept: dict[str, str] = {}
    for question_id, value in answers.items():
        question = form.question(question_id)
        if question is None:
            known = ", ".join(q.id for q in form.questions)
            raise AnswerRefused(
                f"{form.title} has no question {question_id!r}; its questions: {known}",
                f"answers.{question_id}",
                missing=True,
            )
        if question.kind == "scale":
            if value not in SCALE_POINTS:
                raise AnswerRefused(
                    f"answer {question_id!r} on the scale: {', '.join(SCALE_POINTS)}; "
                    f"got {value!r}",
                    f"answers.{question_id}",
                )
            kept[question_id] = value
        else:
            if len(value) > TEXT_MAX_CHARS:
                raise AnswerRefused(
                    f"answer {question_id!r} in at most {TEXT_MAX_CHARS} characters",
                    f"answers.{question_id}",
                )
            if value.strip():
                kept[question_id] = value.strip()
    return kept


@dataclass
class QuestionResult:
    question_id: str
    kind: str
    prompt: str
    counts: dict[str, int] = field(default_factory=dict)
    """For a scale question: every point, in scale order."""
    texts: list[str] = field(default_factory=list)

    @property
    def answered(self) -> int:
        return sum(self.counts.values()) if self.kind == "scale" else len(self.texts)


@dataclass
class FormResult:
    form_id: str
    responses: int
    questions: list[QuestionResult]


def aggregate(form: Form, responses: Iterable[Mapping[str, str]]) -> FormResult:
    """Every question's results over the responses (each a question id -> answer map)."""
    results = [
        QuestionResult(
            q.id,
            q.kind,
            q.prompt,
            dict.fromkeys(SCALE_POINTS, 0) if q.kind == "scale" else {},
        )
        for q in form.questions
    ]
    by_id = {result.question_id: result for result in results}
    count = 0
    for answers in responses:
        count += 1
        for question_id, value in answers.items():
            result = by_id.get(question_id)
            if result is None:
                continue  # a question since removed from the form
            if result.kind == "scale":
                if value in result.counts:
                    result.counts[value] += 1
            elif value.strip():
                result.texts.append(value.strip())
    return FormResult(form.id, count, results)
