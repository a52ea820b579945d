"""Random commands and time jumps against the engine, checking its invariants.

Invariants:
- the round and phase indices stay within the protocol;
- while a phase is under way its deadline is exactly phase start + planned
  length + added time + paused time;
- a finished run never moves again (only the call back to the main room may
  still be given to it);
- a timer transition never fires early: after a tick at ``now`` nothing is due
  at or before ``now``;
- nothing depends on the order of equal timestamps: a command at ``now``
  gives the same run whether or not the timer was ticked at ``now`` first;
- the version only grows, by one per change.
"""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from server.domain import (
    AdjustTime,
    ApplyFit,
    Back,
    EngineError,
    Finish,
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
    handle,
    next_due,
    plan_fit,
    tick,
)
from server.domain.commands import Command
from server.domain.state import PHASE_STATUSES
from server.protocols import shipped_library

T0 = 1_800_000_000.0
PROTOCOLS = list(shipped_library())
HOLD_VARIANTS = [
    protocol.model_copy(
        update={
            "on_time_up": "hold",
            "rounds": protocol.rounds.model_copy(update={"between": "hold"}),
        }
    )
    for protocol in PROTOCOLS[:2]
]


class EngineMachine(RuleBasedStateMachine):
    protocol: Protocol
    state: RunState
    now: float

    @initialize(protocol=st.sampled_from(PROTOCOLS + HOLD_VARIANTS))
    def setup(self, protocol: Protocol) -> None:
        self.protocol = protocol
        self.state = RunState(protocol.id)
        self.now = T0
        self.finished_position: tuple[int, int, float | None] | None = None

    # -- time ----------------------------------------------------------------

    @rule(seconds=st.one_of(st.floats(min_value=0, max_value=900), st.sampled_from([0.0, 60.0])))
    def time_passes(self, seconds: float) -> None:
        self.now += seconds

    @rule()
    def jump_to_next_deadline(self) -> None:
        due = next_due(self.protocol, self.state)
        if due is not None:
            self.now = max(self.now, due)

    @rule()
    def timer(self) -> None:
        before = self.state
        transition = tick(self.protocol, before, self.now)
        assert tick(self.protocol, transition.state, self.now).state == transition.state
        due = next_due(self.protocol, transition.state)
        assert due is None or due > self.now, "a timer transition was left due (or fired early)"
        for event in transition.events:
            assert event.at <= self.now
        self._accept(before, transition.state, changed=bool(transition.events))

    # -- commands ------------------------------------------------------------

    def _command(self, command: Command) -> None:
        before = self.state
        try:
            direct = handle(self.protocol, before, command, self.now)
        except EngineError as error:
            # Refusals are the same whether or not the timer ran first at this instant.
            ticked = tick(self.protocol, before, self.now).state
            try:
                handle(self.protocol, ticked, command, self.now)
            except EngineError as again:
                assert type(again) is type(error)  # noqa: PT017
            else:
                raise AssertionError("refused directly but accepted after a tick") from error
            return
        ticked = tick(self.protocol, before, self.now).state
        via_tick = handle(self.protocol, ticked, command, self.now)
        assert via_tick.state == direct.state
        self._accept(before, direct.state, changed=True)

    def _version(self, stale: bool) -> int:
        current = tick(self.protocol, self.state, self.now).state.version
        return current - 1 if stale and current > 0 else current

    @rule(stale=st.booleans())
    def start(self, stale: bool) -> None:
        self._command(Start(self._version(stale)))

    @rule(stale=st.booleans())
    def pause(self, stale: bool) -> None:
        self._command(Pause(self._version(stale)))

    @rule()
    def resume(self) -> None:
        self._command(Resume(self._version(False)))

    @rule(stale=st.booleans())
    def next(self, stale: bool) -> None:
        self._command(Next(self._version(stale)))

    @rule()
    def back(self) -> None:
        self._command(Back(self._version(False)))

    @rule(seconds=st.sampled_from([-600.0, -60.0, -1.5, 30.0, 60.0, 300.0]))
    def adjust(self, seconds: float) -> None:
        self._command(AdjustTime(self._version(False), seconds))

    @rule()
    def restart_phase(self) -> None:
        self._command(RestartPhase(self._version(False)))

    @rule()
    def finish(self) -> None:
        self._command(Finish(self._version(False)))

    @rule(delay=st.floats(min_value=0, max_value=120))
    def recall(self, delay: float) -> None:
        self._command(Recall(self._version(False), self.now + delay))

    @rule(window=st.floats(min_value=0, max_value=3600), minimum=st.integers(0, 120))
    def fit(self, window: float, minimum: int) -> None:
        ticked = tick(self.protocol, self.state, self.now).state
        try:
            plan = plan_fit(
                self.protocol,
                ticked,
                now=self.now,
                target_end=self.now + window,
                minimum_seconds=minimum,
            )
        except EngineError:
            return
        self._command(ApplyFit(ticked.version, plan))
        if plan.compressed and self.state.status is Status.RUNNING:
            assert self.state.deadline is not None
            assert abs(self.state.deadline - plan.current_phase_end) < 1e-6

    # -- bookkeeping and invariants ----------------------------------------

    def _accept(self, before: RunState, after: RunState, *, changed: bool) -> None:
        if changed:
            assert after.version > before.version
        else:
            assert after == before
        self.state = after

    @invariant()
    def indices_in_bounds(self) -> None:
        if not hasattr(self, "state"):
            return
        assert 0 <= self.state.round_index < self.protocol.rounds.count
        assert 0 <= self.state.phase_index < len(self.protocol.phases)

    @invariant()
    def deadline_is_start_plus_length_plus_added_plus_paused(self) -> None:
        if not hasattr(self, "state"):
            return
        state = self.state
        if state.status in (Status.RUNNING, Status.OVERTIME):
            assert state.phase_started_at is not None
            assert state.deadline == (
                state.phase_started_at
                + state.phase_seconds
                + state.added_seconds
                + state.paused_seconds
            )
        if state.status in PHASE_STATUSES:
            remaining = state.remaining(self.now)
            assert remaining is not None
            if state.status is Status.RUNNING:
                assert state.phase_seconds + state.added_seconds >= 0

    @invariant()
    def finished_is_terminal(self) -> None:
        if not hasattr(self, "state"):
            return
        state = self.state
        position = (state.round_index, state.phase_index, state.finished_at)
        if self.finished_position is not None:
            assert state.status in (Status.FINISHED, Status.RECALLED)
            assert position == self.finished_position
        elif state.status is Status.FINISHED:
            self.finished_position = position


EngineMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
TestEngineStateMachine = EngineMachine.TestCase


def test_stale_version_error_names_both_versions() -> None:
    error = StaleVersion(expected=3, actual=5)
    assert "version 3" in str(error)
    assert "version 5" in str(error)
