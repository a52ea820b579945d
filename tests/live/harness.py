"""A real server in the test's event loop, and minimal websocket clients.

The app runs under uvicorn on a random loopback port in the same event loop
as the test, so a ``FakeClock`` advanced by the test drives the server's
scheduler directly, and clients talk to it over real websockets.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from pydantic import SecretStr
from websockets.asyncio.client import ClientConnection, connect

from server.backplane import Backplane
from server.clock import Clock
from server.main import LiveChannelFirst, create_app
from server.service import Services
from server.serving import websocket_options
from server.settings import Settings

ADMIN_KEY = "test-admin-key"
WAIT = 5.0  # a guard against hangs, never a pacing delay


@dataclass
class LiveServer:
    app: FastAPI
    base_url: str
    clock: Clock
    uvicorn: uvicorn.Server | None = None

    @property
    def open_sockets(self) -> int:
        """Websocket and HTTP connections the server still holds (closed ones are gone)."""
        return len(self.open_connections())

    def open_connections(self) -> set[object]:
        """The server's connections (uvicorn's protocol objects), to tell new ones apart."""
        assert self.uvicorn is not None
        return set(self.uvicorn.server_state.connections)

    @property
    def services(self) -> Services:
        services: Services = self.app.state.services
        return services

    def http(self, token: str | None = None) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.AsyncClient(base_url=self.base_url, headers=headers, timeout=WAIT)

    async def settle(self) -> None:
        """Let the scheduler and the hub deliver what the last clock step caused."""
        for _ in range(20):
            await asyncio.sleep(0.005)


def free_port() -> int:
    """A loopback port nobody listens on now (for servers that must restart on the same port)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def make_settings(database: Path | None, **overrides: Any) -> Settings:
    url = f"sqlite+aiosqlite:///{database}" if database else "sqlite+aiosqlite:///:memory:"
    values: dict[str, Any] = {
        "database_url": url,
        "admin_key": SecretStr(ADMIN_KEY),
        "port": 0,
        # Tests start many servers in one process: freezing each one's objects would keep
        # them all alive; the policy is exercised by its own test and the benchmarks.
        "gc_policy": False,
        # Tests make many calls from one address, and count on refusals being 401/403:
        # the limits are tested where they are set low (test_limits.py).
        "rest_per_token": "100000/minute",
        "rest_per_address": "100000/minute",
        "invalid_tokens_per_address": "100000/minute",
        **overrides,
    }
    return Settings(**values)


@asynccontextmanager
async def running_server(
    settings: Settings, clock: Clock, *, port: int = 0, backplane: Backplane | None = None
) -> AsyncIterator[LiveServer]:
    app = create_app(settings, clock=clock, backplane=backplane)
    config = uvicorn.Config(
        LiveChannelFirst(app),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        **websocket_options(settings),
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.005)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield LiveServer(app, f"http://127.0.0.1:{port}", clock, server)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, WAIT)


@dataclass
class Client:
    """A websocket client that keeps every message it receives."""

    connection: ClientConnection
    received: list[dict[str, Any]] = field(default_factory=list)

    async def recv(self) -> dict[str, Any]:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(self.connection.recv(), WAIT))
        self.received.append(message)
        return message

    async def wait_for(self, predicate: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        while True:
            message = await self.recv()
            if predicate(message):
                return message

    async def wait_type(self, type_: str) -> dict[str, Any]:
        return await self.wait_for(lambda message: message["type"] == type_)

    async def send(self, message: dict[str, Any]) -> None:
        await self.connection.send(json.dumps(message))

    async def send_raw(self, text: str) -> None:
        await self.connection.send(text)

    async def close(self) -> None:
        await self.connection.close()


@asynccontextmanager
async def client(server: LiveServer, token: str) -> AsyncIterator[Client]:
    url = server.base_url.replace("http://", "ws://") + f"/ws?token={token}"
    # Unbounded client-side buffering: a test that reads only some messages
    # must not stall its own close handshake.
    async with connect(url, compression=None, max_queue=None) as connection:
        yield Client(connection)


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[1]


@dataclass
class Setup:
    event_id: str
    uber: str
    rooms: list[dict[str, Any]]
    moderators: list[str]
    members: list[list[str]]
    observers: list[str]


async def set_up_event(
    server: LiveServer,
    *,
    rooms: int = 1,
    protocol_id: str = "t4tla-consultancy",
    minutes_until_main_room: float = 90,
) -> Setup:
    """An event starting now with ``rooms`` paired rooms, and links for everyone."""
    start = server.clock.now()
    async with server.http() as http:
        created = await http.post(
            "/api/events",
            headers={"X-Admin-Key": ADMIN_KEY},
            json={
                "title": "Test community of practice",
                "protocol_id": protocol_id,
                "scheduled_start": _iso(start),
                "main_room_at": _iso(start + minutes_until_main_room * 60),
            },
        )
        created.raise_for_status()
        event = created.json()
    uber = token_of(event["uber_link"]["url"])
    room_views, moderators, members, observers = [], [], [], []
    async with server.http(uber) as http:
        seats = server.services.context.protocols.get(protocol_id).room.seats
        for room_index in range(rooms):
            team_ids = []
            for seat in range(seats):
                team = await http.post(
                    "/api/teams",
                    json={
                        "name": f"Team {room_index + 1}{'ABCDEFGHIJ'[seat]}",
                        "challenge": f"challenge {room_index}-{seat}",
                        "request": f"request {room_index}-{seat}",
                    },
                )
                team.raise_for_status()
                team_ids.append(team.json()["id"])
            room = await http.post(
                "/api/rooms",
                json={"team_ids": team_ids, "video_room": f"Breakout {room_index + 1}"},
            )
            room.raise_for_status()
            room_views.append(room.json())
            link = await http.post(
                "/api/links",
                json={
                    "role": "moderator",
                    "room_id": room.json()["id"],
                    "label": f"Mod {room_index}",
                },
            )
            moderators.append(token_of(link.json()["url"]))
            room_members = []
            for team_id in team_ids:
                link = await http.post(
                    "/api/links",
                    json={"role": "member", "room_id": room.json()["id"], "team_id": team_id},
                )
                room_members.append(token_of(link.json()["url"]))
            members.append(room_members)
            link = await http.post(
                "/api/links", json={"role": "observer", "room_id": room.json()["id"]}
            )
            observers.append(token_of(link.json()["url"]))
    return Setup(event["id"], uber, room_views, moderators, members, observers)


def _iso(epoch: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(epoch, tz=UTC).isoformat()
