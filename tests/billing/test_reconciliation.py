from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billing.accrual import accrue_period
from billing.models import PartnerRate
from billing.payments import import_bank_statement
from billing.reconciliation import reconciliation, settlement_reconciliation
from billing.settlement import SettlementRejected, partner_settlement, record_partner_payment
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


def test_the_uk_and_a_partner_reconcile_settlements_against_the_uks_payments(session, partner):
    session.add(PartnerRate(partner_id=partner.id, name="shift_rent", valid_from=date(2026, 1, 1),
                            value=Decimal("15000"), source="test"))
    session.commit()
    for month, shifts in ((2, 10), (3, 20), (4, 22)):
        partner_settlement(session, partner.id, 2026, month, shifts=shifts)
    record_partner_payment(session, partner.id, date(2026, 3, 5), Decimal("100000.00"), key="pp-1", number="501")
    _, created = record_partner_payment(session, partner.id, date(2026, 3, 5), Decimal("100000.00"), key="pp-1",
                                        number="501")
    assert not created  # the same bank document again
    record_partner_payment(session, partner.id, date(2026, 4, 8), Decimal("250000.00"), key="pp-2", number="577")
    with pytest.raises(SettlementRejected, match="больше нуля"):
        record_partner_payment(session, partner.id, date(2026, 4, 9), Decimal("-1"), key="pp-3")
    # The partner's regime is the general rate (no row): 22% on top of the rent.
    act = settlement_reconciliation(session, partner.id, date(2026, 3, 1), date(2026, 4, 30))
    assert act.opening == Decimal("183000.00")  # February: 10 × 15,000 + 22%, nothing paid before March
    assert [(e.on, e.debit, e.credit) for e in act.entries] == [
        (date(2026, 3, 5), Decimal("0.00"), Decimal("100000.00")),
        (date(2026, 3, 31), Decimal("366000.00"), Decimal("0.00")),
        (date(2026, 4, 8), Decimal("0.00"), Decimal("250000.00")),
        (date(2026, 4, 30), Decimal("402600.00"), Decimal("0.00")),
    ]
    assert act.entries[1].title == "Акт за март 2026 г.: аренда ТС с экипажем"
    assert act.closing == Decimal("601600.00") and act.in_favour_of == "supplier"  # the УК owes the partner
