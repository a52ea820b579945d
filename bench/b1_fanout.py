"""B1 fan-out: time from publish to every client, for a room's phase change and
for an event-wide recall, with 1,000 / 5,000 / 10,000 clients in rooms of 2-10.

Reference: a bare python-websockets server fanning the same payload out to the
same clients with websockets' own ``broadcast()``, in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
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
    summary_ms,
)
from bench.load import LoadClient, close_all, connect_all, plan_clients, quiesce, rooms_needed
from bench.seed import seed
from bench.wsclient import connect

SAMPLE_ROOMS = 30
PAYLOAD_BYTES = 1500


async def measure_ours(total: int, workdir: Path) -> dict[str, Any]:
    database = workdir / f"b1-{total}.db"
    seeded = await seed(database, rooms=rooms_needed(total), now=time.time())
    async with running(await start_ours(database)) as server:
        clients = plan_clients(seeded, total)
        await connect_all(server.port, clients)
        uber = LoadClient(-1, seeded.uber, False)
        uber.client = await connect(
            "127.0.0.1", server.port, f"/ws?token={seeded.uber}", uber.on_message
        )
        await quiesce(clients)
        uber.client.send_text(json.dumps({"type": "event.start_all"}))
        while uber.first_after(0, b'"command.ok"') is None:  # every room has started
            await asyncio.sleep(0.01)
        await quiesce(clients)
        by_room: dict[int, list[LoadClient]] = {}
        for load in clients:
            by_room.setdefault(load.room_index, []).append(load)
        room_latencies: list[float] = []
        samples = [index for index in sorted(by_room) if len(by_room[index]) >= 2][:SAMPLE_ROOMS]
        for index in samples:
            members = by_room[index]
            moderator = members[0]
            assert moderator.client is not None
            start = time.perf_counter()
            moderator.client.send_text(
                json.dumps(
                    {
                        "type": "room.command",
                        "room_id": seeded.rooms[index].id,
                        "action": "next",
                        "expected_version": moderator.version,
                    }
                )
            )
            await quiesce(members, quiet=0.05)
            for load in members:
                at = load.first_after(start, b'"room.updated"')
                if at is not None:
                    room_latencies.append(at - start)
        start = time.perf_counter()
        uber.client.send_text(json.dumps({"type": "event.recall", "seconds": 60}))
        await quiesce(clients, quiet=0.5)
        recall = [
            at - start for load in clients if (at := load.first_after(start, b"recall")) is not None
        ]
        missing = len(clients) - len(recall)
        close_all(clients)
        uber.client.close()
    return {"room": room_latencies, "recall": recall, "missing": missing}


async def measure_bare(total: int, seeded_sizes: list[int]) -> dict[str, Any]:
    payload = json.dumps({"type": "room.updated", "pad": "x" * PAYLOAD_BYTES})
    async with running(await start_bare(hello_bytes=PAYLOAD_BYTES)) as server:
        clients: list[LoadClient] = []
        for room_index, size in enumerate(seeded_sizes):
            clients += [LoadClient(room_index, f"group={room_index}", False) for _ in range(size)]
        clients = clients[:total]
        for load in clients:
            load.token = str(load.room_index)
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
        by_room: dict[int, list[LoadClient]] = {}
        for load in clients:
            by_room.setdefault(load.room_index, []).append(load)
        room_latencies: list[float] = []
        samples = [index for index in sorted(by_room) if len(by_room[index]) >= 2][:SAMPLE_ROOMS]
        for index in samples:
            start = time.perf_counter()
            control.send_text(json.dumps({"group": index, "payload": payload}))
            await replies.get()
            await quiesce(by_room[index], quiet=0.05)
            room_latencies += [
                at - start
                for load in by_room[index]
                if (at := load.first_after(start, b"room.updated")) is not None
            ]
        start = time.perf_counter()
        control.send_text(
            json.dumps({"group": None, "payload": payload.replace("room.updated", "recall")})
        )
        await replies.get()
        await quiesce(clients, quiet=0.5)
        recall = [
            at - start for load in clients if (at := load.first_after(start, b"recall")) is not None
        ]
        close_all(clients)
        control.close()
    return {"room": room_latencies, "recall": recall}


def room_sizes(total: int) -> list[int]:
    from bench.load import plan_clients as plan
    from bench.seed import Seeded, SeededRoom

    fake = Seeded(
        "e", "u", [SeededRoom(str(i), "m", ["a", "b"], "o") for i in range(rooms_needed(total))]
    )
    sizes: dict[int, int] = {}
    for load in plan(fake, total):
        sizes[load.room_index] = sizes.get(load.room_index, 0) + 1
    return [sizes[index] for index in sorted(sizes)]


async def main_async(sizes: list[int], tiny: bool) -> dict[str, Any]:
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        for total in sizes:
            ours = await measure_ours(total, Path(workdir))
            bare = await measure_bare(total, room_sizes(total))
            o_room, b_room = summary_ms(ours["room"]), summary_ms(bare["room"])
            o_recall, b_recall = summary_ms(ours["recall"]), summary_ms(bare["recall"])
            print(f"B1 {total} clients: room ours {o_room} bare {b_room}")
            print(
                f"B1 {total} clients: recall ours {o_recall} bare {b_recall} (missing {ours['missing']})"
            )
            recall_target = {5000: "p99 <= 100 ms and <= 1.3x bare", 10000: "p99 <= 250 ms"}.get(
                total, "—"
            )
            recall_met: bool | None = None
            if total == 5000:
                recall_met = (
                    o_recall["p99_ms"] <= 100 and o_recall["p99_ms"] <= 1.3 * b_recall["p99_ms"]
                )
            elif total == 10000:
                recall_met = o_recall["p99_ms"] <= 250
            rows += [
                row(
                    f"{total} clients: room phase change p50",
                    o_room["p50_ms"],
                    b_room["p50_ms"],
                    "bare broadcast()",
                    "<= 2 ms" if total == 5000 else "—",
                    o_room["p50_ms"] <= 2 if total == 5000 else None,
                ),
                row(
                    f"{total} clients: room phase change p99",
                    o_room["p99_ms"],
                    b_room["p99_ms"],
                    "bare broadcast()",
                    "<= 5 ms" if total == 5000 else "—",
                    o_room["p99_ms"] <= 5 if total == 5000 else None,
                ),
                row(
                    f"{total} clients: recall p50",
                    o_recall["p50_ms"],
                    b_recall["p50_ms"],
                    "bare broadcast()",
                    "—",
                    None,
                ),
                row(
                    f"{total} clients: recall p99",
                    o_recall["p99_ms"],
                    b_recall["p99_ms"],
                    "bare broadcast()",
                    recall_target,
                    recall_met,
                ),
                row(
                    f"{total} clients: recall to the last client",
                    o_recall["max_ms"],
                    b_recall["max_ms"],
                    "bare broadcast()",
                    "—",
                    None,
                ),
            ]
            if ours["missing"]:
                rows.append(
                    row(
                        f"{total} clients: never saw the recall",
                        ours["missing"],
                        0,
                        "bare",
                        "0",
                        False,
                        unit="clients",
                    )
                )
    return record("B1", "fan-out", rows, tiny=tiny)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 5000, 10000])
    parser.add_argument("--tiny", action="store_true", help="a few clients, results not stored")
    arguments = parser.parse_args()
    prepare_load_process()
    sizes = [12] if arguments.tiny else arguments.sizes
    asyncio.run(main_async(sizes, arguments.tiny))


if __name__ == "__main__":
    main()
