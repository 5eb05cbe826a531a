"""Great-circle distances and radius look-ups for stops, stations and points (lon/lat)."""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

EARTH_RADIUS_M = 6_371_008.8


def unit_vectors(lon_lat: np.ndarray) -> np.ndarray:
    """Points (n, 2) lon/lat in degrees as unit vectors (n, 3) on the sphere."""
    lon = np.radians(np.asarray(lon_lat, dtype=np.float64)[:, 0])
    lat = np.radians(np.asarray(lon_lat, dtype=np.float64)[:, 1])
    cos_lat = np.cos(lat)
    return np.column_stack([cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat)])


def haversine_m(origin: tuple[float, float], points: np.ndarray) -> np.ndarray:
    """Great-circle metres from one lon/lat point to each of ``points`` (n, 2)."""
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    lon1, lat1 = np.radians(origin[0]), np.radians(origin[1])
    lon2, lat2 = np.radians(points[:, 0]), np.radians(points[:, 1])
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def pairwise_haversine_m(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Great-circle metres between matching rows of two (n, 2) lon/lat arrays."""
    first = np.asarray(first, dtype=np.float64).reshape(-1, 2)
    second = np.asarray(second, dtype=np.float64).reshape(-1, 2)
    chord = np.linalg.norm(unit_vectors(first) - unit_vectors(second), axis=1)
    return chord_to_metres(chord)


def chord_to_metres(chord: np.ndarray) -> np.ndarray:
    """Great-circle metres for chord lengths between unit vectors."""
    return 2 * EARTH_RADIUS_M * np.arcsin(np.clip(np.asarray(chord) / 2, 0.0, 1.0))


def metres_to_chord(metres: float) -> float:
    """Chord length between unit vectors that lie ``metres`` apart on the sphere."""
    return float(2 * np.sin(metres / (2 * EARTH_RADIUS_M)))


class PointIndex:
    """Radius and nearest-neighbour queries on lon/lat points, exact on the sphere.

    A k-d tree on unit vectors: the chord length is monotonic in the great-circle
    distance, so a chord radius is an exact great-circle radius anywhere on Earth.
    """

    def __init__(self, lon_lat: np.ndarray) -> None:
        self.lon_lat = np.asarray(lon_lat, dtype=np.float64).reshape(-1, 2)
        self._tree = cKDTree(unit_vectors(self.lon_lat)) if len(self.lon_lat) else None

    def __len__(self) -> int:
        return len(self.lon_lat)

    def within(self, point: tuple[float, float], radius_m: float) -> tuple[np.ndarray, np.ndarray]:
        """Indices and metres of the points within ``radius_m`` of ``point``, nearest first."""
        if self._tree is None:
            return np.empty(0, dtype=np.int64), np.empty(0)
        found = self._tree.query_ball_point(
            unit_vectors(np.array([point]))[0], metres_to_chord(radius_m)
        )
        indices = np.asarray(found, dtype=np.int64)
        metres = haversine_m(point, self.lon_lat[indices])
        order = np.argsort(metres, kind="stable")
        return indices[order], metres[order]

    def within_each(self, points: np.ndarray, radius_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For each of ``points`` (n, 2), the indices within ``radius_m`` (nearest first).

        Returns
        -------
        offsets, indices, metres
            CSR layout: point ``i`` has ``indices[offsets[i]:offsets[i + 1]]``.
        """
        points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        offsets = np.zeros(len(points) + 1, dtype=np.int64)
        if self._tree is None or not len(points):
            return offsets, np.empty(0, dtype=np.int64), np.empty(0)
        found = self._tree.query_ball_point(unit_vectors(points), metres_to_chord(radius_m))
        counts = np.fromiter((len(item) for item in found), dtype=np.int64, count=len(found))
        offsets[1:] = np.cumsum(counts)
        indices = np.fromiter((index for item in found for index in item), dtype=np.int64, count=int(offsets[-1]))
        owner = np.repeat(np.arange(len(points)), counts)
        vectors = unit_vectors(self.lon_lat[indices]) if len(indices) else np.empty((0, 3))
        chord = np.linalg.norm(vectors - unit_vectors(points)[owner], axis=1) if len(indices) else np.empty(0)
        metres = chord_to_metres(chord)
        order = np.lexsort((metres, owner))
        return offsets, indices[order], metres[order]

    def nearest(self, points: np.ndarray, *, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` nearest indices and their metres for each of ``points`` (n, 2)."""
        points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        k = min(k, len(self))
        if self._tree is None or k == 0:
            return np.empty((len(points), 0), dtype=np.int64), np.empty((len(points), 0))
        chord, indices = self._tree.query(unit_vectors(points), k=k)
        return np.asarray(indices).reshape(len(points), k), chord_to_metres(chord).reshape(len(points), k)

    def pairs_within(self, radius_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All ordered pairs ``(i, j)``, ``i != j``, within ``radius_m``, with their metres."""
        if self._tree is None:
            empty = np.empty(0, dtype=np.int64)
            return empty, empty, np.empty(0)
        pairs = self._tree.query_pairs(metres_to_chord(radius_m), output_type="ndarray")
        first = np.concatenate([pairs[:, 0], pairs[:, 1]]).astype(np.int64)
        second = np.concatenate([pairs[:, 1], pairs[:, 0]]).astype(np.int64)
        vectors = unit_vectors(self.lon_lat)
        chord = np.linalg.norm(vectors[first] - vectors[second], axis=1)
        return first, second, chord_to_metres(chord)
