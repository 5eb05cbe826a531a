"""Isochrone polygons from one bounded search: reached road points, thinned, hulled, buffered.

After the search (:meth:`routing.network.RoadNetwork.isochrone`), every chain with a
reached end is walked along its shape at a fixed resolution and the points reachable
within the budget are kept, the reached part of a partly reached road included. The
points are thinned to one per grid cell of that resolution, and the polygon is their
concave hull grown by one cell: a cost linear in the reached roads, with no union of
thousands of geometries. The resolution scales with the budget (about 1/60 of the
farthest reach, at least 25 m), so large isochrones stay as cheap as small ones.
"""

from __future__ import annotations

import numpy as np
import shapely
from numba import njit

from routing.simplify import BACKWARD, FORWARD


@njit(cache=True)
def _reach(cum, du, dv, weight, flags, origin_chain, chain, origin_along):
    best = np.inf
    if flags & FORWARD:
        best = min(best, du + cum)
    if flags & BACKWARD:
        best = min(best, dv + (weight - cum))
    if chain == origin_chain:
        if flags & FORWARD and cum >= origin_along:
            best = min(best, cum - origin_along)
        if flags & BACKWARD and cum <= origin_along:
            best = min(best, origin_along - cum)
    return best


@njit(cache=True)
def reached_points(dist_u, dist_v, chain_flags, vptr, vx, vy, cumulative, origin_chain, origin_along, limit,
                   step_m, out_x, out_y):
    """Points along the chains reachable within ``limit`` (weight units), about ``step_m`` apart.

    ``dist_u``/``dist_v``: search distances to each chain's ends. Returns how many points
    were written to ``out_x``/``out_y`` (stops when they are full).
    """
    count = 0
    capacity = len(out_x)
    for c in range(len(chain_flags)):
        du = dist_u[c]
        dv = dist_v[c]
        if du > limit and dv > limit and c != origin_chain:
            continue
        weight = cumulative[vptr[c + 1] - 1]
        flags = chain_flags[c]
        for i in range(vptr[c], vptr[c + 1] - 1):
            length = np.hypot(vx[i + 1] - vx[i], vy[i + 1] - vy[i])
            pieces = max(1, int(np.ceil(length / step_m)))
            for j in range(pieces + 1):
                if j == pieces and i < vptr[c + 1] - 2:
                    continue  # the next segment's first point
                share = j / pieces
                cum = cumulative[i] + share * (cumulative[i + 1] - cumulative[i])
                if _reach(cum, du, dv, weight, flags, origin_chain, c, origin_along) <= limit:
                    if count == capacity:
                        return count
                    out_x[count] = vx[i] + share * (vx[i + 1] - vx[i])
                    out_y[count] = vy[i] + share * (vy[i + 1] - vy[i])
                    count += 1
    return count


def polygon_from_points(x: np.ndarray, y: np.ndarray, resolution_m: float, *, start: tuple[float, float]):
    """The concave hull of the points thinned to one per ``resolution_m`` cell, grown by one cell (metric)."""
    if len(x) == 0:
        return shapely.Point(start).buffer(resolution_m)
    cells = np.unique(np.column_stack([np.floor(x / resolution_m), np.floor(y / resolution_m)]).astype(np.int64), axis=0)
    centres = (cells + 0.5) * resolution_m
    points = shapely.multipoints(np.vstack([centres, np.array([start])]))
    hull = shapely.concave_hull(points, ratio=0.05) if len(centres) > 3 else shapely.convex_hull(points)
    return hull.buffer(resolution_m, quad_segs=4)
