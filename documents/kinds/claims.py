"""Claims and court: the претензия with its penalty table and the заявление о выдаче судебного приказа."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates, validates_schema

from billing.penalty import PenaltyCalculation
from billing.state_duty import ARBITRATION, GENERAL, court_order_duty
from clients.requisites import RequisiteError, validate_inn, validate_snils
from documents.kinds.pricing import ZERO, DocumentReference
from documents.parties import FILLED, POSITIVE, OrganisationSchema, SignedPayeeSchema, money, text

COURT_ORDER_LIMIT = Decimal("500000.00")  # ГПК ст. 121: a court order only for claims up to 500,000 ₽


class DebtRow(Schema):
    period = fields.Date(required=True)
    due_date = fields.Date(required=True)
    amount = money(validate=POSITIVE)


class PenaltyRow(Schema):
    start = fields.Date(required=True)
    end = fields.Date(required=True)
    days = fields.Integer(required=True, validate=validate.Range(min=1))
    base = money()
    fraction = fields.String(required=True, validate=validate.Regexp(r"^(0|1/\d+)$",
                                                                         error="Доля ставки вида 1/130 или 0"))
    amount = money()


class PenaltyBlock(Schema):
    rate = fields.Decimal(required=True, validate=validate.Range(min=Decimal(0), error="Ставка не может быть "
                                                                                          "отрицательной"))
    until = fields.Date(required=True)
    lines = fields.List(fields.Nested(PenaltyRow), required=True)


def penalty_block(calculation: PenaltyCalculation, until: date | None = None) -> dict[str, Any]:
    """A billing.penalty calculation as a document's `penalty` data (претензия, судебный приказ)."""
    return {
        "rate": str(calculation.rate),
        "until": (until or calculation.rate_on).isoformat(),
        "lines": [{"start": line.start.isoformat(), "end": line.end.isoformat(), "days": line.days,
                   "base": str(line.base), "amount": str(line.amount),
                   "fraction": str(line.fraction)}
                  for line in calculation.lines],
    }


def _debt_totals(data: dict) -> dict:
    debt = sum((row["amount"] for row in data["debts"]), ZERO)
    penalty = sum((row["amount"] for row in data["penalty"]["lines"]), ZERO)
    data.update(debt_total=debt, penalty_total=penalty, claim_total=debt + penalty)
    return data


class ClaimData(Schema):
    """Претензия: debt by month, the penalty calculation table, a demand to pay with bank details."""

    creditor = fields.Nested(SignedPayeeSchema, required=True)
    debtor = fields.Nested(OrganisationSchema, required=True)
    contract = fields.Nested(DocumentReference, required=True)
    debts = fields.List(fields.Nested(DebtRow), required=True, validate=validate.Length(min=1))
    penalty = fields.Nested(PenaltyBlock, required=True)
    pay_within_days = fields.Integer(load_default=10, validate=validate.Range(min=1, max=90))
    attachments = fields.List(fields.String(validate=FILLED), load_default=list)

    @post_load
    def totals(self, data: dict, **_: Any) -> dict:
        return _debt_totals(data)


class CourtSchema(Schema):
    name = text()
    address = text()
    kind = fields.String(load_default=GENERAL, validate=validate.OneOf(
        [GENERAL, ARBITRATION], error="Вид суда: general (мировой судья, суд общей юрисдикции) или arbitration"))


class PassportSchema(Schema):
    series = fields.String(required=True, validate=validate.Regexp(r"^\d{4}$", error="Серия: 4 цифры"))
    number = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$", error="Номер: 6 цифр"))
    issued_by = text()
    issued_on = fields.Date(required=True)


class DebtorSchema(Schema):
    """The debtor with at least one identifier (ГПК ст. 124): СНИЛС, ИНН or passport."""

    name = text()
    address = text()
    birth_date = fields.Date(load_default=None)
    birth_place = fields.String(load_default=None)
    snils = fields.String(load_default=None)
    inn = fields.String(load_default=None)
    passport = fields.Nested(PassportSchema, load_default=None)

    @validates("snils")
    def snils_checksum(self, value: str | None, **_: Any) -> None:
        if value is not None:
            try:
                validate_snils(value)
            except RequisiteError as error:
                raise ValidationError(error.message) from error

    @validates("inn")
    def inn_checksum(self, value: str | None, **_: Any) -> None:
        if value is not None:
            try:
                validate_inn(value)
            except RequisiteError as error:
                raise ValidationError(error.message) from error

    @validates_schema
    def has_an_identifier(self, data: dict, **_: Any) -> None:
        if not any(data.get(name) for name in ("snils", "inn", "passport")):
            raise ValidationError("Укажите один из идентификаторов должника: СНИЛС, ИНН или паспорт")


class CourtOrderData(Schema):
    """Заявление о выдаче судебного приказа: court, claimant, debtor, debt by month, penalties, duty, attachments."""

    court = fields.Nested(CourtSchema, required=True)
    claimant = fields.Nested(SignedPayeeSchema, required=True)
    debtor = fields.Nested(DebtorSchema, required=True)
    basis = text()  # what the debt arises from: a contract or ЖК РФ ст. 154–155 for individuals
    account = fields.String(load_default=None)
    debts = fields.List(fields.Nested(DebtRow), required=True, validate=validate.Length(min=1))
    penalty = fields.Nested(PenaltyBlock, required=True)
    duty_payment = fields.Nested(DocumentReference, load_default=None)
    attachments = fields.List(fields.String(validate=FILLED), load_default=list)

    @post_load
    def totals(self, data: dict, **_: Any) -> dict:
        _debt_totals(data)
        if data["claim_total"] > COURT_ORDER_LIMIT:
            raise ValidationError({"debts": ["Судебный приказ выдаётся по требованиям до 500 000,00 ₽: "
                                             "обратитесь с иском"]})
        data["duty"] = court_order_duty(data["claim_total"], data["court"]["kind"])
        return data
