"""Domain events: what happened in a run, reported by every transition.

Rules: events are facts in the past tense with the instant they happened.
A timer transition reports the deadline it honoured as its instant (not when
the timer happened to run), so a late wake-up never shifts the schedule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal


@dataclass(frozen=True, slots=True)
class Event:
    at: float
    name: ClassVar[str] = "event"


@dataclass(frozen=True, slots=True)
class RunStarted(Event):
    name: ClassVar[str] = "run.started"


@dataclass(frozen=True, slots=True)
class RoundStarted(Event):
    round_index: int = 0
    name: ClassVar[str] = "round.started"


@dataclass(frozen=True, slots=True)
class RoundEnded(Event):
    round_index: int = 0
    name: ClassVar[str] = "round.ended"


PhaseEndReason = Literal["time_up", "next", "back", "restart", "finish", "recall"]


@dataclass(frozen=True, slots=True)
class PhaseStarted(Event):
    round_index: int = 0
    phase_index: int = 0
    deadline: float = 0.0
    name: ClassVar[str] = "phase.started"


@dataclass(frozen=True, slots=True)
class PhaseEnded(Event):
    round_index: int = 0
    phase_index: int = 0
    reason: PhaseEndReason = "time_up"
    name: ClassVar[str] = "phase.ended"


@dataclass(frozen=True, slots=True)
class OvertimeBegan(Event):
    round_index: int = 0
    phase_index: int = 0
    name: ClassVar[str] = "phase.overtime"


@dataclass(frozen=True, slots=True)
class Paused(Event):
    remaining: float = 0.0
    name: ClassVar[str] = "run.paused"


@dataclass(frozen=True, slots=True)
class Resumed(Event):
    deadline: float = 0.0
    name: ClassVar[str] = "run.resumed"


@dataclass(frozen=True, slots=True)
class TimeAdjusted(Event):
    seconds: float = 0.0
    deadline: float | None = None
    name: ClassVar[str] = "phase.time_adjusted"


@dataclass(frozen=True, slots=True)
class WaitingBetweenRounds(Event):
    next_round_index: int = 0
    name: ClassVar[str] = "round.waiting"


@dataclass(frozen=True, slots=True)
class RunFinished(Event):
    name: ClassVar[str] = "run.finished"


@dataclass(frozen=True, slots=True)
class Recalled(Event):
    deadline: float = 0.0
    name: ClassVar[str] = "run.recalled"


@dataclass(frozen=True, slots=True)
class ReturnedToMainRoom(Event):
    name: ClassVar[str] = "run.returned"


@dataclass(frozen=True, slots=True)
class RunReformed(Event):
    """The room was re-formed in another format: a fresh run of ``protocol_id``."""

    from_protocol_id: str = ""
    protocol_id: str = ""
    name: ClassVar[str] = "run.reformed"


@dataclass(frozen=True, slots=True)
class FitApplied(Event):
    target_end: float = 0.0
    name: ClassVar[str] = "run.fitted"
