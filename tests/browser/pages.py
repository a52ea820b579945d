"""Helpers for reading what a live page shows."""

from __future__ import annotations

from playwright.async_api import Page

# The instant (on this browser's clock) at which the page's countdown reaches
# zero: what it shows plus when it was read. Pages in one browser share a
# clock, so equal values mean equal countdowns.
IMPLIED_ZERO = "() => window.consult.remainingMs() + performance.timeOrigin + performance.now()"
# Read from the page's own computation at the instant of the call, never from a
# DOM attribute: those are refreshed at 4 Hz, so a sampled one is up to 250 ms old.
IMPLIED_RECALL_ZERO = (
    "() => window.consult.recallRemainingMs() + performance.timeOrigin + performance.now()"
)


FAST_ROUND_TRIP_MS = 40


async def open_live(page: Page, url: str) -> Page:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    await page.goto(url)
    await page.wait_for_function("() => window.consult && window.consult.state.protocol")
    await page.wait_for_function("() => window.consult.clock.samples.length >= 3")
    # As a page does within seconds of opening: hold at least one fast exchange.
    await page.wait_for_function(f"() => window.consult.clock.minRoundTrip < {FAST_ROUND_TRIP_MS}")
    assert errors == []
    return page


async def implied_zero(page: Page) -> float:
    value: float = await page.evaluate(IMPLIED_ZERO)
    return value


async def text(page: Page, selector: str) -> str:
    return (await page.locator(selector).inner_text()).strip()
