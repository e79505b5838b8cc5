"""What the browser tests share: the app served over HTTP on a free port, and signing in through the form."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from werkzeug.serving import make_server

SHOTS = Path(__file__).resolve().parents[2] / "instance" / "screenshots"


@contextmanager
def served(app) -> Iterator[str]:
    """`app` served by a threaded werkzeug server on a free port of 127.0.0.1; yields its URL."""
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{http.server_port}"
    finally:
        http.shutdown()
        thread.join()
        http.server_close()


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
