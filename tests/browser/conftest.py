"""Browser tests run Debian's Chromium, headless, through Playwright (never `playwright install`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
BUILD = Path(__file__).resolve().parents[2] / "web" / "static" / "build" / "task-form.js"

playwright_api = pytest.importorskip("playwright.sync_api")
if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is not installed (make system-packages)", allow_module_level=True)
if not BUILD.exists():
    pytest.fail("web/static/build is missing: run `make assets`", pytrace=False)


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield chromium
        chromium.close()
