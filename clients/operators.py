"""Service-task operators of clients: the one module of clients/ that knows a workflow engine exists."""

from __future__ import annotations

from marshmallow import Schema, fields

from clients import sessions
from clients.registry import find_duplicates
from clients.requisites import validate_requisites
from clients.schemas import RequisitesSchema
from engine.operators import operator
from engine.scope import Scope


@operator("clients.validate_requisites", inputs=RequisitesSchema, synchronous=True)
def validate_client_requisites(kind: str, **values: str | None) -> dict:
    """Checksums of a client's requisites: valid, the normalized values and the Russian reasons by field."""
    normalized, errors = validate_requisites(kind, values)
    return {"requisites_valid": not errors, "requisites": normalized, "requisite_errors": errors}


class DuplicateInputs(Schema):
    partner_id = fields.Integer(load_default=None)
    inn = fields.String(load_default=None)
    name = fields.String(load_default="")
    address = fields.String(load_default="")


@operator("clients.find_duplicates", inputs=DuplicateInputs)
def find_client_duplicates(partner_id: int | None, inn: str | None, name: str, address: str) -> dict:
    """Live clients with the same ИНН or the same normalized name and address (read only, so idempotent)."""
    with sessions.open_session() as session:
        found = find_duplicates(session, Scope(partner_id=partner_id), inn=inn, name=name, address=address)
    return {"has_duplicates": bool(found),
            "duplicates": [{"client_id": d.client_id, "name": d.name, "inn": d.inn, "reason": d.reason}
                           for d in found]}
