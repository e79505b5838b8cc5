"""State duty vectors of DOMAIN.md: general and arbitration brackets, and a court order at half the claim's duty."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.state_duty import ARBITRATION, claim_duty, court_order_duty


@pytest.mark.parametrize(("claim", "duty"), [
    ("1.00", "4000"), ("100000.00", "4000"), ("150000.00", "5500"), ("300000.00", "10000"),
    ("400000.00", "12500"), ("500000.00", "15000"), ("100000.50", "4000"),
])
def test_general_court_duty_follows_the_brackets(claim, duty):
    assert claim_duty(Decimal(claim)) == Decimal(duty)


@pytest.mark.parametrize(("claim", "duty"), [
    ("50000.00", "10000"), ("100000.00", "10000"), ("200000.00", "15000"), ("1000000.00", "55000"),
])
def test_arbitration_court_duty_follows_the_brackets(claim, duty):
    assert claim_duty(Decimal(claim), ARBITRATION) == Decimal(duty)


@pytest.mark.parametrize(("claim", "court", "duty"), [
    ("51790.38", "general", "2000"), ("150000.00", "general", "2750"), ("400000.00", "general", "6250"),
    ("200000.00", "arbitration", "7500"), ("100033.33", "general", "2000"), ("100050.00", "general", "2001"),
])
def test_a_court_order_costs_half_the_claim_duty_in_whole_rubles(claim, court, duty):
    assert court_order_duty(Decimal(claim), court) == Decimal(duty)


def test_claims_beyond_the_table_or_not_positive_are_refused():
    with pytest.raises(ValueError, match="beyond"):
        court_order_duty(Decimal("500000.01"))
    with pytest.raises(ValueError, match="positive"):
        claim_duty(Decimal("0"))
    with pytest.raises(TypeError):
        claim_duty(1000.0)
