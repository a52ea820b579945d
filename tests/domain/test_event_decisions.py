"""Event-wide decisions and help requests: the pure core behind two ubers pressing at once."""

from __future__ import annotations

import pytest

from server.domain import commands as cmd
from server.domain import engine
from server.domain import event as ev
from server.domain import help as hp
from server.domain.event import Change, EventConflict, EventState, EventStatus, RoomRun
from server.domain.state import RunState, Status
from server.protocols import shipped_library

CONSULTANCY = shipped_library().get("t4tla-consultancy")
NOW = 1_800_000_000.0


def room(room_id: str, state: RunState | None = None) -> RoomRun:
    return RoomRun(room_id, CONSULTANCY, state or RunState(CONSULTANCY.id))


def started(at: float = NOW) -> RunState:
    return engine.handle(CONSULTANCY, RunState(CONSULTANCY.id), cmd.Start(0), at).state


def test_start_all_starts_every_waiting_room_at_one_instant_and_the_event_runs() -> None:
    rooms = [room("a"), room("b"), room("c", started(NOW - 60))]
    decision = ev.start_all(EventState(), rooms, by="Uber 1", now=NOW, expected_version=0)
    assert decision.ids("changed") == ["a", "b"]
    assert decision.rooms["c"].reason == "the room is running"
    for room_id in ("a", "b"):
        state = decision.rooms[room_id].state
        assert state is not None
        assert state.status is Status.RUNNING
        assert state.phase_started_at == NOW
    assert decision.event.status is EventStatus.RUNNING
    assert decision.event.version == 1
    assert decision.event.last_change == Change("start_all", "Uber 1", NOW)


def test_rooms_in_one_state_are_decided_once() -> None:
    decision = ev.start_all(
        EventState(), [room(str(i)) for i in range(50)], by="Uber", now=NOW, expected_version=0
    )
    assert len({id(outcome) for outcome in decision.rooms.values()}) == 1


def test_a_second_start_all_finds_nothing_to_start_and_says_who_started_them() -> None:
    first = ev.start_all(EventState(), [room("a")], by="Uber 1", now=NOW, expected_version=0)
    state = first.rooms["a"].state
    assert state is not None
    with pytest.raises(EventConflict) as refused:
        ev.start_all(first.event, [room("a", state)], by="Uber 2", now=NOW + 3, expected_version=1)
    assert str(refused.value) == (
        "no room is waiting to start: every room has already been started: "
        "Uber 1, 08:00:00 UTC, 3 s ago"
    )
    assert refused.value.change == Change("start_all", "Uber 1", NOW)


def test_an_action_made_against_an_older_event_version_is_refused_naming_the_change() -> None:
    recalled = EventState(
        status=EventStatus.RUNNING, version=4, last_change=Change("fit_to_time", "Uber 2", NOW)
    )
    with pytest.raises(EventConflict) as refused:
        ev.pause_all(
            recalled, [room("a", started())], by="Uber 1", now=NOW + 65, expected_version=3
        )
    assert str(refused.value) == (
        "the event has changed since you saw it (late rooms were fitted to time: "
        "Uber 2, 08:00:00 UTC, 65 s ago); look again and decide"
    )


def test_a_recall_gives_the_event_and_every_room_one_deadline() -> None:
    rooms = [room("a", started()), room("b"), room("c", started(NOW - 1000))]
    decision = ev.recall(
        EventState(EventStatus.RUNNING, 1),
        rooms,
        by="Uber 2",
        now=NOW,
        seconds=45,
        expected_version=1,
    )
    deadline = decision.event.recall_deadline
    assert deadline == NOW + 45
    assert decision.event.status is EventStatus.RECALLING
    for outcome in decision.rooms.values():
        assert outcome.state is not None
        assert outcome.state.status is Status.RECALLED
        assert outcome.state.recall_deadline == deadline


def test_a_second_recall_is_refused_naming_the_first() -> None:
    recalling = EventState(
        EventStatus.RECALLING, 2, NOW + 60, Change("recall", "Uber moderator 2", NOW)
    )
    with pytest.raises(EventConflict) as refused:
        ev.recall(recalling, [], by="Uber 1", now=NOW + 0.5, seconds=30, expected_version=2)
    assert str(refused.value) == (
        "the event is already being recalled: Uber moderator 2, 08:00:00 UTC, just now"
    )
    back = EventState(EventStatus.MAIN_ROOM, 3, NOW + 60, Change("main_room", "timer", NOW + 60))
    with pytest.raises(EventConflict, match="everyone is already back in the main room"):
        ev.recall(back, [], by="Uber 1", now=NOW + 200, seconds=30, expected_version=3)


def test_the_recall_ends_at_its_deadline_rooms_first_then_the_event() -> None:
    decision = ev.recall(
        EventState(EventStatus.RUNNING, 1),
        [room("a", started())],
        by="U",
        now=NOW,
        seconds=30,
        expected_version=1,
    )
    state = decision.rooms["a"].state
    assert state is not None
    runs = [room("a", state)]
    assert ev.end_recall(decision.event, runs, now=NOW + 29.9) is None
    ended = ev.end_recall(decision.event, runs, now=NOW + 31)
    assert ended is not None
    assert ended.event.status is EventStatus.MAIN_ROOM
    assert ended.event.version == decision.event.version + 1
    assert ended.event.last_change == Change("main_room", "timer", NOW + 30)
    returned = ended.rooms["a"].state
    assert returned is not None
    assert returned.returned


def test_a_timer_step_due_at_the_action_s_instant_is_a_version_step_of_its_own() -> None:
    overdue = started(NOW - 200)  # Explanation (180 s) ended 20 s ago
    decision = ev.pause_all(
        EventState(EventStatus.RUNNING, 1),
        [room("a", overdue)],
        by="U",
        now=NOW,
        expected_version=1,
    )
    outcome = decision.rooms["a"]
    assert outcome.timer is not None
    assert outcome.applied is not None
    assert outcome.timer.state.version == overdue.version + 1
    assert outcome.timer.state.phase_index == 1
    assert outcome.applied.state.version == overdue.version + 2
    assert outcome.applied.state.status is Status.PAUSED


def test_fit_to_time_reports_every_room_in_one_category() -> None:
    rooms = [room("late", started()), room("waiting"), room("short", started())]
    target = NOW + 30 * 60
    decision = ev.fit_to_time(
        EventState(EventStatus.RUNNING, 1),
        rooms[:2],
        by="U",
        now=NOW,
        target=target,
        minimum_seconds=60,
        expected_version=1,
    )
    assert decision.ids("fitted") == ["late"]
    assert decision.rooms["waiting"].outcome == "not_running"
    assert decision.rooms["waiting"].reason == "not started"
    with pytest.raises(EventConflict) as refused:
        ev.fit_to_time(
            EventState(EventStatus.RUNNING, 1),
            [rooms[2]],
            by="U",
            now=NOW,
            target=NOW + 60,
            minimum_seconds=60,
            expected_version=1,
        )
    assert str(refused.value).startswith("no room could be fitted to time: the 10 remaining")
    assert refused.value.decision is not None
    assert refused.value.decision.ids("impossible") == ["short"]


def test_the_first_room_started_puts_an_event_in_setup_under_way_once() -> None:
    running = ev.room_started(EventState(), by="Mod", now=NOW)
    assert running == EventState(EventStatus.RUNNING, 1, None, Change("room_started", "Mod", NOW))
    assert ev.room_started(running, by="Mod", now=NOW + 1) is None


def test_help_requests_move_forward_once_and_a_late_press_is_told_who_won() -> None:
    claimed = hp.claim(hp.HelpState(), by="Uber 1", now=NOW, expected_version=0)
    assert (claimed.status, claimed.version, claimed.claimed_by) == (
        hp.HelpStatus.CLAIMED,
        1,
        "Uber 1",
    )
    with pytest.raises(hp.HelpConflict) as second:
        hp.claim(claimed, by="Uber 2", now=NOW + 2, expected_version=0)
    assert str(second.value) == (
        "this help request was claimed by Uber 1 since you saw it (08:00:00 UTC, 2 s ago)"
    )
    with pytest.raises(hp.HelpConflict, match="was claimed by Uber 1 since you saw it"):
        hp.resolve(claimed, by="Uber 2", now=NOW + 2, expected_version=0)
    resolved = hp.resolve(claimed, by="Uber 2", now=NOW + 5, expected_version=1)
    assert (resolved.status, resolved.version, resolved.resolved_by) == (
        hp.HelpStatus.RESOLVED,
        2,
        "Uber 2",
    )
    with pytest.raises(hp.HelpConflict, match="already resolved by Uber 2"):
        hp.resolve(resolved, by="Uber 1", now=NOW + 9, expected_version=2)
    assert hp.resolve(hp.HelpState(), by="U", now=NOW, expected_version=0).status is (
        hp.HelpStatus.RESOLVED
    )
