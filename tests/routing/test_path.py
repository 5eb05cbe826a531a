"""The path of one trip on the hand-made blocks: the walker takes the footway, the cyclist goes round."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from routing.config import RoutingConfig
from routing.network import build_network, read_osm_edges
from routing.path import road_path

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "osm" / "mode_rules.osm"
CONFIG = RoutingConfig(max_snap_m=250)
NODE = {2: (3.2614, 50.8000), 5: (3.2614, 50.8009), 13: (3.2768, 50.8018), 20: (3.2614, 50.7946)}


@pytest.fixture(scope="module")
def networks():
    nodes, edges, source = read_osm_edges(FIXTURE)
    return {kind: build_network(nodes, edges, kind, CONFIG, source=source) for kind in ("walk", "bike")}


def _osm_ids(network, path) -> list[int]:
    index = {(round(lon, 7), round(lat, 7)): int(node) for lon, lat, node in
             zip(network.lon, network.lat, network.node_ids, strict=True)}
    return [index[(round(lon, 7), round(lat, 7))] for lon, lat in zip(path.lon, path.lat, strict=True)]


def test_the_walker_takes_the_footway_and_the_cyclist_goes_round_the_block(networks):
    walk = road_path(networks["walk"], NODE[2], NODE[5])
    assert _osm_ids(networks["walk"], walk) == [2, 5]
    assert walk.length_m == pytest.approx(100, rel=0.03)  # 0.0009 degrees of latitude
    bike = road_path(networks["bike"], NODE[2], NODE[5])
    ids = _osm_ids(networks["bike"], bike)
    assert ids[0] == 2 and ids[-1] == 5 and 5 not in ids[1:-1] and len(ids) == 4  # 2-3-6-5 or 2-1-4-5
    assert bike.length_m == pytest.approx(300, rel=0.05)


def test_the_path_length_agrees_with_the_engines_travel_time(networks):
    bike = networks["bike"]
    path = road_path(bike, NODE[2], NODE[5])
    position = {int(node): i for i, node in enumerate(bike.node_ids)}
    seconds = bike.seconds_from(np.array([position[2]]), "bike", limit_seconds=None)[0][position[5]]
    assert path.length_m / (CONFIG.speed_kmh("bike") / 3.6) == pytest.approx(seconds, rel=0.02)


def test_the_same_place_is_a_path_of_one_node_and_access_is_reported(networks):
    path = road_path(networks["walk"], (3.2615, 50.8001), NODE[2])
    assert path.length_m == 0 and len(path.lon) == 1 and 5 < path.access_m < 20
