"""The month's settlement of the УК with a partner (DOMAIN «Partner ↔ УК settlement»).

The partner's fee: truck-with-crew rent per shift and per trip at the partner's dated rates, plus agreed bonuses,
minus the service-quality reductions (the 3.3% lines) of its accounts, for the part of the delays it caused; VAT on
top by the partner's regime. Agent commissions are listed beside it: a dated percent of what each agent's clients
were charged. Computing the month again replaces the stored settlement (same inputs, same row), until the period
is closed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from billing.charge import Interruption as Episode
from billing.charge import hours_over_limit_each, interruption_limits
from billing.models import Account, Charge, Interruption, PartnerPayment, PartnerRate, PartnerSettlement
from billing.money import exact, round_rubles, rubles
from billing.month import Month
from billing.period import require_open
from billing.recalculation import QUALITY_LINE
from billing.reference import vat_rates
from billing.vat import vat_on_top
from identity.models import Partner


class SettlementRejected(ValueError):
    """The settlement cannot be computed; the message is Russian, for the user."""


@dataclass(frozen=True)
class Settlement:
    partner_id: int
    period: str
    lines: tuple[dict, ...]
    net: Decimal
    vat: Decimal
    agent_commissions: Decimal

    @property
    def gross(self) -> Decimal:
        """What the УК pays the partner, VAT included."""
        return self.net + self.vat


def partner_rate(session: Session, partner_id: int, name: str, on) -> Decimal:
    """The partner's rate of that name in force on a date; SettlementRejected (Russian) when none is."""
    value = session.scalar(select(PartnerRate.value).where(
        PartnerRate.partner_id == partner_id, PartnerRate.name == name, PartnerRate.valid_from <= on,
        or_(PartnerRate.valid_to.is_(None), PartnerRate.valid_to >= on)))
    if value is None:
        raise SettlementRejected(f"Для партнёра не задана ставка «{name}» на {on:%d.%m.%Y}")
    return Decimal(value)


def partner_settlement(session: Session, partner_id: int, year: int, month: int, *, shifts: int = 0,
                       trips: int = 0, bonuses: Iterable[Mapping[str, Any]] = (),
                       agent_sales: Iterable[Mapping[str, Any]] = (), key: str | None = None) -> Settlement:
    """Compute and store the partner's settlement for the month (replacing an earlier computation)."""
    month_ = Month(year, month)
    require_open(session, month_.first, "пересчитать расчёт с партнёром")
    if shifts < 0 or trips < 0:
        raise SettlementRejected("Число смен и рейсов не может быть отрицательным")
    lines = []
    for name, count, title in (("shift_rent", shifts, "Аренда ТС с экипажем, смен"),
                               ("trip_rent", trips, "Аренда ТС с экипажем, рейсов")):
        if count:
            rate = partner_rate(session, partner_id, name, month_.first)
            lines.append({"kind": name, "title": title, "quantity": count, "price": rate,
                          "amount": round_rubles(exact(rate) * count)})
    for bonus in bonuses:
        amount = Decimal(str(bonus["amount"]))
        if amount <= 0:
            raise SettlementRejected("Премия должна быть больше нуля")
        lines.append({"kind": "bonus", "title": str(bonus.get("title") or "Премия по соглашению"), "quantity": 1,
                      "price": amount, "amount": round_rubles(amount)})
    reduction = _partner_reductions(session, partner_id, month_)
    if reduction:
        lines.append({"kind": "reduction", "title": "Снижение платы клиентам по вине партнёра (3,3%)",
                      "quantity": 1, "price": -reduction, "amount": -reduction})
    net = sum((line["amount"] for line in lines), Decimal("0.00"))
    rate = vat_rates(session, month_.first).of(partner_id)
    vat = vat_on_top(net, Fraction(rate, 100)) if net > 0 else Decimal("0.00")
    commissions = []
    for sale in agent_sales:
        percent = partner_rate(session, partner_id, "agent_commission", month_.first)
        base = Decimal(str(sale["base"]))
        commissions.append({"kind": "agent_commission", "title": f"Агентское вознаграждение: {sale['agent']}",
                            "quantity": 1, "price": percent, "base": base,
                            "amount": round_rubles(exact(base) * exact(percent) / 100)})
    all_lines = tuple(lines + commissions)
    _store(session, partner_id, month_, all_lines, net, vat, key)
    return Settlement(partner_id, month_.first.isoformat(), all_lines, net, vat,
                      sum((line["amount"] for line in commissions), Decimal("0.00")))


def _partner_reductions(session: Session, partner_id: int, month: Month) -> Decimal:
    """What the partner's delays cost its clients in the month: each account's reduction line, times the share of
    the hours over the limits that interruptions caused by the partner contributed (a month of mixed causes is
    split by those hours, rounded to kopecks per account)."""
    start = datetime.combine(month.first, datetime.min.time())
    end = datetime.combine(month.last + timedelta(days=1), datetime.min.time())
    reductions = dict(session.execute(
        select(Charge.account_id, Charge.amount_kopecks).join(Account, Account.id == Charge.account_id)
        .where(Account.partner_id == partner_id, Charge.period == month.first, Charge.line == QUALITY_LINE)).all())
    episodes = defaultdict(list)
    for account_id, hours, temperature, caused in session.execute(
            select(Interruption.account_id, Interruption.hours, Interruption.temperature_c,
                   Interruption.caused_by_partner)
            .where(Interruption.account_id.in_(list(reductions)), Interruption.started_at >= start,
                   Interruption.started_at < end)
            .order_by(Interruption.account_id, Interruption.started_at, Interruption.id)):
        episodes[account_id].append((Episode(hours, temperature), caused))
    limits = interruption_limits(month.first)
    total = Decimal("0.00")
    for account_id, kopecks in reductions.items():
        items = episodes[account_id]
        over = hours_over_limit_each([episode for episode, _ in items], limits)
        caused = sum((hours for hours, (_, by_partner) in zip(over, items, strict=True) if by_partner), Fraction(0))
        if caused:
            total += round_rubles(exact(rubles(-kopecks)) * caused / sum(over))
    return total


def _store(session: Session, partner_id: int, month: Month, lines, net: Decimal, vat: Decimal, key) -> None:
    row = session.scalar(select(PartnerSettlement).where(PartnerSettlement.partner_id == partner_id,
                                                         PartnerSettlement.period == month.first))
    if row is None:
        row = PartnerSettlement(partner_id=partner_id, period=month.first)
        session.add(row)
    row.lines = [{name: str(value) if isinstance(value, Decimal) else value for name, value in line.items()}
                 for line in lines]
    row.net_kopecks, row.vat_kopecks, row.idempotency_key = int(net * 100), int(vat * 100), key
    session.commit()


def record_partner_payment(session: Session, partner_id: int, paid_on: date, amount: Decimal, *, key: str,
                           number: str = "", purpose: str = "") -> tuple[PartnerPayment, bool]:
    """Record a payment of the УК to the partner (for the mutual акт сверки); the same `key` again changes nothing.
    Returns the payment and whether it is new."""
    if amount <= 0 or exact(amount) * 100 % 1:
        raise SettlementRejected("Сумма оплаты партнёру должна быть больше нуля и в целых копейках")
    if session.get(Partner, partner_id) is None:
        raise SettlementRejected(f"Партнёр {partner_id} не найден")
    existing = session.scalar(select(PartnerPayment).where(PartnerPayment.key == key))
    if existing is not None:
        return existing, False
    payment = PartnerPayment(key=key, partner_id=partner_id, paid_on=paid_on, amount_kopecks=int(amount * 100),
                             number=number[:40], purpose=purpose[:1000])
    session.add(payment)
    session.commit()
    return payment, True
