"""Switching format live from the dashboard, in Chromium: the dialog ticks the teams whose
people are connected, the uber picks the inner teams and confirms; every open page (a team
staying in its room, a team moved into the fishbowl, a moderator) shows the new format and
its role within a second, on the link it had; the absent team's page says it is in no
room. Then to a single presenting team. Axe on the dialog at both widths."""

from __future__ import annotations

import time
from pathlib import Path

from playwright.async_api import BrowserContext, Page, expect

from server.clock import SystemClock
from tests.browser.pages import open_live
from tests.browser.test_accessibility_and_views import WIDTHS, check
from tests.live.harness import make_settings, running_server, set_up_event

WITHIN_MS = 1000


async def role_of(page: Page) -> str:
    return (await page.locator("#your-role").text_content()) or ""


async def test_the_uber_switches_pairs_to_a_fishbowl_and_every_page_follows(
    browser: BrowserContext, tmp_path: Path
) -> None:
    async with running_server(make_settings(tmp_path / "f.db"), SystemClock()) as server:
        setup = await set_up_event(server, rooms=2)
        base = server.base_url
        stays = await open_live(await browser.new_page(), f"{base}/j/{setup.members[0][1]}")
        moves = await open_live(await browser.new_page(), f"{base}/j/{setup.members[1][0]}")
        moderator = await open_live(await browser.new_page(), f"{base}/j/{setup.moderators[1]}")
        mover_also = await open_live(await browser.new_page(), f"{base}/j/{setup.members[0][0]}")
        # Team 2B never shows up: nobody opens its link until after the switch.
        dashboard = await open_live(await browser.new_page(), f"{base}/j/{setup.uber}")
        await dashboard.click("#start-all")
        await expect(stays.locator("#your-role")).to_have_text("Inquiry team")

        await dashboard.click("#switch-format")
        dialog = dashboard.locator("#switch-dialog")
        await expect(dialog).to_be_visible()
        present = dialog.locator("input[name=present]")
        await expect(present).to_have_count(4)
        ticked = {
            await box.evaluate("(input) => input.parentElement.textContent")
            for box in await present.all()
            if await box.is_checked()
        }
        assert {text.split(" · ")[0].strip() for text in ticked} == {
            "Team 1A",
            "Team 1B",
            "Team 2A",
        }
        await check(dashboard, "switch-format", "desktop")
        await dialog.get_by_label("Fishbowl").check()
        await dialog.get_by_label("Presenting team (inside)").select_option(label="Team 2A")
        await dialog.get_by_label("Inquiry team").select_option(label="Team 1A")
        await dialog.locator("#switch-go").click()
        await expect(dashboard.locator("#confirm")).to_contain_text("as fishbowl with 3 team(s)")
        pressed = time.monotonic()
        await dashboard.click("#confirm-ok")

        await expect(dashboard.locator(".banner")).to_contain_text("Switched to fishbowl")
        # Every open page shows the new format and its role, on its own link.
        await expect(stays.locator("#your-role")).to_have_text("Outer circle")
        await expect(moves.locator("#your-role")).to_have_text("Presenting team")
        await expect(moderator.locator("#your-role")).to_have_text("Facilitator")
        await expect(mover_also.locator("#your-role")).to_have_text("Inquiry team")
        elapsed_ms = (time.monotonic() - pressed) * 1000
        assert elapsed_ms < WITHIN_MS + 500, elapsed_ms  # the last page checked, plus slack
        for page in (stays, moves, moderator):
            await expect(page.locator("#phase-card")).to_have_attribute(
                "data-status", "not_started"
            )
        await expect(dashboard.locator(".banner")).to_contain_text("Switched to fishbowl")
        absent = await open_live(await browser.new_page(), f"{base}/j/{setup.members[1][1]}")
        await expect(absent.locator("#no-room")).to_contain_text("not in a breakout room")

        # On to a single presenting team: Team 1B presents, everyone else responds.
        await dashboard.click("#switch-format")
        await dialog.get_by_label("Single presenting team").check()
        await dialog.locator("select[name=inner]").first.select_option(label="Team 1B")
        await dialog.locator("#switch-go").click()
        await dashboard.click("#confirm-ok")
        await expect(stays.locator("#your-role")).to_have_text("Presenting team")
        await expect(moves.locator("#your-role")).to_have_text("Respondent")


async def test_the_switch_dialog_is_accessible_on_a_phone(
    browser: BrowserContext, tmp_path: Path
) -> None:
    async with running_server(make_settings(tmp_path / "p.db"), SystemClock()) as server:
        setup = await set_up_event(server, rooms=2)
        page = await browser.new_page()
        await page.set_viewport_size(WIDTHS["phone"])  # type: ignore[arg-type]
        dashboard = await open_live(page, f"{server.base_url}/j/{setup.uber}")
        await dashboard.click("#switch-format")
        await expect(dashboard.locator("#switch-dialog")).to_be_visible()
        await check(dashboard, "switch-format", "phone")
