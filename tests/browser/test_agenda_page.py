"""The session's agenda in Chromium, on a rehearsal clock at x60: the uber starts the
welcome from the dashboard, starts the rooms, recalls everyone; every page (dashboard,
moderator, member) shows each segment and its countdown as it comes: welcome, breakout
rooms, the debrief the recall leads into, the close. Axe on the strip and the controls at
both widths."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import BrowserContext, Page, expect

from server.clock import ScaledClock
from tests.browser.pages import open_live
from tests.browser.test_accessibility_and_views import WIDTHS, check
from tests.live.harness import make_settings, running_server, set_up_event

SPEED = 60.0


async def shows(pages: list[Page], title: str) -> None:
    for page in pages:
        await expect(page.locator("#agenda-segment")).to_have_text(title)


async def test_the_agenda_runs_welcome_breakouts_recall_and_debrief_at_x60(
    browser: BrowserContext, tmp_path: Path
) -> None:
    async with running_server(make_settings(tmp_path / "a.db"), ScaledClock(SPEED)) as server:
        setup = await set_up_event(server, rooms=1)
        async with server.http(setup.uber) as http:
            await http.put(
                "/api/event/agenda/segments",
                json={
                    "segments": [
                        {"title": "Welcome", "length": "5m", "part": "before"},
                        {"title": "Whole-group debrief", "length": "10m", "part": "after"},
                        {"title": "Close", "length": "5m", "part": "after"},
                    ]
                },
            )
        base = server.base_url
        dashboard = await open_live(await browser.new_page(), f"{base}/j/{setup.uber}")
        moderator = await open_live(await browser.new_page(), f"{base}/j/{setup.moderators[0]}")
        member = await open_live(await browser.new_page(), f"{base}/j/{setup.members[0][0]}")
        pages = [dashboard, moderator, member]
        await shows(pages, "Before the session")
        await check(dashboard, "agenda-waiting", "desktop")

        await dashboard.click("[data-agenda=start]")
        await shows(pages, "Welcome")
        await expect(member.locator("#agenda-count")).to_contain_text("left")
        await expect(member.locator("#agenda-next")).to_have_text("Next: Breakout rooms")
        await check(dashboard, "agenda-welcome", "desktop")
        # Five rehearsal minutes are five real seconds: the welcome runs over, counting up.
        await expect(member.locator("#agenda-count")).to_contain_text("over", timeout=10_000)
        await expect(member.locator("#agenda-strip")).to_have_class("agenda-strip over")

        await dashboard.click("#start-all")
        await shows(pages, "Breakout rooms")
        await expect(member.locator("#agenda-count")).to_contain_text("back in the main room in")

        await dashboard.fill("#recall-form input[name=seconds]", "10")
        await dashboard.click("#recall-form button[type=submit]")
        await dashboard.click("#confirm-ok")
        await shows(pages, "Whole-group debrief")
        await expect(moderator.locator("#agenda-next")).to_have_text("Next: Close")
        # The recall's notice stays on the rooms' pages, and says what the main room is doing.
        await expect(member.locator("#recall-agenda")).to_contain_text(
            "Now in the main room: Whole-group debrief"
        )
        await dashboard.click("#recall-hide")

        await dashboard.click("[data-agenda=next]")
        await shows(pages, "Close")
        await dashboard.click("[data-agenda=next]")
        await shows(pages, "The session is over")


async def test_the_agenda_strip_and_controls_are_accessible_on_a_phone(
    browser: BrowserContext, tmp_path: Path
) -> None:
    async with running_server(make_settings(tmp_path / "p.db"), ScaledClock(1.0)) as server:
        setup = await set_up_event(server, rooms=1)
        async with server.http(setup.uber) as http:
            await http.post("/api/event/agenda", json={"action": "start", "expected_version": 0})
        for token in (setup.uber, setup.members[0][0]):
            page = await browser.new_page()
            await page.set_viewport_size(WIDTHS["phone"])  # type: ignore[arg-type]
            live = await open_live(page, f"{server.base_url}/j/{token}")
            await expect(live.locator("#agenda-segment")).to_have_text("Welcome")
            await check(
                live, "agenda-dashboard" if token == setup.uber else "agenda-member", "phone"
            )
