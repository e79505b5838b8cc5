"""Kinds of documents: each names its template and declares the data it needs as a marshmallow schema.

A schema's `post_load` adds the derived amounts (line amounts, VAT, totals) so that templates only print: every sum
on paper is computed once, here, rounded half-up per document line (billing.money, billing.vat).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from billing.money import round_rubles
from billing.penalty import PenaltyCalculation
from billing.vat import add_vat, split_inclusive
from documents.formatting import period
from documents.parties import (
    FILLED,
    NON_NEGATIVE,
    POSITIVE,
    LineSchema,
    OrganisationSchema,
    PartySchema,
    PayeeSchema,
    SignedOrganisationSchema,
    SignedPayeeSchema,
    money,
    text,
)
from documents.qr import payment_string

VAT_RATES = validate.OneOf([0, 5, 7, 10, 20, 22], error="Ставка НДС: 0, 5, 7, 10, 20 или 22 %")


class ContractReference(Schema):
    """«Договор № 15-ТКО/2026 от 10.01.2026»."""

    number = text()
    date = fields.Date(required=True)


def priced(lines: Iterable[Mapping[str, Any]], vat_rate: int | None, vat_included: bool) -> dict[str, Any]:
    """Lines with amount, VAT and gross each (rounded once per line) and the document totals."""
    rows = []
    for line in lines:
        amount = round_rubles(line["quantity"] * line["price"])
        split = split_inclusive(amount, vat_rate) if vat_included else add_vat(amount, vat_rate)
        rows.append({**line, "amount": amount, "net": split.net, "vat": split.vat, "gross": split.gross})
    return {
        "lines": rows,
        "net": sum((row["net"] for row in rows), Decimal("0.00")),
        "vat": sum((row["vat"] for row in rows), Decimal("0.00")),
        "total": sum((row["gross"] for row in rows), Decimal("0.00")),
    }


class PricedDocument(Schema):
    lines = fields.List(fields.Nested(LineSchema), required=True, validate=validate.Length(min=1))
    vat_rate = fields.Integer(load_default=None, validate=VAT_RATES)
    vat_included = fields.Boolean(load_default=False)

    @post_load
    def totals(self, data: dict, **_: Any) -> dict:
        data.update(priced(data["lines"], data["vat_rate"], data["vat_included"]))
        return data


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
    contract = fields.Nested(ContractReference, required=True)
    period = fields.Date(required=True)


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
        charged = sum((line["amount"] for line in data["lines"]), Decimal("0.00"))
        recalculated = sum((r["amount"] for r in data["recalculations"]), Decimal("0.00"))
        balance = charged + recalculated + data["previous_debt"] - data["paid"]
        data.update(charged=charged, recalculated=recalculated, for_period=charged + recalculated,
                    to_pay=max(balance, Decimal("0.00")) + data["penalties"])
        purpose = f"Оплата услуги по обращению с ТКО, л/с {data['account']}, {period(data['period'])}"
        data["qr"] = payment_string(data["provider"], data["account"], data["to_pay"], purpose, data["period"])
        return data


class DebtRow(Schema):
    period = fields.Date(required=True)
    due_date = fields.Date(required=True)
    amount = money(validate=POSITIVE)


class PenaltyRow(Schema):
    start = fields.Date(required=True)
    end = fields.Date(required=True)
    days = fields.Integer(required=True, validate=validate.Range(min=1))
    base = money()
    fraction = fields.String(required=True, validate=validate.Regexp(r"^1/\d+$", error="Доля ставки вида 1/130"))
    amount = money()


class PenaltyBlock(Schema):
    rate = fields.Decimal(required=True, validate=NON_NEGATIVE)
    until = fields.Date(required=True)
    lines = fields.List(fields.Nested(PenaltyRow), required=True)


class ClaimData(Schema):
    """Претензия: debt by month, the penalty calculation table, a demand to pay with bank details."""

    creditor = fields.Nested(SignedPayeeSchema, required=True)
    debtor = fields.Nested(OrganisationSchema, required=True)
    contract = fields.Nested(ContractReference, required=True)
    debts = fields.List(fields.Nested(DebtRow), required=True, validate=validate.Length(min=1))
    penalty = fields.Nested(PenaltyBlock, required=True)
    pay_within_days = fields.Integer(load_default=10, validate=validate.Range(min=1, max=90))
    attachments = fields.List(fields.String(validate=FILLED), load_default=list)

    @post_load
    def totals(self, data: dict, **_: Any) -> dict:
        debt = sum((row["amount"] for row in data["debts"]), Decimal("0.00"))
        penalty = sum((row["amount"] for row in data["penalty"]["lines"]), Decimal("0.00"))
        data.update(debt_total=debt, penalty_total=penalty, claim_total=debt + penalty)
        return data


def penalty_block(calculation: PenaltyCalculation, until: Any = None) -> dict[str, Any]:
    """A billing.penalty calculation as the претензия's data (`penalty` of ClaimData)."""
    return {
        "rate": str(calculation.rate),
        "until": (until or calculation.rate_on).isoformat(),
        "lines": [{"start": line.start.isoformat(), "end": line.end.isoformat(), "days": line.days,
                   "base": str(line.base), "amount": str(line.amount),
                   "fraction": f"{line.fraction.numerator}/{line.fraction.denominator}"}
                  for line in calculation.lines],
    }


class ContainerRow(Schema):
    type = text()
    volume = fields.Decimal(required=True, validate=POSITIVE)
    count = fields.Integer(required=True, validate=validate.Range(min=1))


class SiteSchema(Schema):
    registry_number = text()
    address = text()
    latitude = fields.Decimal(required=True, validate=validate.Range(min=-90, max=90))
    longitude = fields.Decimal(required=True, validate=validate.Range(min=-180, max=180))


class ServiceObject(Schema):
    address = text()
    category = text()
    unit = text()
    quantity = fields.Decimal(required=True, validate=POSITIVE)
    accounting = fields.String(required=True, validate=validate.OneOf(
        ["по нормативу", "по количеству и объёму контейнеров", "по массе"],
        error="Способ учёта: по нормативу, по количеству и объёму контейнеров или по массе"))
    site = fields.Nested(SiteSchema, required=True)
    containers = fields.List(fields.Nested(ContainerRow), required=True, validate=validate.Length(min=1))
    schedule = text()
    annual_volume = fields.Decimal(required=True, validate=POSITIVE)


class ContractData(Schema):
    """Договор на оказание услуг по обращению с ТКО with the annex of objects and container sites."""

    executor = fields.Nested(SignedPayeeSchema, required=True)
    customer = fields.Nested(SignedOrganisationSchema, required=True)
    city = fields.String(load_default="г. Новосибирск")
    objects = fields.List(fields.Nested(ServiceObject), required=True, validate=validate.Length(min=1))
    tariff = money(validate=POSITIVE)
    tariff_basis = text()
    vat_rate = fields.Integer(load_default=None, validate=VAT_RATES)
    start_date = fields.Date(required=True)
    end_date = fields.Date(load_default=None)
    payment_day = fields.Integer(load_default=10, validate=validate.Range(min=1, max=28))

    @validates_schema
    def term_is_positive(self, data: dict, **_: Any) -> None:
        if data.get("end_date") and data.get("start_date") and data["end_date"] <= data["start_date"]:
            raise ValidationError({"end_date": ["Дата окончания должна быть позже даты начала"]})

    @post_load
    def totals(self, data: dict, **_: Any) -> dict:
        volume = sum((obj["annual_volume"] for obj in data["objects"]), Decimal(0))
        monthly = add_vat(volume * data["tariff"] / 12, data["vat_rate"])
        data.update(annual_volume=volume, monthly=monthly)
        return data


@dataclass(frozen=True)
class Kind:
    """A kind of document: its template, its data schema, and whether it takes a number from the sequence."""

    name: str
    title: str
    template: str
    schema: type[Schema]
    numbered: bool = True
    number_format: str = "{number}"

    def display_number(self, number: int | None, year: int) -> str | None:
        return None if number is None else self.number_format.format(number=number, year=year, yy=year % 100)


KINDS: dict[str, Kind] = {kind.name: kind for kind in (
    Kind("invoice", "Счёт на оплату", "invoice.html", InvoiceData),
    Kind("act", "Акт оказанных услуг", "act.html", ActData),
    Kind("receipt", "Квитанция", "receipt.html", ReceiptData, numbered=False),
    Kind("claim", "Претензия", "claim.html", ClaimData, number_format="{number}-П/{yy}"),
    Kind("contract", "Договор на оказание услуг по обращению с ТКО", "contract.html", ContractData,
         number_format="{number}-ТКО/{year}"),
)}
