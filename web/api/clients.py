"""/api/clients: the clients registry (create with requisites validation and duplicate detection, read, merge)."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy.orm import Session

from clients import registry, sessions
from clients.requisites import validate_requisites
from clients.schemas import RequisitesSchema
from engine.errors import NotFound
from web.api import openapi
from web.extensions import db

blueprint = Blueprint("clients", __name__)
# Operators (service tasks) open their own sessions over the app's engine: their own unit of work.
blueprint.record_once(lambda state: sessions.bind(lambda: Session(db.engine)))


class ContactSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(("phone", "email")))
    value = fields.String(required=True, validate=validate.Length(min=1, max=200))
    person = fields.String(load_default="", validate=validate.Length(max=200))


class ClientCreateSchema(RequisitesSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=500))
    address = fields.String(load_default="", validate=validate.Length(max=1000))
    contacts = fields.List(fields.Nested(ContactSchema), load_default=list)
    partner_id = fields.Integer(load_default=None, metadata={"description": "партнёр (для пользователей УК)"})
    allow_duplicate = fields.Boolean(load_default=False)

    @validates_schema
    def requisites_checksums(self, data, **_):
        _, errors = validate_requisites(data["kind"], data)
        if errors:
            raise ValidationError(errors)


class ClientSchema(Schema):
    id = fields.Integer()
    partner_id = fields.Integer()
    kind = fields.String()
    name = fields.String()
    address = fields.String()
    inn = fields.String(allow_none=True)
    kpp = fields.String(allow_none=True)
    ogrn = fields.String(allow_none=True)
    snils = fields.String(allow_none=True)
    bik = fields.String(allow_none=True)
    bank_account = fields.String(allow_none=True)
    correspondent_account = fields.String(allow_none=True)
    merged_into_id = fields.Integer(allow_none=True)
    contacts = fields.List(fields.Nested(ContactSchema))


class DuplicateSchema(Schema):
    client_id = fields.Integer()
    name = fields.String()
    inn = fields.String(allow_none=True)
    reason = fields.String(metadata={"description": "inn или name_address"})


class MergeSchema(Schema):
    duplicate_id = fields.Integer(required=True)


openapi.SCHEMAS.extend([("ClientCreate", ClientCreateSchema), ("Client", ClientSchema),
                        ("ClientDuplicate", DuplicateSchema), ("ClientMerge", MergeSchema)])


@blueprint.post("/clients")
def create_client():
    """Create a client; requisites are checked by checksum, a likely duplicate answers 409.
    ---
    post:
      summary: Создать клиента (ФЛ, ЮЛ, ИП)
      security: [{basic: []}]
      requestBody: {content: {application/json: {schema: ClientCreate}}}
      responses:
        201: {content: {application/json: {schema: Client}}}
        409: {description: похожий клиент уже есть (ИНН или наименование и адрес); повторите с allow_duplicate}
        422: {description: ошибки полей на русском}
    """
    data = ClientCreateSchema().load(request.get_json(silent=True) or {})
    partner_id = g.scope.partner_id or data.pop("partner_id", None)
    if partner_id is None:
        raise ValidationError({"partner_id": ["Укажите партнёра, которому принадлежит клиент"]})
    try:
        client = registry.create_client(db.session, partner_id, data, allow_duplicate=data["allow_duplicate"])
    except registry.DuplicateClient as duplicate:
        return jsonify(error=str(duplicate),
                       duplicates=DuplicateSchema(many=True).dump(duplicate.duplicates)), 409
    except registry.InvalidClient as invalid:
        raise ValidationError(invalid.errors) from invalid
    return jsonify(ClientSchema().dump(client)), 201


@blueprint.get("/clients/<int:client_id>")
def get_client(client_id: int):
    """A client of the caller's partner.
    ---
    get:
      summary: Клиент
      security: [{basic: []}]
      parameters: [{name: client_id, in: path, required: true, schema: {type: integer}}]
      responses:
        200: {content: {application/json: {schema: Client}}}
        404: {description: нет такого клиента (или он другого партнёра)}
    """
    return jsonify(ClientSchema().dump(_visible(client_id)))


@blueprint.get("/clients/duplicates")
def find_duplicates():
    """Possible duplicates by ИНН or by normalized name and address.
    ---
    get:
      summary: Поиск дублей клиента
      security: [{basic: []}]
      parameters:
        - {name: inn, in: query, schema: {type: string}}
        - {name: name, in: query, schema: {type: string}}
        - {name: address, in: query, schema: {type: string}}
      responses:
        200: {content: {application/json: {schema: {type: array, items: ClientDuplicate}}}}
    """
    found = registry.find_duplicates(db.session, g.scope, inn=request.args.get("inn"),
                                     name=request.args.get("name", ""), address=request.args.get("address", ""))
    return jsonify(DuplicateSchema(many=True).dump(found))


@blueprint.post("/clients/<int:client_id>/merge")
def merge_client(client_id: int):
    """Merge a duplicate into this client: its objects, contracts and accounts move here; it stays, marked merged.
    ---
    post:
      summary: Объединить дубль с клиентом
      security: [{basic: []}]
      parameters: [{name: client_id, in: path, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: ClientMerge}}}
      responses:
        200: {content: {application/json: {schema: Client}}}
        404: {description: нет такого клиента}
    """
    data = MergeSchema().load(request.get_json(silent=True) or {})
    try:
        client = registry.merge_clients(db.session, g.scope, client_id, data["duplicate_id"])
    except registry.ClientNotFound as missing:
        raise NotFound(str(missing)) from missing
    except registry.InvalidClient as invalid:
        raise ValidationError(invalid.errors) from invalid
    return jsonify(ClientSchema().dump(client))


def _visible(client_id: int):
    try:
        return registry.get_client(db.session, g.scope, client_id)
    except registry.ClientNotFound as missing:
        raise NotFound(str(missing)) from missing
