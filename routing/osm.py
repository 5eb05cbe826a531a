"""Read the roads of an OpenStreetMap ``.osm.pbf`` file into node and segment tables (pyosmium).

Every way with a ``highway`` tag becomes its segments (consecutive node pairs) with the
way's tags that the mode rules and speeds read, and the segment's great-circle length.
libosmium decodes the file and places the nodes (its location index) in C++; Python
sees one call per way, and the geometry comes back as WKB that shapely reads in bulk.
Nodes are identified by their exact coordinates (OSM's 1e-7 degree grid): two OSM nodes
on the same spot are one road node, as a router would treat them anyway.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from routing.geometry import EARTH_RADIUS_M

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
