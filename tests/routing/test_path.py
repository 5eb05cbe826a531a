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
    """The OSM nodes the drawn path passes (its shape points are the fixture's own nodes)."""
    import xml.etree.ElementTree as ElementTree

    index = {(round(float(n.get("lon")), 7), round(float(n.get("lat")), 7)): int(n.get("id"))
             for n in ElementTree.parse(FIXTURE).getroot().iter("node")}
    return [index[(round(float(lon), 7), round(float(lat), 7))] for lon, lat in zip(path.lon, path.lat, strict=True)]


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
    minutes, routed, _snap = bike.one_to_many(NODE[2], np.array([NODE[5]]), "bike", cutoff_minutes=None)
    assert routed[0]
    assert path.length_m / (CONFIG.speed_kmh("bike") / 3.6) == pytest.approx(minutes[0] * 60, rel=0.02)


def test_a_point_beside_the_road_goes_along_it_and_its_access_is_reported(networks):
    path = road_path(networks["walk"], (3.2615, 50.8001), NODE[2])
    # placed on the nearest point of its road, about 11 m along the road from node 2
    assert 5 < path.length_m < 20 and len(path.lon) == 2 and 5 < path.access_m < 20
    assert (round(float(path.lon[-1]), 7), round(float(path.lat[-1]), 7)) == NODE[2]


def test_the_same_place_is_a_path_of_one_point(networks):
    path = road_path(networks["walk"], NODE[2], NODE[2])
    assert path.length_m == 0 and len(path.lon) == 1
