"""The receipts page: УК accountants start a period's run, watch its progress and download the batch PDFs."""

from __future__ import annotations

from datetime import date

from billing.accrual import accrue_period
from billing.models import Account
from billing.reference import seed_reference
from clients.models import Client, ClientObject
from documents.samples import OPERATOR
from engine import jobs
from tests.web.worklist.support import partner_id, post, sign_in
from web.extensions import db


def _accounts(session, partner: int, count: int) -> list[str]:
    seed_reference(session)
    numbers = []
    for index in range(count):
        client = Client(partner_id=partner, kind="ФЛ", name=f"Сидоров Пётр {index}", name_key="сидоров",
                        address=f"630091, г. Новосибирск, ул. Мичурина, д. {index + 1}")
        session.add(client)
        session.flush()
        obj = ClientObject(client_id=client.id, name="квартира", category="household", billing_unit="resident")
        session.add(obj)
        session.flush()
        numbers.append(f"77{index:08d}")
        session.add(Account(number=numbers[-1], partner_id=partner, client_id=client.id, client_object_id=obj.id,
                            client_type="ФЛ", method="per_resident", residents=2, norm_name="residents",
                            tariff_name="novosibirsk_oblast.population", opened_on=date(2024, 1, 1)))
    session.commit()
    accrue_period(session, 2026, 3)
    return numbers


def test_an_accountant_runs_a_month_of_receipts_and_downloads_them(app, client, regulation, session, tmp_path):
    app.config.update(DOCUMENTS_DIR=tmp_path / "documents", DOCUMENTS_PROVIDER=OPERATOR)
    east = partner_id(session, "east")
    numbers = _accounts(session, east, 3)
    sign_in(client, "uk_accountant")
    assert "Выпуск квитанций" in client.get("/receipts").get_data(as_text=True)

    started = post(client, "/receipts", {"period": "2026-03", "partner_id": str(east), "batch_size": "2"},
                   follow_redirects=True)
    assert "Выпуск квитанций за 03.2026 запущен" in started.get_data(as_text=True)
    # the plan: the run appears with its batches, none done yet
    jobs.work_once(db.session, "celery@test", context=app.app_context)
    running = client.get("/receipts").get_data(as_text=True)
    assert "идёт" in running and "0 из 3" in running and "пакетов 0/2" in running
    while jobs.work_once(db.session, "celery@test", context=app.app_context) is not None:
        pass
    page = client.get("/receipts").get_data(as_text=True)
    assert "завершён" in page and "3 из 3" in page and "пакетов 2/2" in page and "пакет 2" in page

    [first_link] = [part.split('"')[0] for part in page.split('href="/receipts/files/')[1:2]]
    download = client.get(f"/receipts/files/{first_link}")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    single = client.get(f"/receipts/account?account={numbers[2]}&period=2026-03")
    assert single.status_code == 200 and single.data.startswith(b"%PDF")
    missing = client.get("/receipts/account?account=0000&period=2026-03", follow_redirects=True)
    assert "не найдена" in missing.get_data(as_text=True)


def test_a_run_without_a_month_is_refused_field_by_field(app, client, regulation, session):
    app.config.update(DOCUMENTS_PROVIDER=OPERATOR)
    sign_in(client, "uk_accountant")
    refused = post(client, "/receipts", {"period": "", "batch_size": "0"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Укажите месяц" in text and "Размер пакета: от 1 до 2000" in text


def test_partner_operators_do_not_see_the_receipts_page(client, regulation):
    sign_in(client, "partner_operator")
    assert client.get("/receipts").status_code == 403
    assert "/receipts" not in client.get("/inbox").get_data(as_text=True)
