"""Contracts: the договор на оказание услуг по обращению с ТКО with the annex of objects and container sites."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from billing.vat import add_vat
from documents.kinds.pricing import VAT_RATES
from documents.parties import POSITIVE, SignedOrganisationSchema, SignedPayeeSchema, money, text


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
