"""A day's routes as plot geometry for a server-rendered SVG (no map tiles): points projected into a view box."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from routing.distance import Point

WIDTH, HEIGHT, MARGIN = 800, 600, 24
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")


@dataclass(frozen=True)
class PlottedRoute:
    plate: str
    colour: str
    points: str  # the SVG polyline's "x,y x,y …"
    stops: list[tuple[float, float, int]]  # x, y, site id


@dataclass(frozen=True)
class Plot:
    width: int
    height: int
    routes: list[PlottedRoute]
    depots: list[tuple[float, float]]
    landfill: tuple[float, float] | None
    unplanned: list[tuple[float, float, int]]


def plot_plan(result: Mapping[str, Any], sites: Mapping[int, Point], depots: Mapping[int, Point],
              landfill: Point | None) -> Plot:
    """Project the plan's stops, the trucks' depots (by truck id) and the landfill into a WIDTH × HEIGHT box."""
    everything = [*sites.values(), *depots.values(), *([landfill] if landfill else [])]
    if not everything:
        return Plot(WIDTH, HEIGHT, [], [], None, [])
    south, north = min(p.latitude for p in everything), max(p.latitude for p in everything)
    west, east = min(p.longitude for p in everything), max(p.longitude for p in everything)
    stretch = math.cos(math.radians((south + north) / 2))  # a degree of longitude is shorter than one of latitude
    span = max((east - west) * stretch, north - south, 1e-6)
    scale = min(WIDTH, HEIGHT) - 2 * MARGIN

    def xy(point: Point) -> tuple[float, float]:
        return (round(MARGIN + (point.longitude - west) * stretch / span * scale, 1),
                round(HEIGHT - MARGIN - (point.latitude - south) / span * scale, 1))

    routes = []
    for number, route in enumerate(result.get("routes", [])):
        depot = depots.get(route["truck_id"])
        path = [xy(depot)] if depot else []
        stops = []
        for trip in route["trips"]:
            for stop in trip["stops"]:
                if stop["site_id"] in sites:
                    x, y = xy(sites[stop["site_id"]])
                    path.append((x, y))
                    stops.append((x, y, stop["site_id"]))
            if landfill:
                path.append(xy(landfill))
        if depot:
            path.append(xy(depot))
        routes.append(PlottedRoute(route["plate"], COLOURS[number % len(COLOURS)],
                                   " ".join(f"{x},{y}" for x, y in path), stops))
    unplanned = [(*xy(sites[u["site_id"]]), u["site_id"]) for u in result.get("unplanned", []) if u["site_id"] in sites]
    return Plot(WIDTH, HEIGHT, routes, sorted({xy(p) for p in depots.values()}), xy(landfill) if landfill else None,
                unplanned)
