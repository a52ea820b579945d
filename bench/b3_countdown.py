"""B3 countdown agreement: clients with clocks skewed by up to +/- 1 hour, each
running the web client's clock sync, against the true remaining time.

200 load clients run a port of the page's algorithm (bench/clocksync.py); 10
real pages in headless Chromium (their clocks skewed through
performance.timeOrigin) run the page itself. At fixed instants each client's
displayed remaining time is compared with the true remaining time (the
server's clock is this machine's clock). Reference: half the minimum round
trip measured in the same run, the best any such sync could promise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.clocksync import ClockSync
from bench.common import (
    percentile,
    prepare_load_process,
    record,
    row,
    running,
    start_ours,
)
from bench.seed import seed
from bench.wsclient import WSClient, connect

PINGS = 6
PING_GAP = 0.15
INSTANTS = 5


class SkewedClient:
    def __init__(self, skew_ms: float) -> None:
        self.skew_ms = skew_ms
        self.sync = ClockSync()
        self.deadline: float | None = None
        self.client: WSClient | None = None

    def now(self) -> float:
        return time.time() * 1000 + self.skew_ms

    def on_message(self, _: WSClient, payload: bytes, __: float) -> None:
        received = self.now()
        message = json.loads(payload)
        if message["type"] == "clock.pong":
            self.sync.add_sample(
                message["client_time"], received, message["server_time"], message["clock_rate"]
            )
        elif message["type"] == "snapshot":
            self.deadline = message["rooms"][0]["deadline"]

    def ping(self) -> None:
        assert self.client is not None
        self.client.send_text(json.dumps({"type": "clock.ping", "client_time": self.now()}))

    def displayed_remaining(self, at_real_ms: float) -> float:
        assert self.deadline is not None
        return self.deadline - self.sync.server_now(at_real_ms + self.skew_ms)


async def browser_errors(base: str, token: str, deadline: float, pages: int) -> list[float]:
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        print("B3: Chromium not found; the browser sample is skipped")
        return []
    from playwright.async_api import async_playwright

    from tests.browser.conftest import CHROMIUM_ARGS

    errors: list[float] = []
    chooser = random.Random(11)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        try:
            opened = []
            for _ in range(pages):
                page = await browser.new_page()
                skew = chooser.uniform(-3_600_000, 3_600_000)
                await page.add_init_script(
                    f"Object.defineProperty(performance, 'timeOrigin', {{value: performance.timeOrigin + {skew}}});"
                )
                await page.goto(f"{base}/j/{token}")
                opened.append(page)
            for page in opened:
                await page.wait_for_function(
                    "() => window.consult && window.consult.clock.samples.length >= 6",
                    timeout=15000,
                )
            for _ in range(INSTANTS):
                for page in opened:
                    # Only performance.timeOrigin is skewed: the page's Date.now() is this
                    # machine's (and so the server's) clock, read in the same instant.
                    error = await page.evaluate(
                        f"() => window.consult.remainingMs() - ({deadline} - Date.now())"
                    )
                    errors.append(abs(error))
                await asyncio.sleep(0.3)
        finally:
            await browser.close()
    return errors


async def main_async(clients_count: int, pages: int, tiny: bool) -> dict[str, Any]:
    chooser = random.Random(5)
    with tempfile.TemporaryDirectory() as workdir:
        database = Path(workdir) / "b3.db"
        seeded = await seed(database, rooms=1, now=time.time())
        async with running(await start_ours(database)) as server:
            import httpx

            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as http:
                started = await http.post(
                    f"/api/rooms/{seeded.rooms[0].id}/commands",
                    headers={"Authorization": f"Bearer {seeded.rooms[0].moderator}"},
                    json={"action": "start", "expected_version": 0},
                )
                deadline = started.json()["deadline"]
            clients = [
                SkewedClient(chooser.uniform(-3_600_000, 3_600_000)) for _ in range(clients_count)
            ]
            for skewed in clients:
                skewed.client = await connect(
                    "127.0.0.1",
                    server.port,
                    f"/ws?token={seeded.rooms[0].members[0]}",
                    skewed.on_message,
                )
            for _ in range(PINGS):
                for skewed in clients:
                    skewed.ping()
                await asyncio.sleep(PING_GAP)
            await asyncio.sleep(0.3)
            errors: list[float] = []
            spreads: list[float] = []
            for _ in range(INSTANTS):
                real_now = time.time() * 1000
                true = deadline - real_now
                shown = [skewed.displayed_remaining(real_now) for skewed in clients]
                errors += [abs(value - true) for value in shown]
                spreads.append(max(shown) - min(shown))
                await asyncio.sleep(0.3)
            min_round_trip = min(skewed.sync.min_round_trip for skewed in clients)
            page_errors = await browser_errors(
                f"http://127.0.0.1:{server.port}", seeded.rooms[0].members[1], deadline, pages
            )
            for skewed in clients:
                assert skewed.client is not None
                skewed.client.close()
    reference = min_round_trip / 2
    p99 = percentile(errors, 0.99)
    print(
        f"B3 {clients_count} clients: error p50 {percentile(errors, 0.5):.3f} ms p99 {p99:.3f} ms, "
        f"spread {max(spreads):.3f} ms; half min RTT {reference:.3f} ms; pages {page_errors[:3]}"
    )
    rows = [
        row(
            f"{clients_count} skewed clients: countdown error p50",
            percentile(errors, 0.5),
            reference,
            "half min round trip",
            "—",
            None,
        ),
        row(
            f"{clients_count} skewed clients: countdown error p99",
            p99,
            reference,
            "half min round trip",
            "<= 5 ms",
            p99 <= 5,
        ),
        row(
            f"{clients_count} skewed clients: spread across clients (max)",
            max(spreads),
            reference,
            "half min round trip",
            "—",
            None,
        ),
    ]
    if page_errors:
        page_p99 = percentile(page_errors, 0.99)
        rows.append(
            row(
                f"{pages} real pages (Chromium): countdown error p99",
                page_p99,
                reference,
                "half min round trip",
                "<= 5 ms",
                page_p99 <= 5,
            )
        )
    return record("B3", "countdown agreement", rows, tiny=tiny)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument("--tiny", action="store_true")
    arguments = parser.parse_args()
    prepare_load_process()
    if arguments.tiny:
        asyncio.run(main_async(5, 1, True))
    else:
        asyncio.run(main_async(arguments.clients, arguments.pages, False))


if __name__ == "__main__":
    main()
