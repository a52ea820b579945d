"""The report page: the timeline chart (server-made SVG) and each room's planned and
actual phases, in Chromium with axe at phone and desktop widths; its other formats
download."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import BrowserContext, expect

from tests.browser.test_accessibility_and_views import WIDTHS, check
from tests.fakes import FakeClock
from tests.live.harness import make_settings, running_server, set_up_event
from tests.live.test_report import at, command


@pytest.mark.parametrize("width", list(WIDTHS))
async def test_the_report_page_shows_the_timeline_and_every_phase(
    browser: BrowserContext, tmp_path: Path, width: str
) -> None:
    clock = FakeClock()
    async with running_server(make_settings(tmp_path / "r.db"), clock) as server:
        setup = await set_up_event(server, rooms=3)
        one, two, _ = (room["id"] for room in setup.rooms)
        async with server.http(setup.uber) as http:
            await http.post("/api/event/start-all", json={})
        start = clock.now()
        await at(server, clock, start, 60)
        await command(server, setup.moderators[0], one, "pause")
        await at(server, clock, start, 150)
        await command(server, setup.moderators[0], one, "resume")
        await command(server, setup.moderators[1], two, "adjust_time", seconds=120)
        for seconds in range(200, 1500, 100):
            await at(server, clock, start, seconds)
        async with server.http(setup.uber) as http:
            await http.post("/api/event/recall", json={"seconds": 30})
        page = await browser.new_page()
        await page.set_viewport_size(WIDTHS[width])  # type: ignore[arg-type]
        await page.goto(f"{server.base_url}/j/{setup.uber}/report")
        chart = page.locator("svg.timeline")
        await expect(chart).to_be_visible()
        assert await chart.locator("rect").count() > 12
        box = await chart.bounding_box()
        assert box is not None
        assert box["width"] > 250  # the chart fills the page, on a phone too
        await expect(page.locator("section.report-room")).to_have_count(3)
        await expect(page.locator("section.report-room").first).to_contain_text("Explanation")
        await expect(page.locator("section.report-room").first).to_contain_text("1 (1:30)")
        await check(page, "report", width)
        async with page.expect_download() as downloading:
            await page.click("button[data-name='report.md']")
        assert (await downloading.value).suggested_filename == "report.md"
