"""The worklist in a real browser: Debian's Chromium, headless, driven by Playwright against the app served over
HTTP. A partner operator claims a group task, submits an invalid ИНН and sees the Russian field error next to the
field, fixes it and completes; the lawyer then sees the next step; another partner's operator sees none of it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from db import Base
from identity.seed import seed_demo
from tests.browser.support import PHONE, screenshot, sign_in, too_wide
from tests.conftest import make_test_app
from tests.support.live_server import serving
from tests.web.worklist.support import deploy_contractor_check, start_contractor_check
from web.extensions import db

pytestmark = pytest.mark.browser


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
    with serving(app) as url:
        yield url, task_id


def test_an_operator_fixes_an_invalid_inn_completes_and_the_lawyer_sees_the_next_step(server, browser):
    url, task_id = server
    page = sign_in(browser, url, "partner_operator")
    page.click("text=Задачи группы")
    row = page.locator("tr", has_text="Д-77")
    row.locator("button", has_text="Взять").click()
    page.wait_for_url(f"{url}/inbox?tab=group")
    assert page.locator(".flash-ok").inner_text() == "Задача взята в работу"
    page.click("text=Мои задачи")
    screenshot(page, "inbox")
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
    screenshot(page, "task")

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
    page = sign_in(browser, url, "uk_lawyer", viewport=PHONE)
    page.goto(f"{url}/inbox?tab=group", wait_until="load")
    assert page.evaluate("getComputedStyle(document.querySelector('.filters')).display") == "flex"  # app.css is in
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], too_wide(page)
    screenshot(page, "inbox-phone")
