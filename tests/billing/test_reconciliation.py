from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billing.accrual import accrue_period
from billing.payments import import_bank_statement
from billing.reconciliation import reconciliation
from tests.billing.bank_files import bank_file, document


def test_the_act_carries_the_opening_balance_documents_payments_and_closing_balance(session, make_account,
                                                                                    partner):
    account = make_account(residents=3)
    for month in (2, 3, 4):
        accrue_period(session, 2026, month)
    import_bank_statement(session, bank_file(
        document("11", "10.03.2026", "274.57", f"ЛС {account.number} за февраль 2026"),
        document("12", "14.04.2026", "300.00", f"ЛС {account.number}")))
    act = reconciliation(session, date(2026, 3, 1), date(2026, 4, 30), client_id=account.client_id)
    assert act.opening == Decimal("274.57")  # February charged, nothing paid before March
    assert [(e.title, e.debit, e.credit) for e in act.entries] == [
        ("Начисление за март 2026 г.", Decimal("274.57"), Decimal("0.00")),
        ("Оплата, п/п № 11 от 10.03.2026", Decimal("0.00"), Decimal("274.57")),
        ("Начисление за апрель 2026 г.", Decimal("274.57"), Decimal("0.00")),
        ("Оплата, п/п № 12 от 14.04.2026", Decimal("0.00"), Decimal("300.00")),
    ]
    assert (act.debit, act.credit, act.closing) == (Decimal("549.14"), Decimal("574.57"), Decimal("249.14"))
    assert act.in_favour_of == "supplier"
    whole_partner = reconciliation(session, date(2026, 3, 1), date(2026, 4, 30), partner_id=partner.id)
    assert whole_partner.closing == act.closing


def test_the_act_needs_a_client_or_a_partner_and_a_sane_period(session, partner):
    with pytest.raises(ValueError, match="по клиенту или по партнёру"):
        reconciliation(session, date(2026, 3, 1), date(2026, 3, 31))
    with pytest.raises(ValueError, match="раньше его начала"):
        reconciliation(session, date(2026, 3, 31), date(2026, 3, 1), partner_id=partner.id)
