"""Reflection forms in the room view (a progress assessment answered on the five-point
scale and in text) and their results with a chart on the report page; axe on both."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import BrowserContext, expect

from server.clock import SystemClock
from tests.browser.pages import open_live
from tests.browser.test_accessibility_and_views import check
from tests.live.harness import make_settings, running_server, set_up_event


async def test_a_progress_assessment_is_answered_and_charted(
    browser: BrowserContext, tmp_path: Path
) -> None:
    async with running_server(make_settings(tmp_path / "f.db"), SystemClock()) as server:
        setup = await set_up_event(server, rooms=2)
        for token, answer in ((setup.members[0][0], "Agree"), (setup.members[1][0], "Uncertain")):
            page = await open_live(await browser.new_page(), f"{server.base_url}/j/{token}")
            await page.click("#consent-ok")
            form = page.locator("details[data-form='progress-implementation']")
            await form.locator("summary").click()
            partners = form.locator("fieldset[data-question='partners']")
            await partners.get_by_label(answer, exact=True).check()
            await form.get_by_label("We need help with:").fill("Baseline data")
            await form.get_by_role("button", name="Save my answers").click()
            await expect(form.locator(".form-status")).to_contain_text("Saved at")
            if answer == "Agree":
                await check(page, "forms", "desktop")
            await page.reload()
            await page.wait_for_function("() => window.consult && window.consult.state.protocol")
            reopened = page.locator("details[data-form='progress-implementation']")
            await expect(reopened.locator("summary")).to_contain_text("(answered)")
        report = await browser.new_page()
        await report.goto(f"{server.base_url}/j/{setup.uber}/report")
        figure = report.locator("figure[data-form='progress-implementation']")
        await expect(figure).to_contain_text("2 response(s)")
        assert await figure.locator("rect[data-point]").count() == 2
        await expect(figure).to_contain_text("Baseline data")
        await check(report, "report-forms", "desktop")
