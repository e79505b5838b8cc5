"""The worklist in a real browser: Debian's Chromium, headless, driven by Playwright against the app served over
HTTP. A partner operator claims a group task, submits an invalid ИНН and sees the Russian field error next to the
field, fixes it and completes; the lawyer then sees the next step; another partner's operator sees none of it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from db import Base
from identity.seed import seed_demo
from tests.conftest import make_test_app
from tests.web.worklist.support import deploy_contractor_check, start_contractor_check
from web.extensions import db

pytestmark = pytest.mark.browser
CHROMIUM = Path("/usr/bin/chromium")
BUILD = Path(__file__).resolve().parents[2] / "web" / "static" / "build" / "task-form.js"
SHOTS = Path(__file__).resolve().parents[2] / "instance" / "screenshots"

playwright_api = pytest.importorskip("playwright.sync_api")
if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is not installed (make system-packages)", allow_module_level=True)
if not BUILD.exists():
    pytest.fail("web/static/build is missing: run `make assets`", pytrace=False)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[str, str]]:
    """The app on a free port over a fresh SQLite database with the demo users; yields (url, task id)."""
    app = make_test_app(f"sqlite:///{tmp_path_factory.mktemp('browser') / 'worklist.sqlite'}")
    with app.app_context():
        Base.metadata.create_all(db.engine)
        seed_demo(db.session)
        deploy_contractor_check(db.session, app)
        task_id = start_contractor_check(db.session, "east", "Д-77")
        db.session.remove()
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}", task_id
    http.shutdown()
    thread.join()
    http.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield chromium
        chromium.close()


def sign_in(browser, url: str, username: str, viewport=None):
    context = browser.new_context(locale="ru-RU", viewport=viewport or {"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(f"{url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", username)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/inbox")
    return page


def test_an_operator_fixes_an_invalid_inn_completes_and_the_lawyer_sees_the_next_step(server, browser):
    url, task_id = server
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = sign_in(browser, url, "partner_operator")
    page.click("text=Задачи группы")
    row = page.locator("tr", has_text="Д-77")
    row.locator("button", has_text="Взять").click()
    page.wait_for_url(f"{url}/inbox?tab=group")
    assert page.locator(".flash-ok").inner_text() == "Задача взята в работу"
    page.click("text=Мои задачи")
    page.screenshot(path=str(SHOTS / "inbox.png"), full_page=True)
    page.locator("tr", has_text="Д-77").locator("a", has_text="Открыть").click()
    page.wait_for_url(f"{url}/tasks/{task_id}")

    inn = page.get_by_label("ИНН")
    inn.wait_for()
    assert page.get_by_label("Клиент").input_value() == "ООО «Ромашка»"  # prefilled from the variables
    inn.fill("7707083894")
    page.get_by_label("Сумма договора, ₽").fill("1500")
    page.click("#complete")
    error = page.locator(".fjs-form-field-error", has_text="Неверная контрольная сумма ИНН")
    error.wait_for()
    assert page.locator("#form-banner").inner_text() == "Проверьте выделенные поля"
    assert inn.input_value() == "7707083894"  # nothing typed is lost
    page.screenshot(path=str(SHOTS / "task.png"), full_page=True)

    page.get_by_label("ИНН").fill("")
    page.click("#complete")
    page.locator(".fjs-form-field-error", has_text="Обязательное поле").wait_for()  # form-js, in Russian

    page.get_by_label("ИНН").fill("7707083893")
    with page.expect_response(f"{url}/tasks/{task_id}/complete") as completion:
        page.click("#complete")
    assert completion.value.status == 200, completion.value.text()
    page.wait_for_url(f"{url}/inbox")
    assert "завершена" in page.locator(".flash-ok").inner_text()

    csrf_less = page.evaluate(f"fetch('{url}/tasks/{task_id}/claim', {{method: 'POST'}}).then(r => r.status)")
    assert csrf_less == 400

    lawyer = sign_in(browser, url, "uk_lawyer")
    lawyer.click("text=Задачи группы")
    assert lawyer.locator("tr", has_text="Д-77").locator("a", has_text="Согласовать договор").is_visible()

    west = sign_in(browser, url, "west_operator")
    for tab in ("Мои задачи", "Задачи группы", "Просроченные"):
        west.click(f"text={tab}")
        assert west.locator("text=Д-77").count() == 0
    assert west.goto(f"{url}/tasks/{task_id}").status == 404


def test_the_inbox_works_on_a_phone(server, browser):
    url, _task_id = server
    page = sign_in(browser, url, "uk_lawyer", viewport={"width": 390, "height": 844})
    page.goto(f"{url}/inbox?tab=group", wait_until="load")
    assert page.evaluate("getComputedStyle(document.querySelector('.filters')).display") == "flex"  # app.css is in
    wide = page.evaluate("""[...document.querySelectorAll("body *")]
        .filter(e => e.getBoundingClientRect().right > 391).map(e => e.tagName + "." + e.className).slice(0, 8)""")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, wide
    page.screenshot(path=str(SHOTS / "inbox-phone.png"), full_page=True)
