"""The daily plan: a capacitated VRP with several trips per truck (unloading at the landfill), solved by PyVRP.

Plain values in, plain values out. Each truck is its own vehicle type: it leaves its depot at the start of its shift,
collects, unloads at the landfill whenever the body is full (PyVRP's reload depots) and ends its route at the landfill
with a last unloading; the drive home from the landfill is the same for every route of that truck, so it is added to
the truck's fixed cost (the objective stays the true total distance) and taken off its shift. Sites are optional
with a prize far above any detour, so the solver visits everything it can and what does not fit is reported, not lost.
Times are seconds from local midnight of the day; loads are litres of loose waste.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from pyvrp import Client, Depot, Location, ProblemData, RandomNumberGenerator, Solution, SolveParams, VehicleType
from pyvrp.IteratedLocalSearch import IteratedLocalSearch, IteratedLocalSearchParams
from pyvrp.PenaltyManager import PenaltyManager
from pyvrp.search import LocalSearch, PerturbationManager, compute_neighbours
from pyvrp.stop import MaxRuntime

from routing.distance import DistanceMatrix, HaversineMatrix, Point
from texts import N_

HOUR = 3600
# A site's prize is this many times the longest drive between two points of the day: more than the detour to the
# site plus an extra landfill trip for it, so only a site that cannot fit stays out. A prize at that scale (not a
# flat 10,000 km) keeps the objective's numbers close to the distances the search trades.
PRIZE_PER_LONGEST_DRIVE = 4
# Late acceptance takes a candidate that beats the current solution or the one of `history` iterations ago. PyVRP's
# 300 suits long runs; a minute makes about 10,000 iterations at 1,000 sites and 25,000 at 300, and there 300 keeps
# wandering (at 1,000 sites and equal CPU time or iterations 50 gave 0.3–1.4 % fewer km on each of four seeds, at
# 300 sites it was mixed). So the history follows the iterations the limit allows, estimated from seconds per site.
# Open: at 1,000 sites and 10 s the resulting 10 was 5 and 29 km worse than 300 on two seeds (50 was no clear fix).
HISTORY_PER_SECOND_PER_SITE = 1000
MAX_HISTORY = 300


@dataclass(frozen=True)
class Region:
    """The service area: sites outside it are refused (a typo in coordinates, not a far-away client)."""

    south: float = 53.3
    north: float = 57.3
    west: float = 75.0
    east: float = 86.0

    def contains(self, point: Point) -> bool:
        """True when the point lies inside the box."""
        return self.south <= point.latitude <= self.north and self.west <= point.longitude <= self.east


@dataclass(frozen=True)
class PlanSettings:
    """What the plan assumes; every figure is configurable (road factor, speeds, service times, the window)."""

    distances: DistanceMatrix = field(default_factory=HaversineMatrix)
    region: Region = field(default_factory=Region)
    seconds_per_site: int = 120  # park, walk to the site, back
    seconds_per_container: int = 45  # hook, lift, empty, return one container
    window_start: int = 7 * HOUR  # СанПиН collection hours 07:00–23:00
    window_end: int = 23 * HOUR
    time_limit_s: float = 10.0
    seed: int = 1
    # Where PyVRP's penalties for an overloaded body and a late route start (metres of cost per litre over and per
    # second late). Its default starts both at 50 km and lowers them by 10 % per 500 solutions: at 1,000 sites a
    # minute is not enough to come down, and the search crawls between feasible solutions (+9 % km at 60 s;
    # 20 m and 10 m gave +3.6 %, 5 m and 5 m +2.1 %, lower ones were worse again).
    load_penalty_m_per_litre: float = 5.0
    time_penalty_m_per_s: float = 5.0


@dataclass(frozen=True)
class SiteDemand:
    """A due site: where it is and how much loose waste its containers hold."""

    site_id: int
    point: Point | None
    volume_m3: Decimal
    containers: int
    why: str = ""  # why it is due today (schedule, missed yesterday, one-off)


@dataclass(frozen=True)
class TruckSpec:
    """A truck available today: its depot, loose-waste capacity per trip and shift."""

    truck_id: int
    plate: str
    depot: Point
    capacity_m3: Decimal  # body m³ × compaction coefficient
    shift_start: int
    shift_end: int


@dataclass(frozen=True)
class LandfillSpec:
    """Where trucks unload, when it is open and how long unloading takes."""

    point: Point
    opens: int
    closes: int
    unloading_s: int
    name: str = ""


@dataclass(frozen=True)
class Stop:
    site_id: int
    sequence: int
    arrival: int
    departure: int
    containers: int
    volume_m3: Decimal


@dataclass(frozen=True)
class Trip:
    """One run from the depot or the landfill, its stops, and the unloading that ends it."""

    number: int
    stops: list[Stop]
    load_m3: Decimal
    unloading_arrival: int
    unloading_departure: int


@dataclass(frozen=True)
class TruckRoute:
    truck_id: int
    plate: str
    start: int
    end: int  # back at the depot
    km: Decimal
    trips: list[Trip]

    @property
    def hours(self) -> Decimal:
        return (Decimal(self.end - self.start) / HOUR).quantize(Decimal("0.1"))

    @property
    def landfill_visits(self) -> int:
        return len(self.trips)


@dataclass(frozen=True)
class LeftOut:
    """A site or truck that is not in the plan: the reason as a catalog message (Russian) and its parameters."""

    id: int
    message: str
    params: dict[str, str] = field(default_factory=dict)

    @property
    def reason(self) -> str:
        """The reason in Russian, parameters filled in."""
        return self.message % self.params if self.params else self.message


NO_COORDINATES = N_("у площадки нет координат")
OUTSIDE_REGION = N_("координаты площадки вне региона обслуживания")
NO_CONTAINERS = N_("на площадке нет контейнеров")
LARGER_THAN_ANY_BODY = N_("объём площадки %(volume)s м³ больше кузова любой машины")
ZERO_CAPACITY = N_("у машины %(plate)s нулевая вместимость кузова")
NO_SHIFT = N_("у машины %(plate)s смена не задана (конец раньше начала)")
OUTSIDE_WINDOW = N_("смена машины %(plate)s не попадает в часы вывоза %(start)s–%(end)s")
NO_TRUCKS = N_("нет ни одной машины, способной выйти на линию")
DID_NOT_FIT = N_("не поместилась: не хватило машин, вместимости или времени смены")


@dataclass(frozen=True)
class DayPlan:
    routes: list[TruckRoute]
    unplanned_sites: list[LeftOut]
    unused_trucks: list[LeftOut]

    @property
    def km(self) -> Decimal:
        return sum((r.km for r in self.routes), Decimal("0.0"))

    @property
    def hours(self) -> Decimal:
        return sum((r.hours for r in self.routes), Decimal("0.0"))

    @property
    def landfill_visits(self) -> int:
        return sum(r.landfill_visits for r in self.routes)


def _litres(volume_m3: Decimal) -> int:
    return int((volume_m3 * 1000).to_integral_value())


def _m3(litres: int) -> Decimal:
    return (Decimal(litres) / 1000).quantize(Decimal("0.001"))


def _screen_sites(sites: Sequence[SiteDemand], settings: PlanSettings, largest: int) -> tuple[list, list[LeftOut]]:
    kept, left = [], []
    for site in sites:
        if site.point is None:
            left.append(LeftOut(site.site_id, NO_COORDINATES))
        elif not settings.region.contains(site.point):
            left.append(LeftOut(site.site_id, OUTSIDE_REGION))
        elif site.containers <= 0 or site.volume_m3 <= 0:
            left.append(LeftOut(site.site_id, NO_CONTAINERS))
        elif largest and _litres(site.volume_m3) > largest:
            left.append(LeftOut(site.site_id, LARGER_THAN_ANY_BODY, {"volume": str(site.volume_m3)}))
        else:
            kept.append(site)
    return kept, left


def _hh_mm(value: int) -> str:
    return f"{value // HOUR:02d}:{value % HOUR // 60:02d}"


def _screen_trucks(trucks: Sequence[TruckSpec], settings: PlanSettings) -> tuple[list[TruckSpec], list[LeftOut]]:
    kept, left = [], []
    for truck in trucks:
        if truck.capacity_m3 <= 0:
            left.append(LeftOut(truck.truck_id, ZERO_CAPACITY, {"plate": truck.plate}))
        elif truck.shift_end <= truck.shift_start:
            left.append(LeftOut(truck.truck_id, NO_SHIFT, {"plate": truck.plate}))
        elif min(truck.shift_end, settings.window_end) <= max(truck.shift_start, settings.window_start):
            left.append(LeftOut(truck.truck_id, OUTSIDE_WINDOW, {"plate": truck.plate, "start": _hh_mm(
                settings.window_start), "end": _hh_mm(settings.window_end)}))
        else:
            kept.append(truck)
    return kept, left


def plan_day(sites: Sequence[SiteDemand], trucks: Sequence[TruckSpec], landfill: LandfillSpec,
             settings: PlanSettings | None = None) -> DayPlan:
    """Routes for the trucks over the due sites; every site is either in a route or reported with a reason."""
    settings = settings or PlanSettings()
    trucks, unused = _screen_trucks(trucks, settings)
    largest = max((_litres(t.capacity_m3) for t in trucks), default=0)
    sites, unplanned = _screen_sites(sites, settings, largest)
    if not trucks:
        unplanned += [LeftOut(s.site_id, NO_TRUCKS) for s in sites]
        return DayPlan([], unplanned, unused)
    if not sites:
        return DayPlan([], unplanned, unused)

    depot_points = list(dict.fromkeys(t.depot for t in trucks))
    points = [*depot_points, landfill.point, *(s.point for s in sites)]
    matrices = settings.distances.matrices(points)
    landfill_index = len(depot_points)
    depots = [Depot(location=i) for i in range(len(depot_points))]
    depots.append(Depot(location=landfill_index, tw_early=landfill.opens, tw_late=landfill.closes,
                        service_duration=landfill.unloading_s))
    prize = PRIZE_PER_LONGEST_DRIVE * max(int(matrices.distances_m.max()), 1000)
    clients = [Client(location=landfill_index + 1 + i, pickup=[_litres(s.volume_m3)],
                      service_duration=settings.seconds_per_site + settings.seconds_per_container * s.containers,
                      tw_early=settings.window_start, tw_late=settings.window_end,
                      prize=prize, required=False) for i, s in enumerate(sites)]
    vehicle_types, homeward = [], []
    for truck in trucks:
        depot = depot_points.index(truck.depot)
        home_m = int(matrices.distances_m[landfill_index, depot])
        drive_s = int(matrices.durations_s[landfill_index, depot])
        home_s = drive_s + landfill.unloading_s  # the last unloading, then the drive home
        start, end = max(truck.shift_start, settings.window_start), min(truck.shift_end, settings.window_end)
        homeward.append((home_m, drive_s, landfill.unloading_s))
        vehicle_types.append(VehicleType(
            num_available=1, capacity=[_litres(truck.capacity_m3)], start_depot=depot, end_depot=landfill_index,
            fixed_cost=home_m, tw_early=start, tw_late=max(start, end - home_s),
            shift_duration=max(0, end - start - home_s), reload_depots=[landfill_index], name=truck.plate))
    locations = [Location(x=p.longitude, y=p.latitude) for p in points]
    data = ProblemData(locations, clients, depots, vehicle_types, [matrices.distances_m], [matrices.durations_s])
    solution = _solve(data, settings)

    routes, visited = [], set()
    if solution.is_feasible():
        for route in solution.routes():
            truck = trucks[route.vehicle_type()]
            routes.append(_truck_route(route, truck, sites, homeward[route.vehicle_type()]))
            visited.update(stop.site_id for trip in routes[-1].trips for stop in trip.stops)
    unplanned += [LeftOut(s.site_id, DID_NOT_FIT) for s in sites if s.site_id not in visited]
    return DayPlan(routes, unplanned, unused)


def _solve(data: ProblemData, settings: PlanSettings) -> Solution:
    """PyVRP's `solve` (its iterated local search, operators and neighbourhood), with the penalties starting at
    the settings' values instead of PyVRP's midpoint and a shorter late-acceptance history; the best solution found
    within the time limit."""
    params = SolveParams()
    rng = RandomNumberGenerator(seed=settings.seed)
    search = LocalSearch(data, rng, compute_neighbours(data, params.neighbourhood),
                         PerturbationManager(params.perturbation))
    for operator in params.operators:
        if operator.supports(data):
            search.add_operator(operator(data))
    start = ([settings.load_penalty_m_per_litre] * data.num_load_dimensions, settings.time_penalty_m_per_s, 1.0)
    penalties = PenaltyManager(start, params.penalty)
    initial = search(Solution.make_random(data, rng), penalties.max_cost_evaluator(), exhaustive=True)
    history = round(HISTORY_PER_SECOND_PER_SITE * settings.time_limit_s / data.num_clients)
    ils = IteratedLocalSearchParams(history_length=min(MAX_HISTORY, max(1, history)))
    algorithm = IteratedLocalSearch(data, penalties, search, initial, ils)
    return algorithm.run(MaxRuntime(settings.time_limit_s), collect_stats=False, display=False).best


def _truck_route(route, truck: TruckSpec, sites: Sequence[SiteDemand], homeward: tuple[int, int, int]) -> TruckRoute:
    home_m, drive_s, unloading_s = homeward
    activities = list(route.schedule())
    trips: list[Trip] = []
    stops: list[Stop] = []
    load = 0
    for position, activity in enumerate(activities[1:], start=1):
        if activity.is_client():
            site = sites[activity.idx]
            stops.append(Stop(site.site_id, len(stops) + 1, activity.start_time, activity.end_time, site.containers,
                              site.volume_m3))
            load += _litres(site.volume_m3)
            continue
        # a landfill visit ends the trip: a reload (its service time is the unloading) or the route's end
        last = position == len(activities) - 1
        departure = activity.start_time + unloading_s if last else activity.end_time
        if stops:
            trips.append(Trip(len(trips) + 1, stops, _m3(load), activity.start_time, departure))
        stops, load = [], 0
    km = (Decimal(route.distance() + home_m) / 1000).quantize(Decimal("0.1"))
    end = activities[-1].start_time + unloading_s + drive_s
    return TruckRoute(truck.truck_id, truck.plate, activities[0].end_time, end, km, trips)
