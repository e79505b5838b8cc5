from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billing.accrual import accrue_period
from billing.debtors import debtors
from billing.models import Charge
from billing.payments import import_bank_statement
from billing.statement import AccountNotFound, account_statement
from engine.scope import SYSTEM, Scope
from tests.billing.bank_files import bank_file, document


def add_charge(session, account, period, amount_kopecks, due):
    session.add(Charge(account_id=account.id, period=period, line="service", amount_kopecks=amount_kopecks,
                       vat_kopecks=0, due_date=due))
    session.commit()


def test_individual_penalty_over_a_bucket_paid_late_is_540_77(session, make_account):
    account = make_account(residents=1)
    add_charge(session, account, date(2026, 3, 1), 1_000_000, date(2026, 4, 15))
    import_bank_statement(session, bank_file(document("1", "31.08.2026", "10000.00", f"ЛС {account.number}")))
    statement = account_statement(session, account.id, date(2026, 8, 31))
    assert statement.penalty == Decimal("540.77")
    assert (statement.debt, statement.credit, statement.balance) == (0, 0, 0)


def test_legal_entity_penalty_on_an_unpaid_bucket_is_1790_38(session, make_account):
    account = make_account("ЮЛ", method="by_norm", norm_name="office_employees", units=Decimal(10))
    add_charge(session, account, date(2026, 1, 1), 5_000_000, date(2026, 2, 10))
    statement = account_statement(session, account.id, date(2026, 3, 31))
    [line] = statement.periods
    assert (line.debt, line.penalty) == (Decimal("50000.00"), Decimal("1790.38"))


def test_the_statement_shows_charges_payments_and_credit_by_period(session, make_account):
    account = make_account(residents=1)
    accrue_period(session, 2026, 3)
    accrue_period(session, 2026, 4)
    import_bank_statement(session, bank_file(document("1", "05.05.2026", "200.00", f"ЛС {account.number}")))
    statement = account_statement(session, account.id, date(2026, 5, 31))
    assert [(p.period, p.charged, p.paid, p.debt) for p in statement.periods] == [
        (date(2026, 3, 1), Decimal("91.52"), Decimal("91.52"), 0),
        (date(2026, 4, 1), Decimal("91.52"), Decimal("91.52"), 0)]
    assert statement.credit == Decimal("16.96") and statement.balance == Decimal("-16.96")


def test_another_partners_account_does_not_exist_for_the_caller(session, make_account, other_partner):
    account = make_account(residents=1)
    with pytest.raises(AccountNotFound):
        account_statement(session, account.id, date(2026, 5, 31), Scope(partner_id=other_partner.id))


def test_debtors_are_listed_with_amount_age_and_client_type(session, make_account, other_partner):
    late = make_account(residents=3)
    paid_up = make_account(residents=1)
    west = make_account("ЮЛ", partner_id=other_partner.id, method="by_norm", norm_name="office_employees",
                        units=Decimal(10))
    accrue_period(session, 2026, 3)
    import_bank_statement(session, bank_file(document("1", "10.04.2026", "91.52", f"ЛС {paid_up.number}")))
    found = debtors(session, date(2026, 6, 1), scope=SYSTEM)
    assert [(d.account_id, d.debt, d.client_type, d.days_overdue) for d in found] == [
        (west.id, Decimal("769.88"), "ЮЛ", 52), (late.id, Decimal("274.57"), "ФЛ", 47)]
    mine = debtors(session, date(2026, 6, 1), scope=Scope(partner_id=late.partner_id))
    assert [d.account_id for d in mine] == [late.id]
    assert debtors(session, date(2026, 6, 1), scope=SYSTEM, min_days=50, client_type="ФЛ") == []
