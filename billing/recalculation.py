"""Recalculation lines of a period: credits for temporary absence and the service-quality reduction.

Both are charge lines of their own with a reason, next to the service line they correct, so a receipt shows them
separately (DOMAIN: «перерасчёты с причинами»). The absence credit is set-based SQL priced like the service line;
the reduction needs the month's interruptions in order (charge.hours_over_limit, the one definition of the
limits), so it is computed per affected account — only accounts with interruptions are read.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import BigInteger, Integer, String, case, cast, extract, func, literal, select
from sqlalchemy.orm import Session

from billing.charge import Interruption as Episode
from billing.charge import absence_days, hours_over_limit, interruption_limits, quality_reduction
from billing.models import Absence, Account, Charge, Interruption
from billing.month import Month, overlap_days
from billing.period import require_open
from billing.rates import service_rule_table
from billing.reference import VatRates
from billing.vat import vat_inside
from texts import N_, Text

ABSENCE_PREFIX = "absence:"
QUALITY_LINE = "quality"
HOURS_PER_DAY = 24


class RecalculationRejected(ValueError):
    """An absence or an interruption that cannot be recorded; the message is Russian, for the user."""


def record_absence(session: Session, account_id: int, departure: date, arrival: date,
                   residents_away: int = 1) -> Absence:
    """Record residents' temporary absence (a statement with its supporting document) for recalculation."""
    account = session.get(Account, account_id)
    if account is None:
        raise RecalculationRejected(Text("Лицевой счёт %(account)s не найден", account=account_id))
    if arrival <= departure:
        raise RecalculationRejected(N_("Дата прибытия должна быть позже даты выезда"))
    people = account.residents or account.owners
    if not 1 <= residents_away <= max(people, 1):
        raise RecalculationRejected(Text("Отсутствовавших должно быть от 1 до %(most)s", most=max(people, 1)))
    for month_start in {departure.replace(day=1), (arrival - timedelta(days=1)).replace(day=1)}:
        require_open(session, month_start, N_("внести перерасчёт"))
    full_days = absence_days(departure, arrival)
    absence = Absence(account_id=account_id, departure=departure, arrival=arrival, residents_away=residents_away,
                      full_days=full_days,
                      reason=f"Перерасчёт за временное отсутствие: {residents_away} чел., {full_days} полн. сут. "
                             f"(выезд {departure:%d.%m.%Y}, прибытие {arrival:%d.%m.%Y})")
    session.add(absence)
    session.commit()
    return absence


def absence_lines(month: Month, active: list, tariffs, norms):
    """Per qualifying absence: the credit's numerator and denominator over the days away in the month.

    The credit is residents away × N / 12 × T × days away / days in month, each day at the tariff and norm in
    force on it; only absences longer than the dated threshold (Правила № 354 п.86: more than 5 full days).
    """
    accounts, absences = Account.__table__, Absence.__table__
    threshold = int(service_rule_table("absence_min_full_days").at(month.first))  # type: ignore[arg-type]
    first_away = _day(absences.c.departure < month.first, 1, absences.c.departure, +1)
    last_away = _day(absences.c.arrival > month.last, month.days, absences.c.arrival, -1)
    days = overlap_days((tariffs.c.from_day, tariffs.c.to_day), (norms.c.from_day, norms.c.to_day),
                        (first_away, last_away))
    numerator = cast(absences.c.residents_away * 100 * norms.c.value * tariffs.c.value * days, BigInteger)
    return (
        select(absences.c.account_id, (literal(ABSENCE_PREFIX) + cast(absences.c.id, String)).label("line"),
               absences.c.reason, cast(func.sum(numerator), BigInteger).label("num"),
               literal(12 * 100_000 * 100 * month.days, BigInteger).label("den"),
               func.max(tariffs.c.includes_vat).label("includes_vat"))
        .join(accounts, accounts.c.id == absences.c.account_id)
        .join(tariffs, tariffs.c.name == accounts.c.tariff_name)
        .join(norms, norms.c.name == accounts.c.norm_name)
        .where(*active, accounts.c.method == "per_resident", absences.c.full_days > threshold,
               absences.c.departure < month.last, absences.c.arrival > month.first, days > 0)
        .group_by(absences.c.account_id, absences.c.id, absences.c.reason)
    )


def _day(outside, bound: int, day_column, step: int):
    """`bound` when the date lies outside the month, else its day of the month moved by `step`."""
    return case((outside, bound), else_=cast(extract("day", day_column), Integer) + step)


def record_interruption(session: Session, source_key: str, account_id: int, started_at: datetime,
                        hours: Decimal, temperature_c: Decimal, caused_by_partner: bool = True) -> bool:
    """Record a collection delay once per source key; False when that key was already recorded."""
    if session.scalar(select(Interruption.id).where(Interruption.source_key == source_key)) is not None:
        return False
    if session.get(Account, account_id) is None:
        raise RecalculationRejected(Text("Лицевой счёт %(account)s не найден", account=account_id))
    if hours <= 0:
        raise RecalculationRejected(N_("Длительность перерыва должна быть положительной"))
    require_open(session, started_at.date().replace(day=1), N_("внести перерыв в вывозе"))
    session.add(Interruption(source_key=source_key, account_id=account_id, started_at=started_at, hours=hours,
                             temperature_c=temperature_c, caused_by_partner=caused_by_partner))
    session.commit()
    return True


def quality_lines(session: Session, month: Month, in_scope: list, vat: VatRates) -> list[dict]:
    """Reduction lines (negative) for accounts whose interruptions in the month went beyond the limits."""
    limits = interruption_limits(month.first)
    start, end = datetime.combine(month.first, datetime.min.time()), datetime.combine(
        month.last + timedelta(days=1), datetime.min.time())
    episodes = defaultdict(list)
    rows = session.execute(
        select(Interruption.account_id, Interruption.hours, Interruption.temperature_c)
        .join(Account, Account.id == Interruption.account_id)
        .where(Interruption.started_at >= start, Interruption.started_at < end, *in_scope)
        .order_by(Interruption.account_id, Interruption.started_at, Interruption.id))
    for account_id, hours, temperature in rows:
        episodes[account_id].append(Episode(hours, temperature))
    over = {account_id: hours_over_limit(items, limits) for account_id, items in episodes.items()}
    over = {account_id: hours for account_id, hours in over.items() if hours >= HOURS_PER_DAY}
    if not over:
        return []
    fees = session.execute(select(Charge.account_id, Charge.amount_kopecks, Charge.due_date, Account.partner_id)
                           .join(Account, Account.id == Charge.account_id)
                           .where(Charge.period == month.first, Charge.line == "service",
                                  Charge.account_id.in_(list(over))))
    lines = []
    for account_id, amount, due, partner_id in fees:
        reduction = quality_reduction(Decimal(amount).scaleb(-2), over[account_id], limits)
        if reduction <= 0:
            continue
        tax = vat_inside(reduction, Fraction(vat.of(partner_id), 100))
        days = math.floor(over[account_id] / HOURS_PER_DAY)
        percent = str(limits.reduction_percent_per_day).replace(".", ",")
        lines.append({"account_id": account_id, "period": month.first, "line": QUALITY_LINE,
                      "amount_kopecks": -int(reduction * 100), "vat_kopecks": -int(tax * 100), "due_date": due,
                      "reason": f"Снижение платы: {percent}% × {days} сут. перерыва "
                                f"в вывозе сверх допустимого ({_hours(over[account_id])} ч сверх нормы)"})
    return lines



def _hours(value: Fraction) -> str:
    return f"{Decimal(value.numerator) / Decimal(value.denominator):.2f}".rstrip("0").rstrip(".").replace(".", ",")
