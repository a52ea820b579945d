"""What every benchmark shares: pinning, servers in subprocesses, statistics, results.

Rules:
- The server under test (ours or the bare reference) runs in its own process
  pinned to core 0; the load generator runs in this process pinned to core 1.
  Both use uvloop; per-message compression is off everywhere.
- Every figure is reported beside a reference measured in the same run, with
  the ratio and the target; results are merged into bench/results/latest.json
  and the table in docs/benchmarks.md is rebuilt from it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import resource
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "latest.json"
TABLE = ROOT / "docs" / "benchmarks.md"
SERVER_CORE = 0
CLIENT_CORE = 1
ADMIN_KEY = "bench-admin-key"


def pin_to(core: int) -> str:
    """Pin this process to one core if the machine has it; returns a description."""
    if hasattr(os, "sched_setaffinity") and core < (os.cpu_count() or 1):
        os.sched_setaffinity(0, {core})
        return f"core {core}"
    return "unpinned"


def raise_file_limit() -> int:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def prepare_load_process() -> None:
    """The load generator's process: its own core, enough file descriptors, uvloop."""
    pin_to(CLIENT_CORE)
    raise_file_limit()
    install_uvloop()


def install_uvloop() -> None:
    import uvloop

    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def percentile(values: Sequence[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(seconds, 0.50) * 1000, 3),
        "p99_ms": round(percentile(seconds, 0.99) * 1000, 3),
        "max_ms": round(max(seconds) * 1000, 3) if seconds else float("nan"),
        "count": len(seconds),
    }


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


# -- servers in subprocesses --------------------------------------------------------


@dataclass
class ServerProcess:
    process: subprocess.Popen[bytes]
    port: int

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _pinned(command: list[str]) -> list[str]:
    taskset = "/usr/bin/taskset"
    if Path(taskset).exists() and (os.cpu_count() or 1) > SERVER_CORE:
        return [taskset, "-c", str(SERVER_CORE), *command]
    return command


async def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode}")
            with contextlib.suppress(httpx.TransportError):
                if (await http.get(url, timeout=2)).status_code == 200:
                    return
            await asyncio.sleep(0.05)
    raise TimeoutError(f"{url} not ready after {timeout} s")


async def start_ours(
    database: Path | str,
    *,
    port: int | None = None,
    clock_speed: float = 1.0,
    extra_env: dict[str, str] | None = None,
    backplane: str = "memory://",
) -> ServerProcess:
    """Our server in a process of its own: ``database`` is a SQLite file or a URL."""
    port = port or free_port()
    environment = {
        **os.environ,
        "CONSULT_ADMIN_KEY": ADMIN_KEY,
        "CONSULT_SEND_QUEUE_SIZE": "1024",
        # The load generator is one address making thousands of calls and connections.
        "CONSULT_REST_PER_TOKEN": "1000000/minute",
        "CONSULT_REST_PER_ADDRESS": "1000000/minute",
        "CONSULT_INVALID_TOKENS_PER_ADDRESS": "1000000/minute",
        **(extra_env or {}),
    }
    command = [
        sys.executable,
        "-m",
        "server",
        "serve",
        "--port",
        str(port),
        "--db",
        database if isinstance(database, str) else f"sqlite:///{database}",
        "--backplane",
        backplane,
        "--clock-speed",
        str(clock_speed),
    ]
    process = subprocess.Popen(
        _pinned(command), env=environment, cwd=ROOT, stdout=subprocess.DEVNULL
    )
    await wait_ready(f"http://127.0.0.1:{port}/healthz", process)
    return ServerProcess(process, port)


async def start_bare(*, hello_bytes: int = 64) -> ServerProcess:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "bench.bare_server",
        "--port",
        str(port),
        "--hello-bytes",
        str(hello_bytes),
    ]
    process = subprocess.Popen(_pinned(command), cwd=ROOT, stdout=subprocess.DEVNULL)
    await wait_ready(f"http://127.0.0.1:{port}/healthz", process)
    return ServerProcess(process, port)


@contextlib.asynccontextmanager
async def running(server: ServerProcess) -> AsyncIterator[ServerProcess]:
    try:
        yield server
    finally:
        server.stop()


# -- results -------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "server_core": SERVER_CORE,
        "client_core": CLIENT_CORE,
    }


def record(
    benchmark: str, title: str, rows: list[dict[str, Any]], *, tiny: bool = False
) -> dict[str, Any]:
    """Store one benchmark's rows (each: figure, ours, reference, ratio, target, met)."""
    entry = {"title": title, "machine": machine(), "rows": rows}
    if tiny:
        return entry
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    data[benchmark] = entry
    RESULTS.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    write_table(data)
    return entry


def row(
    figure: str,
    ours: float,
    reference: float | None,
    reference_name: str,
    target: str,
    met: bool | None,
    unit: str = "ms",
) -> dict[str, Any]:
    ratio = None
    if (
        reference is not None and reference == reference and abs(reference) > 1e-3
    ):  # not NaN, not ~0
        ratio = round(ours / reference, 2)
    return {
        "figure": figure,
        "ours": round(ours, 3),
        "reference": None if reference is None else round(reference, 3),
        "reference_name": reference_name,
        "ratio": ratio,
        "unit": unit,
        "target": target,
        "met": met,
    }


def write_table(data: dict[str, Any]) -> None:
    lines = [
        "# Benchmarks",
        "",
        "Measured by `make bench` (each benchmark also runs alone: `python -m bench.b1_fanout`, ...).",
        "Every figure stands beside a reference measured in the same run on the same machine, so",
        "the machine's noise cancels out in the ratio. The server under test runs pinned to core 0,",
        "the load generator to core 1; both use uvloop; per-message compression is off.",
        "Raw results: `bench/results/latest.json`.",
        "",
        "| benchmark | figure | ours | reference | ratio | target | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for key in sorted(data):
        entry = data[key]
        for item in entry["rows"]:
            reference = (
                "—"
                if item["reference"] is None
                else f"{item['reference']} {item['unit']} ({item['reference_name']})"
            )
            met = {True: "yes", False: "**no**", None: "—"}[item["met"]]
            lines.append(
                f"| {key} {entry['title']} | {item['figure']} | {item['ours']} {item['unit']} | {reference} "
                f"| {item['ratio'] if item['ratio'] is not None else '—'} | {item['target']} | {met} |"
            )
    first = next(iter(data.values()))["machine"] if data else machine()
    lines += [
        "",
        f"Machine: {first['cores']} cores, Python {first['python']}, {first['platform']}; "
        f"last run {max(entry['machine']['date'] for entry in data.values()) if data else '—'}.",
        "",
    ]
    notes = ROOT / "bench" / "NOTES.md"
    if notes.exists():
        lines += [notes.read_text()]
    TABLE.write_text("\n".join(lines))
