"""Allocation of a payment to debt buckets: the period the purpose names first, then the oldest open buckets
within the limitation period; what is left is the account's credit (overpayment). Kopecks in, kopecks out.

A month's recalculation lines (absence credits, the 3.3% reduction) are negative charge lines beside the service
line they correct: they lower that month's bucket from the start — it is what the client was billed — so they
reduce what a payment can be allocated to and the base penalties accrue on (`net_of_credits`).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

LIMITATION_YEARS = 3


@dataclass(frozen=True)
class Bucket:
    """An open debt bucket: one charge line of one period with what is still owed on it."""

    charge_id: int
    period: date
    due_date: date
    open_kopecks: int


def net_of_credits(lines: Iterable[tuple[Hashable, int]]) -> dict[Hashable, int]:
    """One month's charge lines (key, kopecks) → the debt of each positive line once the month's negative lines
    are taken off, the earliest positive lines first (a line fully offset is owed 0)."""
    lines = list(lines)
    credit = -sum(kopecks for _, kopecks in lines if kopecks < 0)
    owed = {}
    for key, kopecks in lines:
        if kopecks > 0:
            taken = min(credit, kopecks)
            owed[key] = kopecks - taken
            credit -= taken
    return owed


@dataclass(frozen=True)
class Allocated:
    allocations: tuple[tuple[int, int], ...]  # (charge_id, kopecks)
    credit_kopecks: int


def limitation_start(paid_on: date, years: int = LIMITATION_YEARS) -> date:
    """Buckets due before this date are time-barred for the payment (3 years, counted per monthly charge)."""
    try:
        return paid_on.replace(year=paid_on.year - years)
    except ValueError:  # 29 February
        return paid_on.replace(year=paid_on.year - years, day=28)


def allocate(amount_kopecks: int, buckets: Sequence[Bucket], paid_on: date,
             named_period: date | None = None) -> Allocated:
    """Split a payment over the buckets: the named period's first, then oldest first; the rest is credit."""
    if amount_kopecks <= 0:
        raise ValueError("a payment must be positive")
    barred_before = limitation_start(paid_on)
    eligible = sorted((b for b in buckets if b.open_kopecks > 0 and b.due_date >= barred_before),
                      key=lambda b: (b.period != named_period, b.due_date, b.period, b.charge_id))
    left = amount_kopecks
    allocations = []
    for bucket in eligible:
        if left == 0:
            break
        part = min(left, bucket.open_kopecks)
        allocations.append((bucket.charge_id, part))
        left -= part
    return Allocated(tuple(allocations), left)
