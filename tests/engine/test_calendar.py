from datetime import date, timedelta

import pytest

from engine.calendar import DATA_FILE, BusinessCalendar, calendar


@pytest.mark.parametrize("day", [
    date(2025, 1, 8),    # New Year holidays
    date(2025, 5, 2),    # transferred from Saturday 4 January
    date(2025, 5, 8),    # transferred from Sunday 23 February
    date(2025, 6, 13),   # transferred from Saturday 8 March
    date(2025, 11, 3),   # transferred from Saturday 1 November
    date(2025, 11, 4),   # Day of National Unity
    date(2025, 12, 31),  # transferred from Sunday 5 January
    date(2026, 1, 9),    # transferred from Saturday 3 January
    date(2026, 2, 23),
    date(2026, 3, 9),    # 8 March 2026 is a Sunday
    date(2026, 5, 11),   # 9 May 2026 is a Saturday
    date(2026, 12, 31),  # transferred from Sunday 4 January
    date(2027, 5, 3),    # 1 May 2027 is a Saturday (ТК РФ ст. 112)
])
def test_holidays_and_transferred_days_off_are_not_business_days(day):
    assert day.weekday() < 5
    assert not calendar.is_business_day(day)


def test_a_transferred_working_saturday_is_a_business_day():
    assert date(2025, 11, 1).weekday() == 5
    assert calendar.is_business_day(date(2025, 11, 1))


def test_an_ordinary_weekday_is_a_business_day_and_a_weekend_is_not():
    assert calendar.is_business_day(date(2025, 2, 24))  # 23 February 2025 moved to 8 May, not to the Monday
    assert not calendar.is_business_day(date(2026, 3, 7))


@pytest.mark.parametrize(("year", "business_days"), [(2025, 247), (2026, 247)])
def test_the_number_of_business_days_matches_the_official_calendar(year, business_days):
    days = (date(year, 1, 1) + timedelta(days=i) for i in range(366))
    assert sum(calendar.is_business_day(d) for d in days if d.year == year) == business_days


def test_dates_outside_the_covered_years_fall_back_to_plain_weekends():
    assert calendar.is_business_day(date(2030, 1, 1))  # a holiday, but 2030 is not covered
    assert not calendar.is_business_day(date(2030, 1, 5))  # Saturday
    assert calendar.years == {2025, 2026, 2027}


def test_adding_zero_business_days_keeps_a_business_day_and_moves_a_day_off_forward():
    assert calendar.add_business_days(date(2025, 10, 31), 0) == date(2025, 10, 31)
    assert calendar.add_business_days(date(2025, 12, 31), 0) == date(2026, 1, 12)


def test_adding_business_days_skips_the_new_year_holidays():
    assert calendar.add_business_days(date(2025, 12, 30), 1) == date(2026, 1, 12)
    assert calendar.add_business_days(date(2025, 12, 30), 2) == date(2026, 1, 13)


def test_adding_business_days_counts_a_working_saturday_and_skips_the_transferred_monday():
    assert calendar.add_business_days(date(2025, 10, 31), 1) == date(2025, 11, 1)
    assert calendar.add_business_days(date(2025, 10, 31), 2) == date(2025, 11, 5)


def test_a_term_starting_on_a_weekend_ends_on_the_same_day_as_one_starting_on_friday():
    assert calendar.add_business_days(date(2026, 3, 14), 1) == calendar.add_business_days(date(2026, 3, 13), 1)


def test_a_negative_number_of_business_days_is_refused():
    with pytest.raises(ValueError):
        calendar.add_business_days(date(2026, 1, 1), -1)


def test_business_days_between_is_the_inverse_of_adding_them():
    for start in (date(2025, 12, 27) + timedelta(days=i) for i in range(20)):
        for n in range(1, 8):
            assert calendar.business_days_between(start, calendar.add_business_days(start, n)) == n


def test_business_days_between_counts_a_month_and_is_negative_backwards():
    assert calendar.business_days_between(date(2025, 10, 31), date(2025, 11, 30)) == 19  # November 2025
    assert calendar.business_days_between(date(2025, 11, 30), date(2025, 10, 31)) == -19
    assert calendar.business_days_between(date(2025, 11, 5), date(2025, 11, 5)) == 0


def test_every_covered_year_names_its_source():
    assert "№ 1335" in calendar.sources[2025]
    assert "2026" in calendar.sources[2026]
    assert calendar.sources[2027] == "ТК РФ ст. 112, переносы не учтены"


def test_a_transferred_day_off_on_a_weekend_is_rejected_when_loading(tmp_path):
    bad = tmp_path / "calendar.json"
    bad.write_text(DATA_FILE.read_text(encoding="utf-8").replace('"2025-05-02"', '"2025-05-03"'), encoding="utf-8")
    with pytest.raises(ValueError, match="weekend"):
        BusinessCalendar.load(bad)
