"""Marshmallow schemas of client data shared by the operators and the API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from clients.models import CLIENT_KINDS


class RequisitesSchema(Schema):
    """A client's kind and requisites, as given (checksums are checked by `clients.requisites`)."""

    kind = fields.String(required=True, validate=validate.OneOf(CLIENT_KINDS, error="Тип клиента: ФЛ, ЮЛ или ИП"))
    inn = fields.String(load_default=None)
    kpp = fields.String(load_default=None)
    ogrn = fields.String(load_default=None)
    ogrnip = fields.String(load_default=None)
    snils = fields.String(load_default=None)
    bik = fields.String(load_default=None)
    bank_account = fields.String(load_default=None)
    correspondent_account = fields.String(load_default=None)
