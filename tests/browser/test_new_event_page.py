"""The new-event page, in Chromium, on a rehearsal server whose clock is a day ahead and
runs at x60: the form proposes times on the server's clock (not the browser's), takes the
event's own phase lengths, and says with the numbers when the window is too short.
Axe on the page with the timing warning."""

from __future__ import annotations

import time
from pathlib import Path

from playwright.async_api import BrowserContext, expect

from server.clock import Anchor, ScaledClock
from tests.browser.test_accessibility_and_views import check
from tests.live.harness import ADMIN_KEY, make_settings, running_server

DAY = 86_400.0


async def test_new_event_proposes_server_times_and_reports_a_window_too_short(
    browser: BrowserContext, tmp_path: Path
) -> None:
    real = time.time()
    clock = ScaledClock(60.0, Anchor(real, real + DAY, 60.0))
    async with running_server(make_settings(tmp_path / "n.db"), clock) as server:
        page = await browser.new_page()
        await page.goto(f"{server.base_url}/new")
        proposed = await page.evaluate(
            "() => new Date(document.querySelector('[name=scheduled_start]').value).getTime()"
        )
        # Fifteen minutes ahead on the server's clock (give or take the seconds the page
        # took to open, at x60), a day ahead of the browser's.
        server_now_ms = clock.now() * 1000
        assert abs(proposed - (server_now_ms + 15 * 60_000)) < 10 * 60_000
        await expect(page.locator("#protocol-lengths")).to_have_text("3m 3m 8m 8m 3m")

        await page.fill("[name=admin_key]", ADMIN_KEY)
        await page.fill("[name=phase_lengths]", "4m 4m 7m 7m 3m")
        start = await page.input_value("[name=scheduled_start]")
        # A thirty-minute window for two rounds of 25 minutes.
        await page.evaluate(
            """(start) => {
                const end = new Date(new Date(start).getTime() + 30 * 60000);
                const pad = (n) => String(n).padStart(2, "0");
                document.querySelector('[name=main_room_at]').value =
                  `${end.getFullYear()}-${pad(end.getMonth() + 1)}-${pad(end.getDate())}` +
                  `T${pad(end.getHours())}:${pad(end.getMinutes())}`;
            }""",
            start,
        )
        await page.click("#new-event button[type=submit]")
        timing = page.locator("#timing")
        await expect(timing).to_have_text(
            "Check the timing: two rounds take 50 min; the window is 30 min: shorten phases, "
            "start earlier, or fit to time later."
        )
        await check(page, "new-event-timing", "desktop")
        link = await page.locator("#result a").first.get_attribute("href")
        assert link
        async with server.http(link.rsplit("/", 1)[1]) as http:
            me = (await http.get("/api/me")).json()
        assert me["event"]["protocol_id"] == "t4tla-consultancy~240-240-420-420-180"
        assert abs(me["event"]["scheduled_start"] - proposed) < 1
