"""Fit to time: the remaining phases fill the window exactly, proportions kept, minimums kept."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.domain import (
    ApplyFit,
    ImpossibleFit,
    RunState,
    StaleVersion,
    Start,
    Status,
    handle,
    next_due,
    plan_fit,
    projected_end,
    tick,
)
from server.protocols import shipped_library

T0 = 1_800_000_000.0
CONSULTANCY = shipped_library().get("t4tla-consultancy")


def started() -> RunState:
    return handle(CONSULTANCY, RunState(CONSULTANCY.id), Start(0), T0).state


def test_a_run_that_ends_in_time_is_left_as_it_is() -> None:
    plan = plan_fit(CONSULTANCY, started(), now=T0 + 60, target_end=T0 + 60 * 60)
    assert not plan.compressed
    assert plan.end == T0 + 50 * 60


def test_remaining_phases_fill_the_window_exactly_in_proportion() -> None:
    state = started()
    now = T0 + 60.25  # two minutes left of Explanation
    plan = plan_fit(CONSULTANCY, state, now=now, target_end=now + 40 * 60)
    assert plan.compressed
    assert plan.end == pytest.approx(now + 40 * 60, abs=1e-9)
    later = [phase.seconds for phase in plan.later_phases]
    assert len(later) == 9
    assert all(seconds == int(seconds) for seconds in later)
    scale = (40 * 60) / (50 * 60 - 60.25)
    planned = [180, 480, 480, 180, 180, 180, 480, 480, 180]
    for seconds, original in zip(later, planned, strict=True):
        assert seconds == pytest.approx(original * scale, abs=1)


def test_minimums_are_respected_and_the_rest_shares_the_cut() -> None:
    state = started()
    now = T0 + 120  # one minute left of Explanation
    plan = plan_fit(CONSULTANCY, state, now=now, target_end=now + 15 * 60, minimum_seconds=90)
    later = [phase.seconds for phase in plan.later_phases]
    assert min(later) >= 90
    assert plan.current_phase_end - now >= 60  # shorter than the minimum: kept, not cut
    eight_minute_phases = [later[1], later[2], later[6], later[7]]
    assert max(eight_minute_phases) - min(eight_minute_phases) <= 1
    assert plan.end == pytest.approx(now + 15 * 60)


def test_an_impossible_target_is_a_clear_error() -> None:
    with pytest.raises(ImpossibleFit, match=r"need at least .* before the target"):
        plan_fit(CONSULTANCY, started(), now=T0 + 10, target_end=T0 + 5 * 60)


def test_applying_a_plan_moves_the_current_deadline_and_later_phases() -> None:
    state = started()
    now = T0 + 60
    plan = plan_fit(CONSULTANCY, state, now=now, target_end=now + 30 * 60)
    fitted = handle(CONSULTANCY, state, ApplyFit(state.version, plan), now).state
    assert fitted.deadline == pytest.approx(plan.current_phase_end)
    assert projected_end(CONSULTANCY, fitted, now) == pytest.approx(now + 30 * 60)
    # Let time alone finish the run: it ends at the target.
    while fitted.status is not Status.FINISHED:
        due = next_due(CONSULTANCY, fitted)
        assert due is not None
        fitted = tick(CONSULTANCY, fitted, due).state
    assert fitted.finished_at == pytest.approx(now + 30 * 60)


def test_a_plan_made_for_an_older_version_is_refused() -> None:
    state = started()
    plan = plan_fit(CONSULTANCY, state, now=T0 + 60, target_end=T0 + 30 * 60)
    moved = tick(CONSULTANCY, state, T0 + 200).state
    with pytest.raises(StaleVersion):
        handle(CONSULTANCY, moved, ApplyFit(moved.version, plan), T0 + 200)


@given(
    elapsed=st.floats(min_value=0, max_value=49 * 60),
    window=st.floats(min_value=60, max_value=60 * 60),
    minimum=st.integers(min_value=0, max_value=120),
)
def test_any_feasible_fit_ends_exactly_on_target(
    elapsed: float, window: float, minimum: int
) -> None:
    state = tick(CONSULTANCY, started(), T0 + elapsed).state
    if state.status is not Status.RUNNING:
        return
    now = T0 + elapsed
    try:
        plan = plan_fit(
            CONSULTANCY, state, now=now, target_end=now + window, minimum_seconds=minimum
        )
    except ImpossibleFit:
        remaining = state.remaining(now)
        assert remaining is not None
        lengths = [max(remaining, 0.0)] + [
            float(phase.duration_seconds)
            for phase in CONSULTANCY.phases[state.phase_index + 1 :]
            + CONSULTANCY.phases * (CONSULTANCY.rounds.count - 1 - state.round_index)
        ]
        assert sum(min(minimum, length) for length in lengths) > window
        return
    if plan.compressed:
        assert plan.end == pytest.approx(now + window, abs=1e-6)
        for phase in plan.later_phases:
            original = CONSULTANCY.phases[phase.phase_index].duration_seconds
            assert min(minimum, original) <= phase.seconds <= original
    else:
        assert plan.end <= now + window + 1e-6
