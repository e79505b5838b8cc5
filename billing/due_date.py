"""Due dates of a period's charge: individuals by law (dated table), legal entities by their contract.

The switch from the 10th to the 15th (ЖК РФ ст.155 ч.1, from 01.03.2026) is applied by the month in which the
payment falls due: the table is read on the first day of the month following the period. So the February 2026
charge is due 15.03.2026 (the obligation matures under the new rule) and the January 2026 charge 10.02.2026.

A due date falling on a weekend or holiday is not moved here: pass `shift` (e.g. the engine's Russian business
calendar "next working day") when a document or a penalty must follow ГК РФ ст.193.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date

from billing.rates import DatedTable, due_day_table

Shift = Callable[[date], date]


def individual_due_date(year: int, month: int, table: DatedTable | None = None, *, shift: Shift | None = None) -> date:
    """ФЛ: the due date of the charge for the period year-month (10th or 15th of the next month by the table)."""
    table = table or due_day_table("individuals")
    next_year, next_month = _next_month(year, month)
    day = int(table.at(date(next_year, next_month, 1)))  # type: ignore[arg-type]
    return _apply(_clamped(next_year, next_month, day), shift)


def contract_due_date(
    year: int, month: int, contract_day: int, months_after: int = 1, *, shift: Shift | None = None
) -> date:
    """ЮЛ/ИП: the contract's day of the month `months_after` the period (day 31 in a short month → its last day)."""
    if not 1 <= contract_day <= 31:
        raise ValueError(f"contract day must be 1..31, got {contract_day}")
    if months_after < 0:
        raise ValueError("a charge cannot fall due before its period")
    due_year, due_month = year, month
    for _ in range(months_after):
        due_year, due_month = _next_month(due_year, due_month)
    return _apply(_clamped(due_year, due_month, contract_day), shift)


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def _clamped(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _apply(due: date, shift: Shift | None) -> date:
    return shift(due) if shift else due
