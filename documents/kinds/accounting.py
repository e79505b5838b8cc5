"""Billing papers: счёт на оплату, акт, УПД, счёт-фактура, акт сверки and the квитанция of an individual."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from documents.formatting import period
from documents.kinds.pricing import ZERO, DocumentReference, PricedDocument
from documents.parties import (
    NON_NEGATIVE,
    POSITIVE,
    OrganisationSchema,
    PartySchema,
    PayeeSchema,
    SignedOrganisationSchema,
    money,
    text,
)
from documents.qr import payment_string


class InvoiceData(PricedDocument):
    """Счёт на оплату."""

    supplier = fields.Nested(PayeeSchema, required=True)
    payer = fields.Nested(PartySchema, required=True)
    basis = text()
    due_date = fields.Date(required=True)


class ActData(PricedDocument):
    """Акт оказанных услуг."""

    executor = fields.Nested(SignedOrganisationSchema, required=True)
    customer = fields.Nested(SignedOrganisationSchema, required=True)
    contract = fields.Nested(DocumentReference, required=True)
    period = fields.Date(required=True)


class VatInvoiceData(PricedDocument):
    """Счёт-фактура (ПП № 1137): both parties' ИНН/КПП and addresses, currency 643, ОКЕИ code and VAT per line."""

    seller = fields.Nested(SignedOrganisationSchema, required=True)
    buyer = fields.Nested(OrganisationSchema, required=True)
    contract = fields.Nested(DocumentReference, required=True)
    period = fields.Date(required=True)
    shipment = fields.Nested(DocumentReference, load_default=None)  # the act the services were handed over by
    payments = fields.List(fields.Nested(DocumentReference), load_default=list)
    chief_accountant = fields.String(load_default=None)

    @validates_schema
    def vat_rate_is_stated(self, data: dict, **_: Any) -> None:
        if "vat_rate" in data and data["vat_rate"] is None:
            raise ValidationError({"vat_rate": ["Счёт-фактура выставляется плательщиком НДС: укажите ставку"]})


class UpdData(VatInvoiceData):
    """УПД: status 1 is a счёт-фактура and an act at once (VAT payers), status 2 the act only (no VAT invoice)."""

    status = fields.Integer(required=True, validate=validate.OneOf([1, 2], error="Статус УПД: 1 или 2"))
    buyer = fields.Nested(SignedOrganisationSchema, required=True)

    @validates_schema
    def vat_rate_is_stated(self, data: dict, **_: Any) -> None:
        if data.get("status") == 1 and "vat_rate" in data and data["vat_rate"] is None:
            raise ValidationError({"vat_rate": ["УПД со статусом 1 — счёт-фактура: укажите ставку НДС "
                                                "(без НДС выставляется статус 2)"]})


class SettlementEntry(Schema):
    """One act (we charged) or payment (they paid) of the reconciled period."""

    date = fields.Date(required=True)
    document = text()
    kind = fields.String(required=True, validate=validate.OneOf(["act", "payment"],
                                                                error="Вид записи: act или payment"))
    amount = money(validate=POSITIVE)


class ReconciliationData(Schema):
    """Акт сверки взаимных расчётов: opening balance, mirrored debit/credit, turnover, closing, in whose favour."""

    executor = fields.Nested(SignedOrganisationSchema, required=True)
    customer = fields.Nested(SignedOrganisationSchema, required=True)
    contract = fields.Nested(DocumentReference, required=True)
    start = fields.Date(required=True)
    end = fields.Date(required=True)
    opening = fields.Decimal(required=True, places=2)  # > 0: the customer owes the executor
    entries = fields.List(fields.Nested(SettlementEntry), required=True)

    @validates_schema
    def entries_lie_in_the_period(self, data: dict, **_: Any) -> None:
        if "start" not in data or "end" not in data:
            return
        if data["end"] < data["start"]:
            raise ValidationError({"end": ["Конец периода раньше начала"]})
        outside = {str(index): {"date": ["Дата вне периода сверки"]}
                   for index, entry in enumerate(data.get("entries", []))
                   if not data["start"] <= entry["date"] <= data["end"]}
        if outside:
            raise ValidationError({"entries": outside})

    @post_load
    def totals(self, data: dict, **_: Any) -> dict:
        data["entries"] = sorted(data["entries"], key=lambda entry: entry["date"])
        debit = sum((e["amount"] for e in data["entries"] if e["kind"] == "act"), ZERO)
        credit = sum((e["amount"] for e in data["entries"] if e["kind"] == "payment"), ZERO)
        closing = data["opening"] + debit - credit
        favour = data["executor"] if closing > 0 else data["customer"] if closing < 0 else None
        data.update(debit=debit, credit=credit, closing=closing, favour=favour)
        return data


class ReceiptLine(Schema):
    service = text()
    unit = fields.String(load_default="м³")
    volume = fields.Decimal(required=True, validate=NON_NEGATIVE)
    tariff = money()
    amount = money()


class Recalculation(Schema):
    reason = text()
    amount = fields.Decimal(required=True, places=2)


class ReceiptData(Schema):
    """Квитанция (платёжный документ) for an individual, with the ГОСТ Р 56042 payment QR code."""

    provider = fields.Nested(PayeeSchema, required=True)
    account = text()
    payer = text()
    address = text()
    residents = fields.Integer(required=True, validate=validate.Range(min=0))
    period = fields.Date(required=True)
    due_date = fields.Date(required=True)
    lines = fields.List(fields.Nested(ReceiptLine), required=True, validate=validate.Length(min=1))
    recalculations = fields.List(fields.Nested(Recalculation), load_default=list)
    previous_debt = money(load_default=Decimal("0.00"))
    paid = money(load_default=Decimal("0.00"))
    penalties = money(load_default=Decimal("0.00"))
    message = fields.String(load_default=None)

    @post_load
    def totals(self, data: dict, **_: Any) -> dict:
        charged = sum((line["amount"] for line in data["lines"]), ZERO)
        recalculated = sum((r["amount"] for r in data["recalculations"]), ZERO)
        balance = charged + recalculated + data["previous_debt"] - data["paid"]
        data.update(charged=charged, recalculated=recalculated, for_period=charged + recalculated,
                    to_pay=max(balance, ZERO) + data["penalties"])
        purpose = f"Оплата услуги по обращению с ТКО, л/с {data['account']}, {period(data['period'])}"
        data["qr"] = payment_string(data["provider"], data["account"], data["to_pay"], purpose, data["period"])
        return data
