"""Servers in processes of their own, as a deployment runs them (``consult serve``)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from subprocess import Popen
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parents[2]
ADMIN_KEY = "process-admin-key"


@dataclass
class ServerProcess:
    process: Popen[bytes]
    base_url: str


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def server_process(
    database_url: str, *, backplane_url: str = "memory://", extra: tuple[str, ...] = ()
) -> AsyncIterator[ServerProcess]:
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "server",
        "serve",
        "--port",
        str(port),
        "--db",
        database_url,
        "--backplane",
        backplane_url,
        *extra,
    ]
    environment = {
        **os.environ,
        "CONSULT_ADMIN_KEY": ADMIN_KEY,
        "CONSULT_REST_PER_ADDRESS": "100000/minute",
        "CONSULT_INVALID_TOKENS_PER_ADDRESS": "100000/minute",
    }
    # A file, not a pipe: a pipe nobody reads would stall a server that logs a lot.
    with tempfile.TemporaryFile() as errors:
        process = _start(command, environment, errors)
        base_url = f"http://127.0.0.1:{port}"
        try:
            await _wait_ready(base_url, process, errors)
            yield ServerProcess(process, base_url)
        finally:
            _stop(process)


def _start(command: list[str], environment: dict[str, str], errors: IO[bytes]) -> Popen[bytes]:
    return subprocess.Popen(
        command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=errors
    )


def _stop(process: Popen[bytes]) -> None:
    """SIGTERM, as a deployment stops a worker; SIGKILL if it has not gone in 20 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def _wait_ready(base_url: str, process: Popen[bytes], errors: IO[bytes]) -> None:
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient() as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                errors.seek(0)
                said = errors.read().decode(errors="replace")
                raise RuntimeError(f"the server exited with {process.returncode}: {said}")
            with contextlib.suppress(httpx.TransportError):
                if (await http.get(f"{base_url}/healthz", timeout=2)).status_code == 200:
                    return
            await asyncio.sleep(0.05)
    raise TimeoutError(f"{base_url} not ready after 60 s")


async def start_a_room(base_url: str) -> tuple[dict[str, str], str, float]:
    """An event with one consultancy room, started now: the uber's auth header, the room's
    id and its phase deadline (epoch ms)."""
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        event = await http.post(
            "/api/events",
            headers={"X-Admin-Key": ADMIN_KEY},
            json={
                "title": "Restarted",
                "scheduled_start": "2030-01-01T10:00:00Z",
                "main_room_at": "2030-01-01T11:30:00Z",
            },
        )
        uber = {"Authorization": "Bearer " + event.json()["uber_link"]["url"].rsplit("/", 1)[1]}
        teams = [
            (await http.post("/api/teams", headers=uber, json={"name": name})).json()["id"]
            for name in ("A", "B")
        ]
        room = (await http.post("/api/rooms", headers=uber, json={"team_ids": teams})).json()
        started = await http.post(
            f"/api/rooms/{room['id']}/commands",
            headers=uber,
            json={"action": "start", "expected_version": 0},
        )
        assert started.status_code == 200, started.text
    return uber, room["id"], started.json()["deadline"]
