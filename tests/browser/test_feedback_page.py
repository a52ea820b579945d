"""Final thoughts in the room view (the two questions, in the round's last phase) and
their live summary on the uber dashboard; axe at phone and desktop widths."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import BrowserContext, expect

from server.clock import SystemClock
from tests.browser.pages import open_live
from tests.browser.test_accessibility_and_views import WIDTHS, check
from tests.live.harness import make_settings, running_server, set_up_event
from tests.live.test_feedback import to_final_thoughts


@pytest.mark.parametrize("width", list(WIDTHS))
async def test_final_thoughts_are_asked_in_the_last_phase_and_summarised_live(
    browser: BrowserContext, tmp_path: Path, width: str
) -> None:
    async with running_server(make_settings(tmp_path / "f.db"), SystemClock()) as server:
        setup = await set_up_event(server, rooms=2)
        base = server.base_url
        member = await browser.new_page()
        await member.set_viewport_size(WIDTHS[width])  # type: ignore[arg-type]
        await open_live(member, f"{base}/j/{setup.members[0][0]}")
        dashboard = await browser.new_page()
        await dashboard.set_viewport_size(WIDTHS[width])  # type: ignore[arg-type]
        await open_live(dashboard, f"{base}/j/{setup.uber}")
        await expect(member.locator("section.feedback")).to_be_hidden()
        await expect(dashboard.locator("#feedback-total")).to_contain_text("No answers yet")

        await to_final_thoughts(server, setup.uber, setup.rooms[0]["id"])
        form = member.locator("section.feedback")
        await expect(form).to_be_visible()
        await expect(form).to_contain_text("Accept the notice")
        await member.click("#consent-ok")
        await member.fill("#most-useful", "Their questions about mentors' time")
        await member.fill("#more-useful", "A longer Reflective response")
        await member.click("section.feedback button[type=submit]")
        await expect(member.locator(".feedback-status")).to_contain_text("Saved at")
        await check(member, "feedback", width)

        await expect(dashboard.locator("#feedback-total")).to_have_text(
            "1 answer(s) from 1 of 2 room(s)"
        )
        room = dashboard.locator(f"details[data-room='{setup.rooms[0]['id']}']")
        await room.locator("summary").click()
        await expect(room).to_contain_text("Their questions about mentors' time")
        await expect(room).to_contain_text("A longer Reflective response")
        await check(dashboard, "dashboard-feedback", width)
