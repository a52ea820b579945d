"""Unit costs for capacity planning (docs/deploy.md): what one message or one change
costs each shared component, measured here.

- Redis: one 1.5 KB PUBLISH awaited at a time (as a process publishes).
- A process following an event: one envelope for a room with no client in that
  process (decoded, and nobody to deliver to): what every process pays for every
  change of an event it follows.
- PostgreSQL: one room command committed end to end over REST (read, compare-and-set,
  log row, publication), one at a time; and "start all" of 1,000 rooms.

Not targets: figures to scale from. Needs PostgreSQL and Redis, as B8.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

import httpx
import redis.asyncio as redis

from bench.b8_scale_out import REDIS_URL, fresh_database
from bench.common import ADMIN_KEY, prepare_load_process, running, start_ours
from bench.seed import seed
from server.hub.envelope import Audience, decode, for_clients
from server.hub.registry import Registry


async def redis_publish_us(count: int) -> float:
    client = redis.from_url(REDIS_URL)
    message = "x" * 1500
    try:
        started = time.perf_counter()
        for _ in range(count):
            await client.publish("consult.bench.unit", message)
        return (time.perf_counter() - started) / count * 1e6
    finally:
        await client.aclose()


async def follow_envelope_us(count: int) -> float:
    registry = Registry()
    text = for_clients("x" * 1500, Audience(room_id="room-elsewhere"))
    started = time.perf_counter()
    for _ in range(count):
        item = decode(text)
        assert not isinstance(item, str)
        await registry.deliver("event", Audience(room_id="room-elsewhere"), "x", lambda _c: None)
    return (time.perf_counter() - started) / count * 1e6


async def postgres_costs(commands: int, rooms: int) -> dict[str, float]:
    async with fresh_database() as database:
        seeded = await seed(database, rooms=rooms, now=time.time())
        async with running(await start_ours(database, backplane=REDIS_URL)) as server:
            base = f"http://127.0.0.1:{server.port}"
            uber = {"Authorization": f"Bearer {seeded.uber}", "X-Admin-Key": ADMIN_KEY}
            async with httpx.AsyncClient(base_url=base, headers=uber, timeout=60) as http:
                started = time.perf_counter()
                reply = await http.post("/api/event/start-all", json={})
                start_all_ms = (time.perf_counter() - started) * 1000
                assert reply.status_code == 200, reply.text
                room = seeded.rooms[0].id
                version = 1  # every room has started: its first version
                latencies = []
                for _ in range(commands):
                    started = time.perf_counter()
                    reply = await http.post(
                        f"/api/rooms/{room}/commands",
                        json={"action": "adjust_time", "seconds": 1, "expected_version": version},
                    )
                    latencies.append(time.perf_counter() - started)
                    assert reply.status_code == 200, reply.text
                    version = reply.json()["version"]
    return {
        "room_change_ms": statistics.median(latencies) * 1000,
        "start_all_ms": start_all_ms,
    }


async def main_async(tiny: bool) -> dict[str, Any]:
    figures: dict[str, Any] = {
        "redis_publish_us": round(await redis_publish_us(200 if tiny else 20_000), 1),
        "follow_envelope_us": round(await follow_envelope_us(200 if tiny else 100_000), 2),
    }
    postgres = await postgres_costs(10 if tiny else 300, 10 if tiny else 1000)
    figures["postgres_room_change_ms"] = round(postgres["room_change_ms"], 2)
    figures[f"postgres_start_all_{10 if tiny else 1000}_rooms_ms"] = round(
        postgres["start_all_ms"], 1
    )
    for name, value in figures.items():
        print(f"unit cost {name}: {value}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tiny", action="store_true", help="a few of each")
    arguments = parser.parse_args()
    prepare_load_process()
    asyncio.run(main_async(arguments.tiny))


if __name__ == "__main__":
    main()
