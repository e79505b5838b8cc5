"""Bulk receipts from billing's tables: the `bulk_receipts` process plans batches that workers render as jobs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from billing.accrual import accrue_period
from billing.models import Charge
from billing.payments import import_bank_statement
from clients.models import Client
from documents.bulk_runs import list_runs, plan_run, run_batch
from documents.models import BulkBatch, BulkRun
from documents.receipts import extract_receipt
from documents.rendering import DocumentDataError
from documents.samples import OPERATOR
from engine import jobs
from engine.deployment import deploy
from engine.instances import start_process
from engine.models import Job
from engine.scope import SYSTEM, Scope
from tests.billing.bank_files import bank_file, document
from tests.documents.conftest import pdf_text
from tests.engine.conftest import RULES
from web.api.documents import file_store
from web.extensions import db

PROCESS = Path(__file__).resolve().parents[2] / "processes" / "bulk_receipts.bpmn"
MARCH = date(2026, 3, 1)


def _billed(session, make_account):
    accounts = [make_account(residents=residents) for residents in (1, 2, 3, 1, 2)]
    for number, account in enumerate(accounts[:4], start=1):  # the last client has no address on file
        session.get(Client, account.client_id).address = f"630091, г. Новосибирск, ул. Мичурина, д. {number}"
    accrue_period(session, 2026, 2)
    accrue_period(session, 2026, 3)
    first = accounts[0]
    session.add(Charge(account_id=first.id, period=MARCH, line="absence", amount_kopecks=-1500, vat_kopecks=0,
                       due_date=date(2026, 4, 15)))
    session.commit()
    import_bank_statement(session, bank_file(document("1", "10.03.2026", "50.00", f"ЛС {first.number}")))
    return accounts


def test_a_period_of_billing_is_rendered_in_batches_by_workers_with_progress(app, session, make_account, partner,
                                                                            tmp_path):
    app.config["DOCUMENTS_DIR"] = tmp_path / "documents"
    accounts = _billed(session, make_account)
    deploy(session, {"bulk_receipts.bpmn": PROCESS.read_bytes()}, name="documents", rules=RULES)
    start_process(session, "bulk_receipts", {"period": "2026-03-01", "partner_id": partner.id,
                                             "provider": OPERATOR, "batch_size": 2, "started_by": "accountant"},
                  partner_id=partner.id)
    workers = ["celery@a", "celery@b"]
    turn = 0
    while jobs.work_once(db.session, workers[turn % 2], context=app.app_context) is not None:
        turn += 1
    assert {job.status for job in db.session.scalars(select(Job))} <= {"done"}, \
        [(j.topic, j.error_message) for j in db.session.scalars(select(Job))]

    [run] = db.session.scalars(select(BulkRun))
    assert (run.status, run.total, run.batches) == ("done", 5, 3)
    assert sorted(b.index for b in db.session.scalars(select(BulkBatch))) == [0, 1, 2]
    [progress] = list_runs(db.session, Scope(partner_id=partner.id))
    assert progress.rejected == {accounts[4].number: {"address": "Поле не заполнено"}}
    assert (progress.rendered, progress.percent, len(progress.documents)) == (4, 100, 2)  # the last: all rejected
    assert list_runs(db.session, Scope(partner_id=partner.id + 1)) == []

    text = pdf_text(extract_receipt(db.session, file_store(), SYSTEM, accounts[0].number, MARCH))
    assert accounts[0].number in text and accounts[1].number not in text
    assert "Перерасчёт: временное отсутствие проживающих" in text and "−15,00" in text
    assert "Клиент ФЛ" in text and "ул. Мичурина, д. 1" in text
    assert "Оплачено" in text and "50,00 ₽" in text


def test_a_batch_worked_twice_counts_once(app, session, make_account, partner, tmp_path):
    app.config["DOCUMENTS_DIR"] = tmp_path / "documents"
    _billed(session, make_account)
    run, batches = plan_run(session, "march", MARCH, partner.id, OPERATOR, batch_size=10)
    store = file_store()
    first = run_batch(session, store, **batches[0])
    again = run_batch(session, store, **batches[0])
    assert first.id == again.id and first.rendered == 4 and len(first.rejected) == 1
    assert list_runs(session, SYSTEM)[0].rendered == 4


def test_a_run_with_bad_provider_details_fails_before_any_batch(app, session, make_account, partner, tmp_path):
    provider = {**OPERATOR, "inn": "7707083894"}
    with pytest.raises(DocumentDataError) as error:
        plan_run(session, "bad", MARCH, partner.id, provider)
    assert error.value.fields == {"provider.inn": "Неверная контрольная сумма ИНН"}
    assert session.scalar(select(BulkRun)) is None
