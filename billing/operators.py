"""Service-task operators of billing: the one module of billing/ that knows a workflow engine exists."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from marshmallow import Schema, fields, validate

from billing import accrual, debtors, penalty_batch, period, reconciliation, settlement, statement
from billing.account import open_account as open_billing_account
from billing.penalty import individual_penalty, legal_entity_penalty
from clients import sessions
from clients.models import ACCOUNTING_METHODS
from engine.operators import operator
from engine.scope import Scope

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
        found = debtors.debtors(session, on, scope=Scope(partner_id=partner_id), client_type=client_type,
                                min_debt=min_debt, min_days=min_days, limit=limit)
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


class OpenAccountInputs(Schema):
    partner_id = fields.Integer(required=True)
    client_id = fields.Integer(required=True)
    client_object_id = fields.Integer(load_default=None)
    contract_id = fields.Integer(load_default=None)
    method = fields.String(required=True, validate=validate.OneOf(ACCOUNTING_METHODS))
    tariff_name = fields.String(required=True)
    norm_name = fields.String(load_default=None)
    residents = fields.Integer(load_default=0)
    owners = fields.Integer(load_default=0)
    area_m2 = fields.Decimal(load_default=None, places=2)
    units = fields.Decimal(load_default=None, places=2)
    opened_on = fields.Date(required=True)


@operator("billing.open_account", inputs=OpenAccountInputs)
def open_account(idempotency_key: str | None, **values) -> dict:
    """Open a лицевой счёт for a client object; a retry with the same key (or for the same object) returns it."""
    with sessions.open_session() as session:
        account, created = open_billing_account(session, key=idempotency_key, **values)
        return {"account_id": account.id, "account_number": account.number, "account_created": created}


class PenaltiesInputs(Schema):
    on = fields.Date(required=True)
    partner_id = fields.Integer(load_default=None)
    account_id = fields.Integer(load_default=None)


@operator("billing.compute_penalties", inputs=PenaltiesInputs)
def compute_penalties(on: date, partner_id: int | None, account_id: int | None) -> dict:
    """Penalties over the debt buckets of an account or a partner as of a date (read only, so idempotent)."""
    with sessions.open_session() as session:
        totals = penalty_batch.compute_penalties(session, on, scope=Scope(partner_id=partner_id),
                                                 account_id=account_id)
    return {"penalty_total": totals.total, "penalty_buckets": totals.buckets,
            "penalty_accounts": len(totals.by_account)}


class ReconciliationInputs(Schema):
    start = fields.Date(required=True)
    end = fields.Date(required=True)
    client_id = fields.Integer(load_default=None)
    partner_id = fields.Integer(load_default=None)


@operator("billing.reconciliation", inputs=ReconciliationInputs)
def reconcile(start: date, end: date, client_id: int | None, partner_id: int | None) -> dict:
    """The data of an акт сверки: opening balance, documents and payments, turnover, closing balance (read only)."""
    with sessions.open_session() as session:
        return _reconciliation_data(
            reconciliation.reconciliation(session, start, end, client_id=client_id, partner_id=partner_id))


class PartnerReconciliationInputs(Schema):
    partner_id = fields.Integer(required=True)
    start = fields.Date(required=True)
    end = fields.Date(required=True)


@operator("billing.partner_reconciliation", inputs=PartnerReconciliationInputs)
def reconcile_with_partner(partner_id: int, start: date, end: date) -> dict:
    """The УК's акт сверки with a partner: its monthly settlements against the УК's payments to it (read only)."""
    with sessions.open_session() as session:
        return _reconciliation_data(reconciliation.settlement_reconciliation(session, partner_id, start, end))


def _reconciliation_data(result: reconciliation.Reconciliation) -> dict:
    return {"opening_balance": result.opening, "debit_turnover": result.debit, "credit_turnover": result.credit,
            "closing_balance": result.closing, "in_favour_of": result.in_favour_of,
            "entries": [{"on": e.on, "title": e.title, "debit": e.debit, "credit": e.credit}
                        for e in result.entries]}


class PartnerPaymentInputs(Schema):
    partner_id = fields.Integer(required=True)
    paid_on = fields.Date(required=True)
    amount = fields.Decimal(required=True, places=2, validate=validate.Range(min=Decimal("0.01")))
    number = fields.String(load_default="")
    purpose = fields.String(load_default="")


@operator("billing.record_partner_payment", inputs=PartnerPaymentInputs)
def record_partner_payment(partner_id: int, paid_on: date, amount: Decimal, number: str, purpose: str,
                           idempotency_key: str | None) -> dict:
    """Record the УК's payment to a partner; a retry of the same job records nothing twice (the job's key is the
    payment's: two real payments may share a day, an amount and an empty number)."""
    if idempotency_key is None:
        raise ValueError("billing.record_partner_payment records money: it runs as a job, with the job's key")
    with sessions.open_session() as session:
        payment, created = settlement.record_partner_payment(session, partner_id, paid_on, amount,
                                                             key=idempotency_key,
                                                             number=number, purpose=purpose)
        return {"partner_payment_id": payment.id, "partner_payment_created": created}


class BonusSchema(Schema):
    title = fields.String(load_default="")
    amount = fields.Decimal(required=True, places=2)


class AgentSaleSchema(Schema):
    agent = fields.String(required=True)
    base = fields.Decimal(required=True, places=2, validate=validate.Range(min=Decimal(0)))


class SettlementInputs(Schema):
    partner_id = fields.Integer(required=True)
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    month = fields.Integer(required=True, validate=validate.Range(min=1, max=12))
    shifts = fields.Integer(load_default=0, validate=validate.Range(min=0))
    trips = fields.Integer(load_default=0, validate=validate.Range(min=0))
    bonuses = fields.List(fields.Nested(BonusSchema), load_default=list)
    agent_sales = fields.List(fields.Nested(AgentSaleSchema), load_default=list)


@operator("billing.partner_settlement", inputs=SettlementInputs)
def partner_settlement(partner_id: int, year: int, month: int, shifts: int, trips: int, bonuses: list,
                       agent_sales: list, idempotency_key: str | None) -> dict:
    """The partner's monthly fee: rent, bonuses, minus its reductions, VAT by regime; agent commissions beside it.

    Stored per partner and month, so a retry (or a re-run) replaces the same settlement rather than adding one."""
    with sessions.open_session() as session:
        result = settlement.partner_settlement(session, partner_id, year, month, shifts=shifts, trips=trips,
                                               bonuses=bonuses, agent_sales=agent_sales, key=idempotency_key)
    return {"settlement_net": result.net, "settlement_vat": result.vat, "settlement_gross": result.gross,
            "agent_commissions": result.agent_commissions,
            "settlement_lines": [dict(line) for line in result.lines]}
