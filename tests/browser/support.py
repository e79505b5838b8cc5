"""What the browser tests share: signing in through the form, screenshots, the phone's screen."""

from __future__ import annotations

from pathlib import Path

SHOTS = Path(__file__).resolve().parents[2] / "instance" / "screenshots"


def sign_in(browser, url: str, username: str, viewport=None):
    """A new browser context signed in as `username` (the demo password is the username), on the inbox."""
    context = browser.new_context(locale="ru-RU", viewport=viewport or {"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(f"{url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", username)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/inbox")
    return page


def screenshot(page, name: str) -> None:
    """The whole page as instance/screenshots/<name>.png, to look at when a test fails."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


PHONE = {"width": 390, "height": 844}


def too_wide(page) -> list[str]:
    """The elements that reach past the screen's right edge (what to look at when the page scrolls sideways)."""
    return page.evaluate("""[...document.querySelectorAll("body *")]
        .filter(e => e.getBoundingClientRect().right > innerWidth + 1).map(e => e.tagName + "." + e.className)
        .slice(0, 8)""")
