"""B2 connect storm: time for 1,000 and 5,000 clients to connect and hold their
first snapshot.

Reference: the bare python-websockets server's accept rate in the same run
(clients connect and receive a greeting of the same size as our snapshot).
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
    running,
    start_bare,
    start_ours,
)
from bench.load import LoadClient, close_all, connect_all, plan_clients, rooms_needed
from bench.seed import seed
from bench.wsclient import WSClient, connect

CONCURRENCY = 512


async def storm_ours(total: int, workdir: Path) -> tuple[float, int]:
    database = workdir / f"b2-{total}.db"
    seeded = await seed(database, rooms=rooms_needed(total), now=time.time())
    async with running(await start_ours(database)) as server:
        clients = plan_clients(seeded, total)
        seconds = await connect_all(server.port, clients, concurrency=CONCURRENCY)
        size = 0
        for load in clients[:1]:
            assert load.client is not None
        close_all(clients)
        # The snapshot's size, to give the bare server the same greeting.
        probe = LoadClient(0, seeded.rooms[0].members[0], False)
        sizes: list[int] = []
        probe.client = await connect(
            "127.0.0.1",
            server.port,
            f"/ws?token={probe.token}",
            lambda _c, p, _a: sizes.append(len(p)),
        )
        while not sizes:
            await asyncio.sleep(0.01)
        size = sizes[0]
        probe.client.close()
    return seconds, size


async def storm_bare(total: int, hello_bytes: int) -> float:
    async with running(await start_bare(hello_bytes=hello_bytes)) as server:
        clients = [LoadClient(i % 500, str(i % 500), False) for i in range(total)]
        semaphore = asyncio.Semaphore(CONCURRENCY)
        start = time.perf_counter()

        async def one(load: LoadClient) -> None:
            async with semaphore:
                greeted: asyncio.Future[float] = asyncio.get_running_loop().create_future()

                def on_message(client: WSClient, payload: bytes, at: float) -> None:
                    load.on_message(client, payload, at)
                    if not greeted.done():
                        greeted.set_result(at)

                load.client = await connect(
                    "127.0.0.1", server.port, f"/ws?group={load.token}", on_message
                )
                await greeted

        await asyncio.gather(*(one(load) for load in clients))
        seconds = time.perf_counter() - start
        close_all(clients)
    return seconds


async def main_async(sizes: list[int], tiny: bool) -> dict[str, Any]:
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        for total in sizes:
            ours, snapshot_bytes = await storm_ours(total, Path(workdir))
            bare = await storm_bare(total, snapshot_bytes)
            print(
                f"B2 {total} clients: ours {ours:.3f} s, bare {bare:.3f} s (snapshot {snapshot_bytes} bytes)"
            )
            target = "<= 1 s" if total == 1000 else "—"
            rows += [
                row(
                    f"{total} clients connected, each holding its snapshot",
                    ours,
                    bare,
                    f"bare accept + {snapshot_bytes} B greeting",
                    target,
                    ours <= 1.0 if total == 1000 else None,
                    unit="s",
                ),
                row(
                    f"{total} clients: connections per second",
                    total / ours,
                    total / bare,
                    "bare accept rate",
                    "—",
                    None,
                    unit="/s",
                ),
            ]
    return record("B2", "connect storm", rows, tiny=tiny)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 5000])
    parser.add_argument("--tiny", action="store_true")
    arguments = parser.parse_args()
    prepare_load_process()
    asyncio.run(main_async([10] if arguments.tiny else arguments.sizes, arguments.tiny))


if __name__ == "__main__":
    main()
