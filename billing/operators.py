"""Service-task operators of billing: the one module of billing/ that knows a workflow engine exists."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from marshmallow import Schema, fields, validate

from billing import accrual, debtors, period, statement
from billing.penalty import individual_penalty, legal_entity_penalty
from clients import sessions
from engine.operators import operator

CLIENT_TYPES = ("ФЛ", "ЮЛ", "ИП")


class PenaltyInputs(Schema):
    client_type = fields.String(required=True, validate=validate.OneOf(CLIENT_TYPES))
    debt = fields.Decimal(required=True, places=2, validate=validate.Range(min=Decimal("0.01")))
    due_date = fields.Date(required=True)
    until = fields.Date(required=True)


@operator("billing.compute_penalty", inputs=PenaltyInputs, synchronous=True)
def compute_penalty(client_type: str, debt: Decimal, due_date: date, until: date) -> dict:
    """Penalty on one debt: ЖК РФ 155.14 for ФЛ, 1/130 for ЮЛ/ИП; the total, the rate and the calculation lines."""
    calculate = individual_penalty if client_type == "ФЛ" else legal_entity_penalty
    result = calculate(debt, due_date, until)
    return {
        "penalty": result.total,
        "penalty_rate": result.rate,
        "penalty_lines": [
            {"start": line.start, "end": line.end, "days": line.days, "base": line.base,
             "fraction": f"{line.fraction.numerator}/{line.fraction.denominator}", "amount": line.amount}
            for line in result.lines
        ],
    }


class PeriodInputs(Schema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    month = fields.Integer(required=True, validate=validate.Range(min=1, max=12))
    partner_id = fields.Integer(load_default=None)


@operator("billing.accrue_period", inputs=PeriodInputs)
def accrue_period(year: int, month: int, partner_id: int | None) -> dict:
    """Accrue the month for every active account of the partner (or all); re-running replaces, never doubles."""
    with sessions.open_session() as session:
        result = accrual.accrue_period(session, year, month, partner_id=partner_id)
    return {"accounts_charged": result.accounts_charged, "accounts_skipped": result.accounts_skipped,
            "accrued_total": result.total, "accrued_vat": result.vat}


class ClosePeriodInputs(Schema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    month = fields.Integer(required=True, validate=validate.Range(min=1, max=12))
    closed_by = fields.String(load_default=None)


@operator("billing.close_period", inputs=ClosePeriodInputs)
def close_period(year: int, month: int, closed_by: str | None) -> dict:
    """Lock the month: its charges become immutable (closing twice is the same as once)."""
    with sessions.open_session() as session:
        state = period.close_period(session, year, month, closed_by)
    return {"period_status": state.status, "period_closed_at": state.closed_at.isoformat()}


class DebtorInputs(Schema):
    on = fields.Date(required=True)
    partner_id = fields.Integer(load_default=None)
    client_type = fields.String(load_default=None, validate=validate.OneOf(CLIENT_TYPES))
    min_debt = fields.Decimal(load_default=Decimal("0.01"), places=2)
    min_days = fields.Integer(load_default=1, validate=validate.Range(min=0))
    limit = fields.Integer(load_default=1000, validate=validate.Range(min=1, max=100_000))


@operator("billing.debtors", inputs=DebtorInputs)
def list_debtors(on: date, partner_id: int | None, client_type: str | None, min_debt: Decimal, min_days: int,
                 limit: int) -> dict:
    """Accounts with overdue debt: amount, oldest due date, days overdue, client type (read only)."""
    with sessions.open_session() as session:
        found = debtors.debtors(session, on, partner_id=partner_id, client_type=client_type, min_debt=min_debt,
                                min_days=min_days, limit=limit)
    return {"debtor_count": len(found), "debt_total": sum((d.debt for d in found), Decimal("0.00")),
            "debtors": [{"account_id": d.account_id, "number": d.number, "client_type": d.client_type,
                         "debt": d.debt, "oldest_due_date": d.oldest_due_date, "days_overdue": d.days_overdue}
                        for d in found]}


class StatementInputs(Schema):
    account_id = fields.Integer(required=True)
    on = fields.Date(required=True)


@operator("billing.account_statement", inputs=StatementInputs)
def account_statement(account_id: int, on: date) -> dict:
    """Charges, payments, debt and penalties by period of one account, the credit and the balance (read only)."""
    with sessions.open_session() as session:
        result = statement.account_statement(session, account_id, on)
    return statement_dict(result)


def statement_dict(result: statement.AccountStatement) -> dict:
    """The statement as JSON-ready values (Decimal and date are kept)."""
    return {"account_id": result.account_id, "number": result.number, "client_type": result.client_type,
            "on": result.on, "charged": result.charged, "paid": result.paid, "debt": result.debt,
            "penalty": result.penalty, "credit": result.credit, "balance": result.balance,
            "periods": [{"period": p.period, "due_date": p.due_date, "charged": p.charged, "vat": p.vat,
                         "paid": p.paid, "debt": p.debt, "penalty": p.penalty} for p in result.periods]}
