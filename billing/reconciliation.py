"""The data of an акт сверки for a period: of a client (all its accounts), of a partner's clients (all their
accounts), or of the УК's mutual settlements with a partner (`settlement_reconciliation`).

Debit is what the supplier billed (one document per month: «Начисление за март 2026 г.», recalculations included;
for a partner, its monthly settlement with VAT), credit what was paid; the opening balance is everything before the
period, the closing one opening + debit − credit. A positive closing balance is a debt «в пользу» the supplier, a
negative one the customer's credit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing.models import Account, Charge, PartnerPayment, PartnerSettlement, Payment
from billing.money import rubles
from billing.month import Month
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
    return _balanced(start, end, rubles(charged_before) - rubles(paid_before), documents, payments)


def settlement_reconciliation(session: Session, partner_id: int, start: date, end: date) -> Reconciliation:
    """The УК's mutual settlements with a partner over [start, end]: the partner's monthly settlements (VAT
    included) against the УК's payments to it; a positive closing balance is owed to the partner."""
    if end < start:
        raise ValueError("Конец периода сверки раньше его начала")
    billed = PartnerSettlement.net_kopecks + PartnerSettlement.vat_kopecks
    mine = PartnerSettlement.partner_id == partner_id
    billed_before = session.scalar(select(func.sum(billed))
                                   .where(mine, PartnerSettlement.period < start.replace(day=1)))
    paid_before = session.scalar(select(func.sum(PartnerPayment.amount_kopecks)).where(
        PartnerPayment.partner_id == partner_id, PartnerPayment.paid_on < start))
    documents = [Entry(Month(period.year, period.month).last, f"Акт за {period_title(period)}: аренда ТС с экипажем",
                       rubles(kopecks), Decimal("0.00"))
                 for period, kopecks in session.execute(
                     select(PartnerSettlement.period, billed)
                     .where(mine, PartnerSettlement.period >= start.replace(day=1), PartnerSettlement.period <= end)
                     .order_by(PartnerSettlement.period))]
    payments = [Entry(paid_on, f"Оплата, п/п № {number} от {paid_on:%d.%m.%Y}", Decimal("0.00"), rubles(kopecks))
                for paid_on, number, kopecks in session.execute(
                    select(PartnerPayment.paid_on, PartnerPayment.number, PartnerPayment.amount_kopecks)
                    .where(PartnerPayment.partner_id == partner_id, PartnerPayment.paid_on >= start,
                           PartnerPayment.paid_on <= end)
                    .order_by(PartnerPayment.paid_on, PartnerPayment.id))]
    return _balanced(start, end, rubles(billed_before) - rubles(paid_before), documents, payments)


def _balanced(start: date, end: date, opening: Decimal, documents: list[Entry], payments: list[Entry]
              ) -> Reconciliation:
    entries = tuple(sorted(documents + payments, key=lambda entry: (entry.on, entry.credit > 0)))
    debit = sum((entry.debit for entry in entries), Decimal("0.00"))
    credit = sum((entry.credit for entry in entries), Decimal("0.00"))
    return Reconciliation(start, end, opening, entries, debit, credit, opening + debit - credit)
