"""Notes in the room view: the consent notice first, "Saved" only once stored, a second
device of the team following, the text kept through a reload, the presenting team's
Collaborative-inquiry notes at hand in Reflective response, and sharing with the pair;
axe at phone and desktop widths."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import BrowserContext, expect

from server.clock import SystemClock
from tests.browser.pages import open_live
from tests.browser.test_accessibility_and_views import WIDTHS, check
from tests.live.harness import make_settings, running_server, set_up_event, token_of


@pytest.mark.parametrize("width", list(WIDTHS))
async def test_notes_are_kept_as_typed_followed_on_a_second_device_and_shared(
    browser: BrowserContext, tmp_path: Path, width: str
) -> None:
    async with running_server(make_settings(tmp_path / "n.db"), SystemClock()) as server:
        setup = await set_up_event(server)
        room = setup.rooms[0]
        base = server.base_url
        async with server.http(setup.uber) as http:
            second = await http.post(
                "/api/links",
                json={
                    "role": "member",
                    "room_id": room["id"],
                    "team_id": room["seats"][0]["team_id"],
                    "label": "Team 1A (phone)",
                },
            )
            for _ in range(2):  # to Collaborative inquiry, where the presenting team listens
                snapshot = (await http.get("/api/me")).json()
                version = snapshot["rooms"][0]["version"]
                action = "start" if version == 0 else "next"
                await http.post(
                    f"/api/rooms/{room['id']}/commands",
                    json={"action": action, "expected_version": version},
                )
            snapshot = (await http.get("/api/me")).json()
            await http.post(
                f"/api/rooms/{room['id']}/commands",
                json={"action": "next", "expected_version": snapshot["rooms"][0]["version"]},
            )

        laptop = await browser.new_page()
        await laptop.set_viewport_size(WIDTHS[width])  # type: ignore[arg-type]
        await open_live(laptop, f"{base}/j/{setup.members[0][0]}")
        phone = await open_live(
            await browser.new_page(), f"{base}/j/{token_of(second.json()['url'])}"
        )
        inquiry = await open_live(await browser.new_page(), f"{base}/j/{setup.members[0][1]}")

        notes = laptop.locator("section.notes")
        await expect(notes.locator(".consent")).to_be_visible()
        await expect(laptop.locator("#note-text")).to_be_hidden()
        await check(laptop, "notes-consent", width)
        await laptop.click("#consent-ok")
        await expect(laptop.locator("#note-label")).to_have_text(
            "Notes for Collaborative inquiry and discussion (round 1)"
        )
        await laptop.fill("#note-text", "They asked how mentors find the time.")
        await expect(laptop.locator(".note-status")).to_contain_text("Saved at")

        # The team's other device follows once it has accepted the notice too.
        await phone.click("#consent-ok")
        await expect(phone.locator("#note-text")).to_have_value(
            "They asked how mentors find the time."
        )
        # Reloading (a reconnect, a second sitting) finds it stored.
        await laptop.reload()
        await laptop.wait_for_function("() => window.consult && window.consult.state.protocol")
        await expect(laptop.locator("#note-text")).to_have_value(
            "They asked how mentors find the time."
        )
        await check(laptop, "notes", width)

        # The inquiry team sees nothing until the note is shared.
        await expect(inquiry.locator(".note-shared")).to_have_count(0)
        await laptop.check("#note-share")
        await expect(laptop.locator(".note-status")).to_contain_text("Saved at")
        await expect(inquiry.locator(".note-shared")).to_contain_text("mentors find the time")

        # Reflective response: the presenting team's inquiry notes are at hand.
        async with server.http(setup.uber) as http:
            snapshot = (await http.get("/api/me")).json()
            await http.post(
                f"/api/rooms/{room['id']}/commands",
                json={"action": "next", "expected_version": snapshot["rooms"][0]["version"]},
            )
        await expect(laptop.locator("#note-label")).to_have_text(
            "Notes for Reflective response (round 1)"
        )
        await expect(laptop.locator("#note-text")).to_have_value("")
        await expect(
            laptop.locator(".note-earlier[data-phase=collaborative-inquiry]")
        ).to_contain_text("mentors find the time")
        await check(laptop, "notes-reflective", width)
