"""A billing month and the dated rows (tariffs, norms) that hold over it, cut into day-of-month segments.

Accruals join these segments in SQL: a tariff or norm that changes inside the month is priced pro rata by days
(the decision for a mid-month change: each day of the month is billed at the values in force on that day).
Days are kept as day-of-month integers so that SQLite and PostgreSQL need no date arithmetic.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import BigInteger, Integer, String, and_, case, false, literal, or_, select, union_all
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @property
    def first(self) -> date:
        """The period's key, its first day."""
        return date(self.year, self.month, 1)

    @property
    def days(self) -> int:
        """Number of days in the month."""
        return calendar.monthrange(self.year, self.month)[1]

    @property
    def last(self) -> date:
        """Its last day."""
        return date(self.year, self.month, self.days)

    def clip(self, valid_from: date, valid_to: date | None) -> tuple[int, int] | None:
        """The days of the month inside [valid_from, valid_to] as (first day, last day), None when none are."""
        start = max(valid_from, self.first)
        end = self.last if valid_to is None else min(valid_to, self.last)
        return None if end < start else (start.day, end.day)


def segments(session: Session, model, month: Month, scale: int, label: str):
    """Rows of a dated model (Tariff, Norm) over the month: name, from_day, to_day, value × scale, includes_vat."""
    rows = session.execute(select(model).where(
        model.valid_from <= month.last, or_(model.valid_to.is_(None), model.valid_to >= month.first))).scalars()
    selects = []
    for row in rows:
        days = month.clip(row.valid_from, row.valid_to)
        scaled = int((Decimal(row.value) * scale).to_integral_value(ROUND_HALF_UP))
        selects.append(select(literal(row.name, String).label("name"), literal(days[0], Integer).label("from_day"),
                              literal(days[1], Integer).label("to_day"), literal(scaled, BigInteger).label("value"),
                              literal(int(getattr(row, "includes_vat", False)), Integer).label("includes_vat")))
    if not selects:  # an empty table still has to join (to nothing)
        selects.append(select(literal("", String).label("name"), literal(0).label("from_day"),
                              literal(0).label("to_day"), literal(0, BigInteger).label("value"),
                              literal(0, Integer).label("includes_vat")).where(and_(false())))
    return union_all(*selects).subquery(label) if len(selects) > 1 else selects[0].subquery(label)


def least(*values):
    """The smallest of integer SQL expressions (SQLite has no LEAST, PostgreSQL no multi-argument MIN)."""
    smallest = values[0]
    for value in values[1:]:
        smallest = case((value < smallest, value), else_=smallest)
    return smallest


def greatest(*values):
    """The largest of integer SQL expressions."""
    largest = values[0]
    for value in values[1:]:
        largest = case((value > largest, value), else_=largest)
    return largest


def overlap_days(*windows):
    """Days shared by (from_day, to_day) windows; zero or less when they do not meet."""
    return least(*(end for _, end in windows)) - greatest(*(start for start, _ in windows)) + 1
