"""The billing and clients operators through the registry, as a service task calls them; each is idempotent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billing.models import PartnerRate, PartnerSettlement
from engine.operators import OperatorError, registry


def test_accrue_period_operator_is_idempotent_and_close_period_locks_it(session, make_account):
    make_account(residents=1)
    first = registry.call("billing.accrue_period", {"year": 2026, "month": 3})
    second = registry.call("billing.accrue_period", {"year": 2026, "month": 3})
    assert first == second and second["accrued_total"] == Decimal("91.52")
    closed = registry.call("billing.close_period", {"year": 2026, "month": 3, "closed_by": "uk"})
    assert registry.call("billing.close_period", {"year": 2026, "month": 3}) == closed
    with pytest.raises(Exception, match="закрыт"):
        registry.call("billing.accrue_period", {"year": 2026, "month": 3})


def test_debtors_and_statement_operators_report_the_overdue_debt(session, make_account):
    account = make_account(residents=3)
    registry.call("billing.accrue_period", {"year": 2026, "month": 3})
    found = registry.call("billing.debtors", {"on": "2026-06-01", "client_type": "ФЛ"})
    assert found["debtor_count"] == 1 and found["debtors"][0]["days_overdue"] == 47
    statement = registry.call("billing.account_statement", {"account_id": account.id, "on": "2026-06-01"})
    assert statement["debt"] == Decimal("274.57") and statement["periods"][0]["period"] == date(2026, 3, 1)


def test_validate_requisites_operator_gives_russian_reasons():
    result = registry.call("clients.validate_requisites", {"kind": "ЮЛ", "inn": "7707083894"})
    assert result["requisites_valid"] is False
    assert result["requisite_errors"] == {"inn": ["Неверная контрольная сумма ИНН"],
                                          "ogrn": ["Обязательное поле для клиента ЮЛ"]}
    assert registry.call("clients.validate_requisites", {"kind": "ФЛ", "snils": "112-233-445 95"}) == {
        "requisites_valid": True, "requisites": {"snils": "11223344595"}, "requisite_errors": {}}
    with pytest.raises(OperatorError):
        registry.call("clients.validate_requisites", {"kind": "XX"})


def test_find_duplicates_operator_finds_the_same_inn(session, make_account):
    make_account("ЮЛ", inn="7707083893", method="by_norm", norm_name="office_employees", units=Decimal(1))
    result = registry.call("clients.find_duplicates", {"inn": "7707083893"})
    assert result["has_duplicates"] and result["duplicates"][0]["reason"] == "inn"


def test_open_account_with_the_same_key_opens_one_account(session, make_account, partner):
    existing = make_account(residents=1)
    inputs = {"partner_id": partner.id, "client_id": existing.client_id, "method": "per_resident",
              "tariff_name": "novosibirsk_oblast.population", "norm_name": "residents", "residents": 2,
              "opened_on": "2026-03-01"}
    first = registry.call("billing.open_account", inputs, idempotency_key="job-1")
    again = registry.call("billing.open_account", inputs, idempotency_key="job-1")
    assert first == {**again, "account_created": True} and again["account_created"] is False
    assert first["account_number"] == str(first["account_id"]).zfill(10)


def test_open_account_refuses_a_missing_quantity_in_russian(session, make_account, partner):
    existing = make_account(residents=1)
    with pytest.raises(Exception) as refused:
        registry.call("billing.open_account", {"partner_id": partner.id, "client_id": existing.client_id,
                                               "method": "by_norm", "tariff_name": "novosibirsk_oblast.other",
                                               "opened_on": "2026-03-01"}, idempotency_key="job-2")
    assert refused.value.errors == {"units": ["Для расчёта по нормативу укажите количество расчётных единиц"]}


def test_compute_penalties_operator_totals_a_partners_buckets(session, make_account, partner):
    make_account(residents=3)
    registry.call("billing.accrue_period", {"year": 2026, "month": 3})
    result = registry.call("billing.compute_penalties", {"on": "2026-08-31", "partner_id": partner.id})
    again = registry.call("billing.compute_penalties", {"on": "2026-08-31", "partner_id": partner.id})
    # 274.57 ₽ due 15.04.2026: 60 days × 1/300 + 48 days × 1/130 of 9.5% (the DOMAIN vector scaled)
    assert result == again and result["penalty_total"] == Decimal("14.85")
    assert result["penalty_buckets"] == 1 and result["penalty_accounts"] == 1


def test_reconciliation_operator_gives_the_act_figures(session, make_account):
    account = make_account(residents=1)
    registry.call("billing.accrue_period", {"year": 2026, "month": 3})
    result = registry.call("billing.reconciliation", {"start": "2026-03-01", "end": "2026-03-31",
                                                      "client_id": account.client_id})
    assert (result["opening_balance"], result["debit_turnover"], result["closing_balance"]) == (
        Decimal("0.00"), Decimal("91.52"), Decimal("91.52"))
    assert result["in_favour_of"] == "supplier" and result["entries"][0]["title"] == "Начисление за март 2026 г."


def test_partner_settlement_operator_replaces_its_month_on_retry(session, partner):
    session.add(PartnerRate(partner_id=partner.id, name="shift_rent", valid_from=date(2026, 1, 1),
                            value=Decimal("15000"), source="договор аренды ТС с экипажем"))
    session.commit()
    inputs = {"partner_id": partner.id, "year": 2026, "month": 3, "shifts": 20}
    first = registry.call("billing.partner_settlement", inputs, idempotency_key="job-3")
    second = registry.call("billing.partner_settlement", inputs, idempotency_key="job-3")
    assert first == second and first["settlement_net"] == Decimal("300000.00")
    assert first["settlement_vat"] == Decimal("66000.00")
    assert session.query(PartnerSettlement).count() == 1


def test_partner_payment_and_reconciliation_operators_record_once_and_balance(session, partner):
    session.add(PartnerRate(partner_id=partner.id, name="shift_rent", valid_from=date(2026, 1, 1),
                            value=Decimal("15000"), source="договор аренды ТС с экипажем"))
    session.commit()
    registry.call("billing.partner_settlement", {"partner_id": partner.id, "year": 2026, "month": 3, "shifts": 20})
    payment = {"partner_id": partner.id, "paid_on": "2026-04-10", "amount": "366000.00", "number": "612"}
    first = registry.call("billing.record_partner_payment", payment, idempotency_key="job-7")
    again = registry.call("billing.record_partner_payment", payment, idempotency_key="job-7")
    assert first["partner_payment_created"] and not again["partner_payment_created"]
    act = registry.call("billing.partner_reconciliation", {"partner_id": partner.id, "start": "2026-03-01",
                                                           "end": "2026-04-30"})
    assert (act["debit_turnover"], act["credit_turnover"], act["closing_balance"]) == (
        Decimal("366000.00"), Decimal("366000.00"), Decimal("0.00"))
    assert [entry["title"] for entry in act["entries"]] == [
        "Акт за март 2026 г.: аренда ТС с экипажем", "Оплата, п/п № 612 от 10.04.2026"]
    with pytest.raises(OperatorError):
        registry.call("billing.record_partner_payment", {**payment, "amount": "0"}, idempotency_key="job-8")
    with pytest.raises(ValueError, match="runs as a job"):  # without a key a retry could pay twice
        registry.call("billing.record_partner_payment", {**payment, "number": "613"})
    assert registry.call("billing.partner_reconciliation", {"partner_id": partner.id, "start": "2026-03-01",
                                                           "end": "2026-04-30"}) == act  # nothing was recorded
