"""The daily plan on a small fixed instance: every due site is visited or reported, capacity per trip, unloading at
the landfill when full, the time window, plausible km and hours; bad input is reported with reasons."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from routing.distance import HaversineMatrix, Point
from routing.plan import HOUR, LandfillSpec, PlanSettings, SiteDemand, TruckSpec, plan_day

DEPOT = Point(55.00, 82.80)
LANDFILL = LandfillSpec(Point(55.06, 83.02), 7 * HOUR, 23 * HOUR, 25 * 60, "Полигон «Левобережный»")
SETTINGS = PlanSettings(time_limit_s=1.0)


def _sites(count: int = 40, seed: int = 3) -> list[SiteDemand]:
    rng = random.Random(seed)
    sites = []
    for site_id in range(1, count + 1):
        containers = rng.randint(1, 6)
        point = Point(55.0 + rng.uniform(-0.05, 0.05), 82.9 + rng.uniform(-0.08, 0.08))
        sites.append(SiteDemand(site_id, point, Decimal("1.1") * containers, containers))
    return sites


def _truck(truck_id: int, capacity: str = "40", start: int = 7, end: int = 19) -> TruckSpec:
    return TruckSpec(truck_id, f"А00{truck_id}АА154", DEPOT, Decimal(capacity), start * HOUR, end * HOUR)


@pytest.fixture(scope="module")
def plan():
    return plan_day(_sites(), [_truck(1), _truck(2)], LANDFILL, SETTINGS)


def test_every_due_site_is_visited_once(plan):
    visited = [s.site_id for r in plan.routes for t in r.trips for s in t.stops]
    assert sorted(visited) == list(range(1, 41)) and not plan.unplanned_sites


def test_no_trip_carries_more_than_the_body_holds_and_each_ends_at_the_landfill(plan):
    total = sum(s.volume_m3 for s in _sites())
    assert sum(t.load_m3 for r in plan.routes for t in r.trips) == total
    for route in plan.routes:
        for trip in route.trips:
            assert trip.load_m3 == sum(s.volume_m3 for s in trip.stops) <= Decimal("40")
            assert trip.unloading_departure - trip.unloading_arrival == 25 * 60
    # 150 m³ of loose waste in 40 m³ bodies: at least four unloadings
    assert plan.landfill_visits >= 4 and plan.landfill_visits == sum(len(r.trips) for r in plan.routes)


def test_stops_keep_the_collection_window_and_the_shift(plan):
    for route in plan.routes:
        assert 7 * HOUR <= route.start and route.end <= 19 * HOUR
        times = [(s.arrival, s.departure) for t in route.trips for s in t.stops]
        assert all(7 * HOUR <= a <= d <= 23 * HOUR for a, d in times)
        assert times == sorted(times)
        for trip in route.trips:
            assert trip.stops[-1].departure <= trip.unloading_arrival
        assert [s.sequence for s in route.trips[0].stops] == list(range(1, len(route.trips[0].stops) + 1))


def test_kilometres_and_hours_are_plausible(plan):
    # 40 sites in a 10 × 11 km town, a landfill 15 km out: tens of km, not hundreds; hours within two shifts
    assert Decimal(50) < plan.km < Decimal(400)
    assert Decimal(2) < plan.hours <= Decimal(24)
    for route in plan.routes:
        assert route.hours == (Decimal(route.end - route.start) / HOUR).quantize(Decimal("0.1"))


def test_a_road_factor_lengthens_the_route():
    longer = plan_day(_sites(10), [_truck(1)], LANDFILL, PlanSettings(time_limit_s=0.5,
                                                                      distances=HaversineMatrix(road_factor=2.0)))
    shorter = plan_day(_sites(10), [_truck(1)], LANDFILL, PlanSettings(time_limit_s=0.5,
                                                                       distances=HaversineMatrix(road_factor=1.0)))
    assert longer.km > shorter.km * Decimal("1.8")


def test_sites_without_coordinates_or_outside_the_region_are_reported_not_dropped():
    sites = [*_sites(5), SiteDemand(90, None, Decimal("1.1"), 1), SiteDemand(91, Point(59.9, 30.3), Decimal("1.1"), 1),
             SiteDemand(92, Point(55.0, 82.9), Decimal(0), 0)]
    plan = plan_day(sites, [_truck(1)], LANDFILL, PlanSettings(time_limit_s=0.5))
    reasons = {u.id: u.reason for u in plan.unplanned_sites}
    assert reasons == {90: "у площадки нет координат", 91: "координаты площадки вне региона обслуживания",
                       92: "на площадке нет контейнеров"}
    assert sorted(s.site_id for r in plan.routes for t in r.trips for s in t.stops) == [1, 2, 3, 4, 5]


def test_a_truck_with_zero_capacity_is_left_out_with_a_reason():
    plan = plan_day(_sites(5), [_truck(1, "0"), _truck(2)], LANDFILL, PlanSettings(time_limit_s=0.5))
    assert [(u.id, u.reason) for u in plan.unused_trucks] == [(1, "у машины А001АА154 нулевая вместимость кузова")]
    assert {r.truck_id for r in plan.routes} == {2}


def test_a_truck_without_a_shift_or_working_outside_the_collection_hours_is_left_out_with_a_reason():
    night = TruckSpec(3, "А003АА154", DEPOT, Decimal("40"), 0, 6 * HOUR)  # 00:00–06:00, before the 07:00 window
    plan = plan_day(_sites(5), [_truck(1, start=19, end=8), _truck(2), night], LANDFILL, PlanSettings(time_limit_s=0.5))
    assert [(u.id, u.reason) for u in plan.unused_trucks] == [
        (1, "у машины А001АА154 смена не задана (конец раньше начала)"),
        (3, "смена машины А003АА154 не попадает в часы вывоза 07:00–23:00")]
    assert {r.truck_id for r in plan.routes} == {2} and not plan.unplanned_sites


def test_without_any_usable_truck_every_site_is_reported():
    plan = plan_day(_sites(3), [_truck(1, "0")], LANDFILL, PlanSettings(time_limit_s=0.5))
    assert not plan.routes and {u.id for u in plan.unplanned_sites} == {1, 2, 3}
    assert all("нет ни одной машины" in u.reason for u in plan.unplanned_sites)


def test_more_waste_than_the_trucks_can_carry_reports_what_did_not_fit():
    # one truck, a two-hour shift: it cannot collect 40 sites; those left are listed, the rest is planned
    plan = plan_day(_sites(), [_truck(1, "40", 7, 9)], LANDFILL, PlanSettings(time_limit_s=0.5))
    visited = {s.site_id for r in plan.routes for t in r.trips for s in t.stops}
    left = {u.id for u in plan.unplanned_sites}
    assert visited and left and visited | left == set(range(1, 41)) and not visited & left
    assert all(u.reason.startswith("не поместилась") for u in plan.unplanned_sites)


def test_a_site_larger_than_any_body_is_reported():
    plan = plan_day([SiteDemand(1, Point(55.0, 82.9), Decimal("48"), 6)], [_truck(1, "40")], LANDFILL,
                    PlanSettings(time_limit_s=0.2))
    assert plan.unplanned_sites[0].reason == "объём площадки 48 м³ больше кузова любой машины"
