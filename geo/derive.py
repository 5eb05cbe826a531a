"""Derive what the app reads (``data/geo``) from the verified reference files (``data/source``).

Pure functions: files in, Python structures out; :mod:`geo.prepare` writes them.

Choices where the sources disagree:

- A postcode's municipality comes from Statbel's postcode -> REFNIS table, not from
  where the OpenStreetMap-geocoded point happens to fall. A point of a postcode outside
  the 44 is not kept even if it falls inside (3700 Sluizen is in Tongeren, not in
  Nieuwpoort; 7760 Escanaffles is in Celles, not in Avelgem; 8434 Lombardsijde is in
  Middelkerke).
- A point just outside its own municipality (within :data:`SNAP_TOLERANCE_M`, an effect
  of the ~25 m simplified borders: Vlimmeren, Sint-Eloois-Vijve, Bikschote) is moved just
  inside it (``position == "snapped"``).
- A point far from its municipality (Driekapellen, 8600 Diksmuide, geocoded 80 km away
  in Pajottegem) is not trusted: the place keeps its name but gets the postcode's main
  point and ``position == "postcode"``, so the gazetteer answers it with postcode
  precision instead of pretending to know where the village is.
- Some place names in the source are French (Espierres-Helchin, Espierres, Helchin,
  Biévène, Messines): the Dutch name is shown, the French one kept as ``source_name``
  so it can still be searched.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from geo.places import (
    POSITION_POSTCODE,
    POSITION_SNAPPED,
    POSITION_SOURCE,
    Place,
    municipality_names,
    postcode_main_places,
)
from geo.projection import to_metric, to_wgs84
from geo.regions import PARTNERSHIP_SLUGS, Municipality, RegionIndex, municipalities_from_geojson

#: members of each partnership in 2025, by NIS code (from ../shared/data/README.md)
PARTNERSHIP_MEMBERS: dict[str, tuple[str, ...]] = {
    # 'T PACT: Anzegem, Avelgem, Deerlijk, Harelbeke, Kortrijk, Kuurne, Lendelede, Menen,
    # Spiere-Helkijn, Waregem, Wervik, Wevelgem, Zwevegem
    "Zuid-West-Vlaanderen": (
        "34002", "34003", "34009", "34013", "34022", "34023", "34025", "34027", "34043", "34040", "33029",
        "34041", "34042",
    ),
    # WestUp: Alveringem, De Panne, Diksmuide, Heuvelland, Houthulst, Ieper, Koekelare, Kortemark, Koksijde,
    # Langemark-Poelkapelle, Lo-Reninge, Mesen, Nieuwpoort, Poperinge, Veurne, Vleteren, Wervik, Zonnebeke
    "Westhoek": (
        "38002", "38008", "32003", "33039", "32006", "33011", "32010", "32011", "38014", "33040", "32030",
        "33016", "38016", "33021", "38025", "33041", "33029", "33037",
    ),
    # PajoTARL: Affligem, Bever, Lennik, Liedekerke, Pajottegem, Pepingen, Roosdaal, Ternat
    "PajoTARL": ("23105", "23009", "23104", "23044", "23106", "23064", "23097", "23086"),
    # PAKT: Beerse, Kasterlee, Lille, Oud-Turnhout, Turnhout, Vosselaar
    "Turnhout": ("13004", "13017", "13019", "13031", "13040", "13046"),
}

#: the 2025 merger inside the regions: new NIS, name, {former NIS: former name}
PAJOTTEGEM_NIS = "23106"
PAJOTTEGEM_NAME = "Pajottegem"
PAJOTTEGEM_MERGED_FROM: dict[str, str] = {"23023": "Galmaarden", "23024": "Gooik", "23032": "Herne"}
MERGER_DATE = "2025-01-01"

#: French village names in the regions that Statbel's municipality names do not translate
FRENCH_VILLAGE_NAMES: dict[str, str] = {"Espierres": "Spiere", "Helchin": "Helkijn"}

#: a place point this close to its own municipality is moved inside; farther, it is not trusted
SNAP_TOLERANCE_M = 1_000.0
#: how far inside the border a snapped point is put (the borders are simplified to ~25 m)
SNAP_INSET_M = 30.0
#: stations kept: inside the regions or within this distance of them
STATION_BUFFER_M = 10_000.0

STATION_FACILITIES = (
    "wheelchair_available", "ramp", "elevated_platform", "elevator_platform", "audio_induction_loop",
    "ticket_vending_machine", "bicycle_spots", "blue-bike", "bus", "tram", "disabled_parking_spots",
)


# ---- municipalities --------------------------------------------------------------------


def derive_regions_from_topojson(topojson_path: Path) -> dict:
    """The 44 municipalities from ``belgium.json``, Galmaarden, Gooik and Herne dissolved into Pajottegem.

    Returns a FeatureCollection (EPSG:4326) in the format of the shared
    ``regions/partnership_municipalities_2025.geojson``: ``nis``, ``name_nl``, ``name_fr``,
    ``partnerships`` (names), ``population_2020``, ``valid_from`` and, for Pajottegem,
    ``merged_from`` as ``{nis: name}``.
    """
    import geopandas as gpd  # geopandas is slow to import; only this derivation needs it

    frame = gpd.read_file(topojson_path, layer="municipalities", engine="pyogrio")
    frame["nis"] = frame["nis"].astype(str)
    rows = {row.nis: row for row in frame.itertuples(index=False)}
    members = sorted({nis for nis_codes in PARTNERSHIP_MEMBERS.values() for nis in nis_codes})
    features = []
    for nis in members:
        if nis == PAJOTTEGEM_NIS:
            parts = [rows[former] for former in PAJOTTEGEM_MERGED_FROM]
            geometry = shapely.union_all([_valid(part.geometry) for part in parts])
            properties = {
                "nis": nis, "name_nl": PAJOTTEGEM_NAME, "name_fr": PAJOTTEGEM_NAME,
                "population_2020": int(sum(part.population for part in parts)), "valid_from": MERGER_DATE,
                "merged_from": dict(PAJOTTEGEM_MERGED_FROM),
            }
        else:
            row = rows[nis]
            geometry = _valid(row.geometry)
            properties = {
                "nis": nis, "name_nl": row.name_nl, "name_fr": row.name_fr,
                "population_2020": int(row.population), "valid_from": None,
            }
        properties["partnerships"] = [name for name, nis_codes in PARTNERSHIP_MEMBERS.items() if nis in nis_codes]
        features.append({"type": "Feature", "properties": properties, "geometry": mapping(geometry)})
    return {"type": "FeatureCollection", "name": "partnership_municipalities_2025", "features": features}


def _valid(geometry: BaseGeometry) -> BaseGeometry:
    # One source polygon (Koksijde) self-intersects at a quantised vertex; buffer(0) repairs
    # it exactly as in the shared regions file (make_valid would keep a 3e-9 deg² sliver).
    return geometry if geometry.is_valid else geometry.buffer(0)


def municipalities_geojson(municipalities: Iterable[Municipality]) -> dict:
    """The prepared ``municipalities.geojson``: slugs, population, former names, area."""
    features = []
    for municipality in sorted(municipalities, key=lambda m: m.nis):
        properties = {
            "nis": municipality.nis,
            "name_nl": municipality.name_nl,
            "name_fr": municipality.name_fr,
            "partnerships": list(municipality.partnerships),
            "population": municipality.population,
            "merged_from": list(municipality.merged_from),
            "merged_from_nis": list(municipality.merged_from_nis),
            "area_km2": round(municipality.area_km2, 3),
        }
        features.append({"type": "Feature", "properties": properties, "geometry": mapping(municipality.geometry)})
    return {"type": "FeatureCollection", "name": "municipalities", "features": features}


def load_region_features(source_dir: Path) -> tuple[list[Municipality], str]:
    """The 44 from the shared regions file when present, else derived from ``belgium.json``.

    Returns
    -------
    municipalities, origin
        ``origin`` is the relative path of the file they came from.
    """
    regions_file = source_dir / "regions/partnership_municipalities_2025.geojson"
    if regions_file.is_file():
        collection = json.loads(regions_file.read_text(encoding="utf-8"))
        origin = "regions/partnership_municipalities_2025.geojson"
    else:
        collection = derive_regions_from_topojson(source_dir / "boundaries/belgium.json")
        origin = "boundaries/belgium.json"
    municipalities = municipalities_from_geojson(collection)
    check_partnerships(municipalities)
    return municipalities, origin


def check_partnerships(municipalities: list[Municipality]) -> None:
    """Refuse region data that does not have the expected 44 municipalities per partnership."""
    by_slug: dict[str, set[str]] = defaultdict(set)
    for municipality in municipalities:
        for slug in municipality.partnerships:
            by_slug[slug].add(municipality.nis)
    expected = {PARTNERSHIP_SLUGS[name]: set(nis) for name, nis in PARTNERSHIP_MEMBERS.items()}
    if dict(by_slug) != expected or len(municipalities) != 44:
        msg = f"the regions data does not list the 44 municipalities of the four partnerships: {dict(by_slug)}"
        raise ValueError(msg)


# ---- places ----------------------------------------------------------------------------


def read_postcode_points(path: Path) -> list[tuple[str, str, float, float]]:
    """``zipcode-belgium.csv`` rows: postcode, name, longitude, latitude (no header)."""
    with Path(path).open(encoding="utf-8", newline="") as handle:
        return [(row[0].strip(), row[1].strip(), float(row[2]), float(row[3])) for row in csv.reader(handle) if row]


def read_municipalities_by_postcode(path: Path) -> dict[str, set[str]]:
    """Statbel's postcode -> REFNIS (2025) table as ``{postcode: {nis, ...}}``."""
    table: dict[str, set[str]] = defaultdict(set)
    for row in json.loads(Path(path).read_text(encoding="utf-8")):
        table[str(row["postalCode"])].add(str(row["municipality"]))
    return dict(table)


def read_statbel_municipalities(path: Path) -> list[dict]:
    """Statbel's 565 municipalities (2025): ``{"id", "name": {"nl", "fr"}, ...}``."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def dutch_name_for(name: str, statbel_municipalities: list[dict]) -> str:
    """The Dutch name of a place the source may name in French (Biévène -> Bever)."""
    for municipality in statbel_municipalities:
        if municipality["name"]["fr"] == name:
            return municipality["name"]["nl"]
    return FRENCH_VILLAGE_NAMES.get(name, name)


def derive_places(
    postcode_points: list[tuple[str, str, float, float]],
    municipalities_by_postcode: dict[str, set[str]],
    statbel_municipalities: list[dict],
    regions: RegionIndex,
) -> tuple[list[Place], list[tuple[str, str, float, float]]]:
    """Place points inside the 44, each with its municipality, and the rows left outside.

    See the module docstring for how disagreements between the sources are settled.
    """
    inside_nis = {m.nis for m in regions.municipalities}
    lon = np.array([row[2] for row in postcode_points])
    lat = np.array([row[3] for row in postcode_points])
    located = regions.locate_many(lon, lat)
    kept: list[Place] = []
    far_off: list[tuple[str, str, str, str]] = []  # postcode, name, nis, source name: placed last
    outside: list[tuple[str, str, float, float]] = []
    for (postcode, name, x, y), found in zip(postcode_points, located, strict=True):
        official = municipalities_by_postcode.get(postcode, set())
        ours = official & inside_nis if official else ({found} if found else set())
        if not ours:
            outside.append((postcode, name, x, y))
            continue
        dutch = dutch_name_for(name, statbel_municipalities)
        source_name = name if dutch != name else ""
        if found in ours:
            kept.append(Place(postcode, dutch, round(x, 7), round(y, 7), found, source_name, POSITION_SOURCE))
            continue
        nis, distance_m = _nearest_municipality(regions, ours, x, y)
        if distance_m <= SNAP_TOLERANCE_M:
            snapped_lon, snapped_lat = _snap_inside(regions.by_nis(nis), x, y)
            kept.append(Place(postcode, dutch, snapped_lon, snapped_lat, nis, source_name, POSITION_SNAPPED))
        else:
            far_off.append((postcode, dutch, nis, source_name))
    main_places = postcode_main_places(kept, municipality_names(regions))
    for postcode, name, nis, source_name in far_off:
        main = main_places.get((postcode, nis))
        if main is not None:
            point_lon, point_lat = main.lon, main.lat
        else:
            point = regions.by_nis(nis).geometry.representative_point()
            point_lon, point_lat = round(point.x, 7), round(point.y, 7)
        kept.append(Place(postcode, name, point_lon, point_lat, nis, source_name, POSITION_POSTCODE))
    kept.sort(key=lambda place: (place.postcode, place.name))
    return kept, outside


def _nearest_municipality(regions: RegionIndex, nis_codes: set[str], lon: float, lat: float) -> tuple[str, float]:
    x, y = to_metric(lon, lat)
    point = shapely.Point(float(x), float(y))
    distances = {nis: regions.by_nis(nis).geometry_metric.distance(point) for nis in sorted(nis_codes)}
    nis = min(distances, key=distances.__getitem__)
    return nis, distances[nis]


def _snap_inside(municipality: Municipality, lon: float, lat: float) -> tuple[float, float]:
    x, y = to_metric(lon, lat)
    inner = municipality.geometry_metric.buffer(-SNAP_INSET_M)
    target = inner if not inner.is_empty else municipality.geometry_metric
    nearest = nearest_points(target, shapely.Point(float(x), float(y)))[0]
    snapped_lon, snapped_lat = to_wgs84(nearest.x, nearest.y)
    return round(float(snapped_lon), 7), round(float(snapped_lat), 7)


def outside_names(
    outside_points: list[tuple[str, str, float, float]],
    municipalities_by_postcode: dict[str, set[str]],
    statbel_municipalities: list[dict],
    topojson_names: list[tuple[str, str, str]],
    regions: RegionIndex,
) -> list[dict]:
    """Every Belgian name and postcode outside the 44, so the gazetteer can say "outside".

    Rows: ``kind`` (place, municipality, postcode), ``name``, ``postcode``, ``municipality_nis``.
    """
    inside_nis = {m.nis for m in regions.municipalities}
    inside_postcodes = {pc for pc, nis_codes in municipalities_by_postcode.items() if nis_codes & inside_nis}
    rows: list[dict] = []
    for postcode, name, _lon, _lat in outside_points:
        nis = min(municipalities_by_postcode.get(postcode, {""}))
        rows.append({"kind": "place", "name": name, "postcode": postcode, "municipality_nis": nis})
    for municipality in statbel_municipalities:
        if municipality["id"] in inside_nis:
            continue
        for name in dict.fromkeys((municipality["name"]["nl"], municipality["name"]["fr"])):
            rows.append({"kind": "municipality", "name": name, "postcode": "", "municipality_nis": municipality["id"]})
    former_inside = {former for m in regions.municipalities for former in m.merged_from_nis}
    for nis, name_nl, name_fr in topojson_names:  # names of municipalities merged away before 2025 too
        if nis in inside_nis or nis in former_inside:
            continue
        for name in dict.fromkeys((name_nl, name_fr)):
            rows.append({"kind": "municipality", "name": name, "postcode": "", "municipality_nis": nis})
    for postcode, nis_codes in sorted(municipalities_by_postcode.items()):
        if postcode not in inside_postcodes:
            rows.append({"kind": "postcode", "name": "", "postcode": postcode, "municipality_nis": min(nis_codes)})
    unique = {(row["kind"], row["name"], row["postcode"]): row for row in rows}
    return sorted(unique.values(), key=lambda row: (row["kind"], row["postcode"], row["name"]))


def read_topojson_names(topojson_path: Path) -> list[tuple[str, str, str]]:
    """NIS, Dutch and French names of the 581 pre-2025 municipalities in ``belgium.json``."""
    topology = json.loads(Path(topojson_path).read_text(encoding="utf-8"))
    return [
        (str(geometry["properties"]["nis"]), geometry["properties"]["name_nl"], geometry["properties"]["name_fr"])
        for geometry in topology["objects"]["municipalities"]["geometries"]
    ]


# ---- stations --------------------------------------------------------------------------


def derive_stations(
    stations_path: Path, facilities_path: Path, regions: RegionIndex, municipalities_by_postcode: dict[str, set[str]]
) -> list[dict]:
    """NMBS stations inside the regions or within :data:`STATION_BUFFER_M`, with facilities.

    Returns rows for ``stations.csv``; the first five columns keep iRail's names
    (``URI, name, longitude, latitude, avg_stop_times``) so other readers of iRail's file
    read this one too.
    """
    with Path(facilities_path).open(encoding="utf-8", newline="") as handle:
        facilities = {row["URI"]: row for row in csv.DictReader(handle)}
    with Path(stations_path).open(encoding="utf-8", newline="") as handle:
        stations = list(csv.DictReader(handle))
    lon = np.array([float(row["longitude"]) for row in stations])
    lat = np.array([float(row["latitude"]) for row in stations])
    x, y = to_metric(lon, lat)
    union = regions.union_metric
    shapely.prepare(union)
    distances = shapely.distance(union, shapely.points(x, y))
    located = regions.locate_many(lon, lat)
    inside_nis = {m.nis for m in regions.municipalities}
    rows = []
    for station, distance_m, found in zip(stations, distances, located, strict=True):
        if distance_m > STATION_BUFFER_M:
            continue
        facility = facilities.get(station["URI"], {})
        # The station's address postcode says which municipality it serves better than the
        # simplified borders do (Enghien's station lies 150 m inside Pajottegem's outline).
        by_address = municipalities_by_postcode.get(facility.get("zip", ""), set())
        nis = (min(by_address & inside_nis) if by_address & inside_nis else "") if by_address else found
        address = " ".join(part for part in (facility.get("street", ""), facility.get("zip", "")) if part)
        if facility.get("city"):
            address = f"{address} {facility['city']}".strip()
        row = {
            "URI": station["URI"],
            "name": station["name"],
            "longitude": station["longitude"],
            "latitude": station["latitude"],
            "avg_stop_times": station.get("avg_stop_times") or "0",
            "name_fr": station.get("alternative-fr", ""),
            "country_code": station.get("country-code", ""),
            "municipality_nis": nis,
            "distance_to_regions_km": f"{distance_m / 1000:.2f}",
            "address": address,
        }
        for column in STATION_FACILITIES:
            value = facility.get(column, "")
            output_column = "wheelchair" if column == "wheelchair_available" else column.replace("-", "_")
            row[output_column] = value
        rows.append(row)
    rows.sort(key=lambda row: row["name"])
    return rows
