"""Revocation and rotation across two server processes sharing PostgreSQL and Redis: a
link revoked through one process stops on the other within a second, its open
websocket there closed with the reason, and a rotated link's replacement works on both.

Needs PostgreSQL and Redis (see ``tests.services``).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.live.processes import ADMIN_KEY, ServerProcess, server_process

ROUNDS = 5


@pytest.fixture
async def two_processes(
    migrated_postgres_url: str, redis_url: str
) -> AsyncIterator[tuple[ServerProcess, ServerProcess]]:
    async with (
        server_process(migrated_postgres_url, backplane_url=redis_url) as one,
        server_process(migrated_postgres_url, backplane_url=redis_url) as two,
    ):
        yield one, two


async def read_forever(socket: ClientConnection, into: list[str | bytes]) -> None:
    while True:
        into.append(await socket.recv())


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[1]


async def an_event_with_a_room(http: httpx.AsyncClient) -> tuple[str, str, str]:
    """(uber token, room id, event id)."""
    event = await http.post(
        "/api/events",
        headers={"X-Admin-Key": ADMIN_KEY},
        json={
            "title": "Revocation",
            "scheduled_start": "2030-01-01T10:00:00Z",
            "main_room_at": "2030-01-01T11:30:00Z",
        },
    )
    assert event.status_code == 201, event.text
    uber = token_of(event.json()["uber_link"]["url"])
    teams = [
        (await http.post("/api/teams", headers=bearer(uber), json={"name": name})).json()["id"]
        for name in ("A", "B")
    ]
    room = await http.post("/api/rooms", headers=bearer(uber), json={"team_ids": teams})
    return uber, room.json()["id"], event.json()["id"]


async def test_a_link_revoked_through_one_process_stops_on_the_other_within_a_second(
    two_processes: tuple[ServerProcess, ServerProcess],
) -> None:
    one, two = two_processes
    async with (
        httpx.AsyncClient(base_url=one.base_url, timeout=10) as first,
        httpx.AsyncClient(base_url=two.base_url, timeout=10) as second,
    ):
        uber, room_id, _ = await an_event_with_a_room(first)
        for round_ in range(ROUNDS):
            made = await first.post(
                "/api/links",
                headers=bearer(uber),
                json={"role": "observer", "room_id": room_id, "label": f"Observer {round_}"},
            )
            link = made.json()
            token = token_of(link["url"])
            # The second process knows (and remembers) the link, and holds its websocket.
            assert (await second.get("/api/me", headers=bearer(token))).status_code == 200
            url = two.base_url.replace("http://", "ws://") + f"/ws?token={token}"
            async with connect(url, compression=None) as socket:
                assert json.loads(await socket.recv())["type"] == "snapshot"
                started = time.monotonic()
                revoked = await first.post(f"/api/links/{link['id']}/revoke", headers=bearer(uber))
                assert revoked.status_code == 200, revoked.text
                notices: list[str | bytes] = []
                with pytest.raises(ConnectionClosed) as closed:
                    await asyncio.wait_for(read_forever(socket, notices), 1.0)
                took = time.monotonic() - started
            assert took < 1.0, took
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 4401
            assert json.loads(notices[-1])["code"] == "auth.revoked"
            refused = await second.get("/api/me", headers=bearer(token))
            assert refused.status_code == 401
            assert refused.json()["error"]["code"] == "auth.revoked"


async def test_a_link_rotated_through_one_process_is_replaced_on_both(
    two_processes: tuple[ServerProcess, ServerProcess],
) -> None:
    one, two = two_processes
    async with (
        httpx.AsyncClient(base_url=one.base_url, timeout=10) as first,
        httpx.AsyncClient(base_url=two.base_url, timeout=10) as second,
    ):
        uber, room_id, event_id = await an_event_with_a_room(first)
        made = await first.post(
            "/api/links",
            headers=bearer(uber),
            json={"role": "moderator", "room_id": room_id, "label": "Ana"},
        )
        old = token_of(made.json()["url"])
        assert (await second.get("/api/me", headers=bearer(old))).status_code == 200
        # The admin key rotates it, through the second process this time.
        rotated = await second.post(
            f"/api/links/{made.json()['id']}/rotate",
            params={"event_id": event_id},
            headers={"X-Admin-Key": ADMIN_KEY},
        )
        assert rotated.status_code == 201, rotated.text
        new = token_of(rotated.json()["url"])
        for _ in range(50):  # within a second
            if (await first.get("/api/me", headers=bearer(old))).status_code == 401:
                break
            await asyncio.sleep(0.02)
        for http in (first, second):
            assert (await http.get("/api/me", headers=bearer(old))).status_code == 401
            me = await http.get("/api/me", headers=bearer(new))
            assert me.status_code == 200
            assert me.json()["you"]["label"] == "Ana"
        listed = await first.get("/api/links", headers=bearer(uber))
        by_id = {link["id"]: link for link in listed.json()}
        assert by_id[made.json()["id"]]["revoked_by"] == "admin"
        assert by_id[made.json()["id"]]["replaced_by"] == rotated.json()["id"]
