"""Random interleavings of room, event-wide and help commands against the real services.

A hypothesis state machine runs the app's lifespan (real SQLite file, memory
backplane, hub and scheduler, a ``FakeClock``) without a web server, sets up
one event of consultancy rooms with two uber moderators, each room's moderator
and a member per room (through the setup services and join links), then
presses buttons as those people in random order, lets time pass, races two
presses at once and races a press against a deadline. Every message the
services publish is recorded at ``Hub.publish``, and changes under way are
counted at ``WritePath.run`` so the test knows when the server has settled
(test instrumentation; both call through to the real thing).

Invariants, checked after every step once the server has settled:
(a) one version step per message: each room's ``room.updated``, the event's
    ``event.updated`` and each help request's ``help.updated`` carry versions
    that go up by exactly one, message after message;
(b) one recall deadline everywhere: once recalled, the event's deadline, every
    room's, the last published ones and the recall's reply are one number;
(c) statuses only move forward: the event setup -> running -> recalling ->
    main_room (setup may jump to recalling), a help request open -> claimed
    -> resolved (or open -> resolved), a room never returns to not started,
    a finished room only moves to recalled and a recalled room stays recalled;
(d) storage agrees with what was told: the stored versions and statuses are
    the last published ones (and the snapshots say the same), an accepted
    command's reply is what was published, a refused one published nothing
    and changed nothing stored.
Also: once settled nothing is overdue, a room is back in the main room exactly
when the event is, and the server logged no error (the scheduler only logs a
failing step).

The outcome of each press is predicted where the rules say it exactly (the
pure engine is the oracle for room commands, at the instant pressed);
otherwise only its effects are checked. Two presses at once run in one
``asyncio.gather``: of two presses made against the same version, at most one
is accepted, and two recalls or two claims of an open request give exactly one
change.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlalchemy.ext.asyncio import AsyncSession

from server.access import Principal
from server.domain import commands as cmd
from server.domain import engine
from server.domain.errors import EngineError
from server.domain.event import EventState, EventStatus
from server.domain.help import HelpState
from server.domain.protocol import Protocol
from server.domain.state import RunState, Status
from server.errors import BadRequest, Conflict, Forbidden, NotFound, ServiceError
from server.hub import Audience
from server.hub.envelope import EVERYONE
from server.main import create_app
from server.scheduler import Scheduler
from server.service import Services
from server.service.rooms import ROOM_COMMANDS, build_command
from server.service.tx import Tx
from server.store import crud
from server.wire.messages import RoomAction
from server.wire.team import TeamCreate
from server.wire.views import ms
from tests.fakes import FakeClock
from tests.live.harness import make_settings, token_of

T = TypeVar("T")
PROTOCOL_ID = "t4tla-consultancy"
WAIT = 10.0
"""A guard against hangs, never a pacing delay."""

ROOM_ACTIONS: tuple[RoomAction, ...] = (
    "start",
    "pause",
    "resume",
    "next",
    "back",
    "adjust_time",
    "restart_phase",
    "finish",
)
EventAction = Literal["start_all", "pause_all", "resume_all", "fit_to_time", "recall"]
EVENT_ACTIONS: tuple[EventAction, ...] = (
    "start_all",
    "pause_all",
    "resume_all",
    "fit_to_time",
    "recall",
)
WIDE_ACTIONS = EVENT_ACTIONS[:4]
"""Every event-wide press but the recall, which has rules of its own: it ends the
interesting part of a run, so swarm testing leaves it out of some runs altogether."""
Who = Literal["uber", "own moderator", "other moderator", "member"]
WHO: tuple[Who, ...] = (
    "uber",
    "own moderator",
    "own moderator",
    "own moderator",
    "other moderator",
    "member",
)
HelpMove = Literal["claim", "resolve"]
VersionChoice = Literal["current", "stale", "none"]

EVENT_MOVES = {
    ("setup", "running"),
    ("setup", "recalling"),
    ("running", "recalling"),
    ("recalling", "main_room"),
}
HELP_MOVES = {("open", "claimed"), ("open", "resolved"), ("claimed", "resolved")}
APPLIES_TO = {
    "start_all": {Status.NOT_STARTED},
    "pause_all": {Status.RUNNING, Status.OVERTIME},
    "resume_all": {Status.PAUSED},
}
PAIRS: tuple[tuple[str, str], ...] = (
    ("start_all", "start_all"),
    ("pause_all", "pause_all"),
    ("resume_all", "resume_all"),
    ("fit_to_time", "fit_to_time"),
    ("start_all", "pause_all"),
    ("pause_all", "resume_all"),
    ("pause_all", "fit_to_time"),
    ("claim", "claim"),
    ("resolve", "resolve"),
    ("claim", "resolve"),
)


@dataclass(frozen=True)
class Sent:
    """One ``Hub.publish`` call, as the services made it."""

    message: dict[str, Any]
    audience: Audience


@dataclass(frozen=True)
class Stored:
    """Everything the store holds about the event's runs (read in one session)."""

    event: EventState
    rooms: dict[str, RunState]
    help: dict[str, HelpState]


class ErrorLog(logging.Handler):
    """Keeps every error the server logs (a failing scheduler callback is only logged)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _stale(current: int) -> int:
    """A version the caller might have seen, but not the current one."""
    return current - 1 if current > 0 else current + 1


def _json(model: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(model.model_dump_json())
    return data


class EventMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.ready = False
        self.loop = asyncio.new_event_loop()
        self.stack = AsyncExitStack()
        self.directory = Path(tempfile.mkdtemp(prefix="consult-stateful-"))
        self.clock = FakeClock()
        self.patch = pytest.MonkeyPatch()
        self.errors = ErrorLog()
        logging.getLogger("server").addHandler(self.errors)
        self.sent: list[Sent] = []
        self.absorbed = 0
        app = create_app(make_settings(self.directory / "stateful.db"), clock=self.clock)
        try:
            self._run(self.stack.enter_async_context(app.router.lifespan_context(app)))
        except BaseException:
            self.teardown()
            raise
        self.app: FastAPI = app
        self.services: Services = app.state.services
        self.scheduler: Scheduler = app.state.scheduler
        hub = self.services.context.hub
        publish = hub.publish

        async def record(
            event_id: str,
            payload: str,
            audience: Audience = EVERYONE,
        ) -> None:
            self.sent.append(Sent(json.loads(payload), audience))
            await publish(event_id, payload, audience)

        self.patch.setattr(hub, "publish", record)
        writes = self.services.writes
        run = writes.run
        self.changing = 0

        async def counted(attempt: Callable[[Tx], Awaitable[T]], *, what: str = "") -> T:
            self.changing += 1
            try:
                result: T = await run(attempt, what=what)
            finally:
                self.changing -= 1
            return result

        self.patch.setattr(writes, "run", counted)

    def teardown(self) -> None:
        try:
            self._run(self.stack.aclose())
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.run_until_complete(self.loop.shutdown_default_executor())
        finally:
            self.loop.close()
            self.patch.undo()
            logging.getLogger("server").removeHandler(self.errors)
            shutil.rmtree(self.directory, ignore_errors=True)

    # -- running coroutines in the machine's one loop ---------------------------------------

    def _run(self, work: Awaitable[T]) -> T:
        async def guarded() -> T:
            return await asyncio.wait_for(work, WAIT)

        return self.loop.run_until_complete(guarded())

    def _settle(self) -> None:
        """Let the scheduler apply what is due and the services publish it: until nothing
        is due at the fake clock's instant and no change is under way (every change, the
        scheduler's too, goes through the write path, publishing included)."""

        async def settle() -> None:
            calm = 0
            loop = asyncio.get_running_loop()
            give_up = loop.time() + WAIT
            while loop.time() < give_up:
                await asyncio.sleep(0.001)
                due = self.scheduler.seconds_to_next()
                if self.changing == 0 and (due is None or due > 0):
                    calm += 1
                    if calm >= 3:
                        return
                else:
                    calm = 0
            raise AssertionError("the server never settled: something stays due")

        self._run(settle())
        if self.ready:
            self._absorb()

    def _stored(self) -> Stored:
        event_id = self.event_id

        async def query(session: AsyncSession) -> Stored:
            event, states = await crud.load_event_states(session, event_id=event_id)
            assert event is not None
            requests = await crud.list_help_requests(
                session, event_id=event_id, include_resolved=True
            )
            return Stored(event.state, states, {item.id: item.state for item in requests})

        return self._run(self.services.writes.read(query))

    def _press(self, work: Awaitable[T]) -> tuple[T | ServiceError, list[Sent]]:
        """One press on a settled server: its reply (or refusal) and what it published.
        A refusal must publish nothing and change nothing stored."""
        before = self._stored()
        start = len(self.sent)
        try:
            reply: T | ServiceError = self._run(work)
        except ServiceError as error:
            reply = error
        published = self.sent[start:]
        if isinstance(reply, ServiceError):
            assert published == [], f"refused ({reply}) but published {published}"
            assert self._stored() == before, f"refused ({reply}) but the store changed"
        self._settle()
        return reply, published

    # -- set up ---------------------------------------------------------------------------------

    @initialize(rooms=st.integers(2, 3), minutes=st.sampled_from([40, 90]))
    def set_up(self, rooms: int, minutes: int) -> None:
        self._run(self._set_up(rooms, minutes))
        self._settle()
        stored = self._stored()
        self.event_version = stored.event.version
        self.event_status = stored.event.status.value
        self.last_event: dict[str, Any] | None = None
        self.room_versions = {room: state.version for room, state in stored.rooms.items()}
        self.room_status = {room: state.status.value for room, state in stored.rooms.items()}
        self.room_returned = {room: state.returned for room, state in stored.rooms.items()}
        self.last_room: dict[str, dict[str, Any]] = {}
        self.help_versions: dict[str, int] = {}
        self.agenda_version = 0
        self.agenda_index = -1
        self.help_status: dict[str, str] = {}
        self.help_rooms: dict[str, str] = {}
        self.help_askers: dict[str, tuple[str | None, str]] = {}
        """Who asked for each request: (room, the asking link's label)."""
        self.last_help: dict[str, dict[str, Any]] = {}
        self.recall_replies: list[float] = []
        self.recall_deadline: float | None = None
        self.protocol: Protocol = self.services.context.protocols.get(PROTOCOL_ID)
        assert self.event_status == "setup"
        assert set(self.room_status.values()) == {"not_started"}
        self.ready = True

    async def _set_up(self, rooms: int, minutes: int) -> None:
        setup = self.services.setup
        authenticate = self.services.principals.authenticate
        now = self.clock.now()
        event, link = await setup.create_event(
            title="Stateful",
            protocol_id=PROTOCOL_ID,
            scheduled_start=now,
            main_room_at=now + minutes * 60,
            uber_label="Uber 1",
        )
        self.event_id = event.id
        first = await authenticate(token_of(link.url))
        second_link = await self.services.links.create(
            Principal.admin(event.id), role="uber", label="Uber 2"
        )
        self.ubers = [first, await authenticate(token_of(second_link.url))]
        teams = await setup.add_teams(
            first,
            [TeamCreate.model_validate({"name": f"Team {index}"}) for index in range(2 * rooms)],
        )
        self.room_ids: list[str] = []
        self.moderators: list[Principal] = []
        self.members: list[Principal] = []
        for index in range(rooms):
            room = await setup.create_room(
                first, team_ids=[teams[2 * index].id, teams[2 * index + 1].id]
            )
            self.room_ids.append(room.id)
            moderator = await self.services.links.create(
                first, role="moderator", room_id=room.id, label=f"Mod {index}"
            )
            self.moderators.append(await authenticate(token_of(moderator.url)))
            member = await self.services.links.create(
                first,
                role="member",
                room_id=room.id,
                team_id=teams[2 * index + 1].id,
                label=f"Member {index}",
            )
            self.members.append(await authenticate(token_of(member.url)))
        assert all(principal.is_uber for principal in self.ubers)

    # -- who and what -------------------------------------------------------------------------

    def _people(self) -> list[Principal]:
        return [*self.ubers, *self.moderators, *self.members]

    def _who(self, who: Who, room_id: str) -> Principal:
        """Someone pressing a button of ``room_id``."""
        index = self.room_ids.index(room_id)
        if who == "uber":
            return self.ubers[index % 2]
        if who == "own moderator":
            return self.moderators[index]
        if who == "other moderator":
            return self.moderators[(index + 1) % len(self.moderators)]
        return self.members[index]

    def _room(self, index: int) -> str:
        return self.room_ids[index % len(self.room_ids)]

    def _event_version(self, choice: VersionChoice) -> int | None:
        if choice == "none":
            return None
        return self.event_version if choice == "current" else _stale(self.event_version)

    def _help_id(self, index: int) -> str | None:
        known = list(self.help_versions)  # in the order asked (ids are random)
        return known[index % len(known)] if known else None

    def _event_press(
        self,
        principal: Principal,
        action: str,
        *,
        version: int | None,
        seconds: int = 60,
        target: float | None = None,
        minimum: int | None = None,
    ) -> Awaitable[Any]:
        actions = self.services.event
        if action == "start_all":
            return actions.start_all(principal, expected_version=version)
        if action == "pause_all":
            return actions.pause_all(principal, expected_version=version)
        if action == "resume_all":
            return actions.resume_all(principal, expected_version=version)
        if action == "fit_to_time":
            return actions.fit_to_time(
                principal, target=target, minimum_seconds=minimum, expected_version=version
            )
        assert action == "recall"
        return actions.recall(principal, seconds=seconds, expected_version=version)

    def _help_press(
        self, principal: Principal, move: str, help_id: str, version: int | None
    ) -> Awaitable[Any]:
        desk = self.services.help
        if move == "claim":
            return desk.claim(principal, help_id=help_id, expected_version=version)
        return desk.resolve(principal, help_id=help_id, expected_version=version)

    def _engine_oracle(
        self, room_id: str, command: cmd.Command, now: float
    ) -> tuple[engine.Transition, ...] | EngineError:
        """What the pure engine says the command does to the stored run at ``now``."""
        state = self._stored().rooms[room_id]
        try:
            return engine.command_steps(self.protocol, state, command, now)
        except EngineError as error:
            return error

    # -- rules: one room ---------------------------------------------------------------------------

    @rule(
        who=st.sampled_from(WHO),
        room=st.integers(0, 2),
        action=st.sampled_from(ROOM_ACTIONS),
        aim=st.sampled_from([True, True, False]),
        stale=st.sampled_from([False, False, True]),
        seconds=st.sampled_from([None, -600.0, -60.0, -1.5, 30.0, 60.0, 300.0]),
    )
    def room_command(
        self,
        who: Who,
        room: int,
        action: RoomAction,
        aim: bool,
        stale: bool,
        seconds: float | None,
    ) -> None:
        room_id = self._room(room)
        principal = self._who(who, room_id)
        if aim:  # mostly a button the room's status allows, so that rooms get somewhere
            status = Status(self.room_status[room_id])
            allowed = [
                name for name in ROOM_ACTIONS if status in engine.ALLOWED[ROOM_COMMANDS[name]]
            ]
            if allowed and action not in allowed:
                action = allowed[ROOM_ACTIONS.index(action) % len(allowed)]
        current = self.room_versions[room_id]
        version = _stale(current) if stale else current
        seconds = seconds if action == "adjust_time" else None
        was_setup = self.event_status == "setup"
        forbidden = principal.access == "member" or (
            principal.access == "moderator" and principal.room_id != room_id
        )
        predicted: tuple[engine.Transition, ...] | EngineError | None = None
        if not forbidden and not (action == "adjust_time" and seconds is None):
            predicted = self._engine_oracle(
                room_id, build_command(action, version, seconds), self.clock.now()
            )
        reply, published = self._press(
            self.services.rooms.command(
                principal,
                room_id=room_id,
                action=action,
                expected_version=version,
                seconds=seconds,
            )
        )
        if forbidden:
            assert isinstance(reply, Forbidden), reply
            return
        if predicted is None:
            assert isinstance(reply, BadRequest), reply
            return
        if isinstance(predicted, EngineError):
            assert isinstance(reply, Conflict), f"the engine refuses ({predicted}), got {reply}"
            assert reply.code == predicted.code
            return
        assert not isinstance(reply, ServiceError), f"the engine accepts, got {reply!r}"
        # Settled before the press, so no timer step was due: one step, one message.
        assert len(predicted) == 1
        assert reply.version == predicted[-1].state.version == current + 1
        assert reply.status == predicted[-1].state.status.value
        rooms = [sent for sent in published if sent.message["type"] == "room.updated"]
        assert [sent.message["room"]["id"] for sent in rooms] == [room_id]
        assert rooms[0].message["room"] == _json(reply)
        assert rooms[0].message["actor"] == principal.actor
        events = [sent for sent in published if sent.message["type"] == "event.updated"]
        if action == "start" and was_setup:
            assert [sent.message["event"]["status"] for sent in events] == ["running"]
            # The event follows the room it was started by; the agenda follows the event.
            assert [sent.message["type"] for sent in published[-2:]] == [
                "event.updated",
                "agenda.updated",
            ]
            assert published[-2] is events[0]
        else:
            assert events == []

    @rule(
        room=st.integers(0, 2),
        action=st.sampled_from(ROOM_ACTIONS),
        after_tick=st.booleans(),
        seconds=st.sampled_from([-600.0, 60.0]),
        yields=st.sampled_from([0, 1, 3, 10, 40]),
    )
    def press_at_a_deadline(
        self, room: int, action: RoomAction, after_tick: bool, seconds: float, yields: int
    ) -> None:
        """The clock reaches a room's deadline and its moderator presses at that instant,
        before, while or after the scheduler applies the timer step."""
        stored = self._stored()
        dues = {
            room_id: due
            for room_id, state in stored.rooms.items()
            if (due := engine.next_due(self.protocol, state)) is not None
        }
        if not dues:
            return
        room_id = self._room(room)
        if room_id not in dues:
            room_id = min(dues, key=lambda key: (dues[key], self.room_ids.index(key)))
        due = dues[room_id]
        version = self.room_versions[room_id] + (1 if after_tick else 0)
        command_seconds = seconds if action == "adjust_time" else None
        predicted = self._engine_oracle(
            room_id, build_command(action, version, command_seconds), due
        )
        moderator = self.moderators[self.room_ids.index(room_id)]
        self.clock.set(due)

        async def press() -> Any:
            for _ in range(yields):
                await asyncio.sleep(0)
            return await self.services.rooms.command(
                moderator,
                room_id=room_id,
                action=action,
                expected_version=version,
                seconds=command_seconds,
            )

        start = len(self.sent)
        try:
            reply: Any = self._run(press())
        except ServiceError as error:
            reply = error
        self._settle()
        if isinstance(predicted, EngineError):
            assert isinstance(reply, Conflict), f"the engine refuses ({predicted}), got {reply}"
            assert reply.code == predicted.code
            return
        assert not isinstance(reply, ServiceError), f"the engine accepts, got {reply!r}"
        assert reply.version == predicted[-1].state.version
        assert reply.status == predicted[-1].state.status.value
        # The timer's step at that instant is a version step of its own, told first
        # (by the scheduler or inside the press), then the press's.
        told = [
            (sent.message["room"]["version"], sent.message["actor"])
            for sent in self.sent[start:]
            if sent.message["type"] == "room.updated" and sent.message["room"]["id"] == room_id
        ]
        assert told[:2] == [(reply.version - 1, "timer"), (reply.version, moderator.actor)]

    @rule(
        action=st.sampled_from(EVENT_ACTIONS),
        uber=st.integers(0, 1),
        yields=st.sampled_from([0, 1, 3, 10, 40]),
    )
    def event_press_at_a_deadline(self, action: EventAction, uber: int, yields: int) -> None:
        """The clock reaches the next room deadline and an uber moderator presses an
        event-wide button at that instant, racing the scheduler's timer step."""
        stored = self._stored()
        dues = [
            due
            for state in stored.rooms.values()
            if (due := engine.next_due(self.protocol, state)) is not None
        ]
        if not dues:
            return
        due = min(dues)
        # What the rooms are at that instant, whoever applies the timer step.
        ticked = [engine.tick(self.protocol, state, due).state for state in stored.rooms.values()]
        principal = self.ubers[uber]
        self.clock.set(due)

        async def press() -> Any:
            for _ in range(yields):
                await asyncio.sleep(0)
            return await self._event_press(principal, action, version=None)

        try:
            reply: Any = self._run(press())
        except ServiceError as error:
            reply = error
        self._settle()
        if action == "recall":
            if stored.event.status in (EventStatus.SETUP, EventStatus.RUNNING):
                assert not isinstance(reply, ServiceError), reply
                self._recalled(reply, at=due, seconds=60)
            else:
                assert isinstance(reply, Conflict), reply
        elif action in APPLIES_TO:
            applies = any(state.status in APPLIES_TO[action] for state in ticked)
            assert isinstance(reply, ServiceError) != applies, (action, ticked, reply)
        if not isinstance(reply, ServiceError):
            assert reply.event_version == stored.event.version + 1

    # -- rules: the whole event --------------------------------------------------------------------

    @rule(
        uber=st.integers(0, 1),
        action=st.sampled_from(WIDE_ACTIONS),
        choice=st.sampled_from(["current", "stale", "none"]),
        target_minutes=st.one_of(st.none(), st.integers(0, 60)),
        minimum=st.sampled_from([None, 0, 30, 60]),
    )
    def event_action(
        self,
        uber: int,
        action: EventAction,
        choice: VersionChoice,
        target_minutes: int | None,
        minimum: int | None,
    ) -> None:
        principal = self.ubers[uber]
        version = self._event_version(choice)
        now = self.clock.now()
        target = None if target_minutes is None else now + target_minutes * 60
        before = self._stored()
        reply, published = self._press(
            self._event_press(principal, action, version=version, target=target, minimum=minimum)
        )
        if choice == "stale":
            assert isinstance(reply, Conflict), reply
        elif action in APPLIES_TO:
            applies = any(state.status in APPLIES_TO[action] for state in before.rooms.values())
            if applies:
                assert not isinstance(reply, ServiceError), reply
            else:
                assert isinstance(reply, Conflict), reply
        if isinstance(reply, ServiceError):
            return
        self._check_event_reply(principal, action, reply, published, before.event.version)

    @rule(
        uber=st.integers(0, 1),
        choice=st.sampled_from(["current", "stale", "none"]),
        seconds=st.integers(9, 121),
    )
    def recall(self, uber: int, choice: VersionChoice, seconds: int) -> None:
        principal = self.ubers[uber]
        now = self.clock.now()
        before = self._stored()
        reply, published = self._press(
            self._event_press(
                principal, "recall", version=self._event_version(choice), seconds=seconds
            )
        )
        if not 10 <= seconds <= 120:
            assert isinstance(reply, BadRequest), reply
        elif choice == "stale" or before.event.status not in (
            EventStatus.SETUP,
            EventStatus.RUNNING,
        ):
            assert isinstance(reply, Conflict), reply
        else:
            assert not isinstance(reply, ServiceError), reply
            self._check_event_reply(principal, "recall", reply, published, before.event.version)
            self._recalled(reply, at=now, seconds=seconds)

    def _recalled(self, reply: Any, *, at: float, seconds: int) -> None:
        """An accepted recall: its deadline is the instant pressed plus the countdown."""
        assert reply.deadline == ms(at + seconds)
        self.recall_replies.append(reply.deadline)
        self.recall_deadline = at + seconds

    def _check_event_reply(
        self,
        principal: Principal,
        action: str,
        reply: Any,
        published: list[Sent],
        version_before: int,
    ) -> None:
        """An accepted event-wide action: one event step, and the rooms it names changed."""
        assert reply.event_version == version_before + 1
        events = [sent for sent in published if sent.message["type"] == "event.updated"]
        assert [sent.message["event"]["version"] for sent in events] == [reply.event_version]
        # A recall shows its countdown first; otherwise the rooms go first. The agenda,
        # when the event's move moves it, follows the event.
        agenda = [sent for sent in published if sent.message["type"] == "agenda.updated"]
        assert agenda == published[len(published) - len(agenda) :]
        rest = published[: len(published) - len(agenda)]
        assert rest.index(events[0]) == (0 if action == "recall" else len(rest) - 1)
        by_actor = {
            sent.message["room"]["id"]
            for sent in published
            if sent.message["type"] == "room.updated" and sent.message["actor"] == principal.actor
        }
        named = reply.fitted if action == "fit_to_time" else reply.changed
        assert by_actor == set(named)
        # Every room is reported once: changed or skipped (fit: four ways).
        if action == "fit_to_time":
            parts = [reply.fitted, reply.on_time, list(reply.impossible), list(reply.not_running)]
        else:
            parts = [reply.changed, list(reply.skipped)]
        reported = [room_id for part in parts for room_id in part]
        assert sorted(reported) == sorted(self.room_ids), reply
        if action != "recall":
            assert named, f"{action} changed no room but was accepted"
        if action == "recall":
            assert events[0].message["event"]["recall_deadline"] == reply.deadline
        if action == "start_all":
            # One instant for every room it started, to the millisecond.
            starts = {
                sent.message["room"]["phase_started_at"]
                for sent in published
                if sent.message["type"] == "room.updated"
                and sent.message["actor"] == principal.actor
            }
            assert starts == {reply.at}

    # -- rules: help ------------------------------------------------------------------------------

    @rule(
        who=st.sampled_from(["member", "member", "own moderator", "uber"]),
        room=st.integers(0, 2),
        text=st.sampled_from(["", "stuck", "Zoom is down"]),
    )
    def ask_for_help(self, who: Who, room: int, text: str) -> None:
        principal = self._who(who, self._room(room))
        waiting = [
            help_id
            for help_id, asker in self.help_askers.items()
            if asker == (principal.room_id, principal.label)
            and self.help_status[help_id] != "resolved"
        ]
        reply, published = self._press(self.services.help.request(principal, message=text))
        if principal.is_uber:
            assert isinstance(reply, Forbidden), reply
            return
        if waiting:  # one open request per person: a second waits for the first
            assert isinstance(reply, Conflict), reply
            assert "one request at a time" in reply.message
            return
        assert not isinstance(reply, ServiceError), reply
        self.help_askers[reply.id] = (principal.room_id, principal.label)
        assert reply.status == "open"
        assert reply.version == 0
        assert reply.room_id == principal.room_id
        assert [sent.message for sent in published] == [
            {"type": "help.updated", "help": _json(reply)}
        ]

    @rule(
        person=st.sampled_from([0, 1, 0, 1, 2]),
        which=st.integers(0, 20),
        move=st.sampled_from(["claim", "resolve"]),
        choice=st.sampled_from(["current", "stale", "none"]),
        missing=st.booleans(),
    )
    def move_help(
        self, person: int, which: int, move: HelpMove, choice: VersionChoice, missing: bool
    ) -> None:
        people = self._people()
        principal = people[person % len(people)]
        help_id = self._help_id(which)
        if help_id is None or (missing and which % 5 == 0):
            help_id = "no-such-request"
        current = self.help_versions.get(help_id, 0)
        version = {"current": current, "stale": _stale(current), "none": None}[choice]
        status = self.help_status.get(help_id)
        reply, published = self._press(self._help_press(principal, move, help_id, version))
        if not principal.is_uber:
            assert isinstance(reply, Forbidden), reply
            return
        if status is None:
            assert isinstance(reply, NotFound), reply
            return
        allowed = status == "open" if move == "claim" else status != "resolved"
        if allowed and choice != "stale":
            assert not isinstance(reply, ServiceError), reply
            assert reply.version == current + 1
            assert reply.status == ("claimed" if move == "claim" else "resolved")
            assert [sent.message for sent in published] == [
                {"type": "help.updated", "help": _json(reply)}
            ]
        else:
            assert isinstance(reply, Conflict), reply

    # -- rules: time ------------------------------------------------------------------------------

    @rule(seconds=st.one_of(st.integers(0, 400), st.floats(0, 400)))
    def time_passes(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self._settle()

    @rule()
    def to_the_next_deadline(self) -> None:
        ahead = self.scheduler.seconds_to_next()
        if ahead is not None:
            self.clock.advance(ahead)
            self._settle()

    # -- rules: two at once -----------------------------------------------------------------------

    @rule(
        pair=st.sampled_from(PAIRS),
        ubers=st.sampled_from([(0, 1), (1, 0), (0, 0)]),
        with_version=st.booleans(),
        which=st.integers(0, 20),
    )
    def two_at_once(
        self, pair: tuple[str, str], ubers: tuple[int, int], with_version: bool, which: int
    ) -> None:
        """Two uber moderators press at once: conflicting presses give one change."""
        help_pair = pair[0] in ("claim", "resolve")
        before = self._stored()
        presses: list[Awaitable[Any]] = []
        help_id = self._help_id(which)
        if help_pair:
            if help_id is None:
                return
            version = self.help_versions[help_id] if with_version else None
            status = self.help_status[help_id]
            for move, uber in zip(pair, ubers, strict=True):
                presses.append(self._help_press(self.ubers[uber], move, help_id, version))
        else:
            version = self.event_version if with_version else None
            for action, uber in zip(pair, ubers, strict=True):
                presses.append(self._event_press(self.ubers[uber], action, version=version))

        async def both() -> list[Any]:
            return await asyncio.gather(*presses, return_exceptions=True)

        start = len(self.sent)
        replies = self._run(both())
        published = self.sent[start:]
        for reply in replies:
            if isinstance(reply, BaseException) and not isinstance(reply, ServiceError):
                raise reply
        accepted = [reply for reply in replies if not isinstance(reply, ServiceError)]
        refused = [reply for reply in replies if isinstance(reply, ServiceError)]
        for refusal in refused:
            assert isinstance(refusal, Conflict), refusal
        self._settle()
        after = self._stored()
        same = pair[0] == pair[1]
        if (same and not (pair[0] == "fit_to_time" and not with_version)) or with_version:
            assert len(accepted) <= 1, f"{pair} both accepted: {replies}"
        if help_pair:
            assert help_id is not None
            moved = after.help[help_id].version - before.help[help_id].version
            assert moved == len(accepted)
            helps = [sent for sent in published if sent.message["type"] == "help.updated"]
            assert len(helps) == len(accepted)
            if pair == ("claim", "claim") and status == "open":
                assert len(accepted) == 1, replies
        else:
            assert after.event.version - before.event.version == len(accepted)
            events = [sent for sent in published if sent.message["type"] == "event.updated"]
            assert len(events) == len(accepted)

    @rule(
        action=st.sampled_from(ROOM_ACTIONS),
        event_action=st.sampled_from(WIDE_ACTIONS),
        room=st.integers(0, 2),
        order=st.booleans(),
    )
    def room_and_event_at_once(
        self, action: RoomAction, event_action: EventAction, room: int, order: bool
    ) -> None:
        """A moderator's press and an uber moderator's event-wide press race."""
        room_id = self._room(room)
        room_press = self._room_press(room_id, action)
        event_press = self._event_press(self.ubers[0], event_action, version=self.event_version)
        presses = [room_press, event_press] if order else [event_press, room_press]
        self._race(presses)

    @rule(
        other=st.sampled_from(["recall", "start_all", "pause_all", "fit_to_time", "room"]),
        action=st.sampled_from(ROOM_ACTIONS),
        room=st.integers(0, 2),
        with_version=st.booleans(),
        first=st.booleans(),
    )
    def recall_races(
        self, other: str, action: RoomAction, room: int, with_version: bool, first: bool
    ) -> None:
        """A recall meets a second recall, another event-wide press or a moderator's press."""
        version = self.event_version if with_version else None
        recall = self._event_press(self.ubers[0], "recall", version=version)
        if other == "room":
            second = self._room_press(self._room(room), action)
        else:
            second = self._event_press(self.ubers[1], other, version=version)
        status = self.event_status
        now = self.clock.now()
        replies = self._race([recall, second] if first else [second, recall])
        mine, theirs = replies if first else replies[::-1]
        recalls = [mine, theirs] if other == "recall" else [mine]
        accepted = [reply for reply in recalls if not isinstance(reply, ServiceError)]
        if status in ("recalling", "main_room"):
            assert accepted == [], replies
        elif other == "recall" or version is None:
            # Only a recall stops a recall; without a version nothing else can.
            assert len(accepted) == 1, replies
        if with_version and other != "room":
            assert sum(not isinstance(reply, ServiceError) for reply in replies) <= 1, replies
        for reply in accepted:
            self._recalled(reply, at=now, seconds=60)

    def _room_press(self, room_id: str, action: RoomAction) -> Awaitable[Any]:
        """The room's moderator presses ``action`` on the version last published."""
        return self.services.rooms.command(
            self.moderators[self.room_ids.index(room_id)],
            room_id=room_id,
            action=action,
            expected_version=self.room_versions[room_id],
            seconds=30.0 if action == "adjust_time" else None,
        )

    def _race(self, presses: list[Awaitable[Any]]) -> list[Any]:
        """Run presses at once; each one's reply or refusal (anything else fails the test)."""

        async def together() -> list[Any]:
            return await asyncio.gather(*presses, return_exceptions=True)

        replies = self._run(together())
        for reply in replies:
            if isinstance(reply, BaseException) and not isinstance(reply, ServiceError):
                raise reply
        self._settle()
        return replies

    @precondition(lambda self: "not_started" in self.room_status.values())
    @rule()
    def every_moderator_starts_at_once(self) -> None:
        """Every room started at once by its own moderator: the event starts running once."""
        presses = [
            self.services.rooms.command(
                moderator,
                room_id=room_id,
                action="start",
                expected_version=self.room_versions[room_id],
            )
            for room_id, moderator in zip(self.room_ids, self.moderators, strict=True)
        ]
        waiting = {
            room_id for room_id, status in self.room_status.items() if status == "not_started"
        }
        was_setup = self.event_status == "setup"

        async def all_of_them() -> list[Any]:
            return await asyncio.gather(*presses, return_exceptions=True)

        start = len(self.sent)
        replies = self._run(all_of_them())
        published = self.sent[start:]
        for reply in replies:
            if isinstance(reply, BaseException) and not isinstance(reply, ServiceError):
                raise reply
        started = {
            room_id
            for room_id, reply in zip(self.room_ids, replies, strict=True)
            if not isinstance(reply, ServiceError)
        }
        assert started == waiting, replies
        events = [sent for sent in published if sent.message["type"] == "event.updated"]
        assert len(events) == (1 if was_setup and started else 0)
        self._settle()

    # -- invariants -------------------------------------------------------------------------------

    def _absorb(self) -> None:
        """Check (a) and (c) on every message published since the last step."""
        for sent in self.sent[self.absorbed :]:
            self.absorbed += 1
            message = sent.message
            kind = message["type"]
            if kind == "room.updated":
                room = message["room"]
                room_id = room["id"]
                assert sent.audience == Audience(room_id=room_id)
                before, after = self.room_status[room_id], room["status"]
                assert room["version"] == self.room_versions[room_id] + 1, (
                    f"room {room_id}: version {room['version']} published after "
                    f"{self.room_versions[room_id]} ({before} -> {after}, {message['events']})"
                )
                assert after != "not_started", f"room {room_id}: {before} -> not started"
                if before == "finished":
                    assert after == "recalled", f"room {room_id}: finished -> {after}"
                if before == "recalled":
                    assert after == "recalled", f"room {room_id}: recalled -> {after}"
                if self.room_returned[room_id]:
                    assert room["returned"], f"room {room_id} left the main room again"
                self.room_versions[room_id] = room["version"]
                self.room_status[room_id] = after
                self.room_returned[room_id] = room["returned"]
                self.last_room[room_id] = room
            elif kind == "event.updated":
                event = message["event"]
                assert sent.audience == EVERYONE
                assert event["id"] == self.event_id
                assert event["version"] == self.event_version + 1, (
                    f"event: version {event['version']} published after {self.event_version}"
                )
                before, after = self.event_status, event["status"]
                assert before == after or (before, after) in EVENT_MOVES, (
                    f"event: {before} -> {after}"
                )
                self.event_version = event["version"]
                self.event_status = after
                self.last_event = event
            elif kind == "help.updated":
                view = message["help"]
                help_id = view["id"]
                assert sent.audience == Audience(room_id=view["room_id"])
                if help_id not in self.help_versions:
                    assert (view["version"], view["status"]) == (0, "open")
                else:
                    assert view["version"] == self.help_versions[help_id] + 1, (
                        f"help {help_id}: version {view['version']} published after "
                        f"{self.help_versions[help_id]}"
                    )
                    move = (self.help_status[help_id], view["status"])
                    assert move in HELP_MOVES, f"help {help_id}: {move[0]} -> {move[1]}"
                self.help_versions[help_id] = view["version"]
                self.help_status[help_id] = view["status"]
                self.help_rooms[help_id] = view["room_id"]
                self.last_help[help_id] = view
            elif kind == "agenda.updated":
                # The agenda follows the rooms: one version at a time, only forward (no
                # rule here moves it back), into the breakouts or the debrief.
                agenda = message["agenda"]
                assert sent.audience == EVERYONE
                assert agenda["version"] == self.agenda_version + 1, agenda
                assert agenda["index"] > self.agenda_index, agenda
                segment = agenda["segments"][agenda["index"]]
                expected = "breakouts" if self.event_status == "running" else "debrief"
                assert segment["id"] == expected, (self.event_status, segment)
                self.agenda_version = agenda["version"]
                self.agenda_index = agenda["index"]
            else:
                assert kind == "setup.changed", f"unexpected message {message}"

    @invariant()
    def everything_agrees(self) -> None:
        """(a) and (c) on the new messages, then (d), (b) and the snapshots."""
        if not self.ready:
            return
        self._absorb()
        self._storage_agrees_with_what_was_published()
        self._one_recall_deadline_everywhere()
        self._snapshots_say_the_same()

    def _storage_agrees_with_what_was_published(self) -> None:
        stored = self._stored()
        now = self.clock.now()
        # (d) the last published versions and statuses are the stored ones.
        assert stored.event.version == self.event_version
        assert stored.event.status.value == self.event_status
        assert stored.rooms.keys() == set(self.room_ids)
        for room_id, state in stored.rooms.items():
            assert (state.version, state.status.value, state.returned) == (
                self.room_versions[room_id],
                self.room_status[room_id],
                self.room_returned[room_id],
            ), f"room {room_id}: stored {state} but published {self.last_room.get(room_id)}"
            # Settled: nothing is left overdue.
            due = engine.next_due(self.protocol, state)
            assert due is None or due > now, f"room {room_id} is overdue: {due} <= {now}"
        assert stored.help.keys() == self.help_versions.keys()
        for help_id, help_state in stored.help.items():
            assert help_state.version == self.help_versions[help_id]
            assert help_state.status.value == self.help_status[help_id]
        assert not self.errors.records, [record.getMessage() for record in self.errors.records]

    def _one_recall_deadline_everywhere(self) -> None:
        stored = self._stored()
        event = stored.event
        now = self.clock.now()
        if event.status not in (EventStatus.RECALLING, EventStatus.MAIN_ROOM):
            assert event.recall_deadline is None
            assert self.recall_replies == []
            assert all(state.status is not Status.RECALLED for state in stored.rooms.values())
            return
        deadline = event.recall_deadline
        assert deadline is not None
        assert deadline == self.recall_deadline
        assert self.recall_replies == [ms(deadline)], "exactly one recall was accepted"
        assert self.last_event is not None
        assert self.last_event["recall_deadline"] == ms(deadline)
        for room_id, state in stored.rooms.items():
            assert state.status is Status.RECALLED, f"room {room_id} not recalled: {state}"
            assert state.recall_deadline == deadline, (room_id, state.recall_deadline, deadline)
            assert self.last_room[room_id]["recall_deadline"] == ms(deadline)
            # Back in the main room exactly when the event is, at the deadline.
            assert state.returned == (event.status is EventStatus.MAIN_ROOM)
        assert (event.status is EventStatus.MAIN_ROOM) == (now >= deadline)

    def _snapshots_say_the_same(self) -> None:
        snapshot = self._run(self.services.snapshots.snapshot(self.ubers[1]))
        assert snapshot.event.version == self.event_version
        assert snapshot.event.status == self.event_status
        if self.last_event is not None:
            assert snapshot.event.recall_deadline == self.last_event["recall_deadline"]
        assert [room.id for room in snapshot.rooms] == self.room_ids
        for room in snapshot.rooms:
            assert (room.version, room.status, room.returned) == (
                self.room_versions[room.id],
                self.room_status[room.id],
                self.room_returned[room.id],
            )
            if room.id in self.last_room:
                assert room.recall_deadline == self.last_room[room.id]["recall_deadline"]
        open_help = {
            help_id: version
            for help_id, version in self.help_versions.items()
            if self.help_status[help_id] != "resolved"
        }
        assert {item.id: item.version for item in snapshot.help} == open_help
        for member in self.members:
            seen = self._run(self.services.snapshots.snapshot(member))
            assert [room.id for room in seen.rooms] == [member.room_id]
            assert {item.id for item in seen.help} == {
                help_id for help_id in open_help if self.help_rooms[help_id] == member.room_id
            }


EventMachine.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestEventStateMachine = EventMachine.TestCase
