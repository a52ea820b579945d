"""B4 timer punctuality: 1,000 rooms running at x60 with B1-style load.

Early transitions (must be 0), lateness of each timer transition against its
deadline (p50, p99, max, in real time), the delay from each deadline to every
client of its room holding the ``room.updated`` it caused, and the server's
event-loop lag. Lateness is read from the command log, where every timer
transition records the deadlines it honoured and the instant it ran; a
protocol instant becomes a wall-clock one through the rehearsal clock's stored
anchor, and a client's arrival through the load generator's wall-clock offset.
Reference: an idle asyncio ``call_at`` probe (uvloop) on the server's core in
the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import (
    ADMIN_KEY,
    ROOT,
    SERVER_CORE,
    percentile,
    prepare_load_process,
    record,
    row,
    running,
    start_ours,
)
from bench.load import LoadClient, close_all, connect_all, plan_clients
from bench.seed import seed
from bench.wsclient import connect

SPEED = 60.0


def idle_probe() -> list[float]:
    command = [sys.executable, "-m", "bench.probe", "--count", "2000", "--interval", "0.002"]
    if Path("/usr/bin/taskset").exists():
        command = ["/usr/bin/taskset", "-c", str(SERVER_CORE), *command]
    output = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    late: list[float] = json.loads(output)
    return late


def deadline_to_client(
    database: Path, clients: list[LoadClient], room_ids: list[str], wall_minus_perf: float
) -> tuple[list[float], int]:
    """Real seconds from each timer deadline to each client of its room holding the
    update it caused; and how many such updates never arrived."""
    with sqlite3.connect(database) as connection:
        real_at, protocol_at, speed = connection.execute(
            "SELECT real_at, protocol_at, speed FROM clock_anchor"
        ).fetchone()
        ticks = connection.execute(
            "SELECT room_id, version_after, detail FROM command_log WHERE action = 'tick'"
        ).fetchall()
    arrivals: dict[str, list[dict[int, float]]] = {}
    for client in clients:
        versions = {version: at for at, version in reversed(client.room_versions or [])}
        arrivals.setdefault(room_ids[client.room_index], []).append(versions)
    delays: list[float] = []
    missing = 0
    for room_id, version, detail in ticks:
        due = [
            event["at"]
            for event in json.loads(detail)["events"]
            if event["name"] == "phase.ended" and event["reason"] == "time_up"
        ]
        if not due:
            continue
        deadline = real_at + (min(due) - protocol_at) / speed
        for versions in arrivals.get(room_id, []):
            if version in versions:
                delays.append(versions[version] + wall_minus_perf - deadline)
            else:
                missing += 1
    return delays, missing


def transition_lateness(database: Path) -> tuple[list[float], int]:
    """Real seconds from each timer deadline to the transition applying it; and early ones."""
    late: list[float] = []
    early = 0
    with sqlite3.connect(database) as connection:
        for applied_at, detail in connection.execute(
            "SELECT at, detail FROM command_log WHERE action = 'tick'"
        ):
            for event in json.loads(detail)["events"]:
                if event["name"] == "phase.ended" and event["reason"] == "time_up":
                    delta = (applied_at - event["at"]) / SPEED
                    if delta < -1e-9:
                        early += 1
                    late.append(max(delta, 0.0))
    return late, early


async def main_async(rooms: int, clients_count: int, seconds: float, tiny: bool) -> dict[str, Any]:
    reference = idle_probe()
    with tempfile.TemporaryDirectory() as workdir:
        database = Path(workdir) / "b4.db"
        seeded = await seed(database, rooms=rooms, now=time.time())
        async with running(await start_ours(database, clock_speed=SPEED)) as server:
            clients = plan_clients(seeded, clients_count)
            for client in clients:
                client.room_versions = []
            await connect_all(server.port, clients)
            uber = LoadClient(-1, seeded.uber, False)
            uber.client = await connect(
                "127.0.0.1", server.port, f"/ws?token={seeded.uber}", uber.on_message
            )
            uber.client.send_text(json.dumps({"type": "event.start_all"}))
            while uber.first_after(0, b'"command.ok"') is None:
                await asyncio.sleep(0.01)
            await asyncio.sleep(seconds)
            async with httpx.AsyncClient() as http:
                stats = (
                    await http.get(
                        f"http://127.0.0.1:{server.port}/ops/stats",
                        headers={"X-Admin-Key": ADMIN_KEY},
                    )
                ).json()
            close_all(clients)
            uber.client.close()
        late, early = transition_lateness(database)
        wall_minus_perf = time.time() - time.perf_counter()
        delays, missing = deadline_to_client(
            database, clients, [room.id for room in seeded.rooms], wall_minus_perf
        )
    lag = stats["loop_lag"]
    delay_p50, delay_p99 = (percentile(delays, f) * 1000 for f in (0.5, 0.99))
    print(
        f"B4 deadline to client: {len(delays)} deliveries, p50 {delay_p50:.2f} ms "
        f"p99 {delay_p99:.2f} ms max {max(delays, default=0) * 1000:.2f} ms; missing {missing}"
    )
    print(
        f"B4 {rooms} rooms x{SPEED:g}, {clients_count} clients, {len(late)} transitions: early {early}, "
        f"late p50 {percentile(late, 0.5) * 1000:.2f} ms p99 {percentile(late, 0.99) * 1000:.2f} ms "
        f"max {max(late, default=0) * 1000:.2f} ms; loop lag {lag}; idle probe p99 {percentile(reference, 0.99) * 1000:.3f} ms"
    )
    reference = [max(late, 0.0) for late in reference]  # uvloop may run a timer a hair early
    ref_p50, ref_p99, ref_max = (percentile(reference, f) * 1000 for f in (0.5, 0.99, 1.0))
    late_p99 = percentile(late, 0.99) * 1000
    rows = [
        row(f"{len(late)} transitions: early", early, 0, "—", "0", early == 0, unit="transitions"),
        row(
            "transition lateness p50",
            percentile(late, 0.5) * 1000,
            ref_p50,
            "idle call_at probe",
            "—",
            None,
        ),
        row(
            "transition lateness p99",
            late_p99,
            ref_p99,
            "idle call_at probe",
            "<= 10 ms",
            late_p99 <= 10,
        ),
        row(
            "transition lateness max",
            max(late, default=0) * 1000,
            ref_max,
            "idle call_at probe",
            "—",
            None,
        ),
        row(
            f"deadline to client p50 ({len(delays)} deliveries, {missing} missing)",
            delay_p50,
            ref_p50,
            "idle call_at probe",
            "—",
            None,
        ),
        row(
            "deadline to client p99",
            delay_p99,
            ref_p99,
            "idle call_at probe",
            "<= 100 ms",
            delay_p99 <= 100 and missing == 0,
        ),
        row(
            "event-loop lag p99 (the whole run, connect storm included)",
            lag.get("p99_ms", float("nan")),
            ref_p99,
            "idle call_at probe",
            "<= 25 ms",
            lag.get("p99_ms", float("inf")) <= 25,
        ),
        row(
            "event-loop lag max",
            lag.get("max_ms", float("nan")),
            ref_max,
            "idle call_at probe",
            "—",
            None,
        ),
    ]
    return record("B4", "timer punctuality", rows, tiny=tiny)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rooms", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=45)
    parser.add_argument("--tiny", action="store_true")
    arguments = parser.parse_args()
    prepare_load_process()
    if arguments.tiny:
        asyncio.run(main_async(3, 6, 8, True))
    else:
        asyncio.run(main_async(arguments.rooms, arguments.clients, arguments.seconds, False))


if __name__ == "__main__":
    main()
