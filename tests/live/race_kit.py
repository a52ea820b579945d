"""Pressing for real: two people acting on one event at once, over websocket or REST.

Events are seeded straight into the store (one transaction), so setting up a
race costs milliseconds; the presses themselves go through the server's
public API only, and what they did is read back from the database.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.domain import commands as cmd
from server.domain import engine
from server.domain.event import EventState, EventStatus
from server.domain.state import RunState
from server.protocols import shipped_library
from server.store import crud
from tests.live.harness import WAIT, Client, client

PROTOCOL = shipped_library().get("t4tla-consultancy")
Transport = Literal["ws", "rest"]
_ids = itertools.count()


@dataclass
class Seeded:
    event_id: str
    ubers: tuple[str, str]
    room_ids: list[str]
    help_id: str | None
    version: int
    """The event's version as seeded."""


async def seed(
    sessions: async_sessionmaker[AsyncSession],
    *,
    now: float,
    count: int = 1,
    rooms: int = 2,
    started: bool = False,
    minutes_to_main_room: float = 90,
    help_request: bool = False,
) -> list[Seeded]:
    """``count`` events (one transaction), each with ``rooms`` consultancy rooms and two
    uber links; rooms running since ``now`` if ``started``; an open help request in the
    first room if asked."""
    seeded: list[Seeded] = []
    async with sessions() as session, session.begin():
        for _ in range(count):
            seeded.append(
                await _one_event(
                    session,
                    now=now,
                    rooms=rooms,
                    started=started,
                    minutes_to_main_room=minutes_to_main_room,
                    help_request=help_request,
                )
            )
    return seeded


async def _one_event(
    session: AsyncSession,
    *,
    now: float,
    rooms: int,
    started: bool,
    minutes_to_main_room: float,
    help_request: bool,
) -> Seeded:
    event = await crud.create_event(
        session,
        title="Race",
        protocol_id=PROTOCOL.id,
        scheduled_start=now,
        main_room_at=now + minutes_to_main_room * 60,
        now=now,
    )
    if started:
        await crud.write_event(
            session,
            event_id=event.id,
            expected_version=0,
            state=EventState(status=EventStatus.RUNNING, version=1),
        )
    ubers = (
        await crud.create_token(
            session, event_id=event.id, role="uber", label="Uber moderator 1", now=now
        ),
        await crud.create_token(
            session, event_id=event.id, role="uber", label="Uber moderator 2", now=now
        ),
    )
    teams = await crud.add_teams(
        session,
        event_id=event.id,
        teams=[{"name": f"Team {index}"} for index in range(2 * rooms)],
    )
    room_ids = []
    for index in range(rooms):
        state = RunState(PROTOCOL.id)
        if started:
            state = engine.handle(PROTOCOL, state, cmd.Start(0), now).state
        room = await crud.create_room(
            session,
            event_id=event.id,
            label=f"Room {index + 1}",
            team_ids=[teams[2 * index].id, teams[2 * index + 1].id],
            state=state,
            position=index + 1,
        )
        room_ids.append(room.id)
    help_id = None
    if help_request:
        created = await crud.create_help_request(
            session,
            event_id=event.id,
            room_id=room_ids[0],
            round_index=0,
            phase_id="explanation",
            role="presenting",
            requested_by="Team 0",
            message="stuck",
            now=now,
        )
        help_id = created.id
    return Seeded(event.id, ubers, room_ids, help_id, version=1 if started else 0)


@dataclass(frozen=True)
class Reply:
    accepted: bool
    code: str | None
    body: dict[str, Any]
    """command.ok's detail or the error (websocket), the reply's detail or error (REST)."""


Press = Callable[[dict[str, Any]], Awaitable[Reply]]

REST_ROUTES = {
    "event.start_all": "/api/event/start-all",
    "event.pause_all": "/api/event/pause-all",
    "event.resume_all": "/api/event/resume-all",
    "event.recall": "/api/event/recall",
    "event.fit_to_time": "/api/event/fit-to-time",
    "help.claim": "/api/help/{help_id}/claim",
    "help.resolve": "/api/help/{help_id}/resolve",
}


def ws_press(connection: Client) -> Press:
    async def press(message: dict[str, Any]) -> Reply:
        request_id = f"r{next(_ids)}"
        await connection.send({**message, "request_id": request_id})
        reply = await connection.wait_for(lambda m: m.get("request_id") == request_id)
        if reply["type"] == "command.ok":
            return Reply(True, None, reply["detail"])
        return Reply(False, reply["code"], reply)

    return press


def rest_press(http: httpx.AsyncClient, token: str) -> Press:
    async def press(message: dict[str, Any]) -> Reply:
        body = {key: value for key, value in message.items() if key not in ("type", "help_id")}
        if message["type"] == "event.fit_to_time" and "target" in body:
            body.pop("target")
        path = REST_ROUTES[message["type"]].format(help_id=message.get("help_id"))
        response = await http.post(path, json=body, headers=_bearer(token))
        data = response.json()
        if response.is_success:
            return Reply(True, None, data.get("detail", data))
        return Reply(False, data["error"]["code"], data["error"])

    return press


@asynccontextmanager
async def http_clients(base_urls: tuple[str, str]) -> AsyncIterator[tuple[httpx.AsyncClient, ...]]:
    """One HTTP client per server for a whole run (making one costs more than a race)."""
    async with (
        httpx.AsyncClient(base_url=base_urls[0], timeout=WAIT) as one,
        httpx.AsyncClient(base_url=base_urls[1], timeout=WAIT) as two,
    ):
        yield one, two


@asynccontextmanager
async def two_ubers(
    base_urls: tuple[str, str],
    seeded: Seeded,
    transport: Transport,
    http: tuple[httpx.AsyncClient, ...],
) -> AsyncIterator[tuple[Press, Press, list[Client]]]:
    """Uber moderator 1 on the first server, 2 on the second (which may be the same)."""
    if transport == "ws":
        async with (
            client_at(base_urls[0], seeded.ubers[0]) as one,
            client_at(base_urls[1], seeded.ubers[1]) as two,
        ):
            await one.wait_type("snapshot")
            await two.wait_type("snapshot")
            yield ws_press(one), ws_press(two), [one, two]
        return
    yield rest_press(http[0], seeded.ubers[0]), rest_press(http[1], seeded.ubers[1]), []


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@asynccontextmanager
async def client_at(base_url: str, token: str) -> AsyncIterator[Client]:
    class _Server:  # what ``client`` needs of a LiveServer
        def __init__(self, url: str) -> None:
            self.base_url = url

    async with client(_Server(base_url), token) as connection:  # type: ignore[arg-type]
        yield connection


async def press_together(
    a: Press, b: Press, first: dict[str, Any], second: dict[str, Any]
) -> tuple[Reply, Reply]:
    """Both presses leave within microseconds of each other."""
    one, two = await asyncio.gather(a(first), b(second))
    return one, two


def one_accepted(replies: tuple[Reply, Reply]) -> tuple[Reply, Reply]:
    """(accepted, refused); fails unless exactly one was accepted and the other refused
    with ``conflict``."""
    accepted = [reply for reply in replies if reply.accepted]
    refused = [reply for reply in replies if not reply.accepted]
    assert len(accepted) == 1, replies
    assert refused[0].code == "conflict", refused[0]
    return accepted[0], refused[0]


@dataclass
class Stored:
    event: EventState
    rooms: dict[str, RunState]
    log: list[crud.LogEntry]


async def stored(sessions: async_sessionmaker[AsyncSession], seeded: Seeded) -> Stored:
    """The event, its rooms' run states and its log, as the database holds them now."""
    async with sessions() as session:
        event, states = await crud.load_event_states(session, event_id=seeded.event_id)
        log = await crud.read_log(session, event_id=seeded.event_id)
    assert event is not None
    return Stored(event.state, states, log)


def room_updates(connection: Client) -> dict[str, list[int]]:
    """The versions of each room's ``room.updated``, in arrival order."""
    versions: dict[str, list[int]] = {}
    for message in connection.received:
        if message["type"] == "room.updated":
            versions.setdefault(message["room"]["id"], []).append(message["room"]["version"])
    return versions


async def wait_for_event_version(connection: Client, version: int) -> list[dict[str, Any]]:
    """Read until the ``event.updated`` of ``version`` has arrived; every event.updated seen."""

    def arrived(message: dict[str, Any]) -> bool:
        return message["type"] == "event.updated" and bool(message["event"]["version"] >= version)

    if not any(arrived(message) for message in connection.received):
        await connection.wait_for(arrived)
    return [message for message in connection.received if message["type"] == "event.updated"]
