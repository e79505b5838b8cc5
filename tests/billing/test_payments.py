from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from billing.accrual import accrue_period
from billing.models import Allocation, Charge, Payment
from billing.payments import import_bank_statement
from billing.period import close_period
from tests.billing.bank_files import bank_file, document


def allocated(session, account, period):
    return session.scalar(select(func.coalesce(func.sum(Allocation.amount_kopecks), 0))
                          .join(Charge, Charge.id == Allocation.charge_id)
                          .where(Charge.account_id == account.id, Charge.period == period))


def accrue_two_months(session):
    accrue_period(session, 2026, 3)
    accrue_period(session, 2026, 4)


def test_a_payment_is_matched_by_account_number_and_paid_to_the_named_period(session, make_account):
    account = make_account(residents=1)
    accrue_two_months(session)
    report = import_bank_statement(session, bank_file(
        document("1", "05.05.2026", "100.00", f"Оплата ТКО л/с {account.number} за апрель 2026")))
    assert (report.imported, report.unmatched, report.problems) == (1, 0, [])
    assert allocated(session, account, date(2026, 4, 1)) == 9152
    assert allocated(session, account, date(2026, 3, 1)) == 848
    assert report.credit == Decimal("0.00")


def test_without_a_named_period_the_oldest_bucket_is_paid_and_the_rest_is_credit(session, make_account):
    account = make_account("ЮЛ", inn="7707083893", method="by_norm", norm_name="office_employees",
                           units=Decimal(10), payment_day=10)
    accrue_two_months(session)
    report = import_bank_statement(session, bank_file(
        document("7", "12.05.2026", "2000.00", "Оплата по договору", payer_inn="7707083893")))
    assert allocated(session, account, date(2026, 3, 1)) == 76988
    assert allocated(session, account, date(2026, 4, 1)) == 76988
    assert report.credit == Decimal("460.24")


def test_an_unknown_payer_goes_to_the_unmatched_queue(session, make_account):
    make_account(residents=1)
    report = import_bank_statement(session, bank_file(document("3", "05.05.2026", "10.00", "за вывоз мусора",
                                                                payer_inn="7707083893")))
    assert report.unmatched == 1
    assert session.scalar(select(Payment.account_id)) is None


def test_the_same_file_twice_creates_no_second_payment(session, make_account):
    account = make_account(residents=1)
    accrue_two_months(session)
    data = bank_file(document("1", "05.05.2026", "50.00", f"ЛС {account.number}"))
    first = import_bank_statement(session, data)
    second = import_bank_statement(session, data)
    again_in_another_file = import_bank_statement(session, data.replace(b"10:00:00", b"11:00:00"))
    assert (first.imported, second.already_imported, again_in_another_file.duplicates) == (1, True, 1)
    assert session.scalar(select(func.count()).select_from(Payment)) == 1


def test_a_broken_document_is_reported_by_line_and_the_fixed_file_imports_it(session, make_account):
    account = make_account(residents=1)
    good = document("1", "05.05.2026", "50.00", f"ЛС {account.number}")
    report = import_bank_statement(session, bank_file(good, document("2", "06.05.2026", "5O.00", "ЛС x")))
    assert report.imported == 1 and [p.line for p in report.problems] == [32]
    fixed = import_bank_statement(session, bank_file(good, document("2", "06.05.2026", "50.00", "ЛС x")))
    assert (fixed.imported, fixed.duplicates) == (1, 1)


def test_a_payment_dated_in_a_closed_period_is_refused(session, make_account):
    make_account(residents=1)
    close_period(session, 2026, 4)
    report = import_bank_statement(session, bank_file(document("1", "30.04.2026", "50.00", "x")))
    assert report.imported == 0 and "закрытом периоде апрель 2026 г." in report.problems[0].message
