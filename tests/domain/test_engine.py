"""The protocol engine's transitions, with time as a plain number."""

from __future__ import annotations

import pytest

from server.domain import (
    ALLOWED,
    AdjustTime,
    Back,
    Finish,
    IllegalCommand,
    Next,
    Pause,
    Protocol,
    Recall,
    RestartPhase,
    Resume,
    RunState,
    StaleVersion,
    Start,
    Status,
    Transition,
    handle,
    next_due,
    tick,
)
from server.domain.commands import Command
from server.protocols import shipped_library

T0 = 1_800_000_000.0
CONSULTANCY = shipped_library().get("t4tla-consultancy")


def started(protocol: Protocol = CONSULTANCY, at: float = T0) -> RunState:
    return handle(protocol, RunState(protocol.id), Start(0), at).state


def names(transition: Transition) -> list[str]:
    return [event.name for event in transition.events]


def run_to_the_end(protocol: Protocol) -> tuple[RunState, list[tuple[int, str, float]]]:
    """Start a run and let time alone carry it (a moderator presses next at every hold)."""
    state = started(protocol)
    phases_seen = [(state.round_index, protocol.phases[state.phase_index].id, T0)]
    for _ in range(1000):
        if state.status is Status.FINISHED:
            return state, phases_seen
        due = next_due(protocol, state)
        if due is None:  # a hold: the moderator moves on at once
            assert state.status in (Status.OVERTIME, Status.BETWEEN_ROUNDS)
            transition = handle(protocol, state, Next(state.version), state.updated_at or T0)
        else:
            transition = tick(protocol, state, due)
        for event in transition.events:
            if event.name == "phase.started":
                phase_index = event.phase_index  # type: ignore[attr-defined]
                round_index = event.round_index  # type: ignore[attr-defined]
                phases_seen.append((round_index, protocol.phases[phase_index].id, event.at))
        state = transition.state
    raise AssertionError("the run did not finish")


@pytest.mark.parametrize("protocol", list(shipped_library()), ids=lambda p: p.id)
def test_every_protocol_runs_from_start_to_finished_in_the_sum_of_its_phases(
    protocol: Protocol,
) -> None:
    state, seen = run_to_the_end(protocol)
    assert state.status is Status.FINISHED
    assert state.finished_at is not None
    assert state.finished_at - T0 == pytest.approx(protocol.total_seconds)
    expected = [
        (round_index, phase.id)
        for round_index in range(protocol.rounds.count)
        for phase in protocol.phases
    ]
    assert [(r, phase_id) for r, phase_id, _ in seen] == expected


def test_consultancy_phases_start_exactly_on_seed_000_schedule() -> None:
    _, seen = run_to_the_end(CONSULTANCY)
    offsets_minutes = [(at - T0) / 60 for _, _, at in seen]
    assert offsets_minutes == [0, 3, 6, 14, 22, 25, 28, 31, 39, 47]


def test_start_reports_the_first_phase_with_its_absolute_deadline() -> None:
    transition = handle(CONSULTANCY, RunState(CONSULTANCY.id), Start(0), T0)
    assert names(transition) == ["run.started", "round.started", "phase.started"]
    assert transition.state.deadline == T0 + 180
    assert transition.state.version == 1


def test_a_late_tick_still_starts_the_next_phase_at_the_deadline() -> None:
    state = started()
    transition = tick(CONSULTANCY, state, T0 + 180 + 7.5)
    assert transition.state.phase_index == 1
    assert transition.state.phase_started_at == T0 + 180
    assert transition.state.deadline == T0 + 360


def test_tick_before_the_deadline_changes_nothing() -> None:
    state = started()
    transition = tick(CONSULTANCY, state, T0 + 179.999)
    assert transition.state is state
    assert transition.events == ()


def test_a_long_gap_catches_up_each_phase_once() -> None:
    state = started()
    transition = tick(CONSULTANCY, state, T0 + 15 * 60)
    assert transition.state.phase_index == 3
    assert names(transition).count("phase.started") == 3
    assert transition.state.version == state.version + 1


def test_pause_freezes_the_countdown_and_resume_pushes_the_deadline() -> None:
    state = started()
    paused = handle(CONSULTANCY, state, Pause(1), T0 + 60).state
    assert paused.status is Status.PAUSED
    assert paused.deadline is None
    assert paused.remaining(T0 + 500) == 120
    assert next_due(CONSULTANCY, paused) is None
    assert tick(CONSULTANCY, paused, T0 + 10_000).state is paused
    resumed = handle(CONSULTANCY, paused, Resume(2), T0 + 100).state
    assert resumed.status is Status.RUNNING
    assert resumed.deadline == T0 + 220
    assert resumed.paused_seconds == 40


def test_add_and_remove_time() -> None:
    state = started()
    added = handle(CONSULTANCY, state, AdjustTime(1, 60), T0 + 10).state
    assert added.deadline == T0 + 240
    removed = handle(CONSULTANCY, added, AdjustTime(2, -90), T0 + 20).state
    assert removed.deadline == T0 + 150


def test_removing_more_time_than_is_left_ends_the_phase_now_not_in_the_past() -> None:
    state = started()
    transition = handle(CONSULTANCY, state, AdjustTime(1, -600), T0 + 100)
    assert transition.state.deadline == T0 + 100
    assert transition.events[-1].seconds == -80  # type: ignore[attr-defined]
    assert tick(CONSULTANCY, transition.state, T0 + 100).state.phase_index == 1


def test_adding_zero_seconds_is_refused() -> None:
    with pytest.raises(IllegalCommand, match="non-zero"):
        handle(CONSULTANCY, started(), AdjustTime(1, 0), T0 + 1)


def test_next_and_back_move_one_phase_and_restart_it_fresh() -> None:
    state = started()
    after_next = handle(CONSULTANCY, state, Next(1), T0 + 30).state
    assert after_next.phase_index == 1
    assert after_next.deadline == T0 + 30 + 180
    after_back = handle(CONSULTANCY, after_next, Back(2), T0 + 40).state
    assert after_back.phase_index == 0
    assert after_back.deadline == T0 + 40 + 180


def test_back_from_round_two_returns_to_the_last_phase_of_round_one() -> None:
    state = tick(CONSULTANCY, started(), T0 + 25 * 60).state
    assert (state.round_index, state.phase_index) == (1, 0)
    back = handle(CONSULTANCY, state, Back(state.version), T0 + 25 * 60 + 5).state
    assert (back.round_index, back.phase_index) == (0, 4)


def test_back_at_the_very_first_phase_is_refused() -> None:
    with pytest.raises(IllegalCommand, match="first phase of the first round"):
        handle(CONSULTANCY, started(), Back(1), T0 + 1)


def test_restart_phase_gives_the_full_length_again() -> None:
    state = handle(CONSULTANCY, started(), AdjustTime(1, 60), T0 + 1).state
    restarted = handle(CONSULTANCY, state, RestartPhase(2), T0 + 100).state
    assert restarted.deadline == T0 + 100 + 180
    assert restarted.added_seconds == 0


def test_finish_is_terminal() -> None:
    finished = handle(CONSULTANCY, started(), Finish(1), T0 + 10).state
    assert finished.status is Status.FINISHED
    assert next_due(CONSULTANCY, finished) is None
    for command in (Start(2), Next(2), Back(2), Pause(2), Resume(2), AdjustTime(2, 60)):
        with pytest.raises(IllegalCommand):
            handle(CONSULTANCY, finished, command, T0 + 20)


def test_hold_phase_goes_into_overtime_until_the_moderator_advances() -> None:
    protocol = CONSULTANCY.model_copy(update={"on_time_up": "hold"})
    state = started(protocol)
    overtime = tick(protocol, state, T0 + 200)
    assert names(overtime) == ["phase.ended", "phase.overtime"]
    assert overtime.state.status is Status.OVERTIME
    assert overtime.state.remaining(T0 + 200) == -20
    assert next_due(protocol, overtime.state) is None
    assert tick(protocol, overtime.state, T0 + 5000).state is overtime.state
    advanced = handle(protocol, overtime.state, Next(2), T0 + 230).state
    assert (advanced.phase_index, advanced.status) == (1, Status.RUNNING)
    assert advanced.phase_started_at == T0 + 230


def test_adding_time_in_overtime_runs_the_phase_again() -> None:
    protocol = CONSULTANCY.model_copy(update={"on_time_up": "hold"})
    overtime = tick(protocol, started(protocol), T0 + 200).state
    added = handle(protocol, overtime, AdjustTime(2, 60), T0 + 200).state
    assert added.status is Status.RUNNING
    assert added.deadline == T0 + 240


def test_pause_in_overtime_resumes_into_overtime() -> None:
    protocol = CONSULTANCY.model_copy(update={"on_time_up": "hold"})
    overtime = tick(protocol, started(protocol), T0 + 200).state
    paused = handle(protocol, overtime, Pause(2), T0 + 210).state
    resumed = handle(protocol, paused, Resume(3), T0 + 300).state
    assert resumed.status is Status.OVERTIME
    assert resumed.remaining(T0 + 300) == -30


def test_hold_between_rounds_waits_for_the_moderator() -> None:
    protocol = CONSULTANCY.model_copy(
        update={"rounds": CONSULTANCY.rounds.model_copy(update={"between": "hold"})}
    )
    waiting = tick(protocol, started(protocol), T0 + 25 * 60 + 30).state
    assert waiting.status is Status.BETWEEN_ROUNDS
    assert next_due(protocol, waiting) is None
    round_two = handle(protocol, waiting, Next(waiting.version), T0 + 26 * 60).state
    assert (round_two.round_index, round_two.phase_index) == (1, 0)
    assert round_two.deadline == T0 + 26 * 60 + 180


def test_stale_version_is_refused_and_changes_nothing() -> None:
    state = started()
    with pytest.raises(StaleVersion, match="version 0, the room is at version 1"):
        handle(CONSULTANCY, state, Next(0), T0 + 5)


def test_two_moderators_pressing_next_together_advance_exactly_one_phase() -> None:
    state = started()
    first = handle(CONSULTANCY, state, Next(state.version), T0 + 30).state
    with pytest.raises(StaleVersion):
        handle(CONSULTANCY, first, Next(state.version), T0 + 30)
    assert first.phase_index == 1


def test_a_command_at_the_deadline_sees_the_timer_transition_first() -> None:
    state = started()
    # Next made against version 1 arrives exactly when phase 1 ends by itself.
    with pytest.raises(StaleVersion):
        handle(CONSULTANCY, state, Next(1), T0 + 180)
    ticked = tick(CONSULTANCY, state, T0 + 180).state
    with pytest.raises(StaleVersion):
        handle(CONSULTANCY, ticked, Next(1), T0 + 180)


@pytest.mark.parametrize("status", list(Status), ids=str)
def test_illegal_commands_name_what_was_expected_and_change_nothing(status: Status) -> None:
    state = RunState(
        CONSULTANCY.id, status=status, version=4, phase_started_at=T0, phase_seconds=180
    )
    for command_type, allowed in ALLOWED.items():
        if status in allowed:
            continue
        command: Command = command_type(4)
        with pytest.raises(IllegalCommand, match="expected the room to be") as caught:
            handle(CONSULTANCY, state, command, T0)
        assert status.value.replace("_", " ") in str(caught.value)
        assert state == RunState(
            CONSULTANCY.id, status=status, version=4, phase_started_at=T0, phase_seconds=180
        )


def test_recall_counts_down_to_one_instant_then_returns() -> None:
    state = started()
    recalled = handle(CONSULTANCY, state, Recall(1, T0 + 160), T0 + 100)
    assert names(recalled) == ["phase.ended", "run.recalled"]
    assert recalled.state.status is Status.RECALLED
    assert next_due(CONSULTANCY, recalled.state) == T0 + 160
    back = tick(CONSULTANCY, recalled.state, T0 + 161)
    assert names(back) == ["run.returned"]
    assert back.events[0].at == T0 + 160
    assert back.state.returned
    assert next_due(CONSULTANCY, back.state) is None


def test_recall_in_the_past_is_refused() -> None:
    with pytest.raises(IllegalCommand, match="recall deadline"):
        handle(CONSULTANCY, started(), Recall(1, T0 - 1), T0 + 10)


def test_time_never_runs_backwards_inside_a_run() -> None:
    state = handle(CONSULTANCY, started(), Next(1), T0 + 100).state
    earlier = handle(CONSULTANCY, state, Pause(2), T0 + 50).state
    assert earlier.paused_at == T0 + 100
