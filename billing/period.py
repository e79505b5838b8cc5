"""Billing periods (calendar months) and their lock: a closed period's charges are immutable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.models import Period
from db import utcnow
from texts import Text

MONTHS = ("январь", "февраль", "март", "апрель", "май", "июнь",
          "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь")


class PeriodClosed(Exception):
    """A change was asked of a closed period; the message is Russian, for the user."""


@dataclass(frozen=True)
class PeriodState:
    starts_on: date
    status: str
    closed_at: datetime | None
    closed_by: str | None


def first_day(year: int, month: int) -> date:
    """The period's key: the first day of the month (ValueError for a month outside 1..12)."""
    return date(year, month, 1)


def period_title(starts_on: date) -> str:
    """«март 2026 г.»"""
    return f"{MONTHS[starts_on.month - 1]} {starts_on.year} г."


def is_closed(session: Session, starts_on: date) -> bool:
    """Whether the month starting on `starts_on` is closed."""
    return session.scalar(select(Period.status).where(Period.starts_on == starts_on)) == "closed"


def closed_periods(session: Session) -> set[date]:
    """First days of every closed month."""
    return set(session.scalars(select(Period.starts_on).where(Period.status == "closed")))


def require_open(session: Session, starts_on: date, action: str) -> None:
    """Raise PeriodClosed when the month is closed; `action` says what was refused («начислить»)."""
    if is_closed(session, starts_on):
        raise PeriodClosed(Text("Период %(period)s закрыт: %(action)s нельзя; исправления вносятся перерасчётом "
                                "в следующем открытом периоде", period=period_title(starts_on), action=action))


def close_period(session: Session, year: int, month: int, closed_by: str | None = None) -> PeriodState:
    """Close the month (idempotent: closing a closed month changes nothing and returns its state)."""
    starts_on = first_day(year, month)
    period = session.scalar(select(Period).where(Period.starts_on == starts_on))
    if period is None:
        period = Period(starts_on=starts_on, status="open")
        session.add(period)
    if period.status != "closed":
        period.status, period.closed_at, period.closed_by = "closed", utcnow(), closed_by
    session.commit()  # then read back: the state returned is the stored one, the same on every call
    return PeriodState(period.starts_on, period.status, period.closed_at, period.closed_by)
