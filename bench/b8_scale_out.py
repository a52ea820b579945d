"""B8 scale-out: two server processes over Redis (sharing PostgreSQL), clients split
between them, against one process serving the same clients in the same run.

- Recall: an uber moderator on process A recalls every room; the time until each
  client (on A or B) hears of it.
- A room phase change across processes: a room's moderator is connected to one
  process and the room's other clients to the other; the time from the
  moderator's command until those clients hear it.

Reference: one process (same PostgreSQL and Redis) serving the same clients.
Both setups get the same single server core, so the ratio is the cost of the
split (Redis hops, two schedulers), not a gain from a second core.
Needs PostgreSQL (127.0.0.1:5432, trust auth) and Redis (127.0.0.1:6379).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from bench.common import prepare_load_process, record, row, running, start_ours, summary_ms
from bench.load import LoadClient, close_all, connect_all, plan_clients, quiesce, rooms_needed
from bench.seed import seed
from bench.wsclient import connect
from server.store.db import create_engine
from server.store.migrate import upgrade

PG_ADMIN = os.environ.get("CONSULT_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("CONSULT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SAMPLE_ROOMS = 30


@asynccontextmanager
async def fresh_database() -> AsyncIterator[str]:
    name = f"consult_b8_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(PG_ADMIN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
        url = f"{url}/{name}"
        engine = create_engine(url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()
        yield url
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def measure(total: int, processes: int) -> dict[str, Any]:
    async with fresh_database() as database:
        seeded = await seed(database, rooms=rooms_needed(total), now=time.time())
        servers = [await start_ours(database, backplane=REDIS_URL) for _ in range(processes)]
        try:
            ports = [server.port for server in servers]
            clients = plan_clients(seeded, total)
            by_room: dict[int, list[LoadClient]] = {}
            for load in clients:
                by_room.setdefault(load.room_index, []).append(load)
            # A room's moderator on one process, the rest of its room on the other;
            # rooms alternate, so the clients are split about evenly.
            port_of: dict[int, int] = {}
            for index, members in by_room.items():
                home, away = ports[index % processes], ports[(index + 1) % processes]
                for position, load in enumerate(members):
                    port_of[id(load)] = home if position == 0 else away
            for port in ports:
                await connect_all(port, [load for load in clients if port_of[id(load)] == port])
            uber = LoadClient(-1, seeded.uber, False)
            uber.client = await connect(
                "127.0.0.1", ports[0], f"/ws?token={seeded.uber}", uber.on_message
            )
            await quiesce(clients)
            uber.client.send_text(json.dumps({"type": "event.start_all"}))
            while uber.first_after(0, b'"command.ok"') is None:
                await asyncio.sleep(0.01)
            await quiesce(clients)
            room_latencies: list[float] = []
            samples = [i for i in sorted(by_room) if len(by_room[i]) >= 2][:SAMPLE_ROOMS]
            for index in samples:
                moderator, *others = by_room[index]
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
                await quiesce(by_room[index], quiet=0.05)
                for load in others:
                    if (at := load.first_after(start, b'"room.updated"')) is not None:
                        room_latencies.append(at - start)
            start = time.perf_counter()
            uber.client.send_text(json.dumps({"type": "event.recall", "seconds": 60}))
            # On PostgreSQL the recall of 2,000 rooms takes about half a second to commit:
            # wait for its acknowledgement before waiting for the clients to go quiet.
            while uber.first_after(start, b'"command.ok"') is None:
                await asyncio.sleep(0.01)
            await quiesce(clients, quiet=0.5)
            recall = [
                at - start
                for load in clients
                if (at := load.first_after(start, b"recall")) is not None
            ]
            missing = len(clients) - len(recall)
            close_all(clients)
            uber.client.close()
        finally:
            for server in servers:
                async with running(server):
                    pass
    return {"room": room_latencies, "recall": recall, "missing": missing}


async def main_async(total: int, tiny: bool) -> dict[str, Any]:
    split = await measure(total, 2)
    single = await measure(total, 1)
    s_recall, o_recall = summary_ms(split["recall"]), summary_ms(single["recall"])
    s_room, o_room = summary_ms(split["room"]), summary_ms(single["room"])
    print(f"B8 {total} clients on 2 processes: recall {s_recall}; one process {o_recall}")
    print(f"B8 {total} clients: room change across processes {s_room}; one process {o_room}")
    print(f"B8 missing: {split['missing']} split, {single['missing']} single")
    full = total >= 10_000
    rows = [
        row(
            f"{total} clients, 2 processes: recall p50",
            s_recall["p50_ms"],
            o_recall["p50_ms"],
            "one process",
            "—",
            None,
        ),
        row(
            f"{total} clients, 2 processes: recall p99",
            s_recall["p99_ms"],
            o_recall["p99_ms"],
            "one process",
            "<= 150 ms and <= 1.5x one process" if full else "—",
            (s_recall["p99_ms"] <= 150 and s_recall["p99_ms"] <= 1.5 * o_recall["p99_ms"])
            if full
            else None,
        ),
        row(
            f"{total} clients: room phase change on the other process p50",
            s_room["p50_ms"],
            o_room["p50_ms"],
            "one process",
            "—",
            None,
        ),
        row(
            f"{total} clients: room phase change on the other process p99",
            s_room["p99_ms"],
            o_room["p99_ms"],
            "one process",
            "<= 10 ms" if full else "—",
            s_room["p99_ms"] <= 10 if full else None,
        ),
    ]
    if split["missing"] or single["missing"]:
        rows.append(
            row(
                f"{total} clients: never saw the recall",
                split["missing"],
                single["missing"],
                "one process",
                "0",
                False,
                unit="clients",
            )
        )
    return record("B8", "scale-out", rows, tiny=tiny)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--tiny", action="store_true", help="a few clients, results not stored")
    arguments = parser.parse_args()
    prepare_load_process()
    asyncio.run(main_async(12 if arguments.tiny else arguments.clients, arguments.tiny))


if __name__ == "__main__":
    main()
