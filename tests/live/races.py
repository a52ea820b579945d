"""The races every deployment must win: two uber moderators pressing at once.

Each case seeds a fresh event, has two uber moderators press within
microseconds of each other, and checks what the issue asks: exactly one
accepted, the other refused with ``conflict``; the event and its rooms agree;
one log row; every client saw each version once. ``run_case`` is shared by
the in-process tests (SQLite) and the two-process tests (PostgreSQL + Redis).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.domain.event import EventStatus
from server.domain.help import HelpStatus
from server.domain.state import Status
from server.store import crud
from server.wire.views import ms
from tests.live.race_kit import (
    Reply,
    Seeded,
    Stored,
    Transport,
    http_clients,
    one_accepted,
    press_together,
    room_updates,
    seed,
    stored,
    two_ubers,
    wait_for_event_version,
)

Message = Callable[[Seeded, int | None], dict[str, Any]]


def _with_version(message: dict[str, Any], version: int | None) -> dict[str, Any]:
    return message if version is None else {**message, "expected_version": version}


@dataclass(frozen=True)
class Case:
    name: str
    first: Message
    second: Message
    started: bool = False
    late: bool = False
    help_request: bool = False
    versions: str = "alternate"
    """'alternate': every other try carries expected_version; 'always': every try does."""
    event_actions: frozenset[str] = field(default_factory=frozenset)
    """Log actions of the event the race may write (exactly one of them must be written)."""


def _event_message(kind: str, **values: Any) -> Message:
    return lambda seeded, version: _with_version({"type": kind, **values}, version)


def _help_message(kind: str) -> Message:
    return lambda seeded, version: _with_version({"type": kind, "help_id": seeded.help_id}, version)


CASES = {
    "two recalls": Case(
        "two recalls",
        _event_message("event.recall", seconds=30),
        _event_message("event.recall", seconds=40),
        started=True,
        event_actions=frozenset({"event.recall"}),
    ),
    "two start alls": Case(
        "two start alls",
        _event_message("event.start_all"),
        _event_message("event.start_all"),
        event_actions=frozenset({"event.start_all"}),
    ),
    "two fit to times": Case(
        "two fit to times",
        _event_message("event.fit_to_time"),
        _event_message("event.fit_to_time", minimum_seconds=30),
        started=True,
        late=True,
        event_actions=frozenset({"event.fit_to_time"}),
    ),
    "recall against fit to time": Case(
        "recall against fit to time",
        _event_message("event.recall", seconds=30),
        _event_message("event.fit_to_time"),
        started=True,
        late=True,
        versions="always",
        event_actions=frozenset({"event.recall", "event.fit_to_time"}),
    ),
    "two help claims": Case(
        "two help claims",
        _help_message("help.claim"),
        _help_message("help.claim"),
        help_request=True,
    ),
    "claim against resolve": Case(
        "claim against resolve",
        _help_message("help.claim"),
        _help_message("help.resolve"),
        help_request=True,
        versions="always",
    ),
}


async def run_case(
    case: Case,
    *,
    sessions: async_sessionmaker[AsyncSession],
    now: Callable[[], float],
    base_urls: tuple[str, str],
    transport: Transport,
    tries: int,
    concurrent: int = 4,
) -> None:
    """``tries`` independent races, ``concurrent`` at a time, each fully checked."""

    async def one_try(index: int, seeded: Seeded, http: tuple[Any, ...]) -> None:
        version_before = seeded.version
        explicit = case.versions == "always" or index % 2 == 0
        expected = (0 if case.help_request else version_before) if explicit else None
        async with two_ubers(base_urls, seeded, transport, http) as (a, b, clients):
            first, second = case.first(seeded, expected), case.second(seeded, expected)
            if index % 2:  # who presses "first" alternates
                first, second = second, first
                a, b = b, a
            replies = await press_together(a, b, first, second)
            accepted, refused = one_accepted(replies)
            if clients and not case.help_request:
                for connection in clients:
                    seen = await wait_for_event_version(connection, version_before + 1)
                    versions = [message["event"]["version"] for message in seen]
                    assert versions == sorted(set(versions)), versions  # each version once
                    assert versions[-1] == version_before + 1, versions
                await _check_room_messages(clients, accepted)
        after = await stored(sessions, seeded)
        if case.help_request:
            await _check_help(sessions, seeded, after.log, accepted)
        else:
            _check_event(case, after, accepted, refused, version_before)

    events = await seed(
        sessions,
        now=now(),
        count=tries,
        started=case.started,
        minutes_to_main_room=30 if case.late else 90,
        help_request=case.help_request,
    )
    async with http_clients(base_urls) as http:
        for start in range(0, tries, concurrent):
            batch = range(start, min(tries, start + concurrent))
            await asyncio.gather(*(one_try(index, events[index], http) for index in batch))


def _check_event(
    case: Case, after: Stored, accepted: Reply, refused: Reply, version_before: int
) -> None:
    event, log = after.event, after.log
    assert event.version == version_before + 1
    event_rows = [
        entry for entry in log if entry.room_id is None and entry.action.startswith("event.")
    ]
    assert [entry.action for entry in event_rows] in ([action] for action in case.event_actions)
    (row,) = event_rows
    action = row.action.removeprefix("event.")
    assert accepted.body["kind"] == f"event.{action}"
    assert "change" in refused.body or "result" in refused.body or refused.body.get("message")
    for room_id, state in after.rooms.items():
        room_rows = [entry for entry in log if entry.room_id == room_id]
        assert [entry.action for entry in room_rows if entry.action == action] == [action]
        if action == "recall":
            assert event.status is EventStatus.RECALLING
            assert state.status is Status.RECALLED
            assert state.recall_deadline == event.recall_deadline  # the same bits
            assert accepted.body["deadline"] == ms(event.recall_deadline)
        if action == "start_all":
            assert event.status is EventStatus.RUNNING
            assert state.status is Status.RUNNING
            assert state.version == 1
            assert ms(state.phase_started_at) == accepted.body["at"]
        if action == "fit_to_time":
            assert state.status is Status.RUNNING
            assert room_id in accepted.body["fitted"]


async def _check_help(
    sessions: async_sessionmaker[AsyncSession],
    seeded: Seeded,
    log: list[crud.LogEntry],
    accepted: Reply,
) -> None:
    assert seeded.help_id is not None
    async with sessions() as session:
        request = await crud.get_help_request(session, help_id=seeded.help_id)
    assert request is not None
    assert request.state.version == 1
    assert request.state.status is HelpStatus(accepted.body["status"])
    assert accepted.body["version"] == 1
    rows = [entry for entry in log if entry.action.startswith("help.")]
    assert len(rows) == 1, rows
    if request.state.status is HelpStatus.CLAIMED:
        assert request.state.claimed_by in ("Uber moderator 1", "Uber moderator 2")


async def _check_room_messages(clients: list[Any], accepted: Reply) -> None:
    """Each client saw each room's versions once, in order; a recall's rooms carry the
    reply's deadline."""
    for connection in clients:
        for room_id, versions in room_updates(connection).items():
            assert versions == list(range(versions[0], versions[0] + len(versions))), (
                room_id,
                versions,
            )
        if accepted.body.get("kind") == "event.recall":
            deadlines = {
                message["room"]["recall_deadline"]
                for message in connection.received
                if message["type"] == "room.updated" and message["room"]["status"] == "recalled"
            }
            assert deadlines <= {accepted.body["deadline"]}, deadlines
