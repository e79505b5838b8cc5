from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.charge import (
    Interruption,
    absence_credit,
    absence_days,
    absence_days_in_month,
    absence_recalculation,
    by_containers,
    by_mass,
    by_norm,
    hours_over_limit,
    interruption_limits,
    per_area,
    per_resident,
    per_resident_for_month,
    quality_reduction,
)
from billing.money import round_rubles
from billing.rates import DatedTable, DatedValue

NORM = Decimal("2.38")
TARIFF = Decimal("461.46")
LIMITS = interruption_limits(date(2026, 3, 1))

money = st.decimals(min_value=0, max_value=10_000_000, places=2)


def test_one_resident_pays_the_monthly_norm_at_the_tariff():
    assert per_resident(1, NORM, TARIFF) == Decimal("91.52")


def test_three_residents_are_rounded_once_not_per_person():
    assert per_resident(3, NORM, TARIFF) == Decimal("274.57")
    assert per_resident(3, NORM, TARIFF) != 3 * per_resident(1, NORM, TARIFF)


def test_old_tariff_gives_the_old_charge():
    # 2.38 / 12 × 436.69 = 86.6102 — the tariff in force before 01.07.2025.
    assert per_resident(1, NORM, Decimal("436.69")) == Decimal("86.61")


def test_per_area_uses_the_area_norm():
    # 50 m² × 0.1 m³/m²/year / 12 × 461.46 = 192.275 → half-up 192.28
    assert per_area(Decimal("50"), Decimal("0.1"), TARIFF) == Decimal("192.28")


def test_office_of_ten_staff_by_norm_excludes_vat():
    assert by_norm(10, Decimal("1.641"), TARIFF) == Decimal("631.05")


def test_two_bins_of_1_1_m3_collected_13_times():
    assert by_containers([(2, Decimal("1.1"))], 13, TARIFF) == Decimal("13197.76")


def test_container_groups_are_summed_before_rounding():
    separate = by_containers([(1, Decimal("1.1"))], 13, TARIFF) + by_containers([(1, Decimal("0.75"))], 13, TARIFF)
    together = by_containers([(1, Decimal("1.1")), (1, Decimal("0.75"))], 13, TARIFF)
    assert together == round_rubles(Decimal("1.85") * 13 * TARIFF)
    assert abs(together - separate) <= Decimal("0.01")


def test_by_mass_multiplies_tonnes_by_the_price_per_tonne():
    assert by_mass(Decimal("2.345"), Decimal("3100.50")) == Decimal("7270.67")


def test_floats_are_refused_so_kopecks_stay_exact():
    with pytest.raises(TypeError):
        per_resident(1, 2.38, TARIFF)


@given(residents=st.integers(min_value=0, max_value=50))
def test_rounding_once_is_within_half_a_kopeck_of_the_exact_amount(residents):
    exact = residents * Fraction(NORM) / 12 * Fraction(TARIFF)
    assert abs(Fraction(per_resident(residents, NORM, TARIFF)) - exact) <= Fraction(1, 200)


@given(residents=st.integers(min_value=0, max_value=49))
def test_one_more_resident_never_lowers_the_charge(residents):
    assert per_resident(residents + 1, NORM, TARIFF) >= per_resident(residents, NORM, TARIFF)


def test_full_month_charge_from_the_tables_equals_the_formula():
    assert per_resident_for_month(1, 2026, 3) == Decimal("91.52")
    assert per_resident_for_month(3, 2025, 7) == Decimal("274.57")


def test_tariff_change_inside_a_month_is_prorated_by_days():
    tariffs = DatedTable(
        [
            DatedValue(date(2024, 1, 1), date(2024, 8, 5), Decimal("400"), "test"),
            DatedValue(date(2024, 8, 6), None, Decimal("436.69"), "test"),
        ]
    )
    # 5 days at 400 and 26 days at 436.69 of a 31-day month, one resident, rounded once.
    expected = round_rubles(NORM / 12 * (Decimal(400) * 5 + Decimal("436.69") * 26) / 31)
    assert per_resident_for_month(1, 2024, 8, tariffs=tariffs) == expected


def test_month_before_the_first_tariff_cannot_be_charged():
    with pytest.raises(LookupError):
        per_resident_for_month(1, 2024, 7)


def test_departure_and_arrival_days_are_not_absence_days():
    assert absence_days(date(2026, 3, 1), date(2026, 3, 14)) == 12
    assert absence_days(date(2026, 3, 1), date(2026, 3, 2)) == 0


def test_one_of_three_residents_away_twelve_days_of_thirty_one_is_credited():
    assert absence_credit(NORM, TARIFF, 12, 31) == Decimal("35.43")
    credit = absence_recalculation(
        NORM, TARIFF, departure=date(2026, 3, 1), arrival=date(2026, 3, 14), year=2026, month=3
    )
    assert credit == Decimal("35.43")


def test_absence_of_exactly_five_full_days_gives_no_credit():
    # Departure 1st, arrival 7th: days 2..6 are 5 full days — the rule needs MORE than 5.
    args = {"departure": date(2026, 3, 1), "year": 2026, "month": 3}
    assert absence_recalculation(NORM, TARIFF, arrival=date(2026, 3, 7), **args) == Decimal("0.00")
    assert absence_recalculation(NORM, TARIFF, arrival=date(2026, 3, 8), **args) == absence_credit(NORM, TARIFF, 6, 31)


def test_absence_across_two_months_is_credited_in_each_by_its_own_days():
    departure, arrival = date(2026, 3, 28), date(2026, 4, 3)  # full days 29, 30, 31 March and 1, 2 April
    assert absence_days(departure, arrival) == 5
    assert absence_days_in_month(departure, arrival, 2026, 3) == 3
    assert absence_days_in_month(departure, arrival, 2026, 4) == 2
    # The threshold applies to the whole absence: five full days in total is not MORE than five.
    common = {"departure": departure, "arrival": arrival}
    assert absence_recalculation(NORM, TARIFF, year=2026, month=3, **common) == Decimal("0.00")
    longer = {"departure": departure, "arrival": date(2026, 4, 5)}
    assert absence_recalculation(NORM, TARIFF, year=2026, month=3, **longer) == absence_credit(NORM, TARIFF, 3, 31)
    assert absence_recalculation(NORM, TARIFF, year=2026, month=4, **longer) == absence_credit(NORM, TARIFF, 4, 30)


def test_interruptions_within_every_limit_are_not_over():
    interruptions = [Interruption(24, 10), Interruption(48, -5)]
    assert hours_over_limit(interruptions, LIMITS) == 0


def test_a_warm_interruption_is_over_after_24_hours_and_a_cold_one_after_48():
    assert hours_over_limit([Interruption(30, Decimal("5.1"))], LIMITS) == 6
    assert hours_over_limit([Interruption(30, 5)], LIMITS) == 0
    assert hours_over_limit([Interruption(60, 5)], LIMITS) == 12


def test_hours_beyond_the_monthly_72_are_over_even_when_each_break_is_short():
    # Four warm breaks of 24 h: each within its single limit, the fourth is entirely beyond the 72 h total.
    assert hours_over_limit([Interruption(24, 20)] * 4, LIMITS) == 24


def test_an_hour_breaking_both_limits_is_counted_once():
    # 50 h total so far, then a warm break of 40 h: 16 h over the single limit; 22 h left of the month's 72,
    # so 18 h over the total — the union is 18 h, not 16 + 18.
    assert hours_over_limit([Interruption(50, 0), Interruption(40, 20)], LIMITS) == 2 + 18


def test_fee_falls_by_3_3_percent_per_full_day_over_the_limit():
    fee = Decimal("1000.00")
    assert quality_reduction(fee, 23, LIMITS) == Decimal("0.00")
    assert quality_reduction(fee, 24, LIMITS) == Decimal("33.00")
    assert quality_reduction(fee, 71, LIMITS) == Decimal("66.00")


def test_reduction_never_exceeds_the_fee():
    assert quality_reduction(Decimal("91.52"), 24 * 40, LIMITS) == Decimal("91.52")


@given(fee=money, hours=st.integers(min_value=0, max_value=744))
def test_reduction_is_between_zero_and_the_fee_and_grows_with_hours(fee, hours):
    reduction = quality_reduction(fee, hours, LIMITS)
    assert Decimal(0) <= reduction <= fee
    assert quality_reduction(fee, hours + 24, LIMITS) >= reduction
