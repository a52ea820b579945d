"""An event's own state, and the event-wide decisions uber moderators make.

Rules:
- The event has a version, like a room. Every event-level change (start all,
  pause all, resume all, fit to time, recall, the end of the recall, a change
  of status) adds one, and remembers who made it and when (``last_change``).
- An event-wide action is judged against the event version it was made
  against. If the event has moved on since, the action is refused with an
  ``EventConflict`` that says, in words a moderator understands, what got
  there first ("the event is already being recalled: Uber moderator 2,
  14:32:05 UTC, 3 s ago").
- The status only moves forward: setup -> running -> recalling -> main_room
  (a recall straight from setup skips running).
- An event-wide action decides for every room at one instant. In each room a
  timer step due at that instant is a version step of its own, before the
  action's; a room the action does not apply to is reported with the reason.
- An action that would change no room is refused, saying why (a recall is
  the exception: it always moves the event to the main room).
- Pure: ``now`` is a parameter; nothing here reads a clock. Being pure, a
  decision is worked out once per distinct room state: rooms started together
  run in lockstep, so a thousand rooms usually share a few states.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import NoReturn

from server.domain import commands as cmd
from server.domain import engine
from server.domain.errors import EngineError
from server.domain.fit import plan_fit
from server.domain.protocol import Protocol
from server.domain.state import RunState, Status, projected_end


class EventStatus(StrEnum):
    SETUP = "setup"
    RUNNING = "running"
    RECALLING = "recalling"
    MAIN_ROOM = "main_room"


STATUS_ORDER = (
    EventStatus.SETUP,
    EventStatus.RUNNING,
    EventStatus.RECALLING,
    EventStatus.MAIN_ROOM,
)


@dataclass(frozen=True, slots=True)
class Change:
    """One event-level change: what, by whom (a person's label), when."""

    action: str
    by: str
    at: float


@dataclass(frozen=True, slots=True)
class EventState:
    status: EventStatus = EventStatus.SETUP
    version: int = 0
    recall_deadline: float | None = None
    last_change: Change | None = None

    def changed(
        self,
        change: Change,
        *,
        status: EventStatus | None = None,
        recall_deadline: float | None = None,
    ) -> EventState:
        """The next version: ``change`` made, status and recall deadline as given."""
        return replace(
            self,
            version=self.version + 1,
            status=self.status if status is None else status,
            recall_deadline=self.recall_deadline if recall_deadline is None else recall_deadline,
            last_change=change,
        )


class EventConflict(EngineError):
    """An event-wide action refused: the event moved on, or the action would change nothing.

    ``change`` is the event-level change that got there first (if that is the
    reason); ``decision`` what the action would have done (fit to time says
    per room why nothing was fitted).
    """

    code = "conflict"

    def __init__(
        self,
        message: str,
        *,
        change: Change | None = None,
        decision: EventDecision | None = None,
    ) -> None:
        super().__init__(message)
        self.change = change
        self.decision = decision


@dataclass(frozen=True, slots=True)
class RoomRun:
    """One room as an event-wide decision sees it."""

    room_id: str
    protocol: Protocol
    state: RunState


Outcome = str
"""changed or skipped; fit to time: fitted, on_time, impossible or not_running."""


@dataclass(frozen=True, slots=True)
class RoomOutcome:
    """What an event-wide action does to one room: up to two version steps."""

    timer: engine.Transition | None = None
    """A timer step that was due at the action's instant (its own version step)."""
    applied: engine.Transition | None = None
    """The action's own step; None if the action left the room alone."""
    outcome: Outcome = "changed"
    reason: str = ""

    @property
    def state(self) -> RunState | None:
        """The room's run after the action (None if nothing changed)."""
        last = self.applied or self.timer
        return None if last is None else last.state


@dataclass(frozen=True, slots=True)
class EventDecision:
    action: str
    event: EventState
    """The event after the action (a new version)."""
    rooms: Mapping[str, RoomOutcome]
    at: float

    def ids(self, outcome: Outcome) -> list[str]:
        return [room_id for room_id, room in self.rooms.items() if room.outcome == outcome]


# -- words ---------------------------------------------------------------------

_DONE = {
    "start_all": "every room was started",
    "pause_all": "every room was paused",
    "resume_all": "every room was resumed",
    "fit_to_time": "late rooms were fitted to time",
    "recall": "everyone was called back to the main room",
    "room_started": "a room was started",
    "main_room": "everyone returned to the main room",
}


def clock_text(at: float) -> str:
    """HH:MM:SS UTC of an epoch instant (pure arithmetic: no clock, no time zones)."""
    seconds = int(at) % 86_400
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d} UTC"


def ago_text(at: float, now: float) -> str:
    seconds = max(0, round(now - at))
    if seconds < 2:
        return "just now"
    if seconds < 120:
        return f"{seconds} s ago"
    return f"{seconds // 60} min ago"


def who_and_when(change: Change, now: float) -> str:
    """'Uber moderator 2, 14:32:05 UTC, 3 s ago'."""
    return f"{change.by}, {clock_text(change.at)}, {ago_text(change.at, now)}"


def describe(change: Change | None, now: float) -> str:
    if change is None:
        return "the event was changed"
    what = _DONE.get(change.action, change.action.replace("_", " "))
    return f"{what}: {who_and_when(change, now)}"


def _refuse(message: str, event: EventState, *, cite: str | None = None, now: float) -> NoReturn:
    """Raise a conflict; cite the last change if it was ``cite`` (or any, if cite is "*")."""
    change = event.last_change
    if change is not None and cite in ("*", change.action):
        message = f"{message}: {who_and_when(change, now)}"
    raise EventConflict(message, change=change)


def check_version(event: EventState, expected_version: int, now: float) -> None:
    if expected_version != event.version:
        raise EventConflict(
            f"the event has changed since you saw it ({describe(event.last_change, now)}); "
            "look again and decide",
            change=event.last_change,
        )


def words(status: Status) -> str:
    return status.value.replace("_", " ")


# -- deciding for every room -------------------------------------------------------


def _each_room(
    rooms: Sequence[RoomRun],
    now: float,
    command: Callable[[RunState], cmd.Command],
    applies_to: frozenset[Status],
) -> dict[str, RoomOutcome]:
    def decide(run: RoomRun) -> RoomOutcome:
        due, state = _due_step(run, now)
        if state.status not in applies_to:
            return RoomOutcome(due, None, "skipped", f"the room is {words(state.status)}")
        try:
            (applied,) = engine.command_steps(run.protocol, state, command(state), now)
        except EngineError as error:
            return RoomOutcome(due, None, "skipped", str(error))
        return RoomOutcome(due, applied, "changed")

    return _per_distinct_state(rooms, decide)


def _per_distinct_state(
    rooms: Sequence[RoomRun], decide: Callable[[RoomRun], RoomOutcome]
) -> dict[str, RoomOutcome]:
    """``decide`` for every room, worked out once per distinct (protocol, state)."""
    known: dict[tuple[str, RunState], RoomOutcome] = {}
    outcomes: dict[str, RoomOutcome] = {}
    for run in rooms:
        key = (run.protocol.id, run.state)
        outcome = known.get(key)
        if outcome is None:
            outcome = known[key] = decide(run)
        outcomes[run.room_id] = outcome
    return outcomes


def _due_step(run: RoomRun, now: float) -> tuple[engine.Transition | None, RunState]:
    """The timer step due in a room at ``now`` (if any), and the run after it."""
    ticked = engine.tick(run.protocol, run.state, now)
    return (ticked if ticked.changed else None), ticked.state


def _decide(
    action: str,
    event: EventState,
    rooms: Sequence[RoomRun],
    *,
    by: str,
    now: float,
    expected_version: int,
    command: Callable[[RunState], cmd.Command],
    applies_to: frozenset[Status],
    nothing: str,
) -> EventDecision:
    check_version(event, expected_version, now)
    outcomes = _each_room(rooms, now, command, applies_to)
    if not any(room.outcome == "changed" for room in outcomes.values()):
        _refuse(nothing, event, cite=action, now=now)
    status = None
    if action == "start_all" and event.status is EventStatus.SETUP:
        status = EventStatus.RUNNING
    return EventDecision(
        action, event.changed(Change(action, by, now), status=status), outcomes, now
    )


def start_all(
    event: EventState, rooms: Sequence[RoomRun], *, by: str, now: float, expected_version: int
) -> EventDecision:
    """Start every room that has not started, at one instant."""
    return _decide(
        "start_all",
        event,
        rooms,
        by=by,
        now=now,
        expected_version=expected_version,
        command=lambda state: cmd.Start(state.version),
        applies_to=frozenset({Status.NOT_STARTED}),
        nothing="no room is waiting to start: every room has already been started",
    )


def pause_all(
    event: EventState, rooms: Sequence[RoomRun], *, by: str, now: float, expected_version: int
) -> EventDecision:
    return _decide(
        "pause_all",
        event,
        rooms,
        by=by,
        now=now,
        expected_version=expected_version,
        command=lambda state: cmd.Pause(state.version),
        applies_to=frozenset({Status.RUNNING, Status.OVERTIME}),
        nothing="no room is running, so there is nothing to pause",
    )


def resume_all(
    event: EventState, rooms: Sequence[RoomRun], *, by: str, now: float, expected_version: int
) -> EventDecision:
    return _decide(
        "resume_all",
        event,
        rooms,
        by=by,
        now=now,
        expected_version=expected_version,
        command=lambda state: cmd.Resume(state.version),
        applies_to=frozenset({Status.PAUSED}),
        nothing="no room is paused, so there is nothing to resume",
    )


def recall(
    event: EventState,
    rooms: Sequence[RoomRun],
    *,
    by: str,
    now: float,
    seconds: float,
    expected_version: int,
) -> EventDecision:
    """Call every room back to the main room: one deadline for the event and every room."""
    if event.status is EventStatus.RECALLING:
        _refuse("the event is already being recalled", event, cite="recall", now=now)
    if event.status is EventStatus.MAIN_ROOM:
        _refuse("everyone is already back in the main room", event, cite="*", now=now)
    check_version(event, expected_version, now)
    deadline = now + seconds
    outcomes = _each_room(
        rooms,
        now,
        lambda state: cmd.Recall(state.version, deadline),
        engine.ALLOWED[cmd.Recall],
    )
    after = event.changed(
        Change("recall", by, now), status=EventStatus.RECALLING, recall_deadline=deadline
    )
    return EventDecision("recall", after, outcomes, now)


def end_recall(event: EventState, rooms: Sequence[RoomRun], *, now: float) -> EventDecision | None:
    """When the recall deadline has passed: every room returns, then the event is in the
    main room. None while nothing is due."""
    deadline = event.recall_deadline
    if event.status is not EventStatus.RECALLING or deadline is None or now < deadline:
        return None

    def decide(run: RoomRun) -> RoomOutcome:
        due, _ = _due_step(run, now)
        return RoomOutcome(due, None, "changed" if due else "skipped")

    outcomes = _per_distinct_state(rooms, decide)
    after = event.changed(Change("main_room", "timer", deadline), status=EventStatus.MAIN_ROOM)
    return EventDecision("main_room", after, outcomes, now)


def fit_to_time(
    event: EventState,
    rooms: Sequence[RoomRun],
    *,
    by: str,
    now: float,
    target: float,
    minimum_seconds: float,
    expected_version: int,
) -> EventDecision:
    """Compress the rooms projected to end after ``target`` so they end at it.

    Every room is reported in exactly one of: fitted, on_time, impossible
    (with why), not_running (with its status).
    """
    check_version(event, expected_version, now)

    def decide(run: RoomRun) -> RoomOutcome:
        due, state = _due_step(run, now)
        if state.status not in (Status.RUNNING, Status.OVERTIME):
            return RoomOutcome(due, None, "not_running", words(state.status))
        end = projected_end(run.protocol, state, now)
        if end is None or end <= target:
            return RoomOutcome(due, None, "on_time")
        try:
            plan = plan_fit(
                run.protocol, state, now=now, target_end=target, minimum_seconds=minimum_seconds
            )
            (applied,) = engine.command_steps(
                run.protocol, state, cmd.ApplyFit(plan.based_on_version, plan), now
            )
        except EngineError as error:
            return RoomOutcome(due, None, "impossible", str(error))
        return RoomOutcome(due, applied, "fitted")

    outcomes = _per_distinct_state(rooms, decide)
    decision = EventDecision(
        "fit_to_time", event.changed(Change("fit_to_time", by, now)), outcomes, now
    )
    if not decision.ids("fitted"):
        raise EventConflict(_nothing_fitted(decision, target), change=None, decision=decision)
    return decision


def _nothing_fitted(decision: EventDecision, target: float) -> str:
    impossible = [room.reason for room in decision.rooms.values() if room.outcome == "impossible"]
    if impossible:
        return f"no room could be fitted to time: {impossible[0]}"
    if decision.ids("on_time"):
        return f"no room needs fitting: every running room already ends by {clock_text(target)}"
    return "no room is running, so there is nothing to fit to time"


# -- an event change caused by a room ----------------------------------------------------


def room_started(event: EventState, *, by: str, now: float) -> EventState | None:
    """A room has started: an event still being set up is now running (else None)."""
    if event.status is not EventStatus.SETUP:
        return None
    return event.changed(Change("room_started", by, now), status=EventStatus.RUNNING)
