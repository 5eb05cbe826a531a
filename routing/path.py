"""The road path of one origin -> destination trip, for drawing the way there.

Small and self-contained on purpose: it reads only a network's CSR arrays and node
coordinates (``indptr``, ``indices``, ``weights``, ``lon``, ``lat``, ``x``, ``y``) and its
``snap``, and runs one bounded Dijkstra with predecessors (scipy). Travel *times* stay the
engine's job; this answers the question the times cannot: which roads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

#: a road detour beyond this many times the straight distance is not searched (plus a margin)
DETOUR_LIMIT = 3.0
MARGIN_M = 1500.0


@dataclass(frozen=True)
class RoadPath:
    """The nodes of the path in order: WGS84 ``lon``/``lat``, and its length along the roads."""

    lon: np.ndarray
    lat: np.ndarray
    #: metres along the road from the node nearest the origin to the node nearest the destination
    length_m: float
    #: straight metres from the origin to its road node, and from the last road node to the destination
    access_m: float
    egress_m: float


def road_path(network, origin: tuple[float, float], destination: tuple[float, float]) -> RoadPath | None:
    """The shortest road path (by the network's own weights) between two (lon, lat) points.

    ``None`` when the destination's road node is not reached within ``DETOUR_LIMIT`` times the
    straight distance (e.g. on another island of the network).
    """
    (start, end), (access_m, egress_m) = network.snap(np.array([origin, destination], dtype=float))
    start, end = int(start), int(end)
    graph = getattr(network, "graph", None)  # the network's own cached CSR matrix, when it keeps one
    if graph is None:
        graph = csr_matrix((network.weights, network.indices, network.indptr), shape=(len(network.lon),) * 2)
    if start == end:
        return RoadPath(network.lon[[start]], network.lat[[start]], 0.0, float(access_m), float(egress_m))
    straight = float(np.hypot(network.x[end] - network.x[start], network.y[end] - network.y[start]))
    # walk/bike weights are metres; a car network's are seconds (at >= 5 m/s the bound still holds)
    limit = DETOUR_LIMIT * straight + MARGIN_M
    distances, predecessors = dijkstra(graph, directed=True, indices=start, return_predecessors=True, limit=limit)
    if not np.isfinite(distances[end]):
        return None
    nodes = [end]
    while nodes[-1] != start:
        nodes.append(int(predecessors[nodes[-1]]))
    nodes = np.array(nodes[::-1])
    length = float(np.hypot(np.diff(network.x[nodes]), np.diff(network.y[nodes])).sum())
    return RoadPath(network.lon[nodes], network.lat[nodes], length, float(access_m), float(egress_m))
