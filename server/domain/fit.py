"""Fit to time: compress a run's remaining phases so that it ends by a target.

Uber moderators use this for rooms that are running late: every phase still
to come (the rest of the current phase, then every later phase of every later
round) is shortened in proportion to its planned length, but never below a
minimum, so that the run ends exactly at the target.

Rules:
- Pure: ``now`` and the target are parameters.
- Proportions are kept among the phases that stay above their minimum
  (water-filling): a phase at its minimum gives up no more time, the others
  share the rest of the cut in proportion to their length.
- A phase already shorter than the minimum keeps its length; nothing is ever
  lengthened. A run that already ends by the target is left as it is.
- Later phases get whole seconds; the current phase absorbs the fraction, so
  the remaining phases fill the window exactly.
- A target that cannot be met even with every phase at its minimum is an
  ``ImpossibleFit`` error saying how much time would be needed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from server.domain.errors import IllegalCommand, ImpossibleFit
from server.domain.protocol import Protocol
from server.domain.state import (
    PlannedPhase,
    RunState,
    Status,
    phases_after_current,
    planned_seconds,
)

DEFAULT_MINIMUM_SECONDS = 60


@dataclass(frozen=True, slots=True)
class FitPlan:
    """Compressed timings for the rest of a run, valid for one run version."""

    based_on_version: int
    now: float
    target_end: float
    current_phase_end: float
    later_phases: tuple[PlannedPhase, ...]
    compressed: bool

    @property
    def end(self) -> float:
        return self.current_phase_end + sum(phase.seconds for phase in self.later_phases)


def _scale_to_window(lengths: list[float], minimums: list[float], window: float) -> list[float]:
    """Proportional lengths that sum to ``window``, none below its minimum."""
    clamped = [False] * len(lengths)
    while True:
        fixed = sum(minimums[i] for i in range(len(lengths)) if clamped[i])
        free = sum(lengths[i] for i in range(len(lengths)) if not clamped[i])
        scale = (window - fixed) / free if free > 0 else 0.0
        newly = [
            i for i in range(len(lengths)) if not clamped[i] and lengths[i] * scale < minimums[i]
        ]
        if not newly:
            return [minimums[i] if clamped[i] else lengths[i] * scale for i in range(len(lengths))]
        for i in newly:
            clamped[i] = True


def _whole_seconds(values: list[float]) -> list[int]:
    """Round to whole seconds keeping the (floored) total: largest remainders win."""
    floors = [math.floor(value) for value in values]
    leftover = math.floor(sum(values) + 1e-9) - sum(floors)
    by_remainder = sorted(range(len(values)), key=lambda i: values[i] - floors[i], reverse=True)
    for i in by_remainder[: max(leftover, 0)]:
        floors[i] += 1
    return floors


def plan_fit(
    protocol: Protocol,
    state: RunState,
    *,
    now: float,
    target_end: float,
    minimum_seconds: float = DEFAULT_MINIMUM_SECONDS,
) -> FitPlan:
    """Plan the remaining phases of ``state`` so that the run ends at ``target_end``."""
    if state.status not in (Status.RUNNING, Status.OVERTIME):
        raise IllegalCommand(
            "fit to time needs a phase under way (running or in overtime); "
            f"the room is {state.status.value.replace('_', ' ')}"
        )
    if minimum_seconds < 0:
        raise ImpossibleFit(f"the minimum per phase must not be negative, got {minimum_seconds}")
    remaining = state.remaining(now)
    assert remaining is not None  # a phase is under way
    later = phases_after_current(protocol, state)
    lengths = [max(remaining, 0.0)] + [
        planned_seconds(protocol, state, round_index, phase_index)
        for round_index, phase_index in later
    ]
    minimums = [min(float(minimum_seconds), length) for length in lengths]
    window = target_end - now

    if sum(lengths) <= window:
        return FitPlan(
            based_on_version=state.version,
            now=now,
            target_end=target_end,
            current_phase_end=now + lengths[0],
            later_phases=tuple(
                PlannedPhase(r, p, seconds)
                for (r, p), seconds in zip(later, lengths[1:], strict=True)
            ),
            compressed=False,
        )
    needed = sum(minimums)
    if needed > window:
        raise ImpossibleFit(
            f"the {len(lengths)} remaining phases need at least {needed:.0f} s "
            f"({minimum_seconds:.0f} s each at most), but only {max(window, 0):.0f} s are left "
            f"before the target; choose a later target or a smaller minimum"
        )
    fitted = _scale_to_window(lengths, minimums, window)
    later_seconds = _whole_seconds(fitted[1:])
    current = window - sum(later_seconds)
    return FitPlan(
        based_on_version=state.version,
        now=now,
        target_end=target_end,
        current_phase_end=now + current,
        later_phases=tuple(
            PlannedPhase(r, p, float(seconds))
            for (r, p), seconds in zip(later, later_seconds, strict=True)
        ),
        compressed=True,
    )
