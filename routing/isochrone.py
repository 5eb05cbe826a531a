"""Isochrone polygons from one bounded search: reached road points, thinned, hulled, buffered.

After the search (:meth:`routing.network.RoadNetwork.isochrone`), every chain with a
reached end is walked along its shape and the grid cells holding a point reachable
within the budget are marked, the reached part of a partly reached road included. The
polygon is the concave hull of the marked cells grown by one cell: a cost linear in the
reached roads, with no union of thousands of geometries. The resolution scales with the
reach (about 1/60 of the farthest reached node, at least 25 m), so large isochrones
stay as cheap as small ones.
"""

from __future__ import annotations

import numpy as np
import shapely
from numba import njit

from routing.simplify import BACKWARD, FORWARD


#: of the inner cells, one in this many per row and column joins the hull's points (they
#: keep the hull from cutting into the reached area; the edge cells give its shape)
INSIDE_EVERY = 5


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
def mark_reached(dist_u, dist_v, chain_flags, vptr, vx, vy, cumulative, origin_chain, origin_along, limit,
                 step_m, x0, y0, grid, measure):
    """Mark the cells of ``grid`` (rows y, columns x; cell ``step_m`` wide, corner at ``x0``, ``y0``)
    that hold a road point reachable within ``limit`` (weight units), sampling every road at
    ``step_m / 2``. ``dist_u``/``dist_v``: search distances to each chain's ends.

    ``measure``: mark nothing; return the largest distance in x or y of a reached point
    from (``x0``, ``y0``) (to size the grid). Otherwise returns 0.
    """
    ny, nx = grid.shape
    extent = 0.0
    for c in range(len(chain_flags)):
        du = dist_u[c]
        dv = dist_v[c]
        if du > limit and dv > limit and c != origin_chain:
            continue
        weight = cumulative[vptr[c + 1] - 1]
        flags = chain_flags[c]
        for i in range(vptr[c], vptr[c + 1] - 1):
            length = np.hypot(vx[i + 1] - vx[i], vy[i + 1] - vy[i])
            pieces = max(1, int(np.ceil(2 * length / step_m)))
            for j in range(pieces + 1):
                share = j / pieces
                cum = cumulative[i] + share * (cumulative[i + 1] - cumulative[i])
                if _reach(cum, du, dv, weight, flags, origin_chain, c, origin_along) <= limit:
                    px = vx[i] + share * (vx[i + 1] - vx[i]) - x0
                    py = vy[i] + share * (vy[i + 1] - vy[i]) - y0
                    if measure:
                        extent = max(extent, abs(px), abs(py))
                        continue
                    gx = int(px // step_m)
                    gy = int(py // step_m)
                    if 0 <= gx < nx and 0 <= gy < ny:
                        grid[gy, gx] = 1
    return extent


def polygon_from_grid(grid: np.ndarray, x0: float, y0: float, step_m: float, *, start: tuple[float, float]):
    """The concave hull of the marked cells (their edge cells and a sparse sample of the
    inside keep it cheap), grown by one cell (metric coordinates)."""
    marked = grid.astype(bool)
    if not marked.any():
        return shapely.Point(start).buffer(step_m)
    padded = np.pad(marked, 1)
    inner = padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:]
    sparse = np.zeros_like(marked)
    sparse[::INSIDE_EVERY, ::INSIDE_EVERY] = True
    rows, cols = np.nonzero(marked & (~inner | sparse))
    centres = np.column_stack([x0 + (cols + 0.5) * step_m, y0 + (rows + 0.5) * step_m])
    points = shapely.multipoints(np.vstack([centres, np.array([start])]))
    hull = shapely.concave_hull(points, ratio=0.1) if len(centres) > 3 else shapely.convex_hull(points)
    return hull.buffer(step_m, quad_segs=2)
