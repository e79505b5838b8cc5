"""The task page on a phone (390×844) in Debian's Chromium: the lawyer finds the task by its client's name in the
inbox, takes it, and the form, the context (client, amounts, the claim the instance rendered) and «Завершить» fit
the screen's width; the document opens and the task completes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from db import Base
from documents.samples import SAMPLES
from engine.operators import registry
from tests.browser.support import PHONE, screenshot, sign_in, too_wide
from tests.conftest import make_test_app
from tests.support.live_server import serving
from tests.web.worklist.support import CLAIM, deploy_demo_regulation, partner_id, start_debtor
from web.extensions import db

pytestmark = pytest.mark.browser
CLIENT = {"client_name": "ООО «Сибирская выпечка и кондитерские изделия»", "inn": "5406123450",
          "address": "630007, г. Новосибирск, ул. Фабричная, д. 4", "contract_number": "15-ТКО/2026"}


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[str, str]]:
    """The app over a fresh SQLite database with the demo regulation and a claim task of partner east whose
    instance rendered a claim; yields (url, task id)."""
    root = tmp_path_factory.mktemp("task-phone")
    app = make_test_app(f"sqlite:///{root / 'task.sqlite'}", DOCUMENTS_DIR=root / "documents")
    with app.app_context():
        Base.metadata.create_all(db.engine)
        deploy_demo_regulation(app, db.session)
        rendered = registry.call("documents.render", {
            "kind": "claim", "data": SAMPLES["claim"](), "partner_id": partner_id(db.session, "east"),
            "on": "2026-03-31"}, idempotency_key="job-phone")
        task_id = start_debtor(db.session, "east", "ЛС-2026/000077", {**CLAIM, **CLIENT, **rendered})
        db.session.remove()
    with serving(app) as url:
        yield url, task_id


def test_the_task_page_works_on_a_phone(server, browser):
    url, task_id = server
    page = sign_in(browser, url, "uk_lawyer", viewport=PHONE)
    page.goto(f"{url}/inbox?tab=group", wait_until="load")
    row = page.locator("tr", has_text="ЛС-2026/000077")
    assert row.locator("td.client").inner_text().startswith(CLIENT["client_name"])  # the name, the key under it
    assert row.locator("td.client .key").inner_text() == "ЛС-2026/000077"
    listed = page.request.get(f"{url}/inbox.json?tab=group").json()["tasks"]
    assert [(t["client"], t["business_key"]) for t in listed] == [(CLIENT["client_name"], "ЛС-2026/000077")]
    row.locator("a", has_text="Подготовить претензию").click()
    page.wait_for_url(f"{url}/tasks/{task_id}")
    page.click("#claim")
    page.wait_for_url(f"{url}/tasks/{task_id}")

    days = page.get_by_label("Срок оплаты по претензии, дней")
    days.wait_for()
    context = page.locator("#context")
    assert CLIENT["client_name"] in context.inner_text() and CLIENT["inn"] in context.inner_text()
    assert "50\u00a0000,00\u00a0₽" in context.text_content() and "1\u00a0790,38\u00a0₽" in context.text_content()
    document = context.locator("a", has_text="Претензия № 1-П/26")
    document.scroll_into_view_if_needed()
    assert document.is_visible()
    pdf = page.request.get(url + document.get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate("innerWidth"), too_wide(page)

    days.fill("10")
    finish = page.locator("#complete")
    finish.scroll_into_view_if_needed()
    box = finish.bounding_box()
    assert finish.is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    screenshot(page, "task-phone")
    with page.expect_response(f"{url}/tasks/{task_id}/complete") as completion:
        finish.click()
    assert completion.value.status == 200, completion.value.text()
    page.wait_for_url(f"{url}/inbox")
    assert "завершена" in page.locator(".flash-ok").inner_text()
