"""/api/routing: pickup facts from the crew's phone (batches, item by item), day plans, route sheets (JSON and
PDF), missed stops, volumes."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, g, jsonify, request
from marshmallow import Schema, ValidationError, fields
from sqlalchemy import select

from documents.registry import render_document
from documents.rendering import DocumentDataError
from engine.errors import NotFound
from routing import pickups
from routing.models import RoutePlan, Truck
from routing.route_sheet import RouteSheetError, route_sheet
from web.api import openapi
from web.api.documents import DocumentSchema, file_store
from web.extensions import db

blueprint = Blueprint("routing", __name__, url_prefix="/routing")


class ItemResultSchema(Schema):
    index = fields.Integer()
    uuid = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "recorded, duplicate (уже принята раньше) или error"})
    pickup_id = fields.Integer(allow_none=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class BatchAnswerSchema(Schema):
    recorded = fields.Integer()
    duplicates = fields.Integer()
    errors = fields.Integer()
    items = fields.List(fields.Nested(ItemResultSchema))


class MissedSchema(Schema):
    site_id = fields.Integer()
    partner_id = fields.Integer()
    address = fields.String()
    registry_number = fields.String(allow_none=True)
    reason = fields.String()
    reason_text = fields.String()
    at = fields.String()
    uuid = fields.String()


class VolumeSchema(Schema):
    site_id = fields.Integer()
    day = fields.Date()
    volume_m3 = fields.Decimal(as_string=True)
    containers = fields.Integer()


class DayQuerySchema(Schema):
    day = fields.Date(required=True, error_messages={"required": "укажите день (ГГГГ-ММ-ДД)",
                                                     "invalid": "нужна дата ГГГГ-ММ-ДД"})


class RangeQuerySchema(Schema):
    start = fields.Date(required=True, error_messages={"required": "укажите начало (ГГГГ-ММ-ДД)"})
    end = fields.Date(required=True, error_messages={"required": "укажите конец (ГГГГ-ММ-ДД)"})


class RouteSheetRequestSchema(Schema):
    carrier = fields.Dict(required=True, metadata={"description": "перевозчик: name, inn, kpp, address"})
    customer = fields.Dict(required=True, metadata={"description": "заказчик (УК): name, inn, kpp, address"})
    pdf = fields.Boolean(load_default=False, metadata={"description": "оформить маршрутный лист документом (PDF)"})


openapi.SCHEMAS.extend([("RouteSheetRequest", RouteSheetRequestSchema),
                        ("PickupItem", pickups.PickupSchema), ("PickupBatch", pickups.BatchSchema),
                        ("PickupBatchAnswer", BatchAnswerSchema), ("MissedPickup", MissedSchema),
                        ("CollectedVolume", VolumeSchema)])


@blueprint.post("/pickups")
def record_pickups():
    """Record a batch of pickup facts; each item is answered on its own and the valid ones are kept.
    ---
    post:
      summary: Факты вывоза с телефона экипажа (пакетом, идемпотентно по UUID)
      security: [{basic: []}]
      requestBody: {content: {application/json: {schema: PickupBatch}}}
      responses:
        200: {content: {application/json: {schema: PickupBatchAnswer}}}
        422: {description: пакет пуст, слишком велик или не список}
    """
    batch = pickups.BatchSchema().load(request.get_json(silent=True) or {})
    results = pickups.record_pickups(db.session, g.scope, batch["items"], recorded_by=g.scope.username)
    return jsonify({"recorded": sum(r.status == "recorded" for r in results),
                    "duplicates": sum(r.status == "duplicate" for r in results),
                    "errors": sum(r.status == "error" for r in results),
                    "items": ItemResultSchema(many=True).dump(results)})


@blueprint.get("/missed")
def missed():
    """Stops reported not collected on a day (the caller's partner only).
    ---
    get:
      summary: Невывезенные площадки за день
      security: [{basic: []}]
      parameters: [{name: day, in: query, required: true, schema: {type: string, format: date}}]
      responses:
        200: {content: {application/json: {schema: {type: array, items: MissedPickup}}}}
    """
    day = DayQuerySchema().load(request.args)["day"]
    return jsonify(MissedSchema(many=True).dump(pickups.missed_pickups(db.session, day, g.scope)))


@blueprint.get("/volumes")
def volumes():
    """Collected volume per site and day (billing «by actual volume»).
    ---
    get:
      summary: Вывезенный объём по площадкам и дням
      security: [{basic: []}]
      parameters:
        - {name: start, in: query, required: true, schema: {type: string, format: date}}
        - {name: end, in: query, required: true, schema: {type: string, format: date}}
      responses:
        200: {content: {application/json: {schema: {type: array, items: CollectedVolume}}}}
    """
    query = RangeQuerySchema().load(request.args)
    found = pickups.collected_volumes(db.session, query["start"], query["end"], g.scope)
    return jsonify(VolumeSchema(many=True).dump(found))


@blueprint.get("/plans/<day>")
def plan(day: str):
    """The stored plan of a day (a partner user sees its partner's; УК users name `partner_id`).
    ---
    get:
      summary: План маршрутов на день
      security: [{basic: []}]
      parameters:
        - {name: day, in: path, required: true, schema: {type: string, format: date}}
        - {name: partner_id, in: query, schema: {type: integer}}
      responses:
        200: {description: маршруты, остановки, рейсы на полигон, км, часы, невошедшие площадки с причинами}
        404: {description: плана на этот день нет}
    """
    on = DayQuerySchema().load({"day": day})["day"]
    stored = visible_plan(on, request.args.get("partner_id", type=int))
    return jsonify({"plan_id": stored.id, "partner_id": stored.partner_id, **stored.result})


@blueprint.post("/plans/<day>/trucks/<int:truck_id>/route-sheet")
def truck_route_sheet(day: str, truck_id: int):
    """A truck's route sheet of the day: the crew's JSON, or (with `pdf`) a numbered document.
    ---
    post:
      summary: Маршрутный лист машины на день (JSON для экипажа или документ PDF)
      security: [{basic: []}]
      parameters:
        - {name: day, in: path, required: true, schema: {type: string, format: date}}
        - {name: truck_id, in: path, required: true, schema: {type: integer}}
        - {name: partner_id, in: query, schema: {type: integer}}
      requestBody: {content: {application/json: {schema: RouteSheetRequest}}}
      responses:
        200: {description: "маршрутный лист (JSON) или метаданные документа (pdf=true; файл — /api/documents/ID/file)"}
        404: {description: плана на этот день нет (или машина другого партнёра)}
        422: {description: реквизиты сторон неверны или машины нет в плане — ошибки по полям}
    """
    on = DayQuerySchema().load({"day": day})["day"]
    stored = visible_plan(on, request.args.get("partner_id", type=int))
    truck = db.session.get(Truck, truck_id)
    if truck is None or not g.scope.allows(truck.partner_id):
        raise NotFound(f"машины {truck_id} нет")
    wanted = RouteSheetRequestSchema().load(request.get_json(silent=True) or {})
    try:
        sheet = route_sheet(db.session, stored, truck_id, wanted["carrier"], wanted["customer"])
    except RouteSheetError as error:
        raise ValidationError({field: [message] for field, message in error.errors.items()}) from error
    if not wanted["pdf"]:
        return jsonify(sheet)
    try:  # one document per plan and truck: asking again returns it, no second number is taken
        document = render_document(db.session, file_store(), "route_sheet", sheet, partner_id=stored.partner_id,
                                   on=on, key=f"route_sheet:{stored.id}:{truck_id}", created_by=g.scope.username,
                                   references={"plan_id": stored.id, "truck_id": truck_id})
    except DocumentDataError as error:
        raise ValidationError({field: [message] for field, message in error.fields.items()}) from error
    return jsonify(DocumentSchema().dump(document))


def visible_plan(day: date, partner_id: int | None) -> RoutePlan:
    """The plan of the day visible to the caller (the one scoping mechanism: `g.scope.restrict`)."""
    query = g.scope.restrict(select(RoutePlan).where(RoutePlan.day == day), RoutePlan.partner_id)
    if partner_id is not None:
        query = query.where(RoutePlan.partner_id == partner_id)
    found = db.session.scalar(query.order_by(RoutePlan.partner_id).limit(1))
    if found is None:
        raise NotFound(f"плана на {day.isoformat()} нет")
    return found
