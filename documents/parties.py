"""The data every document shares: parties with their requisites, bank details, signatories, priced lines.

Requisites are checked by their checksums (clients.requisites), so a document never goes out with a mistyped ИНН or
account. Errors are flattened to `path → Russian message` by `field_errors`, for the error that lists the fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from clients.requisites import (
    RequisiteError,
    validate_bank_account,
    validate_correspondent_account,
    validate_inn,
    validate_kpp,
    validate_ogrn,
    validate_ogrnip,
)
from texts import N_

NON_NEGATIVE = validate.Range(min=Decimal(0), error=N_("Сумма не может быть отрицательной"))
POSITIVE = validate.Range(min=Decimal(0), min_inclusive=False, error=N_("Должно быть больше нуля"))
FILLED = validate.Length(min=1, error=N_("Поле не заполнено"))

# marshmallow's own messages, said in Russian for the people who fix the data
_MESSAGES = {
    "Missing data for required field.": N_("обязательное поле не заполнено"),
    "Field may not be null.": N_("поле не заполнено"),
    "Not a valid number.": N_("нужно число"),
    "Not a valid integer.": N_("нужно целое число"),
    "Not a valid date.": N_("нужна дата в формате ГГГГ-ММ-ДД"),
    "Not a valid string.": N_("нужна строка"),
    "Not a valid list.": N_("нужен список"),
    "Invalid input type.": N_("неверный тип данных"),
    "Unknown field.": N_("неизвестное поле"),
}


def text(**kwargs: Any) -> fields.String:
    """A required non-empty string (the common case in documents)."""
    return fields.String(required=True, validate=FILLED, **kwargs)


def money(**kwargs: Any) -> fields.Decimal:
    """A non-negative amount in rubles with kopecks; required unless it has a default."""
    kwargs.setdefault("validate", NON_NEGATIVE)
    return fields.Decimal(required="load_default" not in kwargs, places=2, **kwargs)


def field_errors(messages: Mapping[str, Any] | list, prefix: str = "") -> dict[str, str]:
    """marshmallow's nested messages → {"supplier.bank.bik": "обязательное поле не заполнено", "lines.0.price": …}."""
    flat: dict[str, str] = {}
    if isinstance(messages, list):
        flat[prefix or "_schema"] = "; ".join(_MESSAGES.get(str(m), str(m)) for m in messages)
        return flat
    for key, value in messages.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if key == "_schema":
            path = prefix or "_schema"
        if isinstance(value, Mapping) or (isinstance(value, list) and value and isinstance(value[0], Mapping)):
            flat.update(field_errors(value if isinstance(value, Mapping) else value[0], path))
        else:
            flat.update(field_errors(list(value) if isinstance(value, list) else [value], path))
    return flat


def _requisite(check, value: str, field: str, **kwargs: Any) -> None:
    try:
        check(value, **kwargs)
    except RequisiteError as error:
        raise ValidationError(error.message, field) from error


class BankSchema(Schema):
    """Bank details: the bank, its БИК, the settlement and the correspondent account (checked with the БИК)."""

    name = text()
    bik = text()
    account = text()
    correspondent_account = text()

    @validates_schema
    def accounts_match_the_bik(self, data: dict, **_: Any) -> None:
        if not {"bik", "account", "correspondent_account"} <= data.keys():
            return
        errors = {}
        for field, check in (("account", validate_bank_account),
                             ("correspondent_account", validate_correspondent_account)):
            try:
                check(data[field], data["bik"], field=field)
            except RequisiteError as error:
                errors[field] = [error.message]
        if errors:
            raise ValidationError(errors)


class SignatorySchema(Schema):
    """Who signs: «Генеральный директор Иванов И. И.», acting on «Устава»."""

    position = text()
    name = text()
    basis = fields.String(load_default="Устава")


class PartySchema(Schema):
    """An organisation, a sole trader or a person with the requisites a document prints."""

    name = text()
    inn = fields.String(load_default=None)
    kpp = fields.String(load_default=None)
    ogrn = fields.String(load_default=None)
    address = text()
    phone = fields.String(load_default=None)
    email = fields.String(load_default=None)
    bank = fields.Nested(BankSchema, load_default=None)
    signatory = fields.Nested(SignatorySchema, load_default=None)

    @validates("inn")
    def inn_checksum(self, value: str | None, **_: Any) -> None:
        if value is not None:
            _requisite(validate_inn, value, "inn")

    @validates("kpp")
    def kpp_format(self, value: str | None, **_: Any) -> None:
        if value is not None:
            _requisite(validate_kpp, value, "kpp")

    @validates("ogrn")
    def ogrn_checksum(self, value: str | None, **_: Any) -> None:
        if value is not None:
            _requisite(validate_ogrn if len(value.strip()) == 13 else validate_ogrnip, value, "ogrn")


class OrganisationSchema(PartySchema):
    """A party that must be identified by its ИНН (every legal document names it)."""

    inn = fields.String(required=True)


class PayeeSchema(OrganisationSchema):
    """The party that is paid: its bank details are required."""

    bank = fields.Nested(BankSchema, required=True)


class SignedPayeeSchema(PayeeSchema):
    """A payee that also signs the document."""

    signatory = fields.Nested(SignatorySchema, required=True)


class SignedOrganisationSchema(OrganisationSchema):
    signatory = fields.Nested(SignatorySchema, required=True)


class LineSchema(Schema):
    """A priced line: quantity × price = amount (the amount is computed here, rounded once)."""

    name = text()
    unit = fields.String(load_default="м³")
    okei = fields.String(load_default="113")
    quantity = fields.Decimal(required=True, validate=POSITIVE)
    price = money()
