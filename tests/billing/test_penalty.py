from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.penalty import (
    Payment,
    PenaltyTier,
    individual_penalty,
    legal_entity_penalty,
    penalty,
    penalty_rate,
    penalty_tiers,
)
from billing.rates import DatedTable, NoRateError

NO_CAP = DatedTable.constant(None, "computation without the cap", name="no cap")
DEBT = Decimal("10000.00")
DUE = date(2026, 4, 15)


def _rows(calculation):
    return [(line.start, line.end, line.days, line.base, line.fraction, line.amount) for line in calculation.lines]


def test_individual_example_from_the_domain_gives_540_77_with_the_cap():
    result = individual_penalty(DEBT, DUE, date(2026, 8, 31))
    assert result.rate == Decimal("9.5")
    assert _rows(result) == [
        (date(2026, 4, 16), date(2026, 5, 15), 30, DEBT, Fraction(0), Decimal("0.00")),
        (date(2026, 5, 16), date(2026, 7, 14), 60, DEBT, Fraction(1, 300), Decimal("190.00")),
        (date(2026, 7, 15), date(2026, 8, 31), 48, DEBT, Fraction(1, 130), Decimal("350.77")),
    ]
    assert result.total == Decimal("540.77")


def test_the_same_debt_without_the_cap_uses_the_key_rate_and_gives_882_31():
    result = individual_penalty(DEBT, DUE, date(2026, 8, 31), caps=NO_CAP)
    assert result.rate == Decimal("15.5")
    assert [line.amount for line in result.lines] == [Decimal("0.00"), Decimal("310.00"), Decimal("572.31")]
    assert result.total == Decimal("882.31")


def test_legal_entity_example_counts_49_days_at_1_130():
    result = legal_entity_penalty(Decimal("50000.00"), date(2026, 2, 10), date(2026, 3, 31))
    assert _rows(result) == [
        (date(2026, 2, 11), date(2026, 3, 31), 49, Decimal("50000.00"), Fraction(1, 130), Decimal("1790.38")),
    ]
    assert result.total == Decimal("1790.38")


def test_individual_owes_nothing_in_the_first_30_days():
    assert individual_penalty(DEBT, DUE, DUE + timedelta(days=30)).total == Decimal("0.00")
    assert individual_penalty(DEBT, DUE, DUE + timedelta(days=31)).total == Decimal("3.17")  # 10,000 × 9.5% / 300


def test_nothing_accrues_on_or_before_the_due_date():
    result = legal_entity_penalty(DEBT, DUE, DUE)
    assert result.lines == ()
    assert result.total == Decimal("0.00")


def test_partial_payment_reduces_the_base_from_the_day_after_it():
    # Reasoning: the worked example counts the day of full payment (31.08) as an overdue day, i.e. the debt is
    # still owed on the day it is paid. A partial payment is treated the same way: on 28.02 the whole 50,000
    # is still owed; from 01.03 only the 30,000 left.
    result = legal_entity_penalty(
        Decimal("50000.00"),
        date(2026, 2, 10),
        date(2026, 3, 31),
        payments=[Payment(date(2026, 2, 28), Decimal("20000.00"))],
    )
    assert _rows(result) == [
        (date(2026, 2, 11), date(2026, 2, 28), 18, Decimal("50000.00"), Fraction(1, 130), Decimal("657.69")),
        (date(2026, 3, 1), date(2026, 3, 31), 31, Decimal("30000.00"), Fraction(1, 130), Decimal("679.62")),
    ]
    assert result.total == Decimal("1337.31")


def test_partial_payment_keeps_the_individual_tiers_counted_from_the_due_date():
    # 4,000 paid on 01.06.2026 (day 47, inside the 1/300 tier); the tiers still change on day 91 (15.07).
    result = individual_penalty(DEBT, DUE, date(2026, 8, 31), payments=[Payment(date(2026, 6, 1), Decimal("4000"))])
    assert _rows(result)[1:] == [
        (date(2026, 5, 16), date(2026, 6, 1), 17, DEBT, Fraction(1, 300), Decimal("53.83")),
        (date(2026, 6, 2), date(2026, 7, 14), 43, Decimal("6000.00"), Fraction(1, 300), Decimal("81.70")),
        (date(2026, 7, 15), date(2026, 8, 31), 48, Decimal("6000.00"), Fraction(1, 130), Decimal("210.46")),
    ]
    assert result.total == Decimal("345.99")


def test_debt_paid_in_full_stops_accruing_the_next_day():
    paid = [Payment(date(2026, 3, 1), Decimal("50000.00"))]
    stopped = legal_entity_penalty(Decimal("50000.00"), date(2026, 2, 10), date(2026, 3, 31), payments=paid)
    until_payment = legal_entity_penalty(Decimal("50000.00"), date(2026, 2, 10), date(2026, 3, 1))
    assert stopped.lines[-1].end == date(2026, 3, 1)
    assert stopped.total == until_payment.total


def test_payment_before_the_due_date_lowers_the_base_from_the_start():
    result = legal_entity_penalty(
        Decimal("50000.00"),
        date(2026, 2, 10),
        date(2026, 3, 31),
        payments=[Payment(date(2026, 2, 1), Decimal("10000.00"))],
    )
    assert [line.base for line in result.lines] == [Decimal("40000.00")]


def test_moratorium_days_of_2020_accrue_nothing():
    # Rate on the claim date 31.01.2021: key rate 4.25%, no cap then; 06.04–31.12.2020 is the moratorium.
    result = legal_entity_penalty(DEBT, date(2020, 3, 10), date(2021, 1, 31))
    assert [(line.start, line.end, line.rate, line.amount) for line in result.lines] == [
        (date(2020, 3, 11), date(2020, 4, 5), Decimal("4.25"), Decimal("85.00")),
        (date(2020, 4, 6), date(2020, 12, 31), Decimal("0"), Decimal("0.00")),
        (date(2021, 1, 1), date(2021, 1, 31), Decimal("4.25"), Decimal("101.35")),
    ]


def test_one_rate_taken_on_the_payment_day_applies_to_the_whole_period():
    # Without the cap: the key rate was 20% in June 2025 and 18% on 01.08.2025; the whole period uses 18%.
    result = legal_entity_penalty(DEBT, date(2025, 6, 10), date(2025, 8, 1), caps=NO_CAP)
    assert {line.rate for line in result.lines} == {Decimal("18")}
    assert result.rate_on == date(2025, 8, 1)


def test_penalty_rate_is_the_lower_of_key_rate_and_cap():
    assert penalty_rate(date(2026, 4, 15)) == Decimal("9.5")
    assert penalty_rate(date(2021, 6, 1)) == Decimal("5")
    assert penalty_rate(date(2020, 6, 1)) == Decimal("0")


def test_days_after_the_last_cap_decree_raise_until_the_table_is_extended():
    with pytest.raises(NoRateError):
        legal_entity_penalty(DEBT, date(2026, 12, 10), date(2027, 1, 31))


def test_tiers_come_from_the_tables():
    assert penalty_tiers("individuals", DUE) == (
        PenaltyTier(1, 30, Fraction(0)),
        PenaltyTier(31, 90, Fraction(1, 300)),
        PenaltyTier(91, None, Fraction(1, 130)),
    )


def test_a_schedule_with_a_gap_is_refused():
    tiers = [PenaltyTier(1, 30, Fraction(0)), PenaltyTier(32, None, Fraction(1, 300))]
    with pytest.raises(ValueError, match="start at day 31"):
        penalty(DEBT, DUE, date(2026, 8, 31), tiers)


@given(days=st.integers(min_value=0, max_value=600), debt=st.decimals(min_value=0, max_value=1_000_000, places=2))
def test_penalty_never_decreases_as_more_days_pass_at_a_fixed_rate(days, debt):
    # At a fixed rate only: with the real key-rate table a later payment day may carry a lower single rate.
    due = date(2024, 1, 10)
    until = due + timedelta(days=days)
    tables = {"caps": NO_CAP, "key_rates": DatedTable.constant(Decimal("15.5"), "fixed for the property")}
    earlier = individual_penalty(debt, due, until, **tables)
    later = individual_penalty(debt, due, until + timedelta(days=1), **tables)
    assert later.total >= earlier.total
    assert earlier.total == sum((line.amount for line in earlier.lines), Decimal("0.00"))


@given(days=st.integers(min_value=1, max_value=400))
def test_lines_cover_every_overdue_day_exactly_once(days):
    due = date(2025, 1, 10)
    result = individual_penalty(DEBT, due, due + timedelta(days=days))
    assert sum(line.days for line in result.lines) == days
    for earlier, later in zip(result.lines, result.lines[1:], strict=False):
        assert later.start == earlier.end + timedelta(days=1)
