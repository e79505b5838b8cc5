"""State duty (госпошлина) on a property claim from 09.09.2024 (НК РФ ст. 333.19, 333.21), and on a court order.

Only the brackets DOMAIN.md states are implemented: general courts up to 500,000 ₽ (the court order limit),
arbitration courts up to 1,000,000 ₽; a larger claim raises instead of guessing. A court order costs 50% of the
claim's duty. Duties are whole rubles (НК ст. 52 п. 6), rounded half-up once at the end.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

from billing.money import Number, exact

GENERAL = "general"
ARBITRATION = "arbitration"

# (up to, base duty, percent over the bracket's start, bracket start), rubles
_BRACKETS: dict[str, tuple[tuple[int, int, Fraction, int], ...]] = {
    GENERAL: ((100_000, 4_000, Fraction(0), 0),
              (300_000, 4_000, Fraction(3, 100), 100_000),
              (500_000, 10_000, Fraction(25, 1000), 300_000)),
    ARBITRATION: ((100_000, 10_000, Fraction(0), 0),
                  (1_000_000, 10_000, Fraction(5, 100), 100_000)),
}


def _whole_rubles(value: Fraction) -> Decimal:
    return Decimal(math.floor(value + Fraction(1, 2)))


def _exact_claim_duty(claim: Number, court: str) -> Fraction:
    amount = exact(claim)
    if amount <= 0:
        raise ValueError("the claim must be a positive amount")
    if court not in _BRACKETS:
        raise ValueError(f"unknown court kind {court!r}: {GENERAL!r} or {ARBITRATION!r}")
    for up_to, base, percent, start in _BRACKETS[court]:
        if amount <= up_to:
            return base + percent * (amount - start)
    raise ValueError(f"a claim over {_BRACKETS[court][-1][0]:,} ₽ is beyond the duty table implemented")


def claim_duty(claim: Number, court: str = GENERAL) -> Decimal:
    """The duty on a property claim of `claim` rubles in a general or arbitration court, whole rubles."""
    return _whole_rubles(_exact_claim_duty(claim, court))


def court_order_duty(claim: Number, court: str = GENERAL) -> Decimal:
    """The duty on an application for a court order: 50% of the claim's duty, whole rubles."""
    return _whole_rubles(_exact_claim_duty(claim, court) / 2)
