from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from billing.accrual import accrue_period
from billing.models import Charge
from billing.period import PeriodClosed, close_period
from billing.recalculation import RecalculationRejected, record_absence, record_interruption


def lines(session, account):
    return {line: (amount, vat, reason) for line, amount, vat, reason in session.execute(
        select(Charge.line, Charge.amount_kopecks, Charge.vat_kopecks, Charge.reason)
        .where(Charge.account_id == account.id))}


def test_one_of_three_residents_away_twelve_full_days_is_credited_35_43(session, make_account):
    account = make_account(residents=3)
    absence = record_absence(session, account.id, date(2026, 3, 4), date(2026, 3, 17))  # 5th … 16th away
    accrue_period(session, 2026, 3)
    found = lines(session, account)
    assert found["service"][0] == 27457
    amount, vat, reason = found[f"absence:{absence.id}"]
    assert (amount, vat) == (-3543, -639)  # 2.38 × 461.46 / 12 × 12 / 31 = 35.43 ₽, VAT 22/122 inside
    assert reason == "Перерасчёт за временное отсутствие: 1 чел., 12 полн. сут. (выезд 04.03.2026, прибытие 17.03.2026)"


def test_an_absence_of_five_full_days_is_not_recalculated(session, make_account):
    account = make_account(residents=1)
    record_absence(session, account.id, date(2026, 3, 4), date(2026, 3, 10))  # 5th … 9th: five full days
    accrue_period(session, 2026, 3)
    assert set(lines(session, account)) == {"service"}


def test_an_absence_spanning_two_months_is_credited_in_each_for_its_days(session, make_account):
    account = make_account(residents=1)
    absence = record_absence(session, account.id, date(2026, 3, 27), date(2026, 4, 3))  # 28.03 … 02.04
    accrue_period(session, 2026, 3)
    accrue_period(session, 2026, 4)
    credits = session.scalars(select(Charge.amount_kopecks).where(Charge.line == f"absence:{absence.id}")
                              .order_by(Charge.period)).all()
    assert credits == [-1181, -610]  # 91.52 ₽ × 4/31 and × 2/30, each rounded once


def test_an_absence_with_arrival_before_departure_is_refused_in_russian(session, make_account):
    account = make_account(residents=1)
    with pytest.raises(RecalculationRejected, match="Дата прибытия должна быть позже даты выезда"):
        record_absence(session, account.id, date(2026, 3, 10), date(2026, 3, 1))
    close_period(session, 2026, 2)
    with pytest.raises(PeriodClosed):
        record_absence(session, account.id, date(2026, 2, 1), date(2026, 2, 20))


def test_collection_delays_beyond_the_limits_reduce_the_fee_by_3_3_percent_per_day(session, make_account):
    account = make_account(residents=1)
    # 72 h at once in warm weather: 24 h are allowed at once, 48 h over → 2 × 3.3% of 91.52 ₽ = 6.04 ₽.
    assert record_interruption(session, "delay-1", account.id, datetime(2026, 3, 10, 8), Decimal(72), Decimal(12))
    assert not record_interruption(session, "delay-1", account.id, datetime(2026, 3, 10, 8), Decimal(72),
                                   Decimal(12))
    accrue_period(session, 2026, 3)
    amount, vat, reason = lines(session, account)["quality"]
    assert (amount, vat) == (-604, -109)
    assert reason == "Снижение платы: 3,3% × 2 сут. перерыва в вывозе сверх допустимого (48 ч сверх нормы)"


def test_a_cold_delay_within_48_hours_reduces_nothing(session, make_account):
    account = make_account(residents=1)
    record_interruption(session, "delay-2", account.id, datetime(2026, 3, 2, 8), Decimal(48), Decimal(-20))
    accrue_period(session, 2026, 3)
    assert "quality" not in lines(session, account)


def test_rerunning_the_period_keeps_one_line_per_recalculation(session, make_account):
    account = make_account(residents=3)
    record_absence(session, account.id, date(2026, 3, 4), date(2026, 3, 17))
    record_interruption(session, "delay-3", account.id, datetime(2026, 3, 10, 8), Decimal(72), Decimal(12))
    first = accrue_period(session, 2026, 3)
    second = accrue_period(session, 2026, 3)
    assert first == second
    assert len(lines(session, account)) == 3
    assert first.total == Decimal("274.57") - Decimal("35.43") - Decimal("18.12")


def test_an_interruption_of_no_length_is_refused_in_russian(session, make_account):
    account = make_account(residents=1)
    with pytest.raises(RecalculationRejected, match="Длительность перерыва должна быть положительной"):
        record_interruption(session, "zero", account.id, datetime(2026, 3, 1, 8), Decimal(0), Decimal(0))
