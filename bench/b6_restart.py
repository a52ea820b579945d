"""B6 restart: 5,000 clients and 500 running rooms; the server restarts.

Time from the restart until 99 % and 100 % of clients hold a fresh snapshot
(clients reconnect as the web client does: exponential backoff from 0.5 s
with full jitter), and the drift of every room's deadline across the restart
(it must be 0: deadlines are absolute and stored). Reference: the time the
server itself takes to stop and become ready again, measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import (
    percentile,
    prepare_load_process,
    record,
    row,
    start_ours,
)
from bench.load import LoadClient, connect_all, plan_clients, quiesce
from bench.seed import seed
from bench.wsclient import connect

BASE_DELAY = 0.5
MAX_DELAY = 15.0


async def deadlines(port: int, uber: str) -> dict[str, float]:
    async with httpx.AsyncClient() as http:
        snapshot = (
            await http.get(
                f"http://127.0.0.1:{port}/api/me",
                headers={"Authorization": f"Bearer {uber}"},
                timeout=30,
            )
        ).json()
    return {room["id"]: room["deadline"] for room in snapshot["rooms"]}


async def reconnect(
    load: LoadClient, port: int, restarted_at: float, chooser: random.Random
) -> float:
    """Reconnect like the web client; returns when this client holds a fresh snapshot."""
    assert load.client is not None
    await load.client.closed
    attempt = 0
    while True:
        await asyncio.sleep(chooser.uniform(0, min(MAX_DELAY, BASE_DELAY * 2**attempt)))
        attempt += 1
        arrived = load.expect_snapshot()
        try:
            load.client = await connect(
                "127.0.0.1", port, f"/ws?token={load.token}", load.on_message
            )
        except OSError:
            continue
        closed: asyncio.Future[Any] = load.client.closed
        waiting: set[asyncio.Future[Any]] = {arrived, closed}
        done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        if arrived in done:
            return arrived.result() - restarted_at


async def main_async(rooms: int, clients_count: int, tiny: bool) -> dict[str, Any]:
    chooser = random.Random(3)
    with tempfile.TemporaryDirectory() as workdir:
        database = Path(workdir) / "b6.db"
        seeded = await seed(database, rooms=rooms, now=time.time())
        server = await start_ours(database)
        port = server.port
        try:
            clients = plan_clients(seeded, clients_count)
            await connect_all(port, clients)
            async with httpx.AsyncClient() as http:
                await http.post(
                    f"http://127.0.0.1:{port}/api/event/start-all",
                    headers={"Authorization": f"Bearer {seeded.uber}"},
                    timeout=60,
                )
            await quiesce(clients)
            before = await deadlines(port, seeded.uber)
            restarted_at = time.perf_counter()
            waiting = [
                asyncio.ensure_future(reconnect(load, port, restarted_at, chooser))
                for load in clients
            ]
            server.stop()
            server = await start_ours(database, port=port)
            server_ready = time.perf_counter() - restarted_at
            times = await asyncio.wait_for(asyncio.gather(*waiting), 120)
            after = await deadlines(port, seeded.uber)
        finally:
            server.stop()
    drift = max(
        abs(after[room_id] - deadline)
        for room_id, deadline in before.items()
        if deadline is not None
    )
    p99, p100 = percentile(times, 0.99), max(times)
    print(
        f"B6 {clients_count} clients, {rooms} rooms: server ready {server_ready:.2f} s; 99 % {p99:.2f} s, 100 % {p100:.2f} s; drift {drift} ms"
    )
    rows = [
        row(
            "99 % of clients hold a fresh snapshot",
            p99,
            server_ready,
            "server stop + start",
            "<= 5 s",
            p99 <= 5,
            unit="s",
        ),
        row(
            "100 % of clients hold a fresh snapshot",
            p100,
            server_ready,
            "server stop + start",
            "—",
            None,
            unit="s",
        ),
        row(
            "deadline drift across the restart (max over rooms)",
            drift,
            0,
            "none",
            "0 ms",
            drift == 0,
        ),
    ]
    return record("B6", "restart", rows, tiny=tiny)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rooms", type=int, default=500)
    parser.add_argument("--clients", type=int, default=5000)
    parser.add_argument("--tiny", action="store_true")
    arguments = parser.parse_args()
    prepare_load_process()
    if arguments.tiny:
        asyncio.run(main_async(3, 8, True))
    else:
        asyncio.run(main_async(arguments.rooms, arguments.clients, False))


if __name__ == "__main__":
    main()
