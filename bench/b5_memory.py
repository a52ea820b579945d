"""B5 memory: resident memory per idle connection at 10,000 connections.

Measured as the growth of the server process's RSS from before the clients
connect to when all hold a snapshot and the server is idle, divided by the
number of connections. Reference: the bare python-websockets server, same
clients, same run.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import (
    prepare_load_process,
    record,
    row,
    rss_kib,
    running,
    start_bare,
    start_ours,
)
from bench.load import LoadClient, close_all, connect_all, plan_clients, quiesce, rooms_needed
from bench.seed import seed
from bench.wsclient import connect


async def per_connection_ours(total: int, workdir: Path) -> float:
    database = workdir / "b5.db"
    seeded = await seed(database, rooms=rooms_needed(total), now=time.time())
    async with running(await start_ours(database)) as server:
        # One client first, so one-off costs (imports, caches) are not counted per connection.
        warm = plan_clients(seeded, 1)
        await connect_all(server.port, warm)
        await asyncio.sleep(1)
        before = rss_kib(server.pid)
        clients = plan_clients(seeded, total + 1)[1:]
        await connect_all(server.port, clients)
        await quiesce(clients, quiet=1.0)
        after = rss_kib(server.pid)
        close_all(clients + warm)
    return (after - before) / total


async def per_connection_bare(total: int, hello_bytes: int) -> float:
    async with running(await start_bare(hello_bytes=hello_bytes)) as server:
        warm = await connect("127.0.0.1", server.port, "/ws?group=0", lambda *_: None)
        await asyncio.sleep(1)
        before = rss_kib(server.pid)
        clients = [LoadClient(i, str(i % 1000), False) for i in range(total)]
        semaphore = asyncio.Semaphore(256)

        async def one(load: LoadClient) -> None:
            async with semaphore:
                load.client = await connect(
                    "127.0.0.1", server.port, f"/ws?group={load.token}", load.on_message
                )

        await asyncio.gather(*(one(load) for load in clients))
        await quiesce(clients, quiet=1.0)
        after = rss_kib(server.pid)
        close_all(clients)
        warm.close()
    return (after - before) / total


async def main_async(total: int, tiny: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as workdir:
        ours = await per_connection_ours(total, Path(workdir))
    bare = await per_connection_bare(total, 2048)
    print(f"B5 {total} idle connections: ours {ours:.1f} KiB each, bare {bare:.1f} KiB each")
    rows = [
        row(
            f"{total} idle connections: RSS per connection",
            ours,
            bare,
            "bare websockets server",
            "<= 25 KiB",
            ours <= 25,
            unit="KiB",
        )
    ]
    return record("B5", "memory", rows, tiny=tiny)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--tiny", action="store_true")
    arguments = parser.parse_args()
    prepare_load_process()
    asyncio.run(main_async(10 if arguments.tiny else arguments.clients, arguments.tiny))


if __name__ == "__main__":
    main()
