from datetime import date, timedelta

import pytest

from billing.due_date import contract_due_date, individual_due_date


def test_march_2026_charge_of_an_individual_is_due_on_the_15th_of_april():
    assert individual_due_date(2026, 3) == date(2026, 4, 15)


def test_january_2026_charge_is_still_due_on_the_10th():
    assert individual_due_date(2026, 1) == date(2026, 2, 10)


def test_february_2026_charge_falls_due_in_march_so_the_new_15th_applies():
    # The switch is read on the first day of the month in which payment falls due (01.03.2026).
    assert individual_due_date(2026, 2) == date(2026, 3, 15)


def test_december_charge_is_due_in_january_of_the_next_year():
    assert individual_due_date(2026, 12) == date(2027, 1, 15)
    assert individual_due_date(2024, 12) == date(2025, 1, 10)


def test_a_business_calendar_may_move_a_due_date_off_a_weekend():
    # 15.03.2026 is a Sunday; the caller's calendar moves it to Monday.
    def next_working_day(day: date) -> date:
        while day.weekday() >= 5:
            day += timedelta(days=1)
        return day

    assert individual_due_date(2026, 2, shift=next_working_day) == date(2026, 3, 16)


def test_legal_entity_pays_on_the_contract_day_of_the_next_month():
    assert contract_due_date(2026, 1, 10) == date(2026, 2, 10)
    assert contract_due_date(2026, 1, 25, months_after=0) == date(2026, 1, 25)


def test_contract_day_beyond_a_short_month_falls_on_its_last_day():
    assert contract_due_date(2026, 1, 31) == date(2026, 2, 28)
    assert contract_due_date(2027, 12, 31, months_after=2) == date(2028, 2, 29)


def test_contract_day_outside_a_month_is_refused():
    with pytest.raises(ValueError):
        contract_due_date(2026, 1, 0)
