"""The data of an акт сверки for a client (all its accounts) or a partner (all its clients' accounts) and a period.

Debit is what was charged (one document per month: «Начисление за март 2026 г.», recalculations included), credit
what was paid; the opening balance is everything before the period, the closing one opening + debit − credit.
A positive closing balance is a debt «в пользу» the supplier, a negative one the client's credit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing.models import Account, Charge, Payment
from billing.money import rubles
from billing.period import period_title


@dataclass(frozen=True)
class Entry:
    on: date
    title: str
    debit: Decimal
    credit: Decimal


@dataclass(frozen=True)
class Reconciliation:
    start: date
    end: date
    opening: Decimal
    entries: tuple[Entry, ...]
    debit: Decimal
    credit: Decimal
    closing: Decimal

    @property
    def in_favour_of(self) -> str:
        """Who the closing balance is owed to: 'supplier', 'client' or '' when settled."""
        return "supplier" if self.closing > 0 else "client" if self.closing < 0 else ""



def reconciliation(session: Session, start: date, end: date, *, client_id: int | None = None,
                   partner_id: int | None = None) -> Reconciliation:
    """Opening balance, monthly charge documents, payments, turnover and closing balance over [start, end]."""
    if (client_id is None) == (partner_id is None):
        raise ValueError("Акт сверки составляется по клиенту или по партнёру")
    if end < start:
        raise ValueError("Конец периода сверки раньше его начала")
    scope = [Account.client_id == client_id] if client_id is not None else [Account.partner_id == partner_id]
    accounts = select(Account.id).where(*scope)
    charged_before = session.scalar(select(func.sum(Charge.amount_kopecks)).where(
        Charge.account_id.in_(accounts), Charge.period < start.replace(day=1)))
    paid_before = session.scalar(select(func.sum(Payment.amount_kopecks)).where(
        Payment.account_id.in_(accounts), Payment.paid_on < start))
    documents = [Entry(period, f"Начисление за {period_title(period)}", rubles(kopecks), Decimal("0.00"))
                 for period, kopecks in session.execute(
                     select(Charge.period, func.sum(Charge.amount_kopecks))
                     .where(Charge.account_id.in_(accounts), Charge.period >= start.replace(day=1),
                            Charge.period <= end)
                     .group_by(Charge.period))]
    payments = [Entry(paid_on, f"Оплата, п/п № {number} от {paid_on:%d.%m.%Y}", Decimal("0.00"), rubles(kopecks))
                for paid_on, number, kopecks in session.execute(
                    select(Payment.paid_on, Payment.number, Payment.amount_kopecks)
                    .where(Payment.account_id.in_(accounts), Payment.paid_on >= start, Payment.paid_on <= end)
                    .order_by(Payment.paid_on, Payment.id))]
    entries = tuple(sorted(documents + payments, key=lambda entry: (entry.on, entry.credit > 0)))
    opening = rubles(charged_before) - rubles(paid_before)
    debit = sum((entry.debit for entry in entries), Decimal("0.00"))
    credit = sum((entry.credit for entry in entries), Decimal("0.00"))
    return Reconciliation(start, end, opening, entries, debit, credit, opening + debit - credit)
