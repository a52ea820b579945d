"""A live event at a glance, in real Chromium: twenty rooms on one dashboard, the help
queue, the moderator's bar, the room screen's messages, fitted timings and end screens,
the challenge card by protocol role, the full-screen clock, and presence by role with
each page's clock quality. With CONSULT_SCREENSHOTS=<dir> set (``make screenshots``),
the README's views are saved there."""

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
from tests.browser.test_accessibility_and_views import blocking_violations
from tests.live.harness import LiveServer, client, make_settings, running_server, set_up_event

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1440, "height": 900}
SMALL_LAPTOP = {"width": 1366, "height": 768}

# Records every Web Audio oscillator a page starts: (wave, frequency).
RECORD_SOUNDS = """
window.__sounds = [];
const original = AudioContext.prototype.createOscillator;
AudioContext.prototype.createOscillator = function () {
  const oscillator = original.call(this);
  const start = oscillator.start.bind(oscillator);
  oscillator.start = (...args) => {
    window.__sounds.push([oscillator.type, oscillator.frequency.value]);
    return start(...args);
  };
  return oscillator;
};
"""


def link(base: str, token: str) -> str:
    return f"{base}/j/{token}"


async def screenshot(page: Page, name: str, *, full_page: bool = False) -> None:
    directory = os.environ.get("CONSULT_SCREENSHOTS")
    if directory:
        await page.screenshot(path=f"{directory}/{name}.png", full_page=full_page)


async def accessible(page: Page, name: str) -> None:
    results = await Axe().run(page)
    assert blocking_violations(results) == [], name


async def sized(browser: BrowserContext, url: str, size: dict[str, int]) -> Page:
    page = await browser.new_page()
    await page.set_viewport_size(size)  # type: ignore[arg-type]
    return await open_live(page, url)


async def inside_viewport(page: Page, selector: str) -> list[bool]:
    """For every element the selector matches: is its whole box inside the viewport?"""
    inside: list[bool] = await page.eval_on_selector_all(
        selector,
        """els => els.map(e => {
            const r = e.getBoundingClientRect();
            return r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth
                && r.width > 0 && r.height > 0;
        })""",
    )
    return inside


async def test_twenty_rooms_fit_on_one_screen_and_a_click_opens_a_room_with_its_timeline(
    browser: BrowserContext, tmp_path: Path
) -> None:
    async with running_server(make_settings(tmp_path / "d.db"), SystemClock()) as server:
        setup = await set_up_event(server, rooms=20)
        base = server.base_url
        dashboard = await sized(browser, link(base, setup.uber), LAPTOP)
        await expect(dashboard.locator(".tile")).to_have_count(20)
        await dashboard.click("#start-all")
        await expect(dashboard.locator(".tile[data-zone=normal]")).to_have_count(20)
        moderator = await open_live(await browser.new_page(), link(base, setup.moderators[4]))
        await open_live(await browser.new_page(), link(base, setup.members[4][0]))

        # Every one of the twenty tiles is wholly in view at 1440x900, without scrolling.
        assert await inside_viewport(dashboard, ".tile") == [True] * 20
        await expect(dashboard.locator(".tile[data-room] .countdown").first).to_have_text(
            re.compile(r"^2:\d\d$")
        )
        await screenshot(dashboard, "dashboard-20-rooms")
        await accessible(dashboard, "dashboard, 20 rooms at 1440x900")
        # Ten at 1366x768.
        await dashboard.set_viewport_size(SMALL_LAPTOP)  # type: ignore[arg-type]
        assert sum(await inside_viewport(dashboard, ".tile")) >= 10

        # Needs attention: only room 5 has anyone connected, so the other nineteen say so.
        await expect(dashboard.locator(".tile[data-attention~=nobody]")).to_have_count(19)
        fifth = dashboard.locator(f".tile[data-room='{setup.rooms[4]['id']}']")
        await expect(fifth).to_contain_text("2 connected")
        # Two minutes added: two minutes behind its plan (plus the seconds the start took).
        await moderator.keyboard.press("+")
        await expect(fifth.locator(".drift")).to_have_text(re.compile(r"^1:0\d behind plan$"))
        await expect(moderator.locator("#countdown")).to_have_text(re.compile(r"^3:[45]\d$"))
        await moderator.keyboard.press("+")
        await expect(fifth.locator(".drift")).to_have_text(re.compile(r"^2:0\d behind plan$"))
        await expect(fifth).to_have_attribute("data-attention", "late")
        await dashboard.select_option("#tile-sort", "attention")
        await dashboard.select_option("#tile-filter", "attention")
        await expect(dashboard.locator(".tile")).to_have_count(20)
        # The most urgent first: the late room leads the empty ones.
        await expect(dashboard.locator(".tile").first).to_have_attribute(
            "data-room", setup.rooms[4]["id"]
        )
        await dashboard.select_option("#tile-sort", "room")

        # A click opens the room's detail: controls, timeline, presence by role.
        await dashboard.set_viewport_size(LAPTOP)  # type: ignore[arg-type]
        await fifth.click()
        detail = dashboard.locator("#room-detail")
        await expect(detail).to_be_visible()
        await expect(detail.locator("h2")).to_have_text("Room 5")
        await expect(detail.locator(".timeline-list li")).to_have_count(10)
        await expect(detail.locator(".timeline-list li.current")).to_contain_text("Explanation")
        await expect(detail.locator("[data-presence=moderator]")).to_contain_text(
            "Moderator (Mod 4) 1/1 connected"
        )
        await detail.get_by_role("button", name="Pause in Room 5").click()
        await expect(moderator.locator("#phase-card")).to_have_attribute("data-zone", "paused")
        # Focus stays on the control that was used: Pause became Resume.
        await expect(detail.locator("[data-action=resume]")).to_be_focused()
        await accessible(dashboard, "room detail")
        await dashboard.keyboard.press("Escape")
        await expect(detail).to_be_hidden()
        await expect(fifth.locator(".tile-open")).to_be_focused()


async def test_a_help_request_shows_in_the_queue_with_badge_sound_and_title_at_once(
    browser: BrowserContext, tmp_path: Path
) -> None:
    async with running_server(make_settings(tmp_path / "h.db"), SystemClock()) as server:
        setup = await set_up_event(server, rooms=4)
        base = server.base_url
        page = await browser.new_page()
        await page.add_init_script(RECORD_SOUNDS)
        await page.set_viewport_size(LAPTOP)  # type: ignore[arg-type]
        dashboard = await open_live(page, link(base, setup.uber))
        await dashboard.click("#start-all")
        title = await dashboard.title()
        await expect(dashboard.locator("#help-count")).to_have_text("0")
        member = await open_live(await browser.new_page(), link(base, setup.members[3][1]))
        await member.fill("#help-title ~ form input", "Our video dropped")
        await member.click("#help-title ~ form button")

        # Within a second: the queue at the top names the room, phase, role and wait.
        request = dashboard.locator("#help-queue li.help")
        await expect(request).to_have_count(1, timeout=1000)
        await expect(dashboard.locator("#help-count")).to_have_text("1", timeout=1000)
        await expect(request).to_contain_text("Room 4 · Explanation · Inquiry team (Team 4B)")
        await expect(request).to_contain_text("“Our video dropped”")
        await expect(request.locator(".help-wait")).to_have_text(re.compile(r"^waiting 0:0\d$"))
        assert await inside_viewport(dashboard, "#help-queue") == [True]
        # Its own sound: the help call (a triangle wave), not a room chime.
        await dashboard.wait_for_function(
            "() => window.__sounds.some(([wave, f]) => wave === 'triangle' && f === 988)",
            timeout=1000,
        )
        # The title flashes while the request waits.
        await dashboard.wait_for_function(
            "() => document.title.startsWith('(1) Help requested')", timeout=1500
        )
        await screenshot(dashboard, "dashboard-help-queue")
        await accessible(dashboard, "help queue")

        # Claim in one click: the requester's page says who is coming; the title rests.
        await request.get_by_role("button", name="Claim Room 4").click()
        await expect(member.locator("#help-title ~ p[role=status]")).to_contain_text(
            "Uber moderator is on the way."
        )
        await expect(request).to_contain_text("is on the way")
        await dashboard.wait_for_function(f"() => document.title === {title!r}", timeout=2500)
        await request.get_by_role("button", name="Resolve Room 4").click()
        await expect(dashboard.locator("#help-count")).to_have_text("0")
        await expect(dashboard.locator("#help-queue li.help")).to_have_count(0)


async def test_the_moderators_bar_stays_in_view_keeps_focus_and_refuses_in_plain_words(
    browser: BrowserContext, tmp_path: Path
) -> None:
    async with running_server(make_settings(tmp_path / "m.db"), SystemClock()) as server:
        setup = await set_up_event(server)
        moderator = await sized(browser, link(server.base_url, setup.moderators[0]), PHONE)
        bar = moderator.locator("#moderator-bar")
        assert await inside_viewport(moderator, "#moderator-bar") == [True]
        await moderator.click("[data-action=start]")
        await expect(moderator.locator("[data-action=pause]")).to_be_visible()
        # In view wherever the page is scrolled to.
        await moderator.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        assert await inside_viewport(moderator, "#moderator-bar") == [True]
        assert (
            await inside_viewport(moderator, "#moderator-bar button")
            == [True] * await bar.locator("button").count()
        )
        await moderator.evaluate("window.scrollTo(0, 0)")
        await screenshot(moderator, "moderator-bar-phone")
        await accessible(moderator, "moderator's bar on a phone")

        # Keyboard focus stays on the control that was used, through Pause and Resume.
        await bar.locator("[data-action=pause]").focus()
        await moderator.keyboard.press("Enter")
        await expect(moderator.locator("#phase-card")).to_have_attribute("data-zone", "paused")
        await expect(bar.locator("[data-action=resume]")).to_be_focused()
        await moderator.keyboard.press("Enter")
        await expect(moderator.locator("#phase-card")).to_have_attribute("data-zone", "normal")
        await expect(bar.locator("[data-action=pause]")).to_be_focused()

        # Two presses of Next against one view: one moves on, the other is told in words.
        await moderator.evaluate(
            "() => { const next = document.querySelector('[data-action=next]');"
            " next.click(); next.click(); }"
        )
        await expect(moderator.locator("#phase-title")).to_have_text("Clarification")
        refusal = moderator.locator(".banner-error")
        await expect(refusal).to_have_text(
            re.compile(r"Not done: already moved on to Clarification")
        )
        assert "version" not in await refusal.inner_text()


async def test_broadcasts_collapse_to_the_latest_expire_and_leave_the_clock_in_view(
    browser: BrowserContext, tmp_path: Path
) -> None:
    async with running_server(make_settings(tmp_path / "b.db"), SystemClock()) as server:
        setup = await set_up_event(server)
        base = server.base_url
        dashboard = await open_live(await browser.new_page(), link(base, setup.uber))
        member = await sized(browser, link(base, setup.members[0][0]), PHONE)
        await dashboard.click("#start-all")
        for text in ("Welcome, everyone", "Five minutes to the break", "Please check your audio"):
            await dashboard.fill("#broadcast-form input[name=text]", text)
            await dashboard.click("#broadcast-form button[type=submit]")
            await expect(dashboard.locator("#broadcast-form input[name=text]")).to_have_value("")
            await expect(member.locator("#banners")).to_contain_text(text)
        # Only the latest is in view; the two earlier ones sit behind a count.
        await expect(member.locator("#banners > .banner")).to_have_count(1)
        await expect(member.locator("#banners > .banner")).to_contain_text(
            "Please check your audio"
        )
        await expect(member.locator(".earlier-messages summary")).to_have_text("2 earlier messages")
        await member.evaluate("window.scrollTo(0, 0)")
        assert await inside_viewport(member, "#countdown") == [True]
        assert await inside_viewport(member, "#instruction") == [True]
        await screenshot(member, "room-broadcasts-phone")
        await accessible(member, "three broadcasts on a phone")

        # One that expires goes from every page on its own.
        async with client(server, setup.uber) as uber:
            await uber.wait_type("snapshot")
            await uber.send(
                {"type": "broadcast.send", "text": "Short notice", "expires_in_seconds": 10}
            )
            await uber.wait_type("command.ok")
        await expect(member.locator("#banners > .banner")).to_contain_text("Short notice")
        await expect(member.locator("#banners")).not_to_contain_text("Short notice", timeout=12_000)
        await expect(member.locator("#banners > .banner")).to_contain_text(
            "Please check your audio"
        )


async def team_members(server: LiveServer, uber: str, team_id: str, members: list[str]) -> None:
    async with server.http(uber) as http:
        seen = (await http.get("/api/me")).json()["event"]["setup_version"]
        response = await http.patch(
            f"/api/teams/{team_id}", json={"setup_version": seen, "members": members}
        )
        response.raise_for_status()


async def test_after_a_fit_to_time_every_page_shows_the_new_lengths_and_is_told_once(
    browser: BrowserContext, tmp_path: Path
) -> None:
    async with running_server(make_settings(tmp_path / "f.db"), SystemClock()) as server:
        # Forty minutes to the main room: the 50-minute consultancy must be compressed.
        setup = await set_up_event(server, rooms=2, minutes_until_main_room=40)
        base = server.base_url
        dashboard = await open_live(await browser.new_page(), link(base, setup.uber))
        pages = [
            await open_live(await browser.new_page(), link(base, token))
            for token in (setup.moderators[0], setup.members[0][0], setup.observers[0])
        ]
        await dashboard.click("#start-all")
        for page in pages:
            await expect(page.locator("#next")).to_have_text("Next: Clarification (3 min)")
        await dashboard.click("#fit-to-time")
        await dashboard.click("#confirm-ok")
        for page in pages:
            # Shorter than defined, in minutes and seconds: "Next: Clarification (2:24)".
            await expect(page.locator("#next")).to_have_text(
                re.compile(r"^Next: Clarification \(2:\d\d\)$")
            )
            told = page.locator("#banners .banner", has_text="fitted to time")
            await expect(told).to_have_count(1)
        # On its new plan, the room is on plan (not minutes "ahead" of the old one).
        tile = dashboard.locator(f".tile[data-room='{setup.rooms[0]['id']}']")
        await expect(tile.locator(".drift")).to_have_text("On plan")
        await tile.click()
        await expect(dashboard.locator("#room-detail .timeline-list")).to_contain_text(
            "(fitted from 3 min)"
        )


async def test_end_screens_between_rounds_and_at_the_end_of_the_protocol(
    browser: BrowserContext, tmp_path: Path
) -> None:
    async with running_server(make_settings(tmp_path / "e.db"), SystemClock()) as server:
        # A learning walk holds between rounds (walking to the next classroom).
        setup = await set_up_event(server, protocol_id="learning-walk")
        base = server.base_url
        moderator = await sized(browser, link(base, setup.moderators[0]), PHONE)
        member = await sized(browser, link(base, setup.members[0][0]), PHONE)
        await moderator.click("[data-action=start]")
        await expect(moderator.locator("[data-action=pause]")).to_be_visible()
        await moderator.keyboard.press("n")
        await expect(member.locator("#phase-title")).to_have_text(re.compile("debrief", re.I))
        await expect(moderator.locator("#phase-title")).to_have_text(re.compile("debrief", re.I))
        await moderator.keyboard.press("n")
        await expect(member.locator("#phase-title")).to_have_text("Round 1 complete")
        await expect(member.locator("#end-text")).to_have_text(
            "Round 2 of 3 starts when your moderator starts it."
        )
        await expect(member.locator("#instruction")).to_have_count(0)
        await accessible(member, "round complete")

        await moderator.keyboard.press("f")
        await moderator.click("#confirm-ok")
        for page in (member, moderator):
            await expect(page.locator("#phase-title")).to_have_text("Return to the main room")
            await expect(page.locator("#end-text")).to_contain_text("rejoin the main room")
            await expect(page.locator("#next")).to_have_text("Next: the main room")
        await screenshot(member, "room-end-phone")
        await accessible(member, "end screen")


async def challenge_card(page: Page) -> str:
    title: str = await page.locator("#challenge-title").inner_text()
    return title


@pytest.mark.parametrize(
    ("protocol_id", "helped_seat", "role_title"),
    [("grow-coaching", 1, "Coachee"), ("peer-triad", 1, "Client")],
)
async def test_the_challenge_card_shows_the_one_being_helped(
    browser: BrowserContext, tmp_path: Path, protocol_id: str, helped_seat: int, role_title: str
) -> None:
    """Round 1 seats the coach first: the card is the coachee's (the client's), on every
    page of the room, and it follows the role when the roles rotate."""
    async with running_server(make_settings(tmp_path / "c.db"), SystemClock()) as server:
        setup = await set_up_event(server, protocol_id=protocol_id)
        base = server.base_url
        pages = [
            await open_live(await browser.new_page(), link(base, token))
            for token in (*setup.members[0], setup.moderators[0])
        ]
        helped = f"Team 1{'ABC'[helped_seat]}"
        for page in pages:
            await expect(page.locator("#challenge-title")).to_have_text(
                f"{role_title} · {helped}: the challenge"
            )
            await expect(page.locator("#challenge-title ~ p").first).to_have_text(
                f"challenge 0-{helped_seat}"
            )


async def test_a_learning_walk_shows_no_challenge_card(
    browser: BrowserContext, tmp_path: Path
) -> None:
    async with running_server(make_settings(tmp_path / "w.db"), SystemClock()) as server:
        setup = await set_up_event(server, protocol_id="learning-walk")
        member = await open_live(
            await browser.new_page(), link(server.base_url, setup.members[0][0])
        )
        await expect(member.locator("#phase-title")).to_be_visible()
        await expect(member.locator("#challenge-title")).to_have_count(0)


async def test_the_full_screen_clock_from_a_link_and_from_the_toggle(
    browser: BrowserContext, tmp_path: Path
) -> None:
    async with running_server(make_settings(tmp_path / "k.db"), SystemClock()) as server:
        setup = await set_up_event(server)
        base = server.base_url
        moderator = await open_live(await browser.new_page(), link(base, setup.moderators[0]))
        await moderator.click("[data-action=start]")
        shared = await sized(
            browser,
            f"{link(base, setup.observers[0])}?display=clock",
            {"width": 1280, "height": 720},
        )
        await expect(shared.locator("#clock-phase")).to_have_text("Explanation")
        await expect(shared.locator("#clock-countdown")).to_have_text(re.compile(r"^2:\d\d$"))
        await expect(shared.locator("#clock-next")).to_have_text("Next: Clarification (3 min)")
        # Nothing else: no top bar, no instruction, no forms.
        await expect(shared.locator(".topbar")).to_be_hidden()
        await expect(shared.locator("#instruction")).to_have_count(0)
        size = await shared.eval_on_selector(
            "#clock-countdown", "e => parseFloat(getComputedStyle(e).fontSize)"
        )
        assert size >= 150, size
        await moderator.keyboard.press("n")
        await expect(shared.locator("#clock-phase")).to_have_text("Clarification")
        await screenshot(shared, "clock-view")
        await accessible(shared, "clock view")

        member = await open_live(await browser.new_page(), link(base, setup.members[0][0]))
        await member.click("#clock-view-on")
        await expect(member.locator("#clock-countdown")).to_be_visible()
        assert "display=clock" in member.url
        await member.click("#clock-exit")
        await expect(member.locator("#countdown")).to_be_visible()
        assert "display=clock" not in member.url


async def test_presence_by_protocol_role_with_names_and_each_pages_clock_quality(
    browser: BrowserContext, tmp_path: Path
) -> None:
    async with running_server(make_settings(tmp_path / "p.db"), SystemClock()) as server:
        setup = await set_up_event(server, rooms=2)
        base = server.base_url
        inquiry_team = setup.rooms[0]["seats"][1]["team_id"]
        await team_members(server, setup.uber, inquiry_team, ["Ana Lima", "Raj Patel", "Lee Wu"])
        dashboard = await open_live(await browser.new_page(), link(base, setup.uber))
        # Two of the team on its link; one gives a name (remembered on that device).
        await open_live(await browser.new_page(), link(base, setup.members[0][1]))
        first = await open_live(await browser.new_page(), link(base, setup.members[0][1]))
        await first.fill("#your-name", "Ana Lima")
        await first.click("#name-title ~ form button[type=submit]")
        await expect(first.locator("#name-title ~ p[role=status]")).to_have_text(
            "Shown as Ana Lima."
        )

        await dashboard.locator(f".tile[data-room='{setup.rooms[0]['id']}']").click()
        detail = dashboard.locator("#room-detail")
        await expect(detail.locator("[data-presence=seat-2]")).to_have_text(
            "Inquiry team (Team 1B) 2/3 connected: Ana Lima"
        )
        await expect(detail.locator("[data-presence=seat-1]")).to_have_text(
            "Presenting team (Team 1A) 0 connected"
        )
        # Each page's clock, as it measured it: an offset and a round trip, rated.
        rows = detail.locator(".clock-table tbody tr")
        await expect(rows).to_have_count(2)
        ana = rows.filter(has_text="Ana Lima")
        await expect(ana.locator("td").nth(2)).to_have_text(re.compile("^[+\u2212]\\d+ ms$"))
        await expect(ana.locator("td").nth(3)).to_have_text(re.compile(r"^\d+ ms$"))
        await expect(ana.locator("td").nth(4)).to_have_text("Good")
        await screenshot(dashboard, "dashboard-room-detail")
        # The name is given again after a reconnect, from this device.
        await first.reload()
        await open_live(first, first.url)
        await expect(detail.locator("[data-presence=seat-2]")).to_have_text(
            "Inquiry team (Team 1B) 2/3 connected: Ana Lima"
        )


async def test_the_setup_page_fits_a_phone(browser: BrowserContext, tmp_path: Path) -> None:
    async with running_server(make_settings(tmp_path / "s.db"), SystemClock()) as server:
        setup = await set_up_event(server, rooms=3)
        page = await browser.new_page()
        await page.set_viewport_size(PHONE)  # type: ignore[arg-type]
        await page.goto(f"{server.base_url}/j/{setup.uber}/setup")
        await expect(page.locator("#teams tbody tr")).to_have_count(6)
        widths: dict[str, Any] = await page.evaluate(
            "() => ({page: document.documentElement.scrollWidth, view: innerWidth})"
        )
        assert widths["page"] <= widths["view"], widths
