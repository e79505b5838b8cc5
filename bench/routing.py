"""Routing benchmark: the platform's daily plan (PyVRP) against OR-Tools routing with guided local search.

    python bench/routing.py [--sites 300,1000] [--limits 10,60] [--reference 600] [--quick] [--json]

Instances are generated with a fixed seed: a city (≈ 70 % of the sites) with villages around it in a 30 × 30 km square
near Novosibirsk; 1–4 containers of 0.75 / 1.1 m³ per site; 20 m³ bodies with compaction 1:5 (100 m³ of loose
waste per trip); one depot, one landfill outside the city; shifts 07:00–19:00. Distances are the platform's
haversine × 1.3 at 30 km/h, the same matrix for both solvers.

OR-Tools models the multiple trips with *landfill duplicates*: optional reload nodes (as many as the trips the
instance needs, plus half again) that any truck may visit; a reload node takes the whole load off (demand −capacity,
absorbed by the capacity dimension's slack, as in OR-Tools' cvrp_reload example), costs the unloading time, and each
route ends at the landfill, with the drive home as the truck's fixed cost — the same model the platform solves.
First solution PARALLEL_CHEAPEST_INSERTION (its best start on these instances), then GUIDED_LOCAL_SEARCH.
The reference is one long PyVRP run; gaps are total km against it.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

# run as a script, bench/ comes first on the path and this file would shadow the routing package
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from routing.distance import HaversineMatrix, Point  # noqa: E402
from routing.plan import (  # noqa: E402
    HOUR,
    LandfillSpec,
    PlanSettings,
    SiteDemand,
    TruckSpec,
    plan_day,
)

ORIGIN = Point(54.90, 82.65)  # south-west corner of the square
KM_LAT = 1 / 111.2
KM_LON = 1 / (111.2 * math.cos(math.radians(55.0)))
CAPACITY_M3 = Decimal(20) * 5
SHIFT = (7 * HOUR, 19 * HOUR)
DROP_PENALTY = 10_000_000  # OR-Tools' cost of leaving a site out: 10,000 km, far above any detour


def _at(x_km: float, y_km: float) -> Point:
    return Point(ORIGIN.latitude + y_km * KM_LAT, ORIGIN.longitude + x_km * KM_LON)


def instance(count: int, seed: int = 2026) -> tuple[list[SiteDemand], list[TruckSpec], LandfillSpec]:
    """Sites of a city with villages in 30 × 30 km, enough trucks for about three trips each, one landfill."""
    rng = random.Random(seed)
    villages = [(rng.uniform(1, 29), rng.uniform(1, 29)) for _ in range(10)]
    sites = []
    for site_id in range(1, count + 1):
        if rng.random() < 0.7:
            x, y = min(29.9, max(0.1, rng.gauss(15, 3.5))), min(29.9, max(0.1, rng.gauss(15, 3.5)))
        else:
            vx, vy = rng.choice(villages)
            x, y = min(29.9, max(0.1, rng.gauss(vx, 0.6))), min(29.9, max(0.1, rng.gauss(vy, 0.6)))
        containers = rng.randint(1, 4)
        volume = Decimal("1.1") if rng.random() < 0.6 else Decimal("0.75")
        sites.append(SiteDemand(site_id, _at(x, y), volume * containers, containers))
    total = sum(s.volume_m3 for s in sites)
    by_volume = math.ceil(total / (CAPACITY_M3 * 3)) + 1
    # by time: service at the sites plus ≈ 190 s of driving per site, in 85 % of a shift (unloading, the landfill)
    settings = PlanSettings()
    work_s = sum(settings.seconds_per_site + settings.seconds_per_container * s.containers + 190 for s in sites)
    by_time = math.ceil(work_s / (0.85 * (SHIFT[1] - SHIFT[0])))
    trucks_needed = max(by_volume, by_time)
    trucks = [TruckSpec(n, f"Т{n:03d}", _at(12, 11), CAPACITY_M3, *SHIFT) for n in range(1, trucks_needed + 1)]
    landfill = LandfillSpec(_at(27, 4), 7 * HOUR, 23 * HOUR, 20 * 60, "Полигон")
    return sites, trucks, landfill


def platform(sites, trucks, landfill, limit: float) -> dict:
    """The platform's plan_day with a time limit."""
    started = time.perf_counter()
    plan = plan_day(sites, trucks, landfill, PlanSettings(time_limit_s=limit))
    return {"km": float(plan.km), "trucks": len(plan.routes), "landfill_trips": plan.landfill_visits,
            "unplanned": len(plan.unplanned_sites), "seconds": round(time.perf_counter() - started, 1)}


def ortools(sites, trucks, landfill, limit: float) -> dict:
    """OR-Tools routing, GLS, with landfill duplicates as optional reload nodes (see the module docstring)."""
    started = time.perf_counter()
    settings = PlanSettings()
    capacity = int(CAPACITY_M3 * 1000)
    demand = [int(s.volume_m3 * 1000) for s in sites]
    copies = math.ceil(sum(demand) / capacity * 1.5) + 1
    depot = trucks[0].depot
    # nodes: 0 depot, 1 the landfill where routes end, 2..copies+1 reload copies, then the sites
    points = [depot, landfill.point, *([landfill.point] * copies), *(s.point for s in sites)]
    matrices = HaversineMatrix().matrices(points)
    distance, duration = matrices.distances_m.tolist(), matrices.durations_s.tolist()
    first_site = 2 + copies
    loads = [0, 0, *([-capacity] * copies), *demand]
    service = [0, 0, *([landfill.unloading_s] * copies),
               *(settings.seconds_per_site + settings.seconds_per_container * s.containers for s in sites)]
    vehicles = len(trucks)
    manager = pywrapcp.RoutingIndexManager(len(points), vehicles, [0] * vehicles, [1] * vehicles)
    model = pywrapcp.RoutingModel(manager)
    arc = model.RegisterTransitCallback(lambda i, j: distance[manager.IndexToNode(i)][manager.IndexToNode(j)])
    model.SetArcCostEvaluatorOfAllVehicles(arc)
    home_m, home_s = distance[1][0], duration[1][0] + landfill.unloading_s
    for vehicle in range(vehicles):
        model.SetFixedCostOfVehicle(home_m, vehicle)
    load = model.RegisterUnaryTransitCallback(lambda i: loads[manager.IndexToNode(i)])
    model.AddDimensionWithVehicleCapacity(load, capacity, [capacity] * vehicles, True, "load")
    load_dimension = model.GetDimensionOrDie("load")
    clock = model.RegisterTransitCallback(
        lambda i, j: service[manager.IndexToNode(i)] + duration[manager.IndexToNode(i)][manager.IndexToNode(j)])
    model.AddDimension(clock, 24 * HOUR, 24 * HOUR, False, "time")
    time_dimension = model.GetDimensionOrDie("time")
    for node in range(2, len(points)):
        index = manager.NodeToIndex(node)
        if node < first_site:
            model.AddDisjunction([index], 0)
        else:
            load_dimension.SlackVar(index).SetValue(0)
            model.AddDisjunction([index], DROP_PENALTY)
            time_dimension.CumulVar(index).SetRange(settings.window_start, settings.window_end)
    for vehicle in range(vehicles):
        time_dimension.CumulVar(model.Start(vehicle)).SetRange(*SHIFT)
        time_dimension.CumulVar(model.End(vehicle)).SetRange(SHIFT[0], SHIFT[1] - home_s)
    parameters = pywrapcp.DefaultRoutingSearchParameters()
    parameters.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    parameters.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    parameters.time_limit.FromMilliseconds(int(limit * 1000))
    solution = model.SolveWithParameters(parameters)
    if solution is None:
        return {"km": None, "trucks": 0, "landfill_trips": 0, "unplanned": len(sites),
                "seconds": round(time.perf_counter() - started, 1)}
    metres = used = reloads = visited = 0
    for vehicle in range(vehicles):
        index = model.Start(vehicle)
        if model.IsEnd(solution.Value(model.NextVar(index))):
            continue
        used += 1
        metres += home_m
        while not model.IsEnd(index):
            following = solution.Value(model.NextVar(index))
            previous, node = manager.IndexToNode(index), manager.IndexToNode(following)
            metres += distance[previous][node]
            # a landfill visit counts when it follows a site (back-to-back copies cost nothing and unload nothing)
            reloads += 1 <= node < first_site and previous >= first_site  # a reload or the last unloading
            visited += node >= first_site
            index = following
    return {"km": round(metres / 1000, 1), "trucks": used, "landfill_trips": reloads,
            "unplanned": len(sites) - visited, "seconds": round(time.perf_counter() - started, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sites", default="300,1000", help="instance sizes, comma-separated")
    parser.add_argument("--limits", default="10,60", help="time limits in seconds, comma-separated")
    parser.add_argument("--reference", type=float, default=600.0, help="seconds of the long PyVRP reference run")
    parser.add_argument("--quick", action="store_true", help="one 120-site instance, limits 1 and 3 s, reference 10 s")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args = parser.parse_args()
    sizes = [120] if args.quick else [int(v) for v in args.sites.split(",")]
    limits = [1.0, 3.0] if args.quick else [float(v) for v in args.limits.split(",")]
    reference_s = 10.0 if args.quick else args.reference

    report: dict = {"instances": []}
    for size in sizes:
        sites, trucks, landfill = instance(size)
        reference = platform(sites, trucks, landfill, reference_s)
        runs = [{"solver": f"reference PyVRP {reference_s:g} s", **reference}]
        for limit in limits:
            runs.append({"solver": f"platform {limit:g} s", **platform(sites, trucks, landfill, limit)})
            runs.append({"solver": f"OR-Tools GLS {limit:g} s", **ortools(sites, trucks, landfill, limit)})
        for run in runs:
            run["gap_percent"] = None if run["km"] is None else round((run["km"] / reference["km"] - 1) * 100, 2)
        report["instances"].append({"sites": size, "trucks_available": len(trucks),
                                    "volume_m3": float(sum(s.volume_m3 for s in sites)), "runs": runs})
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
        return
    for item in report["instances"]:
        print(f"\n{item['sites']} sites, {item['volume_m3']:.1f} m³, {item['trucks_available']} trucks available")
        print(f"{'solver':<26}{'km':>9}{'trucks':>8}{'landfill':>10}{'unplanned':>11}{'gap %':>8}{'s':>7}")
        for run in item["runs"]:
            km = "—" if run["km"] is None else f"{run['km']:.1f}"
            gap = "—" if run["gap_percent"] is None else f"{run['gap_percent']:+.2f}"
            print(f"{run['solver']:<26}{km:>9}{run['trucks']:>8}{run['landfill_trips']:>10}{run['unplanned']:>11}"
                  f"{gap:>8}{run['seconds']:>7}")


if __name__ == "__main__":
    main()
