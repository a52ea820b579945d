"""B7 start all: from an uber moderator's "Start all rooms" to every client holding its
room's ``room.updated``, with 1,000 and 5,000 clients in rooms of 2-10 clients.

Figures: the time to the first client, p50, p99 and the last client. Reference: a
bare python-websockets server broadcasting one message of the same size to the same
clients with ``broadcast()``, in the same run (its first, p50, p99 and last).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.b1_fanout import room_sizes
from bench.common import (
    prepare_load_process,
    record,
    row,
    running,
    start_bare,
    start_ours,
    summary_ms,
)
from bench.load import LoadClient, close_all, connect_all, plan_clients, quiesce, rooms_needed
from bench.seed import seed
from bench.wsclient import connect

MARKER = b'"room.updated"'


async def measure_ours(total: int, workdir: Path) -> dict[str, Any]:
    database = workdir / f"b7-{total}.db"
    seeded = await seed(database, rooms=rooms_needed(total), now=time.time())
    async with running(await start_ours(database)) as server:
        clients = plan_clients(seeded, total)
        await connect_all(server.port, clients)
        uber = LoadClient(-1, seeded.uber, False)
        uber.client = await connect(
            "127.0.0.1", server.port, f"/ws?token={seeded.uber}", uber.on_message
        )
        await quiesce(clients)
        sizes: list[int] = []
        watcher = clients[0]
        assert watcher.client is not None
        original = watcher.on_message

        def sized(client: Any, payload: bytes, at: float) -> None:
            if MARKER in payload[:40]:
                sizes.append(len(payload))
            original(client, payload, at)

        watcher.client.on_message = sized
        start = time.perf_counter()
        uber.client.send_text(json.dumps({"type": "event.start_all"}))
        await quiesce(clients, quiet=0.5)
        latencies = [
            at - start for load in clients if (at := load.first_after(start, MARKER)) is not None
        ]
        replied = uber.first_after(start, b'"command.ok"')
        missing = len(clients) - len(latencies)
        close_all(clients)
        uber.client.close()
    return {
        "latencies": latencies,
        "missing": missing,
        "size": max(sizes) if sizes else 1500,
        "rooms": len({load.room_index for load in clients}),
        "reply": None if replied is None else replied - start,
    }


async def measure_bare(total: int, payload_bytes: int) -> list[float]:
    payload = json.dumps({"type": "room.updated", "pad": "x" * max(0, payload_bytes - 40)})
    async with running(await start_bare(hello_bytes=64)) as server:
        clients: list[LoadClient] = []
        for room_index, size in enumerate(room_sizes(total)):
            clients += [LoadClient(room_index, str(room_index), False) for _ in range(size)]
        clients = clients[:total]
        semaphore = asyncio.Semaphore(256)

        async def one(load: LoadClient) -> None:
            async with semaphore:
                load.client = await connect(
                    "127.0.0.1", server.port, f"/ws?group={load.token}", load.on_message
                )

        await asyncio.gather(*(one(load) for load in clients))
        replies: asyncio.Queue[bytes] = asyncio.Queue()
        control = await connect(
            "127.0.0.1", server.port, "/control", lambda _c, p, _a: replies.put_nowait(p)
        )
        await quiesce(clients)
        start = time.perf_counter()
        control.send_text(json.dumps({"group": None, "payload": payload}))
        await replies.get()
        await quiesce(clients, quiet=0.5)
        latencies = [
            at - start for load in clients if (at := load.first_after(start, MARKER)) is not None
        ]
        close_all(clients)
        control.close()
    return latencies


async def main_async(sizes: list[int], tiny: bool) -> dict[str, Any]:
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        for total in sizes:
            ours = await measure_ours(total, Path(workdir))
            bare = await measure_bare(total, ours["size"])
            o, b = summary_ms(ours["latencies"]), summary_ms(bare)
            o_first = min(ours["latencies"], default=float("nan")) * 1000
            b_first = min(bare, default=float("nan")) * 1000
            print(
                f"B7 {total} clients in {ours['rooms']} rooms ({ours['size']} B per message): "
                f"ours first {o_first:.2f} ms {o}; bare first {b_first:.2f} ms {b} "
                f"(missing {ours['missing']}; uber's reply {ours['reply']})"
            )
            first_target = "<= 10 ms" if total == 1000 else "—"
            first_met = o_first <= 10 if total == 1000 else None
            p99_met = o["p99_ms"] <= 2 * b["p99_ms"]
            rows += [
                row(
                    f"{total} clients: first client",
                    o_first,
                    b_first,
                    "bare broadcast()",
                    first_target,
                    first_met,
                ),
                row(
                    f"{total} clients: p50", o["p50_ms"], b["p50_ms"], "bare broadcast()", "—", None
                ),
                row(
                    f"{total} clients: p99",
                    o["p99_ms"],
                    b["p99_ms"],
                    "bare broadcast()",
                    "<= 2x bare",
                    p99_met,
                ),
                row(
                    f"{total} clients: last client",
                    o["max_ms"],
                    b["max_ms"],
                    "bare broadcast()",
                    "—",
                    None,
                ),
            ]
            if ours["missing"]:
                rows.append(
                    row(
                        f"{total} clients: never heard of the start",
                        ours["missing"],
                        0,
                        "bare",
                        "0",
                        False,
                        unit="clients",
                    )
                )
    return record("B7", "start all", rows, tiny=tiny)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 5000])
    parser.add_argument("--tiny", action="store_true", help="a few clients, results not stored")
    arguments = parser.parse_args()
    prepare_load_process()
    sizes = [12] if arguments.tiny else arguments.sizes
    asyncio.run(main_async(sizes, arguments.tiny))


if __name__ == "__main__":
    main()
