"""Two workers of ``consult serve --workers 2`` on PostgreSQL and Redis, one killed with -9.

- Mid-phase, with 1,000 rooms running on a x600 rehearsal clock: every one of
  the 10,000 timer transitions (phase ends) is applied once, none lost, none
  doubled (each (room, version) appears once in the log, versions contiguous);
  the killed worker's people leave presence within 10 s on the survivor.
- Mid-recall, the worker that made the recall killed at once: the recall
  still ends (the survivor knew its deadline), exactly once.

Needs PostgreSQL and Redis (skips loudly without them, fails in CI).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from urllib.parse import urlparse

import httpx
from websockets.asyncio.client import ClientConnection, connect

from bench.seed import seed
from server.store import crud
from server.store.db import open_database, session_factory
from tests.live.processes import server_process
from tests.live.workers import worker_of, worker_pids

ROOMS = 1000
PHASES_PER_ROOM = 10  # the consultancy: two rounds of five phases
PRESENCE_WITHIN = 10.0


async def wait_for_workers(supervisor: int, count: int) -> list[int]:
    async with asyncio.timeout(30):
        # /proc has nothing to wait on: poll it.
        while len(pids := worker_pids(supervisor)) < count:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
    return pids


@contextlib.asynccontextmanager
async def websockets_on_every_worker(
    base_url: str, token: str, workers: list[int], *, at_least: int, most: int = 60
) -> AsyncIterator[dict[int, list[ClientConnection]]]:
    """Open connections with ``token`` until each worker holds ``at_least`` of them."""
    url = base_url.replace("http://", "ws://") + f"/ws?token={token}"
    port = urlparse(base_url).port
    assert port is not None
    by_worker: dict[int, list[ClientConnection]] = defaultdict(list)
    async with contextlib.AsyncExitStack() as stack:
        for _ in range(most):
            connection = await stack.enter_async_context(
                connect(url, compression=None, max_queue=None, max_size=None)
            )
            await connection.recv()  # the snapshot: the worker has it registered
            local = connection.transport.get_extra_info("sockname")[1]
            worker = worker_of(local, port, workers)
            assert worker is not None, "no worker holds this connection"
            by_worker[worker].append(connection)
            if all(len(by_worker[pid]) >= at_least for pid in workers):
                break
        assert all(len(by_worker[pid]) >= at_least for pid in workers), dict(by_worker)
        yield by_worker


async def drain(connection: ClientConnection) -> None:
    """Read and forget (a client that is not watched must still be read)."""
    with contextlib.suppress(Exception):
        async for _ in connection:
            pass


async def presence_of(uber: ClientConnection, room_id: str, count: int) -> float:
    """Wait until ``uber`` is told that ``count`` people are in the room; returns when."""
    async for frame in uber:
        message = json.loads(frame)
        if (
            message["type"] == "presence.updated"
            and message["room_id"] == room_id
            and len(message["people"]) == count
        ):
            return time.monotonic()
    raise AssertionError("the connection closed before presence was clean")


async def test_two_workers_lose_and_double_no_transition_and_forget_a_killed_worker_s_people(
    migrated_postgres_url: str, redis_url: str
) -> None:
    seeded = await seed(migrated_postgres_url, rooms=ROOMS, now=time.time())
    extra = ("--workers", "2", "--clock-speed", "600")
    async with server_process(
        migrated_postgres_url, backplane_url=redis_url, extra=extra
    ) as server:
        workers = await wait_for_workers(server.process.pid, 2)
        room = seeded.rooms[0]
        async with (
            websockets_on_every_worker(server.base_url, seeded.uber, workers, at_least=1) as ubers,
            websockets_on_every_worker(
                server.base_url, room.observer, workers, at_least=3
            ) as observers,
        ):
            readers = [
                asyncio.create_task(drain(connection))
                for connections in observers.values()
                for connection in connections
            ]
            readers += [
                asyncio.create_task(drain(connection))
                for connections in ubers.values()
                for connection in connections[1:]
            ]
            async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
                started = await http.post(
                    "/api/event/start-all",
                    headers={"Authorization": f"Bearer {seeded.uber}"},
                    json={},
                )
                assert started.status_code == 200, started.text
            victim, survivor = workers
            watcher = ubers[survivor][0]
            everyone = sum(len(connections) for connections in observers.values())
            # Presence only grew while the clients connected: once the survivor says
            # everyone is there, what it says next is news.
            await asyncio.wait_for(presence_of(watcher, room.id, everyone), 10)
            watching = asyncio.create_task(presence_of(watcher, room.id, len(observers[survivor])))
            await asyncio.sleep(1.0)  # mid-phase: 1,000 rooms in their first phases
            assert not watching.done()
            os.kill(victim, signal.SIGKILL)
            killed_at = time.monotonic()
            clean_at = await asyncio.wait_for(watching, PRESENCE_WITHIN + 5)
            assert clean_at - killed_at < PRESENCE_WITHIN
            for reader in readers:
                reader.cancel()
        # The survivor (and the worker started in the victim's place) finish every room.
        ended = await phases_ended(migrated_postgres_url, seeded.event_id, ROOMS * PHASES_PER_ROOM)
    ticks = [row for row in ended if row.action == "tick"]
    versions = Counter((row.room_id, row.version_after) for row in ticks)
    assert max(versions.values()) == 1, "a timer transition was applied twice"
    by_room: dict[str | None, list[int]] = defaultdict(list)
    for row in ticks:
        assert row.version_after is not None
        by_room[row.room_id].append(row.version_after)
    assert len(by_room) == ROOMS
    for room_versions in by_room.values():
        assert sorted(room_versions) == list(range(2, 2 + len(room_versions)))
    phase_ends = count_phase_ends(ended)
    assert phase_ends == ROOMS * PHASES_PER_ROOM


def count_phase_ends(log: list[crud.LogEntry]) -> int:
    count = 0
    for row in log:
        events = row.detail.get("events") if row.action == "tick" else None
        if isinstance(events, list):
            count += sum(
                1 for item in events if isinstance(item, dict) and item["name"] == "phase.ended"
            )
    return count


async def phases_ended(database_url: str, event_id: str, expected: int) -> list[crud.LogEntry]:
    """The event's log once ``expected`` phase ends are in it (at most two minutes)."""
    engine = await open_database(database_url)
    sessions = session_factory(engine)
    try:
        async with asyncio.timeout(120):
            while True:
                async with sessions() as session:
                    log = await crud.read_log(session, event_id=event_id)
                ended = count_phase_ends(log)
                if ended >= expected:
                    await asyncio.sleep(1.0)  # anything doubled would land by now
                    async with sessions() as session:
                        return await crud.read_log(session, event_id=event_id)
                await asyncio.sleep(0.5)
    finally:
        await engine.dispose()


async def test_a_recall_ends_when_the_worker_that_made_it_is_killed(
    migrated_postgres_url: str, redis_url: str
) -> None:
    seeded = await seed(migrated_postgres_url, rooms=2, now=time.time())
    # x600: the recall's 120 s of protocol time are 0.2 s, less than a replacement worker
    # takes to start, so only the survivor can end it on time.
    extra = ("--workers", "2", "--clock-speed", "600")
    async with server_process(
        migrated_postgres_url, backplane_url=redis_url, extra=extra
    ) as server:
        await wait_for_workers(server.process.pid, 2)
        uber = {"Authorization": f"Bearer {seeded.uber}"}
        # One keep-alive connection: every request below is served by the same worker.
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
            worker = (await http.get("/healthz")).json()["worker"]
            assert (await http.post("/api/event/start-all", headers=uber, json={})).is_success
            recall = await http.post("/api/event/recall", headers=uber, json={"seconds": 120})
            assert recall.status_code == 200, recall.text
            deadline = recall.json()["detail"]["deadline"] / 1000
            assert (await http.get("/healthz")).json()["worker"] == worker
        os.kill(worker, signal.SIGKILL)
        url = server.base_url.replace("http://", "ws://") + f"/ws?token={seeded.uber}"
        async with asyncio.timeout(15):
            while True:
                with contextlib.suppress(OSError, ConnectionError):
                    async with connect(url, compression=None) as connection:
                        snapshot = json.loads(await connection.recv())
                        if snapshot["event"]["status"] != "recalling":
                            break
                await asyncio.sleep(0.25)
    engine = await open_database(migrated_postgres_url)
    try:
        async with session_factory(engine)() as session:
            log = await crud.read_log(session, event_id=seeded.event_id)
    finally:
        await engine.dispose()
    event_rows = [row for row in log if row.room_id is None and row.actor == "timer"]
    assert len(event_rows) == 1, [(row.action, row.version_after) for row in event_rows]
    # Ended on time (within 0.5 s of real time), so by the survivor, not by a new worker.
    assert 0 <= event_rows[0].at - deadline < 0.5 * 600
