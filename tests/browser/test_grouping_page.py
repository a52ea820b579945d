"""Grouping on the setup page, in Chromium: the proposal with each room's score and why,
a swap that the server scores again, and a commit that makes exactly the rooms shown."""

from __future__ import annotations

import os
import re
from pathlib import Path

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import BrowserContext, expect

from server.clock import SystemClock
from tests.browser.test_accessibility_and_views import blocking_violations
from tests.live.harness import make_settings, running_server
from tests.live.test_grouping import event_with_teams


async def test_preview_swap_and_commit_exactly_the_rooms_shown(
    browser: BrowserContext, tmp_path: Path
) -> None:
    async with running_server(make_settings(tmp_path / "g.db"), SystemClock()) as server:
        uber = await event_with_teams(server)
        page = await browser.new_page()
        await page.set_viewport_size({"width": 1280, "height": 900})
        await page.goto(f"{server.base_url}/j/{uber}/setup")
        await expect(page.locator("#teams tbody tr")).to_have_count(4)

        await page.click("#group-preview")
        rooms = page.locator("#group-rooms > li")
        await expect(rooms).to_have_count(2)
        # By what they wrote, across states: the two mentoring teams together.
        mentoring = rooms.filter(has=page.locator("strong", has_text="Riverside"))
        await expect(mentoring.locator("strong")).to_have_text(
            re.compile(r"^(Northside ISD & Riverside|Riverside & Northside ISD)$")
        )
        await expect(mentoring.locator(".group-why")).to_contain_text("mentor")
        await expect(mentoring.locator(".group-why")).to_contain_text("different states")
        await expect(page.locator("#group-total")).to_contain_text("the best possible total")
        best = await page.locator("#group-total").inner_text()
        async with server.http(uber) as http:
            assert (await http.get("/api/me")).json()["rooms"] == []  # nothing written yet
        results = await Axe().run(page)
        assert blocking_violations(results) == []
        directory = os.environ.get("CONSULT_SCREENSHOTS")
        if directory:
            await page.locator("#grouping").screenshot(path=f"{directory}/setup-grouping.png")

        # A swap: the server scores the new arrangement and the page shows its scores.
        scores_before = await page.locator(".group-score").all_inner_texts()
        swap = page.locator("select[aria-label='Swap Northside ISD with']")
        lakeview = await swap.locator("option", has_text="Lakeview").get_attribute("value")
        assert lakeview
        await swap.select_option(lakeview)
        await expect(page.locator("#group-total")).not_to_have_text(best)
        await expect(page.locator("#group-total")).to_contain_text("as you arranged it")
        assert await page.locator(".group-score").all_inner_texts() != scores_before
        shown = [
            sorted(name.strip() for name in text.split("&"))
            for text in await page.locator("#group-rooms > li > strong").all_inner_texts()
        ]
        assert sorted(shown) == [["Hillcrest", "Northside ISD"], ["Lakeview", "Riverside"]]

        # Create: exactly the rooms shown.
        await page.click("#group-commit")
        await expect(page.locator("#rooms tbody tr")).to_have_count(2)
        async with server.http(uber) as http:
            made = (await http.get("/api/me")).json()["rooms"]
        seated = [sorted(seat["team_name"] for seat in room["seats"]) for room in made]
        assert sorted(seated) == sorted(shown)
