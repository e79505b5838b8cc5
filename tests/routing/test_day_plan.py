"""Planning a partner's day from the database: the stored plan, re-planning, what is left out and why."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select

from engine.scope import Scope
from routing import pickups, schedules
from routing.day_plan import PlanningError, clock, plan_partner_day
from routing.models import Landfill, RoutePlan
from routing.plan import PlanSettings
from tests.routing.conftest import add_site

DAY = date(2026, 12, 2)
QUICK = PlanSettings(time_limit_s=0.5)


def test_the_plan_of_the_day_is_stored_with_routes_and_left_out_sites(session, fleet):
    nowhere = add_site(session, fleet.east, 40, latitude=None, longitude=None)
    session.commit()
    plan = plan_partner_day(session, fleet.east, DAY, temperature=Decimal("-12"), settings=QUICK)
    result = plan.result
    assert result["season"] == "winter" and result["landfill"] == "Полигон «Левобережный»"
    planned = {s["site_id"] for r in result["routes"] for t in r["trips"] for s in t["stops"]}
    unplanned = {u["site_id"]: u["reason"] for u in result["unplanned"]}
    due_in_winter = {s.id for s in fleet.sites if (DAY.toordinal() + s.id) % 3 == 0}
    assert planned == due_in_winter - {nowhere.id}
    if (DAY.toordinal() + nowhere.id) % 3 == 0:
        assert unplanned == {nowhere.id: "у площадки нет координат"}
    route = result["routes"][0]
    assert route["plate"] == "А123ВС154" and route["start"] >= "07:00" and Decimal(route["km"]) > 0
    assert route["trips"][0]["unloading"]["arrival"] < route["end"]


def test_planning_the_day_again_replaces_the_plan(session, fleet):
    plan_partner_day(session, fleet.east, DAY, temperature=Decimal("10"), settings=QUICK)
    again = plan_partner_day(session, fleet.east, DAY, temperature=Decimal("10"), settings=QUICK)
    assert session.scalar(select(func.count()).select_from(RoutePlan)) == 1
    stops = [s["site_id"] for r in again.result["routes"] for t in r["trips"] for s in t["stops"]]
    assert sorted(stops) == sorted(s.id for s in fleet.sites)


def test_without_a_landfill_the_day_cannot_be_planned(session, fleet):
    session.execute(delete(Landfill))
    session.commit()
    with pytest.raises(PlanningError, match="Не задан полигон"):
        plan_partner_day(session, fleet.east, DAY, settings=QUICK)


def test_clock_shows_local_hours_and_minutes():
    assert clock(7 * 3600 + 42 * 60 + 20) == "07:42" and clock(23 * 3600) == "23:00"


def _stops(plan) -> list[dict]:
    return [s for r in plan.result["routes"] for t in r["trips"] for s in t["stops"]]


def test_a_one_off_on_a_day_the_site_is_due_anyway_is_one_stop_and_its_waste_is_counted_once(session, fleet):
    site = fleet.sites[0].id
    schedules.add_site(session, site, "once", on_date=DAY)  # summer: every site is due daily as well
    plan = plan_partner_day(session, fleet.east, DAY, temperature=Decimal("10"), settings=QUICK)
    stops = [s for s in _stops(plan) if s["site_id"] == site]
    assert len(stops) == 1 and Decimal(stops[0]["volume_m3"]) == Decimal("2.2") and stops[0]["why"] == "ежедневно"
    loads = [Decimal(t["load_m3"]) for r in plan.result["routes"] for t in r["trips"]]
    assert sum(loads) == Decimal("2.2") * len(fleet.sites)  # two 1.1 m³ containers a site, no site twice


def test_a_site_missed_yesterday_and_repeated_as_a_one_off_is_one_stop(session, fleet):
    yesterday = DAY - timedelta(days=1)
    site = add_site(session, fleet.east, 41, kind="once", on_date=date(2026, 11, 1))  # no regular schedule
    session.commit()
    [miss] = pickups.record_pickups(session, Scope(partner_id=fleet.east), [{
        "uuid": str(uuid.uuid4()), "site_id": site.id, "collected": False, "reason": "blocked_access",
        "at": "2026-12-01T10:00:00+07:00"}])
    assert miss.status == "recorded"
    schedules.add_site(session, site.id, "once", on_date=DAY, missed_day=yesterday)  # «вывезти повторно»
    plan = plan_partner_day(session, fleet.east, DAY, temperature=Decimal("10"), settings=QUICK)
    stops = [s for s in _stops(plan) if s["site_id"] == site.id]
    assert len(stops) == 1 and stops[0]["why"] == "не вывезена вчера: нет подъезда"
    assert len({s["site_id"] for s in _stops(plan)}) == len(_stops(plan))
