"""Asks in the pages: a team member asks for one more minute, the dashboard and the room's
moderator see it at once and answer in one click, the member sees the answer and the
minute; axe at phone and desktop widths."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import BrowserContext, expect

from server.clock import SystemClock
from tests.browser.pages import open_live
from tests.browser.test_accessibility_and_views import WIDTHS, check
from tests.live.harness import make_settings, running_server, set_up_event


@pytest.mark.parametrize("width", list(WIDTHS))
async def test_one_more_minute_is_asked_seen_and_granted_in_one_click(
    browser: BrowserContext, tmp_path: Path, width: str
) -> None:
    async with running_server(make_settings(tmp_path / "a.db"), SystemClock()) as server:
        setup = await set_up_event(server, rooms=2)
        base = server.base_url
        pages = []
        for token in (setup.members[0][0], setup.moderators[0], setup.uber):
            page = await browser.new_page()
            await page.set_viewport_size(WIDTHS[width])  # type: ignore[arg-type]
            pages.append(await open_live(page, f"{base}/j/{token}"))
        member, moderator, dashboard = pages
        await expect(member.locator("#ask-more-time")).to_be_disabled()
        await moderator.keyboard.press("s")
        await expect(member.locator("#ask-more-time")).to_be_enabled()

        await member.click("#ask-more-time")
        await expect(member.locator(".ask-status")).to_contain_text(
            "asks for one more minute: waiting for the moderator"
        )
        tile = dashboard.locator(f".tile[data-room='{setup.rooms[0]['id']}']")
        await expect(tile.locator(".open-asks")).to_contain_text("asks for one more minute")
        await expect(moderator.locator(".open-asks")).to_contain_text("asks for one more minute")
        await check(member, "ask-member", width)
        await check(dashboard, "ask-dashboard", width)

        before = await moderator.evaluate("() => window.consult.remainingMs()")
        await tile.get_by_role("button", name="Add a minute in Room 1").click()
        await expect(member.locator(".ask-status")).to_contain_text(
            "One more minute: accepted by Uber moderator"
        )
        await expect(moderator.locator(".open-asks")).to_have_count(0)
        after = await moderator.evaluate("() => window.consult.remainingMs()")
        assert after > before + 50_000  # the minute was added (less what passed meanwhile)

        await member.click("#ask-done")
        await moderator.get_by_role("button", name="Noted for Room 1").click()
        await expect(member.locator(".ask-status")).to_contain_text("Done: accepted by Mod 0")
