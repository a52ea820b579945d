"""Every page at phone and desktop widths: axe-core finds no serious or critical
violations. With CONSULT_SCREENSHOTS=<dir> set (``make screenshots``), each view
is also saved as a PNG there, for the README."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import BrowserContext, Page, expect

from server.clock import SystemClock
from tests.browser.pages import open_live
from tests.live.harness import make_settings, running_server, set_up_event

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}
BLOCKING = {"serious", "critical"}


def blocking_violations(results: Any) -> list[str]:
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(str(node["target"]) for node in violation["nodes"][:3])
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING
    ]


async def check(page: Page, name: str, width: str) -> None:
    results = await Axe().run(page)
    assert blocking_violations(results) == [], name
    directory = os.environ.get("CONSULT_SCREENSHOTS")
    if directory:
        # Playwright creates missing directories itself.
        await page.screenshot(path=f"{directory}/{name}-{width}.png", full_page=True)


@pytest.mark.parametrize("width", list(WIDTHS))
async def test_every_view_is_accessible(
    browser: BrowserContext, tmp_path: Path, width: str
) -> None:
    async with running_server(make_settings(tmp_path / "v.db"), SystemClock()) as server:
        setup = await set_up_event(server, rooms=3)
        base = server.base_url

        refused: list[str] = []  # what the Content-Security-Policy blocked, on any page

        async def sized_page() -> Page:
            page = await browser.new_page()
            page.on(
                "console",
                lambda message: (
                    refused.append(message.text)
                    if "Content Security Policy" in message.text
                    else None
                ),
            )
            await page.set_viewport_size(WIDTHS[width])  # type: ignore[arg-type]
            return page

        async def page_for(path: str) -> Page:
            page = await sized_page()
            await page.goto(base + path)
            return page

        home = await page_for("/")
        await check(home, "home", width)
        new_event = await page_for("/new")
        await check(new_event, "new-event", width)
        invalid = await page_for("/j/not-a-real-token")
        await check(invalid, "invalid-link", width)
        setup_page = await page_for(f"/j/{setup.uber}/setup")
        await expect(setup_page.locator("#teams tbody tr")).to_have_count(6)
        await check(setup_page, "setup", width)

        dashboard = await open_live(await sized_page(), f"{base}/j/{setup.uber}")
        await check(dashboard, "dashboard-before-start", width)
        await dashboard.click("#start-all")
        await expect(dashboard.locator(".tile .countdown").first).not_to_have_text("3:00")
        moderator = await open_live(await sized_page(), f"{base}/j/{setup.moderators[0]}")
        member = await open_live(await sized_page(), f"{base}/j/{setup.members[0][0]}")
        observer = await open_live(await sized_page(), f"{base}/j/{setup.observers[0]}")
        await moderator.keyboard.press("n")
        await expect(moderator.locator("#phase-title")).to_have_text("Clarification")
        await moderator.keyboard.press("n")  # collaborative inquiry: prompts are shown
        await expect(member.locator("#phase-title")).to_have_text(
            "Collaborative inquiry and discussion"
        )
        await member.fill("#help-title ~ form input", "Our video dropped")
        await member.click("#help-title ~ form button")
        await expect(dashboard.locator(".help")).to_have_count(1)
        await check(member, "room-member", width)
        await check(observer, "room-observer", width)
        await check(moderator, "moderator", width)
        await check(dashboard, "dashboard", width)
        # A room's detail (a dialog over the dashboard), and the full-screen clock.
        await dashboard.evaluate(f"window.consult.openRoom({setup.rooms[0]['id']!r})")
        await expect(dashboard.locator("#room-detail .timeline-list")).to_be_visible()
        await check(dashboard, "dashboard-room-detail-view", width)
        await dashboard.keyboard.press("Escape")
        await expect(dashboard.locator("#room-detail")).to_be_hidden()
        clock = await open_live(await sized_page(), f"{base}/j/{setup.observers[0]}?display=clock")
        await expect(clock.locator("#clock-countdown")).to_be_visible()
        await check(clock, "clock", width)

        # The warning colour in the last minute, and overtime, keep their contrast.
        for minutes_left in range(7, 0, -1):
            await moderator.keyboard.press("-")
            await expect(moderator.locator("#countdown")).to_have_text(
                re.compile(rf"^{minutes_left - 1}:\d\d$")
            )
        await expect(member.locator("#phase-card")).to_have_attribute("data-zone", "warning")
        await check(member, "room-warning", width)

        await moderator.keyboard.press("f")
        await expect(moderator.locator("#confirm")).to_be_visible()
        await check(moderator, "moderator-confirm", width)
        await moderator.click("#confirm button[value=cancel]")

        await dashboard.fill("#broadcast-form input[name=text]", "Five minutes to the recall")
        await dashboard.click("#broadcast-form button[type=submit]")
        await expect(member.locator(".banner")).to_contain_text("Five minutes to the recall")
        await check(member, "room-broadcast", width)

        await dashboard.click("#recall-form button[type=submit]")
        await dashboard.click("#confirm-ok")
        await expect(member.locator("#recall")).to_be_visible()
        await check(member, "recall", width)
        # Every page worked under the strict policy: nothing of ours was refused.
        assert refused == []


async def test_the_accessibility_check_catches_real_violations(browser: BrowserContext) -> None:
    page = await browser.new_page()
    await page.set_content(
        '<html><body><p style="color:#bbb;background:#fff">faint text</p>'
        '<button style="width:40px;height:40px"></button></body></html>'
    )
    problems = blocking_violations(await Axe().run(page))
    assert any(problem.startswith("color-contrast") for problem in problems)
    assert any(problem.startswith("button-name") for problem in problems)
