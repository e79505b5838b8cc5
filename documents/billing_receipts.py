"""Receipts' data read from billing's tables: an account's charge of the month, its recalculations, the debt it
carried in, what it paid during the month and its penalties — each shown separately on the receipt.

Amounts come from billing.statement (one definition of debt, payments and penalties); the volume printed is the
service charge over the tariff in force, as the accrual multiplied them.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from billing.accrual import SERVICE_LINE
from billing.due_date import individual_due_date
from billing.models import Account, Charge, Payment, Tariff
from billing.money import rubles
from billing.statement import account_statement
from clients.models import Client, ClientObject

INDIVIDUAL = "ФЛ"
RECALCULATION_REASONS = {"absence": "временное отсутствие проживающих", "quality": "снижение платы (п. 3.3 %)",
                         "correction": "исправление начисления"}


def month_end(period: date) -> date:
    return period.replace(day=calendar.monthrange(period.year, period.month)[1])


def billed_accounts(session: Session, period: date, partner_id: int | None, *, after: int = 0,
                    until: int | None = None) -> list[int]:
    """Ids of the individuals' accounts with a charge in `period` (the receipts of the month), in id order;
    `after` < id ≤ `until` reads one batch's range."""
    statement = (select(Account.id).where(Account.client_type == INDIVIDUAL, Account.id > after)
                 .where(select(Charge.id).where(Charge.account_id == Account.id, Charge.period == period).exists())
                 .order_by(Account.id))
    if until is not None:
        statement = statement.where(Account.id <= until)
    if partner_id is not None:
        statement = statement.where(Account.partner_id == partner_id)
    return list(session.scalars(statement))



def _tariff(session: Session, name: str, period: date) -> Decimal | None:
    return session.scalar(select(Tariff.value).where(
        Tariff.name == name, Tariff.valid_from <= period,
        or_(Tariff.valid_to.is_(None), Tariff.valid_to >= period)).order_by(Tariff.valid_from.desc()).limit(1))


def receipt_data(session: Session, account_ids: Iterable[int], period: date,
                 provider: Mapping[str, Any]) -> list[dict[str, Any]]:
    """ReceiptData mappings (JSON values) of the accounts for `period`, in the order of `account_ids`."""
    ids = list(account_ids)
    rows = session.execute(
        select(Account, Client.name, Client.address, ClientObject.address)
        .join(Client, Client.id == Account.client_id)
        .outerjoin(ClientObject, ClientObject.id == Account.client_object_id)
        .where(Account.id.in_(ids))).all()
    by_id = {row[0].id: row for row in rows}
    charges: dict[int, list[Charge]] = {}
    for charge in session.scalars(select(Charge).where(Charge.account_id.in_(ids), Charge.period == period)
                                  .order_by(Charge.id)):
        charges.setdefault(charge.account_id, []).append(charge)
    end = month_end(period)
    paid = dict(session.execute(
        select(Payment.account_id, func.sum(Payment.amount_kopecks))
        .where(Payment.account_id.in_(ids), Payment.paid_on >= period, Payment.paid_on <= end)
        .group_by(Payment.account_id)).all())
    tariffs: dict[str, Decimal | None] = {}
    receipts = []
    for account_id in ids:
        account, name, client_address, object_address = by_id[account_id]
        lines = charges.get(account_id, [])
        service = [c for c in lines if c.line == SERVICE_LINE]
        if account.tariff_name not in tariffs:
            tariffs[account.tariff_name] = _tariff(session, account.tariff_name, period)
        tariff = tariffs[account.tariff_name] or Decimal(0)
        before = account_statement(session, account_id, period - timedelta(days=1))
        now = account_statement(session, account_id, end)
        service_amount = sum((rubles(c.amount_kopecks) for c in service), Decimal("0.00"))
        volume = (service_amount / tariff).quantize(Decimal("0.0001"), ROUND_HALF_UP) if tariff else Decimal(0)
        receipts.append({
            "provider": dict(provider), "account": account.number, "payer": name,
            "address": object_address or client_address, "residents": account.residents,
            "period": period.isoformat(),
            "due_date": (min((c.due_date for c in lines), default=None)
                         or individual_due_date(period.year, period.month)).isoformat(),
            "lines": [{"service": f"Обращение с ТКО ({account.residents} чел.)", "volume": str(volume),
                       "tariff": str(tariff), "amount": str(service_amount)}],
            "recalculations": [{"reason": RECALCULATION_REASONS.get(c.line, c.line),
                                "amount": str(rubles(c.amount_kopecks))} for c in lines if c.line != SERVICE_LINE],
            "previous_debt": str(max(before.balance, Decimal("0.00"))),
            "paid": str(rubles(paid.get(account_id, 0))),
            "penalties": str(now.penalty),
        })
    return receipts
