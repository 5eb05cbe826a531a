"""The road path of one origin -> destination trip, for drawing the way there.

Small and self-contained on purpose: it reads a network's CSR graph, node coordinates,
chains (the shape points of each simplified road) and its ``snap``, and runs one bounded
Dijkstra with predecessors (scipy). Travel *times* stay the
engine's job; this answers the question the times cannot: which roads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse.csgraph import dijkstra

from routing.simplify import BACKWARD, FORWARD

#: a road detour beyond this many times the straight distance is not searched (plus a margin)
DETOUR_LIMIT = 3.0
MARGIN_M = 1500.0


@dataclass(frozen=True)
class RoadPath:
    """The nodes of the path in order: WGS84 ``lon``/``lat``, and its length along the roads."""

    lon: np.ndarray
    lat: np.ndarray
    #: metres along the roads, from the origin's point on its road to the destination's
    length_m: float
    #: straight metres from the origin to its road, and from the destination's road to the destination
    access_m: float
    egress_m: float


def road_path(network, origin: tuple[float, float], destination: tuple[float, float]) -> RoadPath | None:
    """The shortest road path (by the network's own weights) between two (lon, lat) points.

    Each point is placed on the nearest point of its road (as the engine does); the path runs
    from there along its road to one of the road's ends, over the network, and along the
    destination's road to the destination's point, drawn with every shape point. ``None``
    when either point has no road, or no way is found within ``DETOUR_LIMIT`` times the
    straight distance (e.g. on another island of the network).
    """
    snapped = network.snap_edges(np.array([origin, destination], dtype=float))
    (c_o, c_d), (along_o, along_d) = snapped.chain, snapped.along
    if c_o < 0 or c_d < 0:
        return None
    access_m, egress_m = (float(d) for d in snapped.distance_m)
    point_o, point_d = snapped.xy
    flags, weight = np.asarray(network.chain_flags), network.chain_weight
    # leaving the origin towards the chain's u (against its direction) or v (with it), and
    # arriving at the destination from its chain's u (with) or v (against): (node, cost, toward_u)
    leave = [(int(network.chain_u[c_o]), along_o, True, flags[c_o] & BACKWARD),
             (int(network.chain_v[c_o]), weight[c_o] - along_o, False, flags[c_o] & FORWARD)]
    arrive = [(int(network.chain_u[c_d]), along_d, True, flags[c_d] & FORWARD),
              (int(network.chain_v[c_d]), weight[c_d] - along_d, False, flags[c_d] & BACKWARD)]
    leave = [item for item in leave if item[3]]
    arrive = [item for item in arrive if item[3]]
    best = None
    if c_o == c_d and (along_d >= along_o and flags[c_o] & FORWARD or along_d <= along_o and flags[c_o] & BACKWARD):
        best = (abs(along_d - along_o), None, None)
    if leave and arrive:
        straight = float(np.hypot(*(point_d - point_o)))
        # walk/bike weights are metres; a car network's are seconds (at >= 1 m/s the bound still holds)
        limit = DETOUR_LIMIT * straight + MARGIN_M
        sources = [item[0] for item in leave]
        distances, predecessors = dijkstra(network.graph, directed=True, indices=sources, return_predecessors=True,
                                           limit=limit)
        for i, (_node, cost_o, _toward, _ok) in enumerate(leave):
            for j, (node_d, cost_d, _toward_d, _ok_d) in enumerate(arrive):
                total = cost_o + distances[i, node_d] + cost_d
                if np.isfinite(total) and (best is None or total < best[0]):
                    best = (total, i, j)
    if best is None:
        return None
    _cost, i, j = best
    if i is None:  # both points on one road: along it
        x, y = _between(network, c_o, along_o, along_d, point_o, point_d)
    else:
        node_o, _c, toward_o, _f = leave[i]
        node_d, _c, toward_d, _f = arrive[j]
        pieces = [_to_end(network, c_o, along_o, point_o, toward_u=toward_o)]
        nodes = [node_d]
        while nodes[-1] != node_o:
            nodes.append(int(predecessors[i, nodes[-1]]))
        nodes = nodes[::-1]
        pieces += [_chain_shape(network, a, b) for a, b in zip(nodes[:-1], nodes[1:], strict=True)]
        last_x, last_y = _to_end(network, c_d, along_d, point_d, toward_u=toward_d)
        pieces.append((last_x[::-1], last_y[::-1]))
        x = np.concatenate([piece[0] if k == 0 else piece[0][1:] for k, piece in enumerate(pieces)])
        y = np.concatenate([piece[1] if k == 0 else piece[1][1:] for k, piece in enumerate(pieces)])
    steps = np.hypot(np.diff(x), np.diff(y))
    keep = np.concatenate([[True], steps > 0.01])  # a point on a node: drawn once
    x, y = x[keep], y[keep]
    length = float(steps.sum())
    lon, lat = network.to_lonlat(x, y)
    return RoadPath(np.atleast_1d(lon), np.atleast_1d(lat), length, access_m, egress_m)


def _shape(network, chain: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Metric x, y and cumulative weight of one chain's shape points, from its u to its v."""
    vptr = network.chain_vptr
    x0, y0 = network.vertex_origin
    part = slice(vptr[chain], vptr[chain + 1])
    return (np.asarray(network.vertex_x[part], dtype=np.float64) + x0,
            np.asarray(network.vertex_y[part], dtype=np.float64) + y0,
            np.asarray(network.vertex_weight[part], dtype=np.float64))


def _to_end(network, chain: int, along: float, point, *, toward_u: bool) -> tuple[np.ndarray, np.ndarray]:
    """From a point on a chain (at weight ``along``) along it to its u or its v end."""
    x, y, w = _shape(network, chain)
    keep = w < along if toward_u else w > along
    x, y = x[keep], y[keep]
    if toward_u:
        x, y = x[::-1], y[::-1]
    return np.concatenate([[point[0]], x]), np.concatenate([[point[1]], y])


def _between(network, chain: int, along_o: float, along_d: float, point_o, point_d):
    """Along one chain from one point on it to another."""
    x, y, w = _shape(network, chain)
    low, high = sorted((along_o, along_d))
    keep = (w > low) & (w < high)
    x, y = x[keep], y[keep]
    if along_d < along_o:
        x, y = x[::-1], y[::-1]
    return np.concatenate([[point_o[0]], x, [point_d[0]]]), np.concatenate([[point_o[1]], y, [point_d[1]]])


def _chain_index(network) -> tuple[np.ndarray, np.ndarray]:
    """Chains sorted by their (lower, higher) end pair, kept on the network after the first use."""
    cached = network.__dict__.get("_path_chain_index")
    if cached is None:
        u = np.asarray(network.chain_u, dtype=np.int64)
        v = np.asarray(network.chain_v, dtype=np.int64)
        keys = np.minimum(u, v) * network.n_nodes + np.maximum(u, v)
        order = np.argsort(keys, kind="stable")
        cached = network.__dict__["_path_chain_index"] = (keys[order], order)
    return cached


def _chain_shape(network, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
    """Metric x, y of the cheapest chain that may be travelled from node ``a`` to node ``b``."""
    keys, order = _chain_index(network)
    key = min(a, b) * network.n_nodes + max(a, b)
    candidates = order[np.searchsorted(keys, key, "left"):np.searchsorted(keys, key, "right")]
    flags = np.asarray(network.chain_flags)
    allowed = [c for c in candidates
               if flags[c] & (FORWARD if int(network.chain_u[c]) == a else BACKWARD)] or list(candidates)
    chain = min(allowed, key=lambda c: float(network.chain_weight[c]))
    vptr = network.chain_vptr
    x0, y0 = network.vertex_origin
    x = np.asarray(network.vertex_x[vptr[chain]:vptr[chain + 1]], dtype=np.float64) + x0
    y = np.asarray(network.vertex_y[vptr[chain]:vptr[chain + 1]], dtype=np.float64) + y0
    if int(network.chain_u[chain]) != a:
        x, y = x[::-1], y[::-1]
    return x, y
