"""Money arithmetic: exact rationals inside a calculation, Decimal rubles rounded half-up once per document line."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

Number = Decimal | int | Fraction


def exact(value: Number) -> Fraction:
    """Exact rational form of a Decimal, int or Fraction; floats are refused because they cannot hold kopecks."""
    if isinstance(value, float | bool):
        raise TypeError(f"money and rates must be Decimal or int, not {type(value).__name__}")
    return Fraction(value)


def round_rubles(value: Number) -> Decimal:
    """Round to kopecks, half away from zero (ROUND_HALF_UP), exactly — no intermediate rounding."""
    amount = exact(value)
    kopecks = math.floor(abs(amount) * 100 + Fraction(1, 2))
    sign = -1 if amount < 0 else 1
    return Decimal(sign * kopecks).scaleb(-2)


def rubles(kopecks: int | None) -> Decimal:
    """Stored integer kopecks as rubles (`123456` → `Decimal("1234.56")`); NULL from a SUM is zero."""
    return Decimal(int(kopecks or 0)).scaleb(-2)
