from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from billing.accrual import accrue_period
from billing.charge import per_resident_for_month
from billing.models import Charge, PartnerVatRegime, Tariff
from billing.period import PeriodClosed, close_period
from billing.rates import DatedTable, DatedValue, norm_table
from billing.recalculation import record_absence, record_interruption

MON_WED_FRI = 1 | 4 | 16  # 13 collections in March 2026


def charges(session, account):
    return session.execute(select(Charge.amount_kopecks, Charge.vat_kopecks, Charge.due_date)
                           .where(Charge.account_id == account.id)).all()


def test_individuals_are_charged_per_resident_rounded_once_per_line(session, make_account):
    one = make_account(residents=1)
    three = make_account(residents=3)
    nobody_registered = make_account(residents=0, owners=2)
    accrue_period(session, 2026, 3)
    assert charges(session, one) == [(9152, 1650, date(2026, 4, 15))]  # 91.52 ₽, VAT 22/122 inside
    assert charges(session, three)[0].amount_kopecks == 27457  # 274.57 ₽, not 3 × 91.52
    assert charges(session, nobody_registered)[0].amount_kopecks == 18305  # the owners are billed


def test_legal_entities_are_charged_by_norm_and_by_containers_with_vat_on_top(session, make_account):
    office = make_account("ЮЛ", method="by_norm", norm_name="office_employees", units=Decimal(10), payment_day=10)
    shop = make_account("ЮЛ", method="by_containers", norm_name=None, containers=((2, "1.1"),),
                        weekdays=MON_WED_FRI, payment_day=20)
    accrue_period(session, 2026, 3)
    assert charges(session, office) == [(63105 + 13883, 13883, date(2026, 4, 10))]  # 631.05 ₽ + VAT 22%
    assert charges(session, shop) == [(1319776 + 290351, 290351, date(2026, 4, 20))]  # 13,197.76 ₽ + VAT


def test_a_month_without_a_tariff_change_is_billed_at_its_tariff(session, make_account):
    account = make_account(residents=1)
    accrue_period(session, 2025, 3)
    assert charges(session, account)[0].amount_kopecks == 8661  # 436.69 ₽/m³ before 01.07.2025
    assert charges(session, account)[0].due_date == date(2025, 4, 10)  # the 10th before 01.03.2026


def test_rerunning_an_open_period_replaces_and_never_doubles(session, make_account):
    account = make_account(residents=1)
    first = accrue_period(session, 2026, 3)
    account.residents = 3
    session.commit()
    second = accrue_period(session, 2026, 3)
    assert charges(session, account)[0].amount_kopecks == 27457
    assert first.accounts_charged == second.accounts_charged == 1
    assert second.total == Decimal("274.57")


def test_accrual_is_limited_to_the_partner_and_skips_accounts_without_a_tariff(session, make_account,
                                                                             other_partner):
    mine = make_account(residents=1)
    theirs = make_account(residents=1, partner_id=other_partner.id)
    make_account(residents=1, tariff_name="нет такого тарифа")
    result = accrue_period(session, 2026, 3, partner_id=mine.partner_id)
    assert charges(session, mine) and not charges(session, theirs)
    assert (result.accounts_charged, result.accounts_skipped) == (1, 1)


def test_closed_accounts_are_not_charged(session, make_account):
    closed = make_account(residents=1, closed_on=date(2026, 2, 28))
    accrue_period(session, 2026, 3)
    assert charges(session, closed) == []


def test_a_closed_period_refuses_accrual_in_russian(session, make_account):
    account = make_account(residents=1)
    accrue_period(session, 2026, 3)
    close_period(session, 2026, 3, "uk_accountant")
    account.residents = 5
    session.commit()
    with pytest.raises(PeriodClosed, match="Период март 2026 г. закрыт"):
        accrue_period(session, 2026, 3)
    assert charges(session, account)[0].amount_kopecks == 9152


def test_closing_a_period_twice_is_the_same_as_once(session, partner):
    first = close_period(session, 2026, 3, "a")
    second = close_period(session, 2026, 3, "b")
    assert first.status == second.status == "closed" and second.closed_by == "a"


def test_a_tariff_changed_mid_month_is_billed_pro_rata_by_days(session, make_account):
    account = make_account(residents=1)
    current = session.scalar(select(Tariff).where(Tariff.name == "novosibirsk_oblast.population",
                                                  Tariff.valid_to.is_(None)))
    current.valid_to = date(2026, 3, 15)
    session.add(Tariff(name="novosibirsk_oblast.population", valid_from=date(2026, 3, 16), value=Decimal("500.00"),
                       includes_vat=True, source="test"))
    session.commit()
    accrue_period(session, 2026, 3)
    tariffs = DatedTable([DatedValue(date(2025, 7, 1), date(2026, 3, 15), Decimal("461.46"), "t"),
                          DatedValue(date(2026, 3, 16), None, Decimal("500.00"), "t")])
    expected = per_resident_for_month(1, 2026, 3, norm_table("residents"), tariffs)
    assert expected == Decimal("95.47")  # (15 days × 461.46 + 16 × 500.00) / 31 × 2.38 / 12, rounded once
    assert charges(session, account)[0].amount_kopecks == 9547


@pytest.mark.parametrize(("regime", "vat"), [("osn", 13883), ("usn_5", 3155), ("usn_7", 4417), ("none", 0)])
def test_vat_follows_the_partner_regime_in_force_in_the_period(session, make_account, partner, regime, vat):
    session.add(PartnerVatRegime(partner_id=partner.id, valid_from=date(2026, 1, 1), regime=regime))
    session.commit()
    office = make_account("ЮЛ", method="by_norm", norm_name="office_employees", units=Decimal(10), payment_day=10)
    accrue_period(session, 2026, 3)
    assert charges(session, office) == [(63105 + vat, vat, date(2026, 4, 10))]  # 631.05 ₽ net


def test_vat_before_2026_is_20_percent_under_the_general_regime(session, make_account):
    office = make_account("ЮЛ", method="by_norm", norm_name="office_employees", units=Decimal(10), payment_day=10)
    accrue_period(session, 2025, 12)
    assert charges(session, office)[0].vat_kopecks == 12621  # 631.05 × 20%


def _all_lines(session):
    return sorted(session.execute(select(Charge.account_id, Charge.period, Charge.line, Charge.amount_kopecks,
                                         Charge.vat_kopecks, Charge.due_date, Charge.reason)).all())


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(residents=st.lists(st.integers(0, 6), min_size=1, max_size=4), units=st.integers(1, 500),
       away=st.integers(0, 20), delay_hours=st.integers(0, 200))
def test_rerunning_accruals_is_idempotent_whatever_the_accounts(session, make_account, residents, units, away,
                                                                delay_hours):
    accounts = [make_account(residents=count, owners=1) for count in residents]
    make_account("ЮЛ", method="by_norm", norm_name="office_employees", units=Decimal(units), payment_day=25)
    if away:
        record_absence(session, accounts[0].id, date(2026, 3, 2), date(2026, 3, 3 + away))
    if delay_hours:
        record_interruption(session, f"h-{accounts[0].id}", accounts[0].id, datetime(2026, 3, 5, 7),
                            Decimal(delay_hours), Decimal(10))
    first = accrue_period(session, 2026, 3)
    lines = _all_lines(session)
    assert accrue_period(session, 2026, 3) == first
    assert _all_lines(session) == lines
