"""Data rights in the pages: a team member downloads their team's copy; the uber
moderator downloads the event's and deletes it (typing its title), after which its
pages stop; axe on the setup page."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from playwright.async_api import BrowserContext, expect

from server.clock import SystemClock
from tests.browser.pages import open_live
from tests.browser.test_accessibility_and_views import check
from tests.live.harness import make_settings, running_server, set_up_event


async def test_copies_are_downloaded_and_the_event_deleted_from_the_pages(
    browser: BrowserContext, tmp_path: Path
) -> None:
    async with running_server(make_settings(tmp_path / "d.db"), SystemClock()) as server:
        setup = await set_up_event(server)
        member = await open_live(
            await browser.new_page(), f"{server.base_url}/j/{setup.members[0][0]}"
        )
        async with member.expect_download() as downloading:
            await member.click("#export-team")
        copy = tmp_path / "team.json"
        await (await downloading.value).save_as(copy)
        team = json.loads(await asyncio.to_thread(copy.read_text))
        assert team["scope"] == "team"
        assert [t["name"] for t in team["teams"]] == ["Team 1A"]

        page = await browser.new_page()
        await page.goto(f"{server.base_url}/j/{setup.uber}/setup")
        await expect(page.locator("#teams tbody tr")).to_have_count(2)
        await check(page, "setup-data", "desktop")
        async with page.expect_download() as downloading:
            await page.click("#export-json")
        everything = tmp_path / "event.json"
        await (await downloading.value).save_as(everything)
        assert json.loads(await asyncio.to_thread(everything.read_text))["scope"] == "event"

        await page.fill("#delete-form input[name=confirm]", "Not the title")
        await page.click("#delete-form button[type=submit]")
        await expect(page.locator("#status")).to_contain_text("type the event's title exactly")
        await page.fill("#delete-form input[name=confirm]", "Test community of practice")
        await page.click("#delete-form button[type=submit]")
        await expect(page.locator("main h1")).to_have_text("Event deleted")
        await expect(member.locator("#connection")).to_have_text("This link no longer works")
        await expect(member.locator(".banner")).to_contain_text("this event was deleted")
