"""The protocol engine: every transition of a room's run, in one place.

A sans-IO state machine in the manner of h11 and aioquic: it never reads a
clock and does no I/O. Callers pass ``now`` (epoch seconds), get back a new
state and the events that happened, and ask ``next_due`` when to call
``tick`` again.

Rules:
- ``ALLOWED`` below is the whole table of which command applies in which
  status. Anything else raises ``IllegalCommand`` naming the statuses that
  would have allowed it; nothing changes.
- A command is judged against the run as it is at ``now``: timer transitions
  due at ``now`` are applied first. So a command and a deadline at the same
  instant give the same result whichever the caller processed first.
- A command must carry the run's current version (after those timer
  transitions), otherwise ``StaleVersion``; each successful call that changes
  the run adds one to the version.
- A phase that ends by itself ends exactly at its deadline and the next phase
  starts at that deadline, however late ``tick`` runs; a run that was not
  ticked for a long time (a server restart) catches up phase by phase, each
  transition applied once.
- Time never goes backwards inside a run: a ``now`` earlier than the last
  instant the run has seen is treated as that instant.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

from server.domain import commands as cmd
from server.domain import events as ev
from server.domain.errors import IllegalCommand, StaleVersion
from server.domain.fit import FitPlan
from server.domain.protocol import Protocol
from server.domain.state import (
    PHASE_STATUSES,
    RunState,
    Status,
    planned_seconds,
)

S = Status

ALLOWED: dict[type[cmd.Command], frozenset[Status]] = {
    cmd.Start: frozenset({S.NOT_STARTED}),
    cmd.Pause: frozenset({S.RUNNING, S.OVERTIME}),
    cmd.Resume: frozenset({S.PAUSED}),
    cmd.Next: frozenset({S.RUNNING, S.OVERTIME, S.PAUSED, S.BETWEEN_ROUNDS}),
    cmd.Back: frozenset({S.RUNNING, S.OVERTIME, S.PAUSED, S.BETWEEN_ROUNDS}),
    cmd.AdjustTime: frozenset({S.RUNNING, S.OVERTIME, S.PAUSED}),
    cmd.RestartPhase: frozenset({S.RUNNING, S.OVERTIME, S.PAUSED}),
    cmd.Finish: frozenset({S.NOT_STARTED, S.RUNNING, S.OVERTIME, S.PAUSED, S.BETWEEN_ROUNDS}),
    cmd.Recall: frozenset(
        {S.NOT_STARTED, S.RUNNING, S.OVERTIME, S.PAUSED, S.BETWEEN_ROUNDS, S.FINISHED}
    ),
    cmd.ApplyFit: frozenset({S.RUNNING, S.OVERTIME}),
}

MAX_PHASE_SECONDS = 24 * 3600
"""No phase can be stretched beyond a day: a guard against a typo in +time."""


@dataclass(frozen=True, slots=True)
class Transition:
    state: RunState
    events: tuple[ev.Event, ...]

    @property
    def changed(self) -> bool:
        return bool(self.events)


# -- reading the run ---------------------------------------------------------


def next_due(protocol: Protocol, state: RunState) -> float | None:
    """The instant ``tick`` next has work to do, or None if only a command can move the run."""
    del protocol  # every deadline is already absolute in the state
    if state.status is S.RUNNING:
        return state.deadline
    if state.status is S.RECALLED and not state.returned:
        return state.recall_deadline
    return None


# -- building blocks ---------------------------------------------------------


def _start_phase(
    protocol: Protocol, state: RunState, round_index: int, phase_index: int, at: float
) -> tuple[RunState, list[ev.Event]]:
    seconds = planned_seconds(protocol, state, round_index, phase_index)
    started = replace(
        state,
        status=S.RUNNING,
        round_index=round_index,
        phase_index=phase_index,
        phase_started_at=at,
        phase_seconds=seconds,
        added_seconds=0.0,
        paused_seconds=0.0,
        paused_at=None,
        # A fitted length is used up once its phase starts.
        planned=tuple(
            entry
            for entry in state.planned
            if (entry.round_index, entry.phase_index) != (round_index, phase_index)
        ),
    )
    return started, [ev.PhaseStarted(at, round_index, phase_index, at + seconds)]


def _end_phase(state: RunState, at: float, reason: ev.PhaseEndReason) -> ev.PhaseEnded:
    return ev.PhaseEnded(at, state.round_index, state.phase_index, reason)


def _enter_following(
    protocol: Protocol, state: RunState, at: float
) -> tuple[RunState, list[ev.Event]]:
    """What comes after the current phase: the next phase, the next round, or the end."""
    if state.phase_index + 1 < len(protocol.phases):
        return _start_phase(protocol, state, state.round_index, state.phase_index + 1, at)
    events: list[ev.Event] = [ev.RoundEnded(at, state.round_index)]
    if state.round_index + 1 >= protocol.rounds.count:
        finished = replace(state, status=S.FINISHED, finished_at=at, paused_at=None)
        return finished, [*events, ev.RunFinished(at)]
    if protocol.rounds.between == "hold":
        waiting = replace(state, status=S.BETWEEN_ROUNDS, phase_started_at=None, paused_at=None)
        return waiting, [*events, ev.WaitingBetweenRounds(at, state.round_index + 1)]
    return _start_round(protocol, state, state.round_index + 1, at, events)


def _start_round(
    protocol: Protocol, state: RunState, round_index: int, at: float, events: list[ev.Event]
) -> tuple[RunState, list[ev.Event]]:
    started, phase_events = _start_phase(protocol, state, round_index, 0, at)
    return started, [*events, ev.RoundStarted(at, round_index), *phase_events]


def _finish_transition(state: RunState, events: list[ev.Event], now: float) -> Transition:
    if not events:
        return Transition(state, ())
    return Transition(replace(state, version=state.version + 1, updated_at=now), tuple(events))


def _effective_now(state: RunState, now: float) -> float:
    if not math.isfinite(now):
        raise IllegalCommand(f"expected a finite time, got {now!r}")
    return now if state.updated_at is None else max(now, state.updated_at)


# -- the timer ---------------------------------------------------------------


def tick(protocol: Protocol, state: RunState, now: float) -> Transition:
    """Apply every timer transition due at or before ``now``; nothing if none is due."""
    now = _effective_now(state, now)
    events: list[ev.Event] = []
    while True:
        due = next_due(protocol, state)
        if due is None or due > now:
            break
        if state.status is S.RECALLED:
            state = replace(state, returned=True)
            events.append(ev.ReturnedToMainRoom(due))
            continue
        events.append(_end_phase(state, due, "time_up"))
        if protocol.phase_on_time_up(state.phase_index) == "hold":
            state = replace(state, status=S.OVERTIME)
            events.append(ev.OvertimeBegan(due, state.round_index, state.phase_index))
            continue
        state, following = _enter_following(protocol, state, due)
        events += following
    return _finish_transition(state, events, now)


# -- commands ----------------------------------------------------------------


def handle(protocol: Protocol, state: RunState, command: cmd.Command, now: float) -> Transition:
    """Apply ``command`` at ``now`` as one transition; raises ``EngineError`` if refused.

    A timer step due at ``now`` is folded into the result (see ``command_steps``
    for the two as separate version steps, which is what the server publishes).
    """
    steps = command_steps(protocol, state, command, now)
    return Transition(steps[-1].state, tuple(event for step in steps for event in step.events))


def command_steps(
    protocol: Protocol, state: RunState, command: cmd.Command, now: float
) -> tuple[Transition, ...]:
    """The version steps a command makes at ``now``, each a change of its own.

    A timer step due at ``now`` comes first (so a command and a deadline at the
    same instant give the same result whichever was processed first), then the
    command, judged against the run after that timer step. Raises ``EngineError``
    if the command is refused: then nothing changes, not even the timer step.
    """
    ticked = tick(protocol, state, now)
    done = _apply(protocol, ticked.state, command, now)
    return (ticked, done) if ticked.changed else (done,)


def reform(protocol: Protocol, state: RunState, now: float) -> Transition:
    """The room re-formed in ``protocol``'s format (a live format switch): whatever ran
    ends, and a fresh run of ``protocol`` waits to be started. One version step."""
    now = _effective_now(state, now)
    fresh = RunState(protocol.id, version=state.version, updated_at=state.updated_at)
    return _finish_transition(
        fresh,
        [ev.RunReformed(now, from_protocol_id=state.protocol_id, protocol_id=protocol.id)],
        now,
    )


def _apply(protocol: Protocol, state: RunState, command: cmd.Command, now: float) -> Transition:
    now = _effective_now(state, now)
    if command.expected_version != state.version:
        raise StaleVersion(expected=command.expected_version, actual=state.version)
    allowed = ALLOWED[type(command)]
    if state.status not in allowed:
        expected = " or ".join(sorted(status.value.replace("_", " ") for status in allowed))
        raise IllegalCommand(
            f"cannot {command.name.replace('_', ' ')} while the room is "
            f"{state.status.value.replace('_', ' ')}; expected the room to be {expected}"
        )
    new_state, events = _HANDLERS[type(command)](protocol, state, command, now)
    return _finish_transition(new_state, events, now)


Handler = Callable[[Protocol, RunState, cmd.Command, float], tuple[RunState, list[ev.Event]]]


def _start(
    protocol: Protocol, state: RunState, _: cmd.Command, now: float
) -> tuple[RunState, list[ev.Event]]:
    state = replace(state, started_at=now)
    return _start_round(protocol, state, 0, now, [ev.RunStarted(now)])


def _pause(
    _p: Protocol, state: RunState, _c: cmd.Command, now: float
) -> tuple[RunState, list[ev.Event]]:
    remaining = state.remaining(now)
    assert remaining is not None
    return replace(state, status=S.PAUSED, paused_at=now), [ev.Paused(now, remaining)]


def _resume(
    protocol: Protocol, state: RunState, _: cmd.Command, now: float
) -> tuple[RunState, list[ev.Event]]:
    assert state.paused_at is not None
    paused = state.paused_seconds + (now - state.paused_at)
    resumed = replace(state, paused_seconds=paused, paused_at=None, status=S.RUNNING)
    deadline = resumed.phase_end
    assert deadline is not None
    # A phase paused in overtime is still over time once resumed.
    if deadline <= now and protocol.phase_on_time_up(state.phase_index) == "hold":
        resumed = replace(resumed, status=S.OVERTIME)
    return resumed, [ev.Resumed(now, deadline)]


def _next(
    protocol: Protocol, state: RunState, _: cmd.Command, now: float
) -> tuple[RunState, list[ev.Event]]:
    if state.status is S.BETWEEN_ROUNDS:
        return _start_round(protocol, state, state.round_index + 1, now, [])
    ended = _end_phase(state, now, "next")
    following_state, following = _enter_following(protocol, state, now)
    return following_state, [ended, *following]


def _back(
    protocol: Protocol, state: RunState, _: cmd.Command, now: float
) -> tuple[RunState, list[ev.Event]]:
    if state.status is S.BETWEEN_ROUNDS:
        target = (state.round_index, len(protocol.phases) - 1)
        events: list[ev.Event] = []
    elif state.phase_index > 0:
        target = (state.round_index, state.phase_index - 1)
        events = [_end_phase(state, now, "back")]
    elif state.round_index > 0:
        target = (state.round_index - 1, len(protocol.phases) - 1)
        events = [_end_phase(state, now, "back")]
    else:
        raise IllegalCommand("cannot go back: this is the first phase of the first round")
    started, phase_events = _start_phase(protocol, state, target[0], target[1], now)
    return started, [*events, *phase_events]


def _adjust_time(
    protocol: Protocol, state: RunState, command: cmd.Command, now: float
) -> tuple[RunState, list[ev.Event]]:
    assert isinstance(command, cmd.AdjustTime)
    seconds = command.seconds
    if not math.isfinite(seconds) or seconds == 0:
        raise IllegalCommand(
            f"expected a non-zero number of seconds to add or remove, got {seconds!r}"
        )
    remaining = state.remaining(now)
    assert remaining is not None
    if seconds < 0:
        # Removing time can bring the phase to its end, never past it.
        seconds = max(seconds, -max(remaining, 0.0))
        if seconds == 0:
            raise IllegalCommand("cannot remove time: the phase has no time left")
    total = state.phase_seconds + state.added_seconds + seconds
    if total > MAX_PHASE_SECONDS:
        raise IllegalCommand(
            f"cannot add {seconds:.0f} s: a phase may last at most {MAX_PHASE_SECONDS} s"
        )
    adjusted = replace(state, added_seconds=state.added_seconds + seconds)
    end = adjusted.phase_end
    assert end is not None
    if state.status is S.OVERTIME and end > now:
        adjusted = replace(adjusted, status=S.RUNNING)
    return adjusted, [ev.TimeAdjusted(now, seconds, adjusted.deadline)]


def _restart_phase(
    protocol: Protocol, state: RunState, _: cmd.Command, now: float
) -> tuple[RunState, list[ev.Event]]:
    ended = _end_phase(state, now, "restart")
    started, events = _start_phase(protocol, state, state.round_index, state.phase_index, now)
    return started, [ended, *events]


def _finish(
    _p: Protocol, state: RunState, _c: cmd.Command, now: float
) -> tuple[RunState, list[ev.Event]]:
    events: list[ev.Event] = []
    if state.status in PHASE_STATUSES:
        events.append(_end_phase(state, now, "finish"))
    finished = replace(state, status=S.FINISHED, finished_at=now, paused_at=None)
    return finished, [*events, ev.RunFinished(now)]


def _recall(
    _p: Protocol, state: RunState, command: cmd.Command, now: float
) -> tuple[RunState, list[ev.Event]]:
    assert isinstance(command, cmd.Recall)
    if not math.isfinite(command.deadline) or command.deadline < now:
        raise IllegalCommand(
            f"expected a recall deadline at or after now ({now:.3f}), got {command.deadline!r}"
        )
    events: list[ev.Event] = []
    if state.status in PHASE_STATUSES:
        events.append(_end_phase(state, now, "recall"))
    recalled = replace(
        state,
        status=S.RECALLED,
        recall_deadline=command.deadline,
        returned=False,
        paused_at=None,
        finished_at=state.finished_at if state.finished_at is not None else now,
    )
    return recalled, [*events, ev.Recalled(now, command.deadline)]


def _apply_fit(
    _p: Protocol, state: RunState, command: cmd.Command, now: float
) -> tuple[RunState, list[ev.Event]]:
    assert isinstance(command, cmd.ApplyFit)
    plan: FitPlan | None = command.plan
    if plan is None:
        raise IllegalCommand("expected a fit-to-time plan")
    if plan.based_on_version != state.version:
        raise StaleVersion(expected=plan.based_on_version, actual=state.version)
    start = state.phase_started_at
    assert start is not None
    added = plan.current_phase_end - start - state.phase_seconds - state.paused_seconds
    fitted = replace(state, added_seconds=added, planned=plan.later_phases, plan_end=plan.end)
    if fitted.status is S.OVERTIME and plan.current_phase_end > now:
        fitted = replace(fitted, status=S.RUNNING)
    return fitted, [ev.FitApplied(now, plan.target_end)]


_HANDLERS: dict[type[cmd.Command], Handler] = {
    cmd.Start: _start,
    cmd.Pause: _pause,
    cmd.Resume: _resume,
    cmd.Next: _next,
    cmd.Back: _back,
    cmd.AdjustTime: _adjust_time,
    cmd.RestartPhase: _restart_phase,
    cmd.Finish: _finish,
    cmd.Recall: _recall,
    cmd.ApplyFit: _apply_fit,
}
