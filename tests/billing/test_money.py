"""Money rounding: half-up to kopecks, exactly, and floats refused."""

from decimal import Decimal
from fractions import Fraction

import pytest

from billing.money import exact, round_rubles


def test_rounding_is_half_up_on_exact_halves_in_both_directions():
    assert round_rubles(Decimal("0.005")) == Decimal("0.01")
    assert round_rubles(Decimal("-0.005")) == Decimal("-0.01")
    assert round_rubles(Fraction(1, 3)) == Decimal("0.33")


def test_a_float_is_refused_because_it_cannot_hold_kopecks():
    with pytest.raises(TypeError, match="Decimal or int"):
        exact(0.1)
