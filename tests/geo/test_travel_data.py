"""The travel data without ../shared: a Belgian extract downloaded (from a local server), clipped, indexed.

The "extract" is a tiny ``.osm.pbf`` written here with pyosmium and served over HTTP on
127.0.0.1 with its ``.md5`` beside it, as Geofabrik publishes them: the same code path a
deployment takes with ``belgium-latest.osm.pbf``.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import osmium
import pytest

from app.core.config import PROJECT_ROOT
from geo.errors import DataPreparationError
from geo.gazetteer import Gazetteer, Precision
from geo.sources import OSM_ROADS_PATH, SOURCES
from geo.travel_data import PROVENANCE_PATH, ensure_travel_data, roads_credit_nl

# way id -> (tags, [(node id, lon, lat)]); Kortrijk centre is about 3.265, 50.827
ROADS = {
    1: ({"highway": "residential", "name": "Teststraat"}, [(1, 3.2600, 50.8260), (2, 3.2620, 50.8261), (3, 3.2640, 50.8262)]),
    # from Kortrijk to 14 km south (France, beyond the 5 km buffer): kept whole, its far node too
    2: ({"highway": "primary", "name": "Lange Weg"}, [(3, 3.2640, 50.8262), (4, 3.2640, 50.7000)]),
    # Liège: far outside the regions
    3: ({"highway": "residential", "name": "Verre Weg"}, [(5, 5.5700, 50.6300), (6, 5.5710, 50.6300)]),
    # not a road
    4: ({"building": "yes", "name": "Stadhuis"}, [(7, 3.2650, 50.8270), (8, 3.2651, 50.8271), (9, 3.2652, 50.8270)]),
}


def write_extract(path: Path) -> None:
    writer = osmium.SimpleWriter(str(path))
    seen = set()
    try:
        for _tags, nodes in ROADS.values():
            for node_id, lon, lat in nodes:
                if node_id not in seen:
                    seen.add(node_id)
                    writer.add_node(osmium.osm.mutable.Node(id=node_id, location=(lon, lat), version=1))
        writer.add_node(osmium.osm.mutable.Node(id=99, location=(3.266, 50.828), version=1, tags={"amenity": "bench"}))
        for way_id, (tags, nodes) in ROADS.items():
            writer.add_way(osmium.osm.mutable.Way(id=way_id, nodes=[n[0] for n in nodes], tags=tags, version=1))
    finally:
        writer.close()


@pytest.fixture
def extract_server(tmp_path):
    """Serve ``belgium-latest.osm.pbf`` and its ``.md5`` from a folder on 127.0.0.1; yields (url, folder)."""
    folder = tmp_path / "www"
    folder.mkdir()
    extract = folder / "belgium-latest.osm.pbf"
    write_extract(extract)
    md5 = hashlib.md5(extract.read_bytes(), usedforsecurity=False).hexdigest()
    (folder / "belgium-latest.osm.pbf.md5").write_text(f"{md5}  belgium-latest.osm.pbf\n")
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/belgium-latest.osm.pbf", folder
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def data_dir_without_travel_data(tmp_path: Path, project_data: Path) -> Path:
    """A data/ with the prepared geo files and reference sources, but no roads or timetables."""
    target = tmp_path / "data"
    shutil.copytree(project_data / "geo", target / "geo")
    for name in ("streets.csv", "streets.json"):
        (target / "geo" / name).unlink(missing_ok=True)
    for source in SOURCES:
        original = project_data / "source" / source.path
        if original.is_file():
            (target / "source" / source.path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(original, target / "source" / source.path)
    return target


def read_back(path: Path) -> tuple[set[int], set[int]]:
    ways, nodes = set(), set()
    for obj in osmium.FileProcessor(str(path)):
        (ways if obj.is_way() else nodes).add(obj.id)
    return ways, nodes


def test_without_shared_data_the_extract_is_downloaded_clipped_to_the_regions_and_indexed(
    tmp_path, data_dir, extract_server
):
    url, _folder = extract_server
    target = data_dir_without_travel_data(tmp_path, data_dir)
    report = ensure_travel_data(tmp_path / "no-shared", target, extract_url=url, progress=False)

    roads = target / "source" / OSM_ROADS_PATH
    ways, nodes = read_back(roads)
    assert ways == {1, 2}  # the roads touching the regions (+5 km), whole; not Liège, not the building
    assert nodes == {1, 2, 3, 4}
    assert report["copied"] == [] and report["transit_files"] == []
    assert report["roads"]["origin"] == url and report["roads"]["ways"] == 2
    assert json.loads((target / "source" / PROVENANCE_PATH).read_text())["buffer_m"] == 5000.0
    assert roads_credit_nl(target / "source").startswith("© OpenStreetMap-bijdragers (ODbL), wegennet OpenStreetMap, ")
    assert report["streets"]["built"] and report["streets"]["streets"] == 2
    # the street index of the clipped file places a home on its street
    home = Gazetteer.from_geo_dir(target / "geo").resolve("Teststraat 7, Kortrijk")
    assert (home.precision, home.municipality_name) == (Precision.STREET, "Kortrijk")
    # a second run has nothing to do
    again = ensure_travel_data(tmp_path / "no-shared", target, extract_url=url, progress=False)
    assert again["streets"]["built"] is False and read_back(roads) == (ways, nodes)


def test_the_clipped_extract_builds_a_road_network(tmp_path, data_dir, extract_server):
    from routing.config import RoutingConfig
    from routing.ensure_networks import ensure_networks
    from routing.network import load_cached_networks

    url, _folder = extract_server
    target = data_dir_without_travel_data(tmp_path, data_dir)
    ensure_travel_data(None, target, extract_url=url, progress=False)
    report = ensure_networks(target / "source" / OSM_ROADS_PATH, cache_dir=tmp_path / "networks",
                             config=RoutingConfig(), network_types=("walk",), progress=False)
    assert report["built"] is True
    walk = load_cached_networks(tmp_path / "networks", RoutingConfig())["walk"]
    # the kept roads 1-2-3-4 form one chain, simplified to its two ends; Liège's road was clipped away
    assert walk.n_nodes == 2
    # the stamp: a second start loads the cache instead of building
    again = ensure_networks(target / "source" / OSM_ROADS_PATH, cache_dir=tmp_path / "networks",
                            config=RoutingConfig(), network_types=("walk",), progress=False)
    assert again["built"] is False and again["networks"] == report["networks"]


def test_a_download_that_fails_its_md5_is_refused_and_leaves_no_file(tmp_path, data_dir, extract_server):
    url, folder = extract_server
    (folder / "belgium-latest.osm.pbf.md5").write_text("0" * 32 + "  belgium-latest.osm.pbf\n")
    target = data_dir_without_travel_data(tmp_path, data_dir)
    with pytest.raises(DataPreparationError, match="MD5"):
        ensure_travel_data(None, target, extract_url=url, progress=False)
    assert not any((target / "source" / "osm").glob("*.pbf")), "no half-written or unverified extract"


def test_without_shared_data_or_internet_sk_data_says_one_sentence_and_exits_1(tmp_path, data_dir):
    with socket.socket() as probe:  # a port nobody listens on: the download is refused at once
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    target = data_dir_without_travel_data(tmp_path, data_dir)
    env = {**os.environ, "SK_DATA_DIR": str(target), "SK_SHARED_DATA_DIR": str(tmp_path / "no-shared"),
           "SK_OSM_EXTRACT_URL": f"http://127.0.0.1:{closed_port}/belgium-latest.osm.pbf"}
    result = subprocess.run([sys.executable, "-m", "app.server.cli", "data"], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip() and " INFO " not in line]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("sk data: there is no shared data folder and the OpenStreetMap extract")
    assert "Traceback" not in result.stderr
