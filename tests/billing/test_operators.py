"""The billing and clients operators through the registry, as a service task calls them; each is idempotent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

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
