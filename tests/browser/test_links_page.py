"""The links page: every issued link, revoking one (its open page stops at once and
says why) and rotating one (the new URL shown once); axe at phone and desktop widths."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import BrowserContext, Dialog, expect

from server.clock import SystemClock
from tests.browser.pages import open_live
from tests.browser.test_accessibility_and_views import WIDTHS, check
from tests.live.harness import make_settings, running_server, set_up_event


async def accept(dialog: Dialog) -> None:
    await dialog.accept()


@pytest.mark.parametrize("width", list(WIDTHS))
async def test_the_links_page_lists_revokes_and_rotates_links(
    browser: BrowserContext, tmp_path: Path, width: str
) -> None:
    async with running_server(make_settings(tmp_path / "l.db"), SystemClock()) as server:
        setup = await set_up_event(server, rooms=2)
        base = server.base_url
        member = await open_live(await browser.new_page(), f"{base}/j/{setup.members[0][0]}")
        links = await browser.new_page()
        await links.set_viewport_size(WIDTHS[width])  # type: ignore[arg-type]
        links.on("dialog", accept)
        await server.services.sightings.flush()  # as every 5 s: the member's page is open
        await links.goto(f"{base}/j/{setup.uber}/links")
        # The uber link, and per room a moderator, two members and an observer.
        rows = links.locator("#links tbody tr")
        await expect(rows).to_have_count(9)
        await expect(links.locator("#links tbody tr[data-status=live]")).to_have_count(9)
        own = links.locator("#links tbody tr", has_text="Live (yours)")
        await expect(own).to_have_count(1)
        await expect(own.locator("button")).to_have_count(0)  # nobody revokes their own link
        await check(links, "links", width)

        member_link = (await server.services.principals.authenticate(setup.members[0][0])).link_id
        member_row = links.locator(f"#links tbody tr[data-link='{member_link}']")
        await expect(member_row).to_contain_text("Team 1A")
        await expect(member_row.locator("td.connected")).to_have_text("Yes")
        await member_row.get_by_role("button", name="Revoke the link of").click()
        await expect(links.locator("#status")).to_contain_text("Revoked the link of")
        # The member's open page stops at once and says why.
        await expect(member.locator("#connection")).to_have_text("This link no longer works")
        await expect(member.locator(".banner")).to_contain_text("revoked by Uber moderator")
        await expect(member_row).to_have_count(0)  # revoked links are hidden by default
        await links.check("#show-revoked")
        await expect(member_row).to_contain_text("Revoked by Uber moderator")

        observer_link = (await server.services.principals.authenticate(setup.observers[1])).link_id
        observer_row = links.locator(f"#links tbody tr[data-link='{observer_link}']")
        await observer_row.get_by_role("button", name="Rotate the link of").click()
        fresh = links.locator("#new-links tbody tr")
        await expect(fresh).to_have_count(1)
        await expect(fresh.locator("code")).to_contain_text("/j/")
        await expect(observer_row).to_contain_text("replaced")
        await check(links, "links-rotated", width)

        await links.select_option("#bulk-form select[name=role]", "member")
        await links.click("#bulk-form button[value=rotate]")
        await expect(links.locator("#status")).to_contain_text("Made 3 new team member link(s)")
        await expect(fresh).to_have_count(4)

        new_url = await fresh.first.locator("code").inner_text()
        # (The test server's links name port 0: the path is what counts.)
        rejoined = await open_live(await browser.new_page(), base + "/j/" + new_url.split("/j/")[1])
        await expect(rejoined.locator("#connection")).to_have_text("Connected")


async def test_only_uber_moderators_open_the_links_page(
    browser: BrowserContext, tmp_path: Path
) -> None:
    async with running_server(make_settings(tmp_path / "l.db"), SystemClock()) as server:
        setup = await set_up_event(server)
        page = await browser.new_page()
        response = await page.goto(f"{server.base_url}/j/{setup.moderators[0]}/links")
        assert response is not None
        assert response.status == 403
        await expect(page.locator("main")).to_contain_text("Only uber moderators")
