"""Street names from OpenStreetMap roads: where a street lies, per municipality and village.

:func:`read_named_roads` streams the named roads of an ``.osm.pbf``/``.osm`` file with
pyosmium (node locations cached by libosmium; the four-regions file in about 3 s).
:func:`build_streets` groups them into streets: the ways of one name in one municipality,
joined where they share an end node or lie within :data:`JOIN_M` of each other, and
assigned to the village (deelgemeente) whose place point is nearest. There are no
postcode or deelgemeente boundaries offline, so "nearest village point of the same
municipality" stands for "lies in that village"; the label names the village it chose.
Streets of one name in the same village are one street (a gap in the map data is not a
second street); the same name in two villages of one municipality is two streets, and
:class:`StreetIndex` returns both so the coach can choose.

A street's point is the middle of its way nearest to the street's centre: a point *on*
the street. House numbers cannot be placed without an address register; the
gazetteer keeps them in the label and says so.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from geo.places import POSITION_POSTCODE, Place
from geo.regions import RegionIndex
from geo.text import normalise_name

#: ways of one name and municipality within this distance (way middles, metres) are one street
JOIN_M = 300.0
#: highway values that are not streets a person lives on
NOT_STREETS = frozenset({"motorway", "motorway_link", "proposed", "construction", "abandoned", "platform",
                         "raceway", "bus_stop", "elevator", "corridor", "razed"})
STREETS_FILE = "streets.csv"
STREETS_STAMP = "streets.json"
#: bump when the derivation rules change; forces a rebuild of streets.csv
STREETS_VERSION = "1"
#: rapidfuzz ratio below which a typed street is not considered a match
STREET_CUTOFF = 85.0
_METRES_PER_DEGREE_LAT = 110_574.0
_NAME_PARTS = re.compile(r"\s+-\s+|;")


@dataclass(frozen=True)
class NamedRoads:
    """The named road ways of an OSM file, flattened: way ``i`` has vertices ``offsets[i]:offsets[i+1]``."""

    names: list[str]
    offsets: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    first_node: np.ndarray
    last_node: np.ndarray

    def __len__(self) -> int:
        return len(self.names)


@dataclass(frozen=True)
class Street:
    """One street: its name, municipality, village and a point on it (WGS84)."""

    name: str
    municipality_nis: str
    postcode: str
    place: str
    lon: float
    lat: float
    length_m: float

    @property
    def key(self) -> str:
        return normalise_name(self.name)


def read_named_roads(path: Path) -> NamedRoads:
    """Every way with a ``highway`` (not a motorway) and a ``name``, streamed with pyosmium."""
    import osmium

    processor = (
        osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        .with_filter(osmium.filter.KeyFilter("name"))
    )
    names: list[str] = []
    counts: list[int] = []
    lon: list[float] = []
    lat: list[float] = []
    first: list[int] = []
    last: list[int] = []
    for way in processor:
        highway = way.tags.get("highway")
        if not highway or highway in NOT_STREETS:
            continue
        nodes = way.nodes
        try:
            coordinates = [(node.lon, node.lat) for node in nodes]
        except osmium.InvalidLocationError:  # a node outside a clipped extract
            continue
        if not coordinates:
            continue
        names.append(way.tags["name"].strip())
        counts.append(len(coordinates))
        lon.extend(point[0] for point in coordinates)
        lat.extend(point[1] for point in coordinates)
        first.append(nodes[0].ref)
        last.append(nodes[-1].ref)
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return NamedRoads(names, offsets, np.array(lon, dtype=float), np.array(lat, dtype=float),
                      np.array(first, dtype=np.int64), np.array(last, dtype=np.int64))


def build_streets(roads: NamedRoads, regions: RegionIndex, places: list[Place]) -> list[Street]:
    """Group the named ways into streets inside the regions (see the module docstring)."""
    if not len(roads):
        return []
    reference_lat = float(np.median(roads.lat))
    scale_x = _METRES_PER_DEGREE_LAT * math.cos(math.radians(reference_lat))
    x, y = roads.lon * scale_x, roads.lat * _METRES_PER_DEGREE_LAT
    segment = np.hypot(np.diff(x), np.diff(y))
    cumulative = np.concatenate([[0.0], np.cumsum(segment)])
    starts, ends = roads.offsets[:-1], roads.offsets[1:] - 1
    way_length = cumulative[ends] - cumulative[starts]
    # each way's middle: the midpoint of its middle segment (or its middle vertex), a point on the road
    low, high = (starts + ends) // 2, (starts + ends + 1) // 2
    mid_lon, mid_lat = (roads.lon[low] + roads.lon[high]) / 2, (roads.lat[low] + roads.lat[high]) / 2
    mid_x, mid_y = mid_lon * scale_x, mid_lat * _METRES_PER_DEGREE_LAT
    nis = regions.locate_many(mid_lon, mid_lat)
    inside = np.flatnonzero(nis != "")
    keys = np.array([normalise_name(roads.names[i]) for i in inside], dtype=object)
    named = keys != ""
    inside, keys = inside[named], keys[named]
    group_labels = np.array([f"{key}|{code}" for key, code in zip(keys, nis[inside], strict=True)], dtype=object)
    _, group = np.unique(group_labels, return_inverse=True)
    components = _join_ways(inside, group, roads, mid_x[inside], mid_y[inside])

    village_points = [place for place in places if place.position != POSITION_POSTCODE]
    village_tree = cKDTree(np.column_stack([[p.lon * scale_x for p in village_points],
                                            [p.lat * _METRES_PER_DEGREE_LAT for p in village_points]]))
    members_by_component: dict[int, list[int]] = defaultdict(list)
    for position, component in enumerate(components):
        members_by_component[int(component)].append(position)
    # pieces of one name in the same village are one street (a gap in the map is not a second street)
    members_by_street: dict[tuple[int, Place], list[int]] = defaultdict(list)
    for members in members_by_component.values():
        centre = _centre(inside[members], mid_x, mid_y, way_length)
        village = _nearest_village(centre, nis[inside[members[0]]], village_tree, village_points)
        members_by_street[(int(group[members[0]]), village)].extend(members)

    streets = []
    for (_, village), members in members_by_street.items():
        ways = inside[members]
        centre = _centre(ways, mid_x, mid_y, way_length)
        # the point: the middle of the member way nearest to the street's centre
        nearest = ways[np.argmin(np.hypot(mid_x[ways] - centre[0], mid_y[ways] - centre[1]))]
        name = Counter(roads.names[i] for i in ways).most_common(1)[0][0]
        streets.append(Street(name=name, municipality_nis=str(nis[ways[0]]), postcode=village.postcode,
                              place=village.name, lon=float(mid_lon[nearest]), lat=float(mid_lat[nearest]),
                              length_m=float(way_length[ways].sum())))
    streets.sort(key=lambda street: (street.municipality_nis, street.key, street.postcode, street.place))
    return streets


def _join_ways(inside: np.ndarray, group: np.ndarray, roads: NamedRoads, mid_x: np.ndarray,
               mid_y: np.ndarray) -> np.ndarray:
    """Component label per way: same group and a shared end node, or middles within :data:`JOIN_M`."""
    n = len(inside)
    pairs = []
    # shared end nodes: sort (node, group) and link neighbours with equal keys
    node = np.concatenate([roads.first_node[inside], roads.last_node[inside]])
    way = np.concatenate([np.arange(n), np.arange(n)])
    order = np.lexsort((group[way], node))
    same = (node[order][1:] == node[order][:-1]) & (group[way][order][1:] == group[way][order][:-1])
    pairs.append(np.column_stack([way[order][:-1][same], way[order][1:][same]]))
    # nearby middles of the same group: the group id as a far-apart third coordinate
    tree = cKDTree(np.column_stack([mid_x, mid_y, group.astype(float) * (JOIN_M * 1000)]))
    pairs.append(tree.query_pairs(JOIN_M, output_type="ndarray"))
    edges = np.concatenate(pairs) if pairs else np.empty((0, 2), dtype=int)
    graph = coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def _centre(ways: np.ndarray, mid_x: np.ndarray, mid_y: np.ndarray, way_length: np.ndarray) -> tuple[float, float]:
    """The length-weighted centre of the ways' middles (metric)."""
    weights = np.maximum(way_length[ways], 1.0)
    return float(np.average(mid_x[ways], weights=weights)), float(np.average(mid_y[ways], weights=weights))


def _nearest_village(centre: tuple[float, float], nis: str, tree: cKDTree, villages: list[Place]) -> Place:
    """The nearest village point of the same municipality (villages of other municipalities skipped)."""
    count = min(len(villages), 16)
    while True:
        _, indices = tree.query(centre, k=count)
        for index in np.atleast_1d(indices):
            if villages[int(index)].municipality_nis == nis:
                return villages[int(index)]
        if count == len(villages):
            msg = f"no village point in municipality {nis}"
            raise ValueError(msg)
        count = min(len(villages), count * 4)


# ---- the index file -----------------------------------------------------------------------


def streets_csv(streets: list[Street]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["name", "municipality_nis", "postcode", "place", "lon", "lat", "length_m"])
    for street in streets:
        writer.writerow([street.name, street.municipality_nis, street.postcode, street.place, f"{street.lon:.7f}",
                         f"{street.lat:.7f}", f"{street.length_m:.0f}"])
    return buffer.getvalue()


def load_streets(geo_dir: Path) -> list[Street]:
    with (Path(geo_dir) / STREETS_FILE).open(encoding="utf-8", newline="") as handle:
        return [
            Street(name=row["name"], municipality_nis=row["municipality_nis"], postcode=row["postcode"],
                   place=row["place"], lon=float(row["lon"]), lat=float(row["lat"]), length_m=float(row["length_m"]))
            for row in csv.DictReader(handle)
        ]


def ensure_streets(osm_path: Path, geo_dir: Path, regions: RegionIndex, places: list[Place], *,
                   osm_fingerprint: str) -> dict:
    """Write ``geo_dir/streets.csv`` from ``osm_path`` unless its stamp says it is current.

    ``osm_fingerprint`` identifies the OSM file's content (its SHA-256); the stamp also
    records :data:`STREETS_VERSION`. Returns a report with ``streets``, ``built`` and ``seconds``.
    """
    from geo.fetch import write_text_atomically

    geo_dir = Path(geo_dir)
    stamp_path = geo_dir / STREETS_STAMP
    wanted = {"version": STREETS_VERSION, "osm": osm_fingerprint}
    try:
        stamp = json.loads(stamp_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        stamp = None
    if isinstance(stamp, dict) and stamp.get("source") == wanted and (geo_dir / STREETS_FILE).is_file():
        return {"streets": stamp.get("streets"), "built": False, "seconds": 0.0}
    started = time.perf_counter()
    stamp_path.unlink(missing_ok=True)
    streets = build_streets(read_named_roads(osm_path), regions, places)
    write_text_atomically(geo_dir / STREETS_FILE, streets_csv(streets))
    seconds = round(time.perf_counter() - started, 2)
    write_text_atomically(stamp_path, json.dumps({"source": wanted, "streets": len(streets), "seconds": seconds}))
    return {"streets": len(streets), "built": True, "seconds": seconds}


# ---- lookup -------------------------------------------------------------------------------


class StreetIndex:
    """Streets by municipality, looked up exactly or fuzzily (rapidfuzz, like the gazetteer)."""

    def __init__(self, streets: list[Street]) -> None:
        self.streets = list(streets)
        self._by_nis: dict[str, dict[str, list[Street]]] = defaultdict(lambda: defaultdict(list))
        for street in self.streets:
            # bilingual names ("Abelestationsstraat - Rue de la Gare") are found by either part
            parts = {street.key, *(normalise_name(part) for part in _NAME_PARTS.split(street.name))} - {""}
            for key in parts:
                self._by_nis[street.municipality_nis][key].append(street)
        self._keys_by_nis = {nis: list(by_key) for nis, by_key in self._by_nis.items()}

    def __len__(self) -> int:
        return len(self.streets)

    @classmethod
    def from_geo_dir(cls, geo_dir: Path) -> StreetIndex | None:
        """The index of ``geo_dir/streets.csv``, or None when there is none."""
        if not (Path(geo_dir) / STREETS_FILE).is_file():
            return None
        return cls(load_streets(geo_dir))

    def lookup(self, text: str, municipalities: list[str]) -> list[tuple[float, Street]]:
        """``(score, street)`` for the best-matching street name in each given municipality, best first.

        Every street of the best name in a municipality is returned (one per village):
        several means the coach must choose.
        """
        key = normalise_name(text)
        if not key:
            return []
        found: list[tuple[float, Street]] = []
        for nis in dict.fromkeys(municipalities):
            by_key = self._by_nis.get(nis)
            if not by_key:
                continue
            if key in by_key:
                found += [(100.0, street) for street in by_key[key]]
                continue
            match = process.extractOne(key, self._keys_by_nis[nis], scorer=fuzz.ratio, score_cutoff=STREET_CUTOFF)
            if match is not None:
                found += [(float(match[1]), street) for street in by_key[match[0]]]
        return sorted(found, key=lambda pair: (-pair[0], pair[1].municipality_nis, pair[1].postcode, pair[1].place))
