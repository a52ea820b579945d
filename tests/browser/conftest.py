"""Browser tests: Playwright for Python driving the system Chromium.

Rules: Chromium is the Debian package (/usr/bin/chromium, or $CONSULT_CHROMIUM);
Playwright never downloads a browser. Each test gets a fresh profile
directory. Without a Chromium the tests are skipped with a loud message,
except in CI (the CI environment variable set), where that is a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import BrowserContext, async_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--autoplay-policy=no-user-gesture-required",
]


def chromium_path() -> str | None:
    candidate = (
        os.environ.get("CONSULT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    )
    return candidate if Path(candidate).exists() else None


@pytest.fixture
def chromium() -> str:
    path = chromium_path()
    if path is None:
        message = (
            "CHROMIUM NOT FOUND: browser tests did not run. "
            "Install it with `apt-get install -y chromium` (or set CONSULT_CHROMIUM)."
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture
async def browser(chromium: str, tmp_path: Path) -> AsyncIterator[BrowserContext]:
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=chromium,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        try:
            yield context
        finally:
            await context.close()
