"""/api/accounts and /api/payments: account statements and bank statement import."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, g, jsonify, request
from marshmallow import Schema, ValidationError, fields

from billing import statement
from billing.bank_statement import UnreadableStatement
from billing.operators import statement_dict
from billing.payments import import_bank_statement
from engine.errors import NotFound
from web.api import openapi
from web.extensions import db

blueprint = Blueprint("billing", __name__)


class StatementQuerySchema(Schema):
    on = fields.Date(load_default=None, metadata={"description": "на дату (по умолчанию сегодня)"})


class PeriodLineSchema(Schema):
    period = fields.Date()
    due_date = fields.Date()
    charged = fields.Decimal(as_string=True)
    vat = fields.Decimal(as_string=True)
    paid = fields.Decimal(as_string=True)
    debt = fields.Decimal(as_string=True)
    penalty = fields.Decimal(as_string=True)


class AccountStatementSchema(Schema):
    account_id = fields.Integer()
    number = fields.String()
    client_type = fields.String()
    on = fields.Date()
    charged = fields.Decimal(as_string=True)
    paid = fields.Decimal(as_string=True)
    debt = fields.Decimal(as_string=True)
    penalty = fields.Decimal(as_string=True)
    credit = fields.Decimal(as_string=True)
    balance = fields.Decimal(as_string=True)
    periods = fields.List(fields.Nested(PeriodLineSchema))


class ImportProblemSchema(Schema):
    line = fields.Integer()
    message = fields.String()


class ImportReportSchema(Schema):
    statement_id = fields.Integer()
    already_imported = fields.Boolean()
    imported = fields.Integer()
    duplicates = fields.Integer()
    unmatched = fields.Integer()
    allocated = fields.Decimal(as_string=True)
    credit = fields.Decimal(as_string=True)
    problems = fields.List(fields.Nested(ImportProblemSchema))


openapi.SCHEMAS.extend([("AccountStatement", AccountStatementSchema), ("BankImportReport", ImportReportSchema)])


@blueprint.get("/accounts/<int:account_id>/statement")
def account_statement(account_id: int):
    """Charges, payments, debt and penalties of an account by period, its credit and balance.
    ---
    get:
      summary: Выписка по лицевому счёту
      security: [{basic: []}]
      parameters:
        - {name: account_id, in: path, required: true, schema: {type: integer}}
        - {name: on, in: query, schema: {type: string, format: date}}
      responses:
        200: {content: {application/json: {schema: AccountStatement}}}
        404: {description: нет такого счёта (или он другого партнёра)}
    """
    on = StatementQuerySchema().load(request.args)["on"] or date.today()
    try:
        result = statement.account_statement(db.session, account_id, on, g.scope)
    except statement.AccountNotFound as missing:
        raise NotFound(str(missing)) from missing
    return jsonify(AccountStatementSchema().dump(statement_dict(result)))


@blueprint.post("/payments/bank-statement")
def import_statement():
    """Import a 1CClientBankExchange file (the request body; Windows-1251, DOS or UTF-8). УК roles only.
    ---
    post:
      summary: Загрузить банковскую выписку 1CClientBankExchange
      security: [{basic: []}]
      requestBody: {content: {application/octet-stream: {schema: {type: string, format: binary}}}}
      responses:
        200: {content: {application/json: {schema: BankImportReport}}}
        403: {description: только для пользователей УК}
        422: {description: файл не является выпиской или кодировка неизвестна}
    """
    if g.scope.partner_id is not None:
        return jsonify(error="Загружать банковские выписки могут только пользователи УК"), 403
    try:
        report = import_bank_statement(db.session, request.get_data(), request.args.get("file_name", ""))
    except UnreadableStatement as unreadable:
        raise ValidationError({"file": [str(unreadable)]}) from unreadable
    return jsonify(ImportReportSchema().dump(report))
