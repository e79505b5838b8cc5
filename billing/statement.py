"""An account's statement (charges, payments, penalties, balance by period) and penalties over its debt buckets."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing.allocation import net_of_credits
from billing.models import Account, Allocation, Charge, Payment
from billing.money import rubles
from billing.penalty import Payment as PenaltyPayment
from billing.penalty import PenaltyCalculation, individual_penalty, legal_entity_penalty
from billing.reference import rate_table
from db.scope import PartnerScope

ZERO = Decimal("0.00")


class AccountNotFound(LookupError):
    """No such account for the caller (another partner's account does not exist for it)."""


@dataclass(frozen=True)
class PeriodLine:
    period: date
    due_date: date
    charged: Decimal
    vat: Decimal
    paid: Decimal
    debt: Decimal
    penalty: Decimal


@dataclass(frozen=True)
class AccountStatement:
    account_id: int
    number: str
    client_type: str
    on: date
    periods: tuple[PeriodLine, ...]
    charged: Decimal
    paid: Decimal
    debt: Decimal
    penalty: Decimal
    credit: Decimal  # money received and not allocated to any bucket (overpayment)

    @property
    def balance(self) -> Decimal:
        """What the client owes now (negative = the client is in credit), penalties shown separately."""
        return self.debt - self.credit



def load_account(session: Session, account_id: int, scope: PartnerScope | None = None) -> Account:
    """The account if the caller's scope shows it (no scope: the platform itself); AccountNotFound otherwise."""
    account = session.get(Account, account_id)
    if account is None or (scope is not None and not scope.allows(account.partner_id)):
        raise AccountNotFound(f"Лицевой счёт {account_id} не найден")
    return account


def bucket_penalties(session: Session, account: Account, until: date) -> dict[int, PenaltyCalculation]:
    """Penalty of each charge of the account counted to `until` on its month's net debt (credits taken off), with
    the payments allocated to it by then."""
    allocations = defaultdict(list)
    rows = session.execute(
        select(Allocation.charge_id, Payment.paid_on, Allocation.amount_kopecks)
        .join(Payment, Payment.id == Allocation.payment_id)
        .join(Charge, Charge.id == Allocation.charge_id)
        .where(Charge.account_id == account.id, Payment.paid_on <= until))
    for charge_id, paid_on, kopecks in rows:
        allocations[charge_id].append(PenaltyPayment(paid_on, rubles(kopecks)))
    calculate = individual_penalty if account.client_type == "ФЛ" else legal_entity_penalty
    key_rates, caps = rate_table(session, "key_rate"), rate_table(session, "penalty_cap")
    months: dict[date, list[tuple[int, int]]] = defaultdict(list)
    due_dates = {}
    for charge_id, period, kopecks, due in session.execute(
            select(Charge.id, Charge.period, Charge.amount_kopecks, Charge.due_date)
            .where(Charge.account_id == account.id, Charge.due_date < until)):
        months[period].append((charge_id, kopecks))
        due_dates[charge_id] = due
    return {charge_id: calculate(rubles(kopecks), due_dates[charge_id], until, payments=allocations[charge_id],
                                 key_rates=key_rates, caps=caps)
            for lines in months.values() for charge_id, kopecks in net_of_credits(lines).items() if kopecks}


def account_statement(session: Session, account_id: int, on: date, scope: PartnerScope | None = None
                      ) -> AccountStatement:
    """Charges, payments, debt and penalties by period as of `on`, and the unallocated credit."""
    account = load_account(session, account_id, scope)
    paid = (select(Allocation.charge_id, func.sum(Allocation.amount_kopecks).label("paid"))
            .join(Payment, Payment.id == Allocation.payment_id).where(Payment.paid_on <= on)
            .group_by(Allocation.charge_id).subquery())
    rows = session.execute(
        select(Charge.id, Charge.period, Charge.due_date, Charge.amount_kopecks, Charge.vat_kopecks,
               func.coalesce(paid.c.paid, 0))
        .outerjoin(paid, paid.c.charge_id == Charge.id)
        .where(Charge.account_id == account.id, Charge.period <= on)
        .order_by(Charge.period, Charge.id)).all()
    penalties = bucket_penalties(session, account, on)
    by_period: dict[date, list] = {}
    for charge_id, period, due, amount, vat, paid_kopecks in rows:
        line = by_period.setdefault(period, [due, 0, 0, 0, ZERO])
        line[0] = min(line[0], due)
        line[1] += amount
        line[2] += vat
        line[3] += paid_kopecks
        line[4] += penalties[charge_id].total if charge_id in penalties else ZERO
    periods = tuple(PeriodLine(period, due, rubles(amount), rubles(vat), rubles(paid_k),
                               rubles(amount - paid_k), penalty)
                    for period, (due, amount, vat, paid_k, penalty) in by_period.items())
    received = session.scalar(select(func.coalesce(func.sum(Payment.amount_kopecks), 0))
                              .where(Payment.account_id == account.id, Payment.paid_on <= on))
    allocated = sum(line[3] for line in by_period.values())
    return AccountStatement(
        account.id, account.number, account.client_type, on, periods,
        charged=sum((p.charged for p in periods), ZERO), paid=sum((p.paid for p in periods), ZERO),
        debt=sum((p.debt for p in periods), ZERO), penalty=sum((p.penalty for p in periods), ZERO),
        credit=rubles(int(received) - allocated),
    )
