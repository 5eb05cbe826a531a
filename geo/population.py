"""Where people live: each municipality's population spread over its streets, in H3 hexagons.

No population grid is available offline, but the OpenStreetMap roads show where people
live. This is *dasymetric mapping* with street length as the ancillary variable
(street-weighted interpolation: Mrozinski & Cromley 1999, "Singly- and doubly-constrained
methods of areal interpolation for vector-based GIS", Transactions in GIS 3(3); Reibel &
Bufalino 2005, "Street-weighted interpolation techniques for demographic count estimation
in incompatible zone systems", Environment and Planning A 37(1)). Each zone's population
(by default the municipality's 1 January 2020 count) is shared over the zone's road
length, weighted per OSM ``highway`` type (:data:`HIGHWAY_WEIGHTS`), and summed per H3
hexagon (``h3`` package, resolution 8: about 0.74 km²).

The weights are our own choice, not fitted: homes line ``residential`` and
``living_street`` streets; in Flanders many also line the ``unclassified`` and
``tertiary`` roads of the villages and their ribbons (lintbebouwing), fewer the
``secondary``/``primary`` through roads; nobody lives on a motorway, trunk road, slip road,
farm ``track``, ``service`` road or path. Zone totals are preserved by construction
(pycnophylactic): :func:`municipality_totals` checks it.

A deployment with internet swaps in a finer source of people with one setting
(``SK_POPULATION_ZONES``): Statbel's population by statistical sector or its 1 km grid,
read by :func:`read_population_zones`; the same spreading then runs inside each sector or
grid cell instead of each municipality.

Pure library: no web framework, no database. The OSM reader is deliberately small and
separate from the street-name index (``geo.streets``) and the routing networks.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from geo.fetch import sha256_of

logger = logging.getLogger(__name__)

#: relative people per metre of road, by OSM ``highway`` (anything not listed: 0)
HIGHWAY_WEIGHTS: dict[str, float] = {
    "residential": 1.0,
    "living_street": 1.0,
    "unclassified": 0.5,
    "tertiary": 0.5,
    "road": 0.3,
    "secondary": 0.3,
    "primary": 0.15,
}
H3_RESOLUTION = 8
#: long road segments are cut into pieces of at most this length before they are placed
PIECE_M = 150.0
#: the columns of a zone file (GeoPackage/GeoJSON) whose numbers are people, in this order
POPULATION_COLUMNS = ("population", "ms_population", "ms_population_20", "pop", "TOTAL")
CACHE_VERSION = 1


@dataclass(frozen=True)
class StreetPieces:
    """Road pieces (WGS84 midpoints) with their length and ``highway`` type."""

    lon: np.ndarray
    lat: np.ndarray
    length_m: np.ndarray
    highway: np.ndarray  # str


@dataclass(frozen=True)
class PopulationCells:
    """People per (hexagon, municipality) part: a hexagon on a border is split in parts.

    ``lon``/``lat`` is the people-weighted centre of the streets of the part (where a trip
    starts); ``population`` is a float (people placed), summing to the zones' totals.
    """

    h3: np.ndarray  # str
    nis: np.ndarray  # str
    lon: np.ndarray
    lat: np.ndarray
    population: np.ndarray
    resolution: int
    source: str

    def __len__(self) -> int:
        return len(self.h3)


def highway_weight(highway: np.ndarray, weights: dict[str, float] = HIGHWAY_WEIGHTS) -> np.ndarray:
    """People weight per metre for each piece (the first value of a ``a;b`` list counts)."""
    first = pd.Series(highway, dtype="object").fillna("").astype(str).str.split(";").str[0].str.strip()
    return first.map(weights).fillna(0.0).to_numpy(dtype=float)


def read_osm_streets(path: Path) -> StreetPieces:
    """Every road segment of an ``.osm.pbf`` (pyrosm), cut into pieces of at most :data:`PIECE_M`."""
    import pyrosm

    osm = pyrosm.OSM(str(path))
    nodes, edges = osm.get_network(network_type="all", nodes=True)
    coordinates = pd.DataFrame({"lon": nodes["lon"].to_numpy(), "lat": nodes["lat"].to_numpy()},
                               index=nodes["id"].to_numpy())
    u = coordinates.reindex(edges["u"].to_numpy())
    v = coordinates.reindex(edges["v"].to_numpy())
    return cut_segments(u["lon"].to_numpy(), u["lat"].to_numpy(), v["lon"].to_numpy(), v["lat"].to_numpy(),
                        edges["length"].to_numpy(dtype=float), edges["highway"].to_numpy())


def cut_segments(lon0, lat0, lon1, lat1, length_m, highway) -> StreetPieces:
    """Straight segments -> the midpoints of equal pieces of at most :data:`PIECE_M` each."""
    lon0, lat0, lon1, lat1 = (np.asarray(a, dtype=float) for a in (lon0, lat0, lon1, lat1))
    length_m = np.asarray(length_m, dtype=float)
    ok = np.isfinite(lon0) & np.isfinite(lon1) & np.isfinite(length_m)
    lon0, lat0, lon1, lat1, length_m = lon0[ok], lat0[ok], lon1[ok], lat1[ok], length_m[ok]
    highway = np.asarray(highway, dtype=object)[ok]
    pieces = np.maximum(np.ceil(length_m / PIECE_M), 1).astype(int)
    index = np.repeat(np.arange(len(pieces)), pieces)
    starts = np.repeat(np.cumsum(pieces) - pieces, pieces)
    fraction = (np.arange(len(index)) - starts + 0.5) / pieces[index]
    return StreetPieces(
        lon=lon0[index] + (lon1 - lon0)[index] * fraction,
        lat=lat0[index] + (lat1 - lat0)[index] * fraction,
        length_m=(length_m / pieces)[index],
        highway=highway[index],
    )


def _zone_of(lon: np.ndarray, lat: np.ndarray, geometries) -> np.ndarray:
    """Index of the polygon holding each point (-1 outside all); WGS84."""
    import shapely

    points = shapely.points(lon, lat)
    tree = shapely.STRtree(list(geometries))
    point_index, zone_index = tree.query(points, predicate="within")
    zone = np.full(len(lon), -1, dtype=np.int64)
    zone[point_index] = zone_index  # a point on a shared border: one of the two, either is fine
    return zone


def spread_population(
    streets: StreetPieces,
    municipalities,
    *,
    zones=None,
    resolution: int = H3_RESOLUTION,
    weights: dict[str, float] = HIGHWAY_WEIGHTS,
    source: str = "osm-streets",
) -> PopulationCells:
    """Share each zone's people over its weighted street length; sum per (hexagon, municipality).

    ``municipalities``: objects with ``nis``, ``population`` and a WGS84 ``geometry``.
    ``zones``: optional ``(geometries, populations)`` that replace the municipalities as the
    zones whose totals are spread (statistical sectors, grid cells); the municipality of
    each street piece still comes from the municipal boundaries. A zone without any
    weighted street keeps its people at its representative point, so totals always hold.
    """
    import h3

    municipalities = list(municipalities)
    nis_of_piece = _zone_of(streets.lon, streets.lat, [m.geometry for m in municipalities])
    inside = nis_of_piece >= 0
    lon, lat = streets.lon[inside], streets.lat[inside]
    mass = streets.length_m[inside] * highway_weight(streets.highway[inside], weights)
    municipality_index = nis_of_piece[inside]
    if zones is None:
        zone_geometries = [m.geometry for m in municipalities]
        zone_population = np.array([float(m.population) for m in municipalities])
        zone = municipality_index
    else:
        zone_geometries, zone_population = list(zones[0]), np.asarray(zones[1], dtype=float)
        zone = _zone_of(lon, lat, zone_geometries)
    zone_mass = np.bincount(zone[zone >= 0], weights=mass[zone >= 0], minlength=len(zone_geometries))
    share = np.where(zone >= 0, mass / np.where(zone_mass[zone] > 0, zone_mass[zone], 1.0), 0.0)
    people = share * zone_population[np.maximum(zone, 0)] * (zone >= 0)

    # zones with people but no weighted street: their representative point carries them
    empty = np.flatnonzero((zone_mass <= 0) & (zone_population > 0))
    if empty.size:
        points = [zone_geometries[i].representative_point() for i in empty]
        extra_lon = np.array([p.x for p in points])
        extra_lat = np.array([p.y for p in points])
        extra_m = _zone_of(extra_lon, extra_lat, [m.geometry for m in municipalities])
        placed = extra_m >= 0
        lon = np.concatenate([lon, extra_lon[placed]])
        lat = np.concatenate([lat, extra_lat[placed]])
        people = np.concatenate([people, zone_population[empty][placed]])
        municipality_index = np.concatenate([municipality_index, extra_m[placed]])

    keep = people > 0
    lon, lat, people, municipality_index = lon[keep], lat[keep], people[keep], municipality_index[keep]
    cells = np.array([h3.latlng_to_cell(y, x, resolution) for x, y in zip(lon, lat, strict=True)], dtype=object)
    frame = pd.DataFrame({"h3": cells, "m": municipality_index, "people": people, "wx": people * lon,
                          "wy": people * lat})
    grouped = frame.groupby(["h3", "m"], sort=True).sum()
    nis = np.array([m.nis for m in municipalities])
    people_sum = grouped["people"].to_numpy()
    return PopulationCells(
        h3=grouped.index.get_level_values("h3").to_numpy().astype(str),
        nis=nis[grouped.index.get_level_values("m").to_numpy()],
        lon=grouped["wx"].to_numpy() / people_sum,
        lat=grouped["wy"].to_numpy() / people_sum,
        population=people_sum,
        resolution=resolution,
        source=source,
    )


def municipality_totals(cells: PopulationCells, municipalities) -> list[dict]:
    """People placed vs the official count per municipality (``difference`` as a share)."""
    placed = pd.Series(cells.population).groupby(cells.nis).sum()
    rows = []
    for m in municipalities:
        got = float(placed.get(m.nis, 0.0))
        rows.append({"nis": m.nis, "name": m.name_nl, "official": int(m.population), "placed": round(got, 1),
                     "difference": round((got - m.population) / m.population, 6) if m.population else 0.0})
    return rows


def read_population_zones(path: Path) -> tuple[list, np.ndarray]:
    """Polygons with a count of people (Statbel statistical sectors or 1 km grid, any CRS).

    The first column of :data:`POPULATION_COLUMNS` present holds the people; the geometry
    is reprojected to WGS84.
    """
    import geopandas as gpd

    frame = gpd.read_file(path)
    column = next((c for c in POPULATION_COLUMNS if c in frame.columns), None)
    if column is None:
        msg = f"{path} has none of the population columns {', '.join(POPULATION_COLUMNS)}"
        raise ValueError(msg)
    if frame.crs is not None:
        frame = frame.to_crs("EPSG:4326")
    population = pd.to_numeric(frame[column], errors="coerce").fillna(0.0).to_numpy()
    return list(frame.geometry), population


def cache_file(cache_dir: Path, osm_path: Path, municipalities, *, zones_path: Path | None = None,
               resolution: int = H3_RESOLUTION) -> Path:
    """Where the hexagons of these inputs are cached (the name changes with every input)."""
    key = json.dumps({
        "v": CACHE_VERSION, "osm": sha256_of(osm_path)[:12], "zones": sha256_of(zones_path)[:12] if zones_path else "",
        "weights": HIGHWAY_WEIGHTS, "piece": PIECE_M, "res": resolution,
        "municipalities": [(m.nis, int(m.population), round(m.geometry.area, 8)) for m in municipalities],
    }, sort_keys=True)
    return cache_dir / f"population-h3r{resolution}-{hashlib.sha1(key.encode()).hexdigest()[:12]}.csv"


def load_or_build(cache_dir: Path, osm_path: Path, municipalities, *, zones_path: Path | None = None,
                  resolution: int = H3_RESOLUTION) -> PopulationCells:
    """The hexagons from the cache, or spread from the OSM file once and cached (older files removed)."""
    municipalities = list(municipalities)
    path = cache_file(cache_dir, osm_path, municipalities, zones_path=zones_path, resolution=resolution)
    source = "statbel-zones" if zones_path else "osm-streets"
    if path.exists():
        frame = pd.read_csv(path, dtype={"h3": str, "nis": str})
        return PopulationCells(h3=frame["h3"].to_numpy().astype(str), nis=frame["nis"].to_numpy().astype(str),
                               lon=frame["lon"].to_numpy(), lat=frame["lat"].to_numpy(),
                               population=frame["population"].to_numpy(), resolution=resolution, source=source)
    logger.info("spreading the population over the streets of %s (once; cached in %s)", osm_path.name, cache_dir)
    zones = read_population_zones(zones_path) if zones_path else None
    cells = spread_population(read_osm_streets(osm_path), municipalities, zones=zones, resolution=resolution,
                              source=source)
    cache_dir.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    pd.DataFrame({"h3": cells.h3, "nis": cells.nis, "lon": cells.lon.round(6), "lat": cells.lat.round(6),
                  "population": cells.population.round(4)}).to_csv(temporary, index=False)
    temporary.replace(path)
    for old in cache_dir.glob(f"population-h3r{resolution}-*.csv"):
        if old != path:
            old.unlink(missing_ok=True)
    return cells
