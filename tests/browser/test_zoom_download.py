"""The setup page saves the rooms as Zoom's pre-assignment CSV, which Python's csv module
reads back into the rooms and addresses."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path

from playwright.async_api import BrowserContext, expect

from server.clock import SystemClock
from tests.live.harness import make_settings, running_server, set_up_event


async def test_the_setup_page_downloads_the_zoom_file(
    browser: BrowserContext, tmp_path: Path
) -> None:
    async with running_server(make_settings(tmp_path / "z.db"), SystemClock()) as server:
        setup = await set_up_event(server)
        page = await browser.new_page()
        await page.goto(f"{server.base_url}/j/{setup.uber}/setup")
        await page.fill("#team-form input[name=name]", "Oakridge District")
        await page.fill("#team-form input[name=emails]", "dee@oak.example, eli@oak.example")
        await page.click("#team-form button[type=submit]")
        await expect(page.locator("#status")).to_contain_text("Added Oakridge District")
        await page.fill("#team-form input[name=name]", "Maple Schools")
        await page.fill("#team-form input[name=emails]", "fay@maple.example")
        await page.click("#team-form button[type=submit]")
        await expect(page.locator("#status")).to_contain_text("Added Maple Schools")
        await page.click("#group-preview")
        await expect(page.locator("#group-rooms > li")).to_have_count(1)
        await page.click("#group-commit")
        await expect(page.locator("#status")).to_contain_text("Created 1 room(s)")
        async with page.expect_download() as downloading:
            await page.click("#zoom-csv")
        download = await downloading.value
        assert download.suggested_filename == "zoom-breakout-rooms.csv"
        saved = tmp_path / "zoom.csv"
        await download.save_as(saved)
        text = await asyncio.to_thread(saved.read_text)
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0] == ["Pre-assign Room Name", "Email Address"]
        assert sorted(rows[1:]) == [
            ["Room 2", "dee@oak.example"],
            ["Room 2", "eli@oak.example"],
            ["Room 2", "fay@maple.example"],
        ]
