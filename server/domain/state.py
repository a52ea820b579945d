"""The state of one room's run through its protocol, and what can be read off it.

Rules:
- ``RunState`` is immutable; the engine returns a new one for every change.
- Times are absolute epoch seconds (floats); nothing here reads a clock.
- While a phase runs, its deadline is exactly
  ``phase_started_at + phase_seconds + added_seconds + paused_seconds``:
  adding time and pausing both push the deadline; nothing else moves it.
- ``version`` grows by one with every transition, whether a command or the
  timer caused it, so a command made against an older view can be refused.
- Fitted durations for phases that have not started yet live in ``planned``;
  a phase that has no entry there lasts as long as its definition says. The
  fitted plan's end is ``plan_end``: drift is measured against it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from server.domain.protocol import Protocol


class Status(StrEnum):
    NOT_STARTED = "not_started"
    RUNNING = "running"
    PAUSED = "paused"
    OVERTIME = "overtime"
    BETWEEN_ROUNDS = "between_rounds"
    FINISHED = "finished"
    RECALLED = "recalled"


PHASE_STATUSES = frozenset({Status.RUNNING, Status.PAUSED, Status.OVERTIME})
"""Statuses in which a phase is under way and its timing fields are set."""

TERMINAL_STATUSES = frozenset({Status.FINISHED, Status.RECALLED})


@dataclass(frozen=True, slots=True)
class PlannedPhase:
    """A fitted length for one phase that has not started yet."""

    round_index: int
    phase_index: int
    seconds: float


@dataclass(frozen=True, slots=True)
class RunState:
    protocol_id: str
    status: Status = Status.NOT_STARTED
    version: int = 0
    round_index: int = 0
    phase_index: int = 0
    phase_started_at: float | None = None
    phase_seconds: float = 0.0
    added_seconds: float = 0.0
    paused_seconds: float = 0.0
    paused_at: float | None = None
    started_at: float | None = None
    finished_at: float | None = None
    recall_deadline: float | None = None
    returned: bool = False
    updated_at: float | None = None
    """The latest instant the run has seen; time in a run never goes backwards."""
    planned: tuple[PlannedPhase, ...] = field(default=())
    plan_end: float | None = None
    """When the run's current plan ends: set by fit to time (the fitted plan's end);
    None means the schedule (the event's start plus the protocol's length)."""

    @property
    def phase_end(self) -> float | None:
        """When the current phase ends if nobody touches it (frozen while paused)."""
        if self.status not in PHASE_STATUSES or self.phase_started_at is None:
            return None
        return self.phase_started_at + self.phase_seconds + self.added_seconds + self.paused_seconds

    @property
    def deadline(self) -> float | None:
        """The absolute instant the current phase's countdown reaches zero.

        None while paused (the countdown is frozen; see ``remaining``) and when
        no phase is under way.
        """
        if self.status in (Status.RUNNING, Status.OVERTIME):
            return self.phase_end
        return None

    def remaining(self, now: float) -> float | None:
        """Seconds left in the current phase at ``now`` (negative in overtime)."""
        end = self.phase_end
        if end is None:
            return None
        if self.status is Status.PAUSED and self.paused_at is not None:
            return end - self.paused_at
        return end - now


def planned_seconds(
    protocol: Protocol, state: RunState, round_index: int, phase_index: int
) -> float:
    """How long a phase will last when it starts: fitted if planned, else as defined."""
    for entry in state.planned:
        if entry.round_index == round_index and entry.phase_index == phase_index:
            return entry.seconds
    return float(protocol.phases[phase_index].duration_seconds)


def phases_after_current(protocol: Protocol, state: RunState) -> list[tuple[int, int]]:
    """(round, phase) of every phase still to start after the current one, in order."""
    phase_count = len(protocol.phases)
    if state.status is Status.NOT_STARTED:
        first = 0
    elif state.status is Status.BETWEEN_ROUNDS:
        first = (state.round_index + 1) * phase_count
    elif state.status in PHASE_STATUSES:
        first = state.round_index * phase_count + state.phase_index + 1
    else:
        return []
    last = protocol.rounds.count * phase_count
    return [divmod(position, phase_count) for position in range(first, last)]


def projected_end(protocol: Protocol, state: RunState, now: float) -> float | None:
    """When the run will finish if every remaining phase takes its planned time.

    Holds between rounds and overtime are counted as ending now; a run that has
    not started is projected from ``now``.
    """
    if state.status in TERMINAL_STATUSES:
        return state.finished_at
    remaining = state.remaining(now)
    current = max(remaining, 0.0) if remaining is not None else 0.0
    if state.status is Status.NOT_STARTED:
        current = 0.0
    future = sum(
        planned_seconds(protocol, state, round_index, phase_index)
        for round_index, phase_index in phases_after_current(protocol, state)
    )
    return now + current + future
