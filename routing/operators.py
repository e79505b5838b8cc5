"""Service-task operators of routing: the one module of routing/ that knows a workflow engine exists."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from marshmallow import Schema, fields, validate

from clients import sessions
from engine.operators import operator
from engine.scope import Scope
from routing import day_plan, pickups, schedules
from routing.models import SCHEDULE_KINDS
from routing.plan import PlanSettings


class PlanInputs(Schema):
    partner_id = fields.Integer(required=True)
    day = fields.Date(required=True)
    temperature = fields.Decimal(load_default=None, metadata={"description": "средняя температура дня, °C"})
    landfill_id = fields.Integer(load_default=None)
    time_limit_s = fields.Float(load_default=10.0, validate=validate.Range(min=0.1, max=600))


@operator("routing.plan_day", inputs=PlanInputs)
def plan_day(partner_id: int, day: date, temperature: Decimal | None, landfill_id: int | None,
             time_limit_s: float) -> dict:
    """Plan the partner's routes of the day (replacing an earlier plan); what did not fit is listed with reasons."""
    with sessions.open_session() as session:
        plan = day_plan.plan_partner_day(session, partner_id, day, temperature=temperature, landfill_id=landfill_id,
                                         settings=PlanSettings(time_limit_s=time_limit_s))
        result = plan.result
    return {"plan_id": plan.id, "plan_km": result["km"], "plan_hours": result["hours"],
            "plan_trucks": len(result["routes"]), "plan_landfill_visits": result["landfill_visits"],
            "plan_unplanned": result["unplanned"], "plan_unused_trucks": result["unused_trucks"]}


class AddSiteInputs(Schema):
    site_id = fields.Integer(required=True)
    kind = fields.String(load_default="seasonal", validate=validate.OneOf(SCHEDULE_KINDS))
    on_date = fields.Date(load_default=None)
    missed_day = fields.Date(load_default=None, metadata={
        "description": "для повторного вывоза: день невывоза (вывоз после него, хоть по графику, закрывает повтор)"})


@operator("routing.add_site", inputs=AddSiteInputs)
def add_site(site_id: int, kind: str, on_date: date | None, missed_day: date | None) -> dict:
    """Put a container site on the routes with a schedule (adding the same schedule twice keeps one); a one-off
    repeating a miss is done by the site's next collection, whichever schedule brings the truck there."""
    with sessions.open_session() as session:
        schedule = schedules.add_site(session, site_id, kind, on_date, missed_day)
        return {"schedule_id": schedule.id, "schedule_done": schedule.done_by_pickup_id is not None}


class SiteInputs(Schema):
    site_id = fields.Integer(required=True)


@operator("routing.remove_site", inputs=SiteInputs)
def remove_site(site_id: int) -> dict:
    """Take a container site off the routes (its schedules end; removing twice is the same as once)."""
    with sessions.open_session() as session:
        return {"schedules_ended": schedules.remove_site(session, site_id)}


class RecordInputs(Schema):
    partner_id = fields.Integer(load_default=None)
    items = fields.List(fields.Dict(), required=True)


@operator("routing.record_pickups", inputs=RecordInputs)
def record_pickups(partner_id: int | None, items: list[dict]) -> dict:
    """Record pickup facts item by item (idempotent by each item's UUID); returns each item's status."""
    with sessions.open_session() as session:
        results = pickups.record_pickups(session, Scope(partner_id=partner_id), items, recorded_by="process")
    return {"pickups_recorded": sum(r.status == "recorded" for r in results),
            "pickup_errors": [{"index": r.index, "uuid": r.uuid, "errors": r.errors}
                              for r in results if r.status == "error"]}


class MissedInputs(Schema):
    day = fields.Date(required=True)
    partner_id = fields.Integer(load_default=None)


@operator("routing.missed_pickups", inputs=MissedInputs)
def missed_pickups(day: date, partner_id: int | None) -> dict:
    """Stops reported not collected on the day (with the site and the reason), for a task or a complaint."""
    with sessions.open_session() as session:
        missed = pickups.missed_pickups(session, day, Scope(partner_id=partner_id))
    return {"missed_count": len(missed), "missed_pickups": missed}
