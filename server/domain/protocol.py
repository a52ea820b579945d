"""The protocol model: what a structured professional-learning protocol is.

A protocol is data, not code. It names the roles people play, how many
teams or people a room takes and how their roles rotate from round to round,
and the ordered phases of a round: who speaks, what every role does now, the
prompts to keep in view, how long the phase lasts and what happens when its
time is up.

Rules:
- Every model is frozen; a loaded protocol never changes.
- Every cross reference (a speaker, an instruction, a seat) names a declared
  role; every role has an instruction in every phase, so a participant's screen
  always says what that person should be doing now.
- Durations are whole seconds. In files they are written with a unit
  ("3m", "90s", "1m30s"); a bare number is refused because it is ambiguous.
- Every round runs the same phases; rounds differ only in who sits where.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

_SLUG = r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$"
Slug = Annotated[str, Field(pattern=_SLUG, min_length=1, max_length=64)]
Text = Annotated[str, Field(min_length=1)]

OnTimeUp = Literal["advance", "hold"]
"""What happens when a phase's time is up: move to the next phase by itself,
or hold in overtime (counting up) until the moderator advances."""

Rotation = Literal["rotate", "fixed"]
"""How seats change roles between rounds: each seat takes the role of the
next seat (two seats swap; three seats cycle) or everyone keeps their role."""

_DURATION = re.compile(r"^\s*(?:(?P<m>\d+)\s*m(?:in)?)?\s*(?:(?P<s>\d+)\s*s(?:ec)?)?\s*$")


def parse_duration(value: Any) -> int:
    """Turn "3m", "90s" or "1m30s" into whole seconds; refuse anything else."""
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError(
            f"expected a duration with a unit such as '3m', '90s' or '1m30s', got {value!r}"
        )
    match = _DURATION.match(value)
    if match is None or (match["m"] is None and match["s"] is None):
        raise ValueError(
            f"expected a duration with a unit such as '3m', '90s' or '1m30s', got {value!r}"
        )
    seconds = int(match["m"] or 0) * 60 + int(match["s"] or 0)
    if seconds <= 0:
        raise ValueError(f"expected a duration longer than zero, got {value!r}")
    return seconds


DurationSeconds = Annotated[int, BeforeValidator(parse_duration)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Role(_Frozen):
    """A part someone plays in a room: presenting team, coach, observer..."""

    id: Slug
    title: Text
    description: str = ""


class RoomShape(_Frozen):
    """Who a room takes.

    ``seating`` lists the role of each seat in round 1; a seat is a team or a
    person according to ``kind``. ``others`` is the role of everyone in the
    room beyond the seats (the outer circle of a fishbowl), if anyone may be.
    ``moderator`` is the role of the person who runs the room.
    ``challenge_from`` is the seating role whose challenge and request the room
    works on in a round (the presenting team, the coachee, the client): the
    seat holding that role shows its team's challenge to the room. None: the
    protocol works on no one's challenge (a learning walk).
    """

    kind: Literal["team", "person"]
    seating: Annotated[tuple[Slug, ...], Field(min_length=1)]
    others: Slug | None = None
    moderator: Slug
    challenge_from: Slug | None = None

    @property
    def seats(self) -> int:
        return len(self.seating)


class Rounds(_Frozen):
    """How many rounds a run has and how roles move between them."""

    count: Annotated[int, Field(ge=1, le=20)]
    rotation: Rotation
    between: OnTimeUp = "advance"
    """After a round that is not the last: start the next round at once
    ("advance") or wait between rounds for the moderator ("hold")."""


class Phase(_Frozen):
    """One timed step of a round."""

    id: Slug
    title: Text
    duration_seconds: DurationSeconds = Field(alias="duration")
    summary: Text
    speakers: Annotated[tuple[Slug, ...], Field(min_length=1)]
    instructions: dict[Slug, Text]
    prompts: tuple[Text, ...] = ()
    on_time_up: OnTimeUp | None = None
    """Overrides the protocol's ``on_time_up`` for this phase."""

    model_config = ConfigDict(populate_by_name=True)


class Protocol(_Frozen):
    """A whole protocol definition, validated and cross-checked."""

    id: Slug
    title: Text
    version: Annotated[int, Field(ge=1)]
    description: Text
    source: Text
    notes: str = ""
    """Choices the definition makes where its source is silent."""
    roles: Annotated[tuple[Role, ...], Field(min_length=1)]
    room: RoomShape
    rounds: Rounds
    on_time_up: OnTimeUp = "advance"
    warning_seconds: Annotated[int, Field(ge=0, le=600)] = 60
    phases: Annotated[tuple[Phase, ...], Field(min_length=1)]

    @model_validator(mode="after")
    def _cross_references(self) -> Protocol:
        problems = cross_reference_problems(self)
        if problems:
            raise ValueError("\n".join(f"{field}: {message}" for field, message in problems))
        return self

    # -- derived views ---------------------------------------------------

    @property
    def role_ids(self) -> tuple[str, ...]:
        return tuple(role.id for role in self.roles)

    def role(self, role_id: str) -> Role:
        for role in self.roles:
            if role.id == role_id:
                return role
        raise KeyError(role_id)

    @property
    def round_seconds(self) -> int:
        return sum(phase.duration_seconds for phase in self.phases)

    @property
    def total_seconds(self) -> int:
        return self.round_seconds * self.rounds.count

    def phase_on_time_up(self, phase_index: int) -> OnTimeUp:
        return self.phases[phase_index].on_time_up or self.on_time_up

    def seating_for_round(self, round_index: int) -> tuple[str, ...]:
        """The role of every seat in a round (0-based)."""
        seating = self.room.seating
        if self.rounds.rotation == "fixed":
            return seating
        shift = round_index % len(seating)
        return seating[shift:] + seating[:shift]


def _role_problems(
    field: str, role_ids: Mapping[str, object], referenced: tuple[str, ...]
) -> list[tuple[str, str]]:
    expected = ", ".join(sorted(role_ids))
    return [
        (f"{field}[{index}]", f"unknown role {role_id!r}; expected one of: {expected}")
        for index, role_id in enumerate(referenced)
        if role_id not in role_ids
    ]


def cross_reference_problems(protocol: Protocol) -> list[tuple[str, str]]:
    """Every broken reference in a protocol, as (field path, what is wrong)."""
    problems: list[tuple[str, str]] = []
    role_ids: dict[str, object] = {}
    for index, role in enumerate(protocol.roles):
        if role.id in role_ids:
            problems.append((f"roles[{index}].id", f"duplicate role id {role.id!r}"))
        role_ids[role.id] = role
    expected = ", ".join(sorted(role_ids))

    room = protocol.room
    problems += _role_problems("room.seating", role_ids, room.seating)
    for field, role_id in (("room.moderator", room.moderator), ("room.others", room.others)):
        if role_id is not None and role_id not in role_ids:
            problems.append((field, f"unknown role {role_id!r}; expected one of: {expected}"))
    if room.moderator in room.seating:
        problems.append(("room.moderator", "the moderator cannot also hold a seat"))
    if room.challenge_from is not None and room.challenge_from not in room.seating:
        seating = ", ".join(room.seating)
        problems.append(
            (
                "room.challenge_from",
                f"{room.challenge_from!r} holds no seat; expected one of: {seating}",
            )
        )

    phase_ids: set[str] = set()
    for index, phase in enumerate(protocol.phases):
        where = f"phases[{index}]"
        if phase.id in phase_ids:
            problems.append((f"{where}.id", f"duplicate phase id {phase.id!r}"))
        phase_ids.add(phase.id)
        problems += _role_problems(f"{where}.speakers", role_ids, phase.speakers)
        for role_id in phase.instructions:
            if role_id not in role_ids:
                problems.append(
                    (
                        f"{where}.instructions.{role_id}",
                        f"unknown role {role_id!r}; expected one of: {expected}",
                    )
                )
        missing = [role_id for role_id in role_ids if role_id not in phase.instructions]
        if missing:
            problems.append(
                (
                    f"{where}.instructions",
                    "every role needs an instruction; missing: " + ", ".join(missing),
                )
            )
    return problems
