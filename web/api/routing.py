"""/api/routing: pickup facts from the crew's phone (batches, item by item), day plans, missed stops, volumes."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, g, jsonify, request
from marshmallow import Schema, fields
from sqlalchemy import select

from engine.errors import NotFound
from routing import pickups
from routing.models import RoutePlan
from web.api import openapi
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


openapi.SCHEMAS.extend([("PickupItem", pickups.PickupSchema), ("PickupBatch", pickups.BatchSchema),
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
    results = pickups.record_pickups(db.session, g.scope.partner_id, batch["items"], recorded_by=g.scope.username)
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
    return jsonify(MissedSchema(many=True).dump(pickups.missed_pickups(db.session, day, g.scope.partner_id)))


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
    found = pickups.collected_volumes(db.session, query["start"], query["end"], g.scope.partner_id)
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


def visible_plan(day: date, partner_id: int | None) -> RoutePlan:
    """The plan of the day visible to the caller (the one scoping mechanism: `g.scope.restrict`)."""
    query = g.scope.restrict(select(RoutePlan).where(RoutePlan.day == day), RoutePlan.partner_id)
    if partner_id is not None:
        query = query.where(RoutePlan.partner_id == partner_id)
    found = db.session.scalar(query.order_by(RoutePlan.partner_id).limit(1))
    if found is None:
        raise NotFound(f"плана на {day.isoformat()} нет")
    return found
