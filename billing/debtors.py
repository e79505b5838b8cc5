"""The debtor query the debtor regulation runs: overdue debt per account with its age and client type."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing.models import Account, Allocation, Charge, Payment
from db.scope import PartnerScope


@dataclass(frozen=True)
class Debtor:
    account_id: int
    number: str
    partner_id: int
    client_type: str
    debt: Decimal
    oldest_due_date: date
    days_overdue: int


def debtors(session: Session, on: date, *, scope: PartnerScope, client_type: str | None = None,
            min_debt: Decimal = Decimal("0.01"), min_days: int = 1, limit: int | None = None) -> list[Debtor]:
    """Accounts with overdue debt on `on` of at least `min_debt`, whose oldest unpaid bucket is `min_days` late.

    One aggregate query: per bucket what is still owed (charges minus allocations of payments made by `on`),
    summed per account over the buckets already due.
    """
    paid = (select(Allocation.charge_id, func.sum(Allocation.amount_kopecks).label("paid"))
            .join(Payment, Payment.id == Allocation.payment_id).where(Payment.paid_on <= on)
            .group_by(Allocation.charge_id).subquery())
    owed = Charge.amount_kopecks - func.coalesce(paid.c.paid, 0)
    buckets = (select(Charge.account_id, Charge.due_date, owed.label("owed"))
               .outerjoin(paid, paid.c.charge_id == Charge.id)
               .where(Charge.due_date < on, owed > 0).subquery())
    query = (select(Account.id, Account.number, Account.partner_id, Account.client_type,
                    func.sum(buckets.c.owed), func.min(buckets.c.due_date))
             .join(buckets, buckets.c.account_id == Account.id)
             .group_by(Account.id, Account.number, Account.partner_id, Account.client_type)
             .having(func.sum(buckets.c.owed) >= int(min_debt * 100))
             .having(func.min(buckets.c.due_date) <= on - timedelta(days=min_days))
             .order_by(func.sum(buckets.c.owed).desc(), Account.id))
    query = scope.restrict(query, Account.partner_id)
    if client_type is not None:
        query = query.where(Account.client_type == client_type)
    if limit is not None:
        query = query.limit(limit)
    return [Debtor(account_id, number, partner, kind, Decimal(int(kopecks)).scaleb(-2), oldest,
                   (on - oldest).days)
            for account_id, number, partner, kind, kopecks, oldest in session.execute(query)]
