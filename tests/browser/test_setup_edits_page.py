"""Correcting the setup from the setup page, in Chromium: a team added and edited (its state
among its fields), seats swapped, a team moved to another room (its open page follows it
there), a room relabelled with a video link (shown on the room's page as a link opening a
new tab), a room deleted; an edit made meanwhile elsewhere is refused in plain words; axe on
the page with its dialogs, at phone and desktop widths."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import BrowserContext, Locator, Page, expect

from server.clock import SystemClock
from tests.browser.pages import open_live
from tests.browser.test_accessibility_and_views import WIDTHS, check
from tests.live.harness import make_settings, running_server, set_up_event


def team_row(page: Page, name: str) -> Locator:
    return page.locator("tr[data-team]").filter(has=page.locator("td:first-child", has_text=name))


async def choose_move(page: Page, team: str, option_text: str) -> None:
    select = page.get_by_label(f"Move {team}")
    value = await select.locator("option", has_text=option_text).get_attribute("value")
    assert value
    await select.select_option(value)


async def test_the_setup_is_corrected_from_the_setup_page_and_open_pages_follow(
    browser: BrowserContext, tmp_path: Path
) -> None:
    async with running_server(make_settings(tmp_path / "s.db"), SystemClock()) as server:
        setup = await set_up_event(server, rooms=2)
        member = await open_live(
            await browser.new_page(), f"{server.base_url}/j/{setup.members[0][0]}"
        )
        await expect(member.locator("#phase-card")).to_be_visible()
        page = await browser.new_page()
        await page.goto(f"{server.base_url}/j/{setup.uber}/setup")
        await expect(page.locator("#teams tbody tr")).to_have_count(4)

        # Edit a team: the dialog, then the table and the member's page show the new name.
        await page.get_by_role("button", name="Edit Team 1A").click()
        dialog = page.locator("#edit-dialog")
        await expect(dialog).to_be_visible()
        await check(page, "setup-edit-team", "desktop")
        await dialog.get_by_label("Team name").fill("Northside ISD")
        await dialog.get_by_label("State or network").fill("State E")
        await dialog.get_by_label("Topic tags (comma separated)").fill("mentoring, retention")
        await dialog.get_by_role("button", name="Save").click()
        await expect(page.locator("#status")).to_have_text("Saved Northside ISD.")
        await expect(page.locator("#teams tbody")).to_contain_text("Northside ISD")
        await expect(team_row(page, "Northside ISD").locator("td").nth(2)).to_have_text("State E")
        await expect(member.locator("body")).to_contain_text("Northside ISD")

        # Swap who presents first in room 1.
        await page.get_by_role("button", name="Swap seats in Room 1").click()
        await expect(page.locator("#status")).to_contain_text("Team 1B now presents first")
        first_seat = page.locator("tr[data-room] .seat-list li").first
        await expect(first_seat).to_contain_text("Team 1B")

        # Move Northside ISD to room 2, changing places with Team 2B: its page follows.
        await choose_move(page, "Northside ISD", "Room 2, seat 2 (change places with Team 2B)")
        await expect(page.locator("#status")).to_have_text("Moved Northside ISD to Room 2.")
        await expect(team_row(page, "Northside ISD")).to_contain_text("Room 2, seat 2")
        await expect(team_row(page, "Team 2B")).to_contain_text("Room 1")
        await expect(member.locator("#phase-card")).to_contain_text("Breakout 2")

        # Relabel room 2 and give it a video link: the member's page shows it as a link.
        await page.get_by_role("button", name="Edit Room 2").click()
        await dialog.get_by_label("Room name").fill("Blue room")
        await dialog.get_by_label("Video-call link (http or https)").fill("https://meet.example/b")
        await dialog.get_by_role("button", name="Save").click()
        await expect(page.locator("#status")).to_have_text("Saved Blue room.")
        link = member.locator("#phase-card a.video-link")
        await expect(link).to_have_attribute("href", "https://meet.example/b")
        await expect(link).to_have_attribute("target", "_blank")
        await expect(link).to_have_attribute("rel", "noopener noreferrer")

        # A bad link is refused by name; nothing changes.
        await page.get_by_role("button", name="Edit Blue room").click()
        await dialog.get_by_label("Video-call link (http or https)").fill("ftp://files.example/x")
        await dialog.get_by_role("button", name="Save").click()
        await expect(page.locator("#status")).to_contain_text("Not done: video_url")
        await expect(link).to_have_attribute("href", "https://meet.example/b")

        # Someone else edits while this page's dialog is open: the page follows their
        # change, and saving the dialog is refused in plain words, overwriting nothing.
        await page.get_by_role("button", name="Edit Team 2A").click()
        await dialog.get_by_label("Stage of implementation").fill("early")
        async with server.http(setup.uber) as http:
            seen = (await http.get("/api/me")).json()["event"]["setup_version"]
            await http.patch(
                f"/api/rooms/{setup.rooms[0]['id']}",
                json={"setup_version": seen, "label": "Green room"},
            )
        await expect(page.locator("#teams tbody")).to_contain_text("Green room")
        await dialog.get_by_role("button", name="Save").click()
        await expect(page.locator("#status")).to_contain_text("someone changed the setup meanwhile")
        await expect(team_row(page, "Team 2A")).not_to_contain_text("early")

        # Delete a room that has not started: its teams stay, without a room.
        await page.get_by_role("button", name="Delete Green room").click()
        confirm = page.locator("#confirm-dialog")
        await expect(confirm).to_contain_text("Its teams stay in the event")
        await check(page, "setup-confirm-delete", "desktop")
        await confirm.get_by_role("button", name="Delete").click()
        await expect(page.locator("#status")).to_have_text("Deleted Green room.")
        await expect(page.locator("tr[data-room]")).to_have_count(1)
        await expect(page.locator("#teams tbody tr")).to_have_count(4)


async def test_the_setup_page_with_its_actions_is_accessible_on_a_phone(
    browser: BrowserContext, tmp_path: Path
) -> None:
    async with running_server(make_settings(tmp_path / "p.db"), SystemClock()) as server:
        setup = await set_up_event(server, rooms=2)
        for width, size in WIDTHS.items():
            page = await browser.new_page()
            await page.set_viewport_size(size)  # type: ignore[arg-type]
            await page.goto(f"{server.base_url}/j/{setup.uber}/setup")
            await expect(page.locator("#teams tbody tr")).to_have_count(4)
            await check(page, "setup-edits", width)


async def test_a_team_is_deleted_and_the_agenda_set_from_the_setup_page(
    browser: BrowserContext, tmp_path: Path
) -> None:
    async with running_server(make_settings(tmp_path / "a.db"), SystemClock()) as server:
        setup = await set_up_event(server, rooms=2)
        page = await browser.new_page()
        await page.goto(f"{server.base_url}/j/{setup.uber}/setup")
        await expect(page.locator("#teams tbody tr")).to_have_count(4)
        await page.get_by_role("button", name="Delete Team 2B").click()
        await expect(page.locator("#confirm-dialog")).to_contain_text("Delete Team 2B")
        await page.locator("#confirm-dialog").get_by_role("button", name="Delete").click()
        await expect(page.locator("#status")).to_have_text("Deleted Team 2B.")
        await expect(page.locator("#teams tbody tr")).to_have_count(3)
        await expect(page.locator("tr[data-room]").nth(1)).to_contain_text("empty seat")

        await expect(page.get_by_label("Segment 1: title")).to_have_value("Welcome")
        await page.get_by_label("Segment 1: length (as 10m or 90s)").fill("12m")
        await page.get_by_label("Segment 3: before or after the breakouts").select_option("remove")
        await page.get_by_role("button", name="Save the agenda").click()
        await expect(page.locator("#status")).to_have_text("Saved the agenda.")
        async with server.http(setup.uber) as http:
            agenda = (await http.get("/api/me")).json()["agenda"]
        assert [(s["title"], s["seconds"]) for s in agenda["segments"]] == [
            ("Welcome", 720),
            ("Breakout rooms", 0),
            ("Whole-group debrief", 900),
        ]
        await check(page, "setup-agenda", "desktop")


async def test_the_moderator_swaps_who_presents_first_before_the_start(
    browser: BrowserContext, tmp_path: Path
) -> None:
    async with running_server(make_settings(tmp_path / "m.db"), SystemClock()) as server:
        setup = await set_up_event(server, rooms=1)
        base = server.base_url
        member = await open_live(await browser.new_page(), f"{base}/j/{setup.members[0][0]}")
        moderator = await open_live(await browser.new_page(), f"{base}/j/{setup.moderators[0]}")
        await expect(member.locator("#your-role")).to_have_text("Presenting team")
        swap = moderator.locator("#swap-seats")
        await expect(swap).to_have_text("Swap: Team 1B presents first")
        await swap.click()
        await expect(member.locator("#your-role")).to_have_text("Inquiry team")
        await expect(swap).to_have_text("Swap: Team 1A presents first")
        await moderator.click("[data-action=start]")
        await expect(moderator.locator("#swap-seats")).to_have_count(0)


async def test_a_team_is_added_with_its_state_and_shown_as_a_card_on_a_phone(
    browser: BrowserContext, tmp_path: Path
) -> None:
    async with running_server(make_settings(tmp_path / "n.db"), SystemClock()) as server:
        setup = await set_up_event(server, rooms=1)
        page = await browser.new_page()
        await page.set_viewport_size(WIDTHS["phone"])  # type: ignore[arg-type]
        await page.goto(f"{server.base_url}/j/{setup.uber}/setup")
        await expect(page.locator("#teams tbody tr")).to_have_count(2)
        form = page.locator("#team-form")
        await form.get_by_label("Team name").fill("Eastview Schools")
        await form.get_by_label("State or network").fill("Northeast network")
        await form.get_by_role("button", name="Add team").click()
        await expect(page.locator("#status")).to_have_text("Added Eastview Schools.")
        state = team_row(page, "Eastview Schools").locator("td").nth(2)
        await expect(state).to_have_text("Northeast network")
        await expect(state).to_have_attribute("data-label", "State or network")
        await expect(form.get_by_label("State or network")).to_have_value("")  # the form reset
        # Each team is a card on a phone; with the new column the page still fits.
        widths: dict[str, int] = await page.evaluate(
            "() => ({page: document.documentElement.scrollWidth, view: innerWidth})"
        )
        assert widths["page"] <= widths["view"], widths
        async with server.http(setup.uber) as http:
            teams = (await http.get("/api/teams")).json()
        assert {team["name"]: team["state"] for team in teams}["Eastview Schools"] == (
            "Northeast network"
        )
