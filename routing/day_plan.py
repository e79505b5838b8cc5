"""Planning a partner's day from the database: due sites, their containers, the trucks, the landfill → a stored plan."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, time
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clients.models import Container, ContainerSite
from routing import due
from routing.distance import Point
from routing.models import Depot, Landfill, RoutePlan, Truck
from routing.plan import DayPlan, LandfillSpec, PlanSettings, SiteDemand, TruckSpec, plan_day
from texts import N_


class PlanningError(Exception):
    """The day cannot be planned at all (no landfill, no depot); the message is for the dispatcher."""


NO_LANDFILL = N_("Не задан полигон для разгрузки: добавьте полигон в справочник")


def seconds(moment: time) -> int:
    """Seconds from midnight."""
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def clock(value: int) -> str:
    """Seconds from midnight as local HH:MM."""
    minutes = round(value / 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def point_of(latitude: Decimal | None, longitude: Decimal | None) -> Point | None:
    """Stored coordinates as a point (None when either is missing)."""
    return None if latitude is None or longitude is None else Point(float(latitude), float(longitude))


def site_demands(session: Session, due_sites: list[due.DueSite]) -> list[SiteDemand]:
    """The due sites with their coordinates and the loose volume of their containers."""
    ids = [d.site_id for d in due_sites]
    sites = {s.id: s for s in session.scalars(select(ContainerSite).where(ContainerSite.id.in_(ids)))}
    volume: dict[int, Decimal] = defaultdict(Decimal)
    count: dict[int, int] = defaultdict(int)
    for container in session.scalars(select(Container).where(Container.site_id.in_(ids))):
        volume[container.site_id] += container.volume_m3 * container.count
        count[container.site_id] += container.count
    return [SiteDemand(d.site_id, point_of(sites[d.site_id].latitude, sites[d.site_id].longitude),
                       volume[d.site_id], count[d.site_id], d.why) for d in due_sites if d.site_id in sites]


def truck_specs(session: Session, partner_id: int) -> list[TruckSpec]:
    """The partner's active trucks with their depots; capacity is the loose volume a full body holds."""
    depots = {d.id: d for d in session.scalars(select(Depot).where(Depot.partner_id == partner_id))}
    trucks = session.scalars(select(Truck).where(Truck.partner_id == partner_id, Truck.active).order_by(Truck.id))
    return [TruckSpec(t.id, t.plate, Point(float(depots[t.depot_id].latitude), float(depots[t.depot_id].longitude)),
                      t.body_m3 * t.compaction, seconds(t.shift_start), seconds(t.shift_end)) for t in trucks]


def landfill_spec(landfill: Landfill) -> LandfillSpec:
    """The landfill as the planner sees it."""
    return LandfillSpec(Point(float(landfill.latitude), float(landfill.longitude)), seconds(landfill.opens_at),
                        seconds(landfill.closes_at), landfill.unloading_minutes * 60, landfill.name)


def plan_partner_day(session: Session, partner_id: int, day: date, *, temperature: Decimal | None = None,
                     landfill_id: int | None = None, settings: PlanSettings | None = None) -> RoutePlan:
    """Plan the partner's day and store it (replacing an earlier plan of that day); returns the stored plan."""
    landfill = session.get(Landfill, landfill_id) if landfill_id else session.scalar(
        select(Landfill).order_by(Landfill.id).limit(1))
    if landfill is None:
        raise PlanningError(NO_LANDFILL)
    season = due.season_for(temperature) if temperature is not None else due.season_on(session, day)
    due_sites = due.due_sites(session, partner_id, day, season)
    demands = site_demands(session, due_sites)
    result = plan_day(demands, truck_specs(session, partner_id), landfill_spec(landfill), settings)
    stored = session.scalar(select(RoutePlan).where(RoutePlan.partner_id == partner_id, RoutePlan.day == day))
    if stored is None:
        stored = RoutePlan(partner_id=partner_id, day=day, result={})
        session.add(stored)
    stored.result = plan_dict(result, day, season, landfill, {d.site_id: d.why for d in demands})
    session.commit()
    return stored


def plan_dict(plan: DayPlan, day: date, season: str, landfill: Landfill, why: dict[int, str]) -> dict[str, Any]:
    """The plan as JSON-ready values (decimals as strings, times as local HH:MM)."""
    return {
        "day": day.isoformat(), "season": season, "landfill_id": landfill.id, "landfill": landfill.name,
        "km": str(plan.km), "hours": str(plan.hours), "landfill_visits": plan.landfill_visits,
        "routes": [{
            "truck_id": r.truck_id, "plate": r.plate, "start": clock(r.start), "end": clock(r.end),
            "km": str(r.km), "hours": str(r.hours),
            "trips": [{"number": t.number, "load_m3": str(t.load_m3),
                       "unloading": {"arrival": clock(t.unloading_arrival), "departure": clock(t.unloading_departure)},
                       "stops": [{"sequence": s.sequence, "site_id": s.site_id, "arrival": clock(s.arrival),
                                  "departure": clock(s.departure), "containers": s.containers,
                                  "volume_m3": str(s.volume_m3), "why": why.get(s.site_id, "")}
                                 for s in t.stops]} for t in r.trips]} for r in plan.routes],
        "unplanned": [{"site_id": u.id, "reason": u.reason, "reason_message": u.message, "reason_params": u.params}
                      for u in plan.unplanned_sites],
        "unused_trucks": [{"truck_id": u.id, "reason": u.reason, "reason_message": u.message,
                           "reason_params": u.params} for u in plan.unused_trucks],
    }
