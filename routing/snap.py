"""Nearest point on a road: a uniform grid over the road segments, searched ring by ring.

Each segment (two consecutive shape points of a chain, see :mod:`routing.simplify`) is
listed in every grid cell its bounding box touches. A query looks at the point's cell,
then at rings of cells around it, and stops once no unvisited cell can hold anything
nearer than the best segment found: the answer is exact, not the nearest shape point.
The grid also counts nodes per cell (a summed-area table), which bounds how many nodes
lie within a distance of a point: :class:`routing.network.RoadNetwork` uses it to pick
the cheaper search for a cutoff. Plain arrays, built in well under a second.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit


@njit(cache=True)
def _cell_range(x0, x1, origin, size, count):
    lo = int((min(x0, x1) - origin) // size)
    hi = int((max(x0, x1) - origin) // size)
    return max(lo, 0), min(hi, count - 1)


@njit(cache=True)
def _fill(x, y, starts, x0, y0, size, nx, ny, counts_only, indptr, entries):
    """Count (``counts_only``) or list the segments per cell; segment ``s`` runs from vertex ``s`` to ``s + 1``."""
    fill = indptr[:-1].copy()
    for s in starts:
        cx0, cx1 = _cell_range(x[s], x[s + 1], x0, size, nx)
        cy0, cy1 = _cell_range(y[s], y[s + 1], y0, size, ny)
        for cy in range(cy0, cy1 + 1):
            for cx in range(cx0, cx1 + 1):
                cell = cy * nx + cx
                if counts_only:
                    indptr[cell + 1] += 1
                else:
                    entries[fill[cell]] = s
                    fill[cell] += 1


@njit(cache=True)
def _segment_distance(px, py, ax, ay, bx, by):
    dx = bx - ax
    dy = by - ay
    length2 = dx * dx + dy * dy
    t = 0.0
    if length2 > 0:
        t = ((px - ax) * dx + (py - ay) * dy) / length2
        t = min(max(t, 0.0), 1.0)
    qx = ax + t * dx - px
    qy = ay + t * dy - py
    return np.sqrt(qx * qx + qy * qy), t


@njit(cache=True)
def _nearest(px, py, x, y, indptr, entries, x0, y0, size, nx, ny, max_rings, chain_vptr, chain_ok,
             out_segment, out_t, out_distance):
    for i in range(len(px)):
        best = np.inf
        best_segment = -1
        best_t = 0.0
        cx = int(np.floor((px[i] - x0) / size))
        cy = int(np.floor((py[i] - y0) / size))
        for ring in range(max_rings + 1):
            # every cell of this ring is at least (ring - 1) * size away from the point
            if best_segment >= 0 and best <= (ring - 1) * size:
                break
            for gy in range(cy - ring, cy + ring + 1):
                if gy < 0 or gy >= ny:
                    continue
                on_edge_row = gy == cy - ring or gy == cy + ring
                step = 1 if on_edge_row else 2 * ring
                gx = cx - ring
                while gx <= cx + ring:
                    if 0 <= gx < nx:
                        cell = gy * nx + gx
                        for k in range(indptr[cell], indptr[cell + 1]):
                            s = entries[k]
                            if not chain_ok[np.searchsorted(chain_vptr, s, side="right") - 1]:
                                continue
                            d, t = _segment_distance(px[i], py[i], x[s], y[s], x[s + 1], y[s + 1])
                            if d < best or (d == best and s < best_segment):
                                best = d
                                best_segment = s
                                best_t = t
                    if step == 0:
                        break
                    gx += step
        out_segment[i] = best_segment
        out_t[i] = best_t
        out_distance[i] = best


@dataclass
class SegmentGrid:
    """The grid over the segments starting at vertex indices ``starts`` of the shape arrays ``x``, ``y``."""

    x: np.ndarray
    y: np.ndarray
    x0: float
    y0: float
    size: float
    nx: int
    ny: int
    indptr: np.ndarray
    entries: np.ndarray

    def parameters(self) -> list[float]:
        return [self.x0, self.y0, self.size, self.nx, self.ny]

    @classmethod
    def build(cls, x: np.ndarray, y: np.ndarray, starts: np.ndarray, *, cell_m: float | None = None) -> SegmentGrid:
        starts = np.asarray(starts, dtype=np.int64)
        if len(starts) == 0:
            return cls(x, y, 0.0, 0.0, 1.0, 1, 1, np.zeros(2, np.int64), np.zeros(0, np.int32))
        ends = starts + 1
        xs = np.concatenate([x[starts], x[ends]])
        ys = np.concatenate([y[starts], y[ends]])
        x0, y0 = float(xs.min()), float(ys.min())
        width, height = float(xs.max()) - x0 + 1.0, float(ys.max()) - y0 + 1.0
        if cell_m is None:  # about four segments per cell, never finer than 50 m
            cell_m = max(50.0, float(np.sqrt(width * height / max(len(starts) / 4, 1))))
        nx, ny = int(width // cell_m) + 1, int(height // cell_m) + 1
        indptr = np.zeros(nx * ny + 1, np.int64)
        _fill(x, y, starts, x0, y0, cell_m, nx, ny, True, indptr, np.zeros(0, np.int32))
        np.cumsum(indptr, out=indptr)
        if indptr[-1] < np.iinfo(np.int32).max:
            indptr = indptr.astype(np.int32)
        entries = np.empty(int(indptr[-1]), np.int32)
        _fill(x, y, starts, x0, y0, cell_m, nx, ny, False, indptr, entries)
        return cls(x, y, x0, y0, cell_m, nx, ny, indptr, entries)

    def nearest(self, points: np.ndarray, *, max_distance_m: float, chain_vptr: np.ndarray,
                chain_ok: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For each metric point: the nearest segment of a chain with ``chain_ok`` (its start
        vertex, -1 if none within about ``max_distance_m``), the share ``t`` along it and the
        distance (m, inf if none). ``chain_vptr``: where each chain's shape points start."""
        points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        segment = np.empty(len(points), np.int64)
        t = np.empty(len(points))
        distance = np.empty(len(points))
        rings = int(np.ceil(max_distance_m / self.size)) + 1
        _nearest(np.ascontiguousarray(points[:, 0]), np.ascontiguousarray(points[:, 1]), self.x, self.y,
                 self.indptr, self.entries, self.x0, self.y0, self.size, self.nx, self.ny, rings, chain_vptr,
                 np.asarray(chain_ok, dtype=np.bool_), segment, t, distance)
        return segment, t, distance


@dataclass
class NodeCounter:
    """How many of the given points lie in a square around a point (an upper bound for a disc)."""

    x0: float
    y0: float
    size: float
    nx: int
    ny: int
    table: np.ndarray  # summed-area table, (ny + 1, nx + 1)

    @classmethod
    def build(cls, x: np.ndarray, y: np.ndarray, *, cell_m: float = 500.0) -> NodeCounter:
        if len(x) == 0:
            return cls(0.0, 0.0, cell_m, 1, 1, np.zeros((2, 2), np.int64))
        x0, y0 = float(x.min()), float(y.min())
        nx = int((float(x.max()) - x0) // cell_m) + 1
        ny = int((float(y.max()) - y0) // cell_m) + 1
        counts = np.zeros((ny, nx), np.int64)
        np.add.at(counts, (((y - y0) // cell_m).astype(np.int64), ((x - x0) // cell_m).astype(np.int64)), 1)
        table = np.zeros((ny + 1, nx + 1), np.int64)
        table[1:, 1:] = counts.cumsum(0).cumsum(1)
        return cls(x0, y0, cell_m, nx, ny, table)

    def within(self, x: float, y: float, radius: float) -> int:
        """Points in the cells overlapping the square of half-side ``radius`` around (x, y)."""
        lo_x = min(max(int((x - radius - self.x0) // self.size), 0), self.nx)
        hi_x = min(max(int((x + radius - self.x0) // self.size) + 1, 0), self.nx)
        lo_y = min(max(int((y - radius - self.y0) // self.size), 0), self.ny)
        hi_y = min(max(int((y + radius - self.y0) // self.size) + 1, 0), self.ny)
        t = self.table
        return int(t[hi_y, hi_x] - t[lo_y, hi_x] - t[hi_y, lo_x] + t[lo_y, lo_x])
