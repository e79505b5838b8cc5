from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.rates import NoRateError
from billing.vat import add_vat, regime_rate, split_inclusive, vat_inside, vat_on_top, vat_rate

money = st.decimals(min_value=0, max_value=100_000_000, places=2)


def test_vat_rate_is_20_percent_until_2025_and_22_from_2026():
    assert vat_rate(date(2025, 12, 31)) == Decimal("20")
    assert vat_rate(date(2026, 1, 1)) == Decimal("22")


def test_vat_inside_an_inclusive_thousand_rubles_at_22_percent():
    assert vat_inside(Decimal("1000.00"), Decimal("22")) == Decimal("180.33")


def test_vat_on_top_of_the_office_charge():
    assert vat_on_top(Decimal("631.05"), vat_rate(date(2026, 3, 31))) == Decimal("138.83")
    line = add_vat(Decimal("13197.76"), Decimal("22"))
    assert (line.net, line.vat, line.gross) == (Decimal("13197.76"), Decimal("2903.51"), Decimal("16101.27"))


def test_inclusive_population_amount_splits_into_net_and_vat():
    line = split_inclusive(Decimal("274.57"), Decimal("22"))
    assert line.vat == Decimal("49.51")
    assert line.net + line.vat == line.gross == Decimal("274.57")


def test_partner_regimes_are_data_by_date():
    assert regime_rate("osn", date(2025, 6, 1)) == Decimal("20")
    assert regime_rate("osn", date(2026, 6, 1)) == Decimal("22")
    assert regime_rate("usn_5", date(2026, 6, 1)) == Decimal("5")
    assert regime_rate("usn_7", date(2026, 6, 1)) == Decimal("7")
    assert regime_rate("none", date(2026, 6, 1)) is None


def test_reduced_usn_rates_do_not_exist_before_2025():
    with pytest.raises(NoRateError):
        regime_rate("usn_5", date(2024, 12, 31))


def test_a_partner_without_vat_gets_no_vat_line():
    line = add_vat(Decimal("1000.00"), regime_rate("none", date(2026, 6, 1)))
    assert (line.vat, line.gross, line.rate) == (Decimal("0.00"), Decimal("1000.00"), None)
    assert vat_inside(Decimal("1000.00"), None) == Decimal("0.00")


@given(net=money, rate=st.sampled_from([Decimal(5), Decimal(7), Decimal(20), Decimal(22)]))
def test_vat_extracted_from_a_gross_amount_is_within_a_kopeck_of_the_vat_added(net, rate):
    line = add_vat(net, rate)
    assert line.gross == line.net + line.vat
    assert abs(vat_inside(line.gross, rate) - line.vat) <= Decimal("0.01")


@given(gross=money)
def test_net_plus_vat_always_gives_back_the_inclusive_amount(gross):
    line = split_inclusive(gross, Decimal("22"))
    assert line.net + line.vat == line.gross == gross
    assert line.vat.as_tuple().exponent == -2
