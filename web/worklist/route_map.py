"""`/routing/<day>`: a day's routes as a server-rendered SVG plot (works without internet) with the stop lists."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, render_template, request
from sqlalchemy import select

from clients.models import ContainerSite
from engine.clock import local_now
from identity.models import Partner
from routing.day_plan import point_of
from routing.distance import Point
from routing.models import Depot, Landfill, RoutePlan, Truck
from routing.plot import plot_plan
from web.extensions import db
from web.worklist.auth import current_scope, require_sign_in, requires_role

blueprint = Blueprint("route_map", __name__, url_prefix="/routing")
blueprint.before_request(require_sign_in)
ROLES = ("uk_dispatcher", "partner_operator", "partner_manager", "crew", "manager", "admin")


@blueprint.get("/", defaults={"day": None})
@blueprint.get("/<day>")
@requires_role(*ROLES)
def day_routes(day: str | None):
    try:
        day = day or request.args.get("day")
        on = date.fromisoformat(day) if day else local_now().date()
    except ValueError:
        abort(404)
    scope = current_scope()
    query = scope.restrict(select(RoutePlan).where(RoutePlan.day == on), RoutePlan.partner_id)
    plans = list(db.session.scalars(query.order_by(RoutePlan.partner_id)))
    chosen = request.args.get("partner_id", type=int)
    plan = next((p for p in plans if p.partner_id == chosen), plans[0] if plans else None)
    if plan is None:
        return render_template("worklist/route_map.html", day=on, plan=None, plans=[], partners={}, plot=None,
                               sites={})
    result = plan.result
    site_ids = [s["site_id"] for r in result["routes"] for t in r["trips"] for s in t["stops"]]
    site_ids += [u["site_id"] for u in result["unplanned"]]
    sites = {s.id: s for s in db.session.scalars(select(ContainerSite).where(ContainerSite.id.in_(site_ids)))}
    points = {i: p for i, s in sites.items() if (p := point_of(s.latitude, s.longitude))}
    depots = {truck.id: Point(float(depot.latitude), float(depot.longitude)) for truck, depot in db.session.execute(
        select(Truck, Depot).join(Depot, Depot.id == Truck.depot_id).where(Truck.partner_id == plan.partner_id))}
    landfill = db.session.get(Landfill, result.get("landfill_id")) if result.get("landfill_id") else None
    plot = plot_plan(result, points, depots, point_of(landfill.latitude, landfill.longitude) if landfill else None)
    partners = {p.id: p.name for p in db.session.scalars(select(Partner))}
    return render_template("worklist/route_map.html", day=on, plan=plan, plans=plans, partners=partners, plot=plot,
                           sites=sites)

