"""The routing demo: Бердск's depot, landfill, trucks with crews and ~170 sites of demo clients, and a day planned
so that the map and the route sheets show something real; seeding twice adds nothing."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from clients.models import Client, Container, ContainerSite
from identity.seed import seed_demo
from routing import due
from routing.day_plan import point_of
from routing.demo import seed_routing_demo
from routing.models import CollectionSchedule, Crew, Depot, Landfill, RoutePlan, Truck
from routing.plan import Region
from routing.route_sheet import route_sheet
from tests.routing.test_route_sheet import CARRIER, CUSTOMER

DAY = date(2026, 12, 2)
TABLES = (Client, ContainerSite, Container, CollectionSchedule, Depot, Landfill, Truck, Crew, RoutePlan)


def _counts(session) -> dict[str, int]:
    return {t.__tablename__: session.scalar(select(func.count()).select_from(t)) for t in TABLES}


def test_seeding_twice_is_idempotent_and_keeps_the_plan_of_the_day(session):
    seed_demo(session)
    first = seed_routing_demo(session, DAY, plan_seconds=0.5)
    counts = _counts(session)
    plan = session.scalars(select(RoutePlan)).one().result
    again = seed_routing_demo(session, DAY, plan_seconds=0.5)
    assert again == first and _counts(session) == counts
    assert session.scalars(select(RoutePlan)).one().result == plan
    assert first.sites == counts["container_site"] == 170 and first.trucks == counts["routing_truck"] == 4
    assert counts["routing_crew"] == 4 and counts["routing_depot"] == counts["routing_landfill"] == 1


def test_the_demo_sites_are_in_berdsk_with_containers_of_demo_clients(session):
    seed_demo(session)
    seed_routing_demo(session, DAY, plan_seconds=0.5)
    region = Region()
    for site in session.scalars(select(ContainerSite)):
        assert 54.6 < float(site.latitude) < 54.95 and 82.9 < float(site.longitude) < 83.35
        assert region.contains(point_of(site.latitude, site.longitude)) and site.address.startswith(
            "Новосибирская обл., г. Бердск"
        )
    orphans = session.scalar(select(func.count()).select_from(Container).where(Container.client_object_id.is_(None)))
    assert orphans == 0 and session.scalar(select(func.count()).select_from(Client)) == 61


def test_every_due_site_of_the_day_is_either_routed_or_reported(session):
    seed_demo(session)
    demo = seed_routing_demo(session, DAY, plan_seconds=0.5)
    plan = session.scalars(select(RoutePlan)).one()
    routed = [s["site_id"] for r in plan.result["routes"] for t in r["trips"] for s in t["stops"]]
    reported = [u["site_id"] for u in plan.result["unplanned"]]
    due_today = {d.site_id for d in due.due_sites(session, plan.partner_id, DAY, "summer")}
    assert len(routed) == len(set(routed)) and set(routed) | set(reported) == due_today
    assert not set(routed) & set(reported) and demo.routes >= 1 and demo.routed_sites == len(routed)
    assert plan.result["landfill"] == "Полигон ТКО «Бердский»" and float(plan.result["km"]) > 0


def test_each_routed_demo_truck_gets_a_route_sheet_with_its_crew(session):
    seed_demo(session)
    seed_routing_demo(session, DAY, plan_seconds=0.5)
    plan = session.scalars(select(RoutePlan)).one()
    for route in plan.result["routes"]:
        sheet = route_sheet(session, plan, route["truck_id"], CARRIER, CUSTOMER)
        assert sheet["truck"]["plate"] == route["plate"] and sheet["driver"]
        assert sheet["totals"]["stops"] == sum(len(t["stops"]) for t in route["trips"]) > 0
        assert all(stop["site_registry_number"].startswith("54-БРД-") for t in sheet["trips"] for stop in t["stops"])
