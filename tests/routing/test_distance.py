"""Distances from coordinates: haversine × the road factor, at the average speed, behind a replaceable interface."""

from __future__ import annotations

import numpy as np

from routing.distance import DistanceMatrix, HaversineMatrix, Point


def test_a_degree_of_latitude_is_about_111_km_times_the_road_factor():
    matrices = HaversineMatrix(road_factor=1.3, speed_kmh=30).matrices([Point(55.0, 82.9), Point(56.0, 82.9)])
    assert abs(matrices.distances_m[0, 1] - 111_195 * 1.3) < 50
    assert abs(matrices.durations_s[0, 1] - 111_195 * 1.3 / (30 / 3.6)) < 10
    assert matrices.distances_m[0, 0] == 0 and matrices.distances_m.dtype == np.int64


def test_the_matrix_is_symmetric_and_a_road_network_provider_fits_the_interface():
    points = [Point(55.0, 82.9), Point(55.1, 83.0), Point(54.9, 82.7)]
    matrices = HaversineMatrix().matrices(points)
    assert (matrices.distances_m == matrices.distances_m.T).all()
    provider: DistanceMatrix = HaversineMatrix(road_factor=1.0)  # any object with `matrices` will do
    assert (provider.matrices(points).distances_m < matrices.distances_m + 1).all()
