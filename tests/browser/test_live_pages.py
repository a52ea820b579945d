"""The live pages in a real headless Chromium against a real server."""

from __future__ import annotations

import os
import re
from pathlib import Path

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import BrowserContext, expect

from server.clock import SystemClock
from server.protocols import shipped_library
from tests.browser.pages import IMPLIED_RECALL_ZERO, implied_zero, open_live, text
from tests.browser.test_accessibility_and_views import blocking_violations
from tests.fakes import FlakyBackplane
from tests.live.harness import (
    ADMIN_KEY,
    free_port,
    make_settings,
    running_server,
    set_up_event,
    token_of,
)

CONSULTANCY = shipped_library().get("t4tla-consultancy")


def link(base: str, token: str) -> str:
    return f"{base}/j/{token}"


async def test_two_team_members_see_agreeing_countdowns_and_their_own_instructions(
    browser: BrowserContext, tmp_path: Path
) -> None:
    async with running_server(make_settings(tmp_path / "b.db"), SystemClock()) as server:
        setup = await set_up_event(server)
        moderator = await open_live(
            await browser.new_page(), link(server.base_url, setup.moderators[0])
        )
        team_a = await open_live(
            await browser.new_page(), link(server.base_url, setup.members[0][0])
        )
        team_b = await open_live(
            await browser.new_page(), link(server.base_url, setup.members[0][1])
        )
        await moderator.click("[data-action=start]")
        for page in (team_a, team_b):
            await expect(page.locator("#status-line")).to_have_text("")
            await expect(page.locator("#phase-title")).to_have_text("Explanation")
            await expect(page.locator("#countdown")).to_have_text(re.compile(r"^2:5\d$"))
        zeros = [
            await implied_zero(team_a),
            await implied_zero(team_b),
            await implied_zero(moderator),
        ]
        assert max(zeros) - min(zeros) < 100, zeros
        explanation = CONSULTANCY.phases[0]
        assert await text(team_a, "#instruction") == explanation.instructions["presenting"]
        assert await text(team_b, "#instruction") == explanation.instructions["inquiry"]
        assert await text(team_a, "#your-role") == "Presenting team"
        assert await text(team_b, "#your-role") == "Inquiry team"


async def test_next_pause_and_resume_reach_every_open_page(
    browser: BrowserContext, tmp_path: Path
) -> None:
    async with running_server(make_settings(tmp_path / "b.db"), SystemClock()) as server:
        setup = await set_up_event(server)
        moderator = await open_live(
            await browser.new_page(), link(server.base_url, setup.moderators[0])
        )
        pages = [
            await open_live(await browser.new_page(), link(server.base_url, token))
            for token in [*setup.members[0], setup.observers[0]]
        ]
        await moderator.click("[data-action=start]")
        await expect(moderator.locator("[data-action=pause]")).to_be_visible()
        await moderator.keyboard.press("n")  # keyboard shortcut: next phase
        for page in pages:
            await expect(page.locator("#phase-title")).to_have_text("Clarification")
        await moderator.keyboard.press(" ")  # pause
        for page in pages:
            await expect(page.locator("#status-line")).to_have_text("Paused")
            await expect(page.locator("#phase-card")).to_have_attribute("data-zone", "paused")
        frozen = await text(pages[0], "#countdown")
        await pages[0].wait_for_timeout(1200)
        assert await text(pages[0], "#countdown") == frozen
        await moderator.click("[data-action=resume]")
        for page in pages:
            await expect(page.locator("#status-line")).to_have_text("")
        # The presenting team now answers clarifying questions.
        assert (
            await text(pages[0], "#instruction") == CONSULTANCY.phases[1].instructions["presenting"]
        )


async def test_the_dashboard_shows_every_room_and_a_recall_reaches_every_page_at_one_instant(
    browser: BrowserContext, tmp_path: Path
) -> None:
    async with running_server(make_settings(tmp_path / "b.db"), SystemClock()) as server:
        setup = await set_up_event(server, rooms=3)
        dashboard = await open_live(await browser.new_page(), link(server.base_url, setup.uber))
        await expect(dashboard.locator(".tile")).to_have_count(3)
        pages = [
            await open_live(await browser.new_page(), link(server.base_url, tokens[0]))
            for tokens in setup.members
        ]
        await dashboard.click("#start-all")
        for page in pages:
            await expect(page.locator("#phase-title")).to_have_text("Explanation")
        await expect(dashboard.locator(".tile .countdown").first).to_have_text(
            re.compile(r"^2:5\d$")
        )
        await dashboard.fill("#recall-form input[name=seconds]", "30")
        await dashboard.click("#recall-form button[type=submit]")
        await dashboard.click("#confirm-ok")
        for page in pages:
            await expect(page.locator("#recall")).to_be_visible()
            await expect(page.locator("#recall-title")).to_have_text("Return to the main room")
        zeros = [await page.evaluate(IMPLIED_RECALL_ZERO) for page in pages]
        assert max(zeros) - min(zeros) < 100, zeros
        await expect(pages[0].locator("#recall-count")).to_have_text(re.compile(r"^0:[12]\d$"))


async def test_pages_reconnect_after_a_server_restart_and_show_the_same_countdown(
    browser: BrowserContext, tmp_path: Path
) -> None:
    database, port = tmp_path / "b.db", free_port()
    async with running_server(make_settings(database), SystemClock(), port=port) as server:
        setup = await set_up_event(server)
        moderator = await open_live(
            await browser.new_page(), link(server.base_url, setup.moderators[0])
        )
        member = await open_live(
            await browser.new_page(), link(server.base_url, setup.members[0][0])
        )
        await moderator.click("[data-action=start]")
        # The title alone also shows before the start: wait for the running room.
        await expect(member.locator("#phase-card")).to_have_attribute("data-status", "running")
        before = await implied_zero(member)
    await expect(member.locator("#connection")).not_to_have_text("Connected")
    async with running_server(make_settings(database), SystemClock(), port=port):
        await expect(member.locator("#connection")).to_have_text("Connected", timeout=20_000)
        await member.wait_for_function("() => window.consult.clock.samples.length >= 3")
        await expect(member.locator("#phase-card")).to_have_attribute("data-status", "running")
        after = await implied_zero(member)
        assert abs(after - before) < 100, (before, after)
        await expect(member.locator("#phase-title")).to_have_text("Explanation")


async def test_two_uber_moderators_recalling_at_once_give_one_recall_and_a_clear_refusal(
    browser: BrowserContext, tmp_path: Path
) -> None:
    """The second uber moderator confirms a recall after the first one's went through:
    the page says what happened and who did it, the event is recalled once, and the
    refusal is accessible."""
    async with running_server(make_settings(tmp_path / "b.db"), SystemClock()) as server:
        setup = await set_up_event(server, rooms=2)
        async with server.http() as http:  # uber links come from the admin key
            second = await http.post(
                "/api/links",
                params={"event_id": setup.event_id},
                headers={"X-Admin-Key": ADMIN_KEY},
                json={"role": "uber", "label": "Uber 2"},
            )
        one = await open_live(await browser.new_page(), link(server.base_url, setup.uber))
        two = await open_live(
            await browser.new_page(), link(server.base_url, token_of(second.json()["url"]))
        )
        await one.click("#start-all")
        await expect(two.locator(".tile .countdown").first).not_to_have_text("")
        # Uber 2 opens the recall, and while the confirmation is on screen, Uber 1 recalls.
        await two.click("#recall-form button[type=submit]")
        await expect(two.locator("#confirm")).to_be_visible()
        await one.click("#recall-form button[type=submit]")
        await one.click("#confirm-ok")
        await expect(one.locator("#recall")).to_be_visible()
        await two.click("#confirm-ok")
        refusal = two.locator(".banner-error")
        await expect(refusal).to_contain_text("the event is already being recalled: Uber moderator")
        await two.click("#recall-hide")
        assert blocking_violations(await Axe().run(two)) == []
        if directory := os.environ.get("CONSULT_SCREENSHOTS"):
            await two.screenshot(path=f"{directory}/refused-desktop.png")
        async with server.http(setup.uber) as http:
            snapshot = (await http.get("/api/me")).json()
        assert snapshot["event"]["status"] == "recalling"
        assert snapshot["event"]["version"] == 2  # start all, then one recall


async def test_a_page_that_missed_a_change_while_the_live_channel_was_down_catches_up(
    browser: BrowserContext, tmp_path: Path
) -> None:
    """The server's backplane is lost: a change is committed but reaches no page. When the
    backplane is back, the server tells every page to resync; the page asks for a
    snapshot and shows the change, without reconnecting."""
    backplane = FlakyBackplane()
    settings = make_settings(tmp_path / "b.db")
    async with running_server(settings, SystemClock(), backplane=backplane) as server:
        setup = await set_up_event(server)
        room_id = setup.rooms[0]["id"]
        member = await open_live(
            await browser.new_page(), link(server.base_url, setup.members[0][0])
        )
        async with server.http(setup.moderators[0]) as http:
            started = await http.post(
                f"/api/rooms/{room_id}/commands", json={"action": "start", "expected_version": 0}
            )
            await expect(member.locator("#phase-title")).to_have_text("Explanation")
            backplane.fail()
            moved = await http.post(
                f"/api/rooms/{room_id}/commands",
                json={"action": "next", "expected_version": started.json()["version"]},
            )
            assert moved.status_code == 200, moved.text
            await member.wait_for_timeout(300)
            await expect(member.locator("#phase-title")).to_have_text("Explanation")
            backplane.recover()
            await expect(member.locator("#phase-title")).to_have_text("Clarification", timeout=3000)
        await expect(member.locator("#connection")).to_have_attribute("data-state", "open")
        assert backplane.subscribes >= 2  # the hub subscribed again
