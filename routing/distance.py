"""Distances and travel times between points: the interface a road-network provider implements, and the default
great-circle estimate (haversine × a road factor at an average speed)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

EARTH_RADIUS_M = 6_371_000.0


@dataclass(frozen=True)
class Point:
    """A place on the map, WGS 84 degrees."""

    latitude: float
    longitude: float


@dataclass(frozen=True)
class Matrices:
    """Square matrices over the same points: metres and seconds, integers (what the solver takes)."""

    distances_m: np.ndarray
    durations_s: np.ndarray


class DistanceMatrix(Protocol):
    """Anything that gives road distances and travel times between points (an OSRM/GraphHopper client later)."""

    def matrices(self, points: Sequence[Point]) -> Matrices:
        """Distances (m) and durations (s) from every point to every point."""
        ...


@dataclass(frozen=True)
class HaversineMatrix:
    """Great-circle distance × `road_factor` (roads are longer than the crow flies), driven at `speed_kmh`."""

    road_factor: float = 1.3
    speed_kmh: float = 30.0

    def matrices(self, points: Sequence[Point]) -> Matrices:
        """Distances (m) and durations (s) from every point to every point."""
        lat = np.radians([p.latitude for p in points])
        lon = np.radians([p.longitude for p in points])
        dlat = lat[:, None] - lat[None, :]
        dlon = lon[:, None] - lon[None, :]
        a = np.sin(dlat / 2) ** 2 + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2) ** 2
        metres = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))) * self.road_factor
        seconds = metres / (self.speed_kmh * 1000 / 3600)
        return Matrices(np.rint(metres).astype(np.int64), np.rint(seconds).astype(np.int64))
