from __future__ import annotations

from datetime import date
from decimal import Decimal

from billing.models import Charge
from billing.payments import import_bank_statement
from billing.penalty_batch import compute_penalties
from billing.statement import account_statement
from engine.scope import SYSTEM, Scope
from tests.billing.bank_files import bank_file, document


def add_charge(session, account, period, amount_kopecks, due):
    session.add(Charge(account_id=account.id, period=period, line="service", amount_kopecks=amount_kopecks,
                       vat_kopecks=0, due_date=due))
    session.commit()


def test_the_worked_examples_come_out_of_the_batch_pass(session, make_account):
    individual = make_account(residents=1)
    company = make_account("ЮЛ", method="by_norm", units=Decimal(1))
    add_charge(session, individual, date(2026, 3, 1), 1_000_000, date(2026, 4, 15))
    add_charge(session, company, date(2026, 1, 1), 5_000_000, date(2026, 2, 10))
    individuals = compute_penalties(session, date(2026, 8, 31), scope=SYSTEM, account_id=individual.id)
    companies = compute_penalties(session, date(2026, 3, 31), scope=SYSTEM, account_id=company.id)
    assert (individuals.total, companies.total) == (Decimal("540.77"), Decimal("1790.38"))


def test_the_batch_pass_agrees_with_the_statement_for_paid_and_unpaid_buckets(session, make_account, partner):
    accounts = [make_account(residents=1), make_account(residents=2), make_account("ЮЛ", method="by_norm")]
    for index, account in enumerate(accounts):
        for month in range(1, 7):
            add_charge(session, account, date(2026, month, 1), 100_000 * (index + 1) + month * 1234,
                       date(2026, month + 1, 10 if index == 2 else 15))
    # A partial payment on one bucket and a full one on another: those go through penalty.py one by one.
    import_bank_statement(session, bank_file(
        document("1", "20.05.2026", "500.00", f"ЛС {accounts[0].number}"),
        document("2", "01.06.2026", "1000.00", f"ЛС {accounts[2].number}")))
    on = date(2026, 11, 30)
    batch = compute_penalties(session, on, scope=Scope(partner_id=partner.id))
    for account in accounts:
        assert Decimal(batch.by_account[account.id]).scaleb(-2) == account_statement(session, account.id, on).penalty
    assert batch.total == sum(account_statement(session, a.id, on).penalty for a in accounts)


def test_a_months_credit_lowers_its_penalty_base_and_what_a_payment_can_cover(session, make_account, partner):
    """The DOMAIN absence example: 274.57 charged, 35.43 credited, so 239.14 is the month's debt."""
    unpaid, paid = make_account(residents=3), make_account(residents=3)
    for account in (unpaid, paid):
        add_charge(session, account, date(2026, 3, 1), 27_457, date(2026, 4, 15))
        session.add(Charge(account_id=account.id, period=date(2026, 3, 1), line="absence:1", amount_kopecks=-3_543,
                           vat_kopecks=0, due_date=date(2026, 4, 15), reason="временное отсутствие"))
    session.commit()
    import_bank_statement(session, bank_file(document("7", "10.04.2026", "239.14", f"ЛС {paid.number} за март 2026")))
    on = date(2026, 8, 31)
    batch = compute_penalties(session, on, scope=Scope(partner_id=partner.id))
    netted = compute_penalties(session, on, scope=SYSTEM, account_id=unpaid.id).total
    assert netted == compute_penalties_on(session, make_account, 23_914, on)
    assert batch.by_account[unpaid.id] == int(netted * 100)
    assert account_statement(session, unpaid.id, on).penalty == netted
    assert paid.id not in batch.by_account
    statement = account_statement(session, paid.id, on)
    assert (statement.debt, statement.credit, statement.penalty) == (Decimal("0.00"), Decimal("0.00"), Decimal(0))


def compute_penalties_on(session, make_account, kopecks, on):
    """The penalty of a plain bucket of `kopecks` with the same due date, for comparison."""
    plain = make_account(residents=3)
    add_charge(session, plain, date(2026, 3, 1), kopecks, date(2026, 4, 15))
    return compute_penalties(session, on, scope=SYSTEM, account_id=plain.id).total
