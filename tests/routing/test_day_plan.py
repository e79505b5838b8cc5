"""Planning a partner's day from the database: the stored plan, re-planning, what is left out and why."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select

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
