"""Fill ``data/``: obtain and verify the reference files, derive ``data/geo``.

``ensure_data(shared_dir, data_dir)`` is the one entry point, used by
``python -m scripts.prepare_data``, ``sk data``, the app's start-up and the tests.

- ``data/source/``: the reference files of :data:`geo.sources.SOURCES`, copied from the
  shared folder when it has them, otherwise downloaded; each checked against its pinned
  SHA-256.
- ``data/geo/``: ``municipalities.geojson`` (the 44, EPSG:4326), ``places.csv``,
  ``outside_names.csv`` (every other Belgian name and postcode, so the gazetteer can say
  "outside the regions"), ``stations.csv``, ``attribution.json`` and the stamp
  ``prepared.json``.

Idempotent: when the sources are unchanged and the stamp matches, a run only re-hashes
the sources (milliseconds) and says so. Every file is written atomically; the stamp is
removed before deriving and written last, so an interrupted run is redone next time.
Concurrent runs (several app workers starting at once) are serialised by a lock file.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from geo.derive import (
    derive_places,
    derive_stations,
    load_region_features,
    municipalities_geojson,
    outside_names,
    read_municipalities_by_postcode,
    read_postcode_points,
    read_statbel_municipalities,
    read_topojson_names,
)
from geo.errors import DataPreparationError
from geo.fetch import SourceFetcher, write_text_atomically
from geo.places import POSITION_POSTCODE, POSITION_SNAPPED, Place
from geo.regions import RegionIndex
from geo.sources import SOURCES, attribution_lines

logger = logging.getLogger(__name__)

#: bump when the derived files change shape or content rules; forces a re-derive
DERIVED_VERSION = "5"
GEO_FILES = ("municipalities.geojson", "places.csv", "outside_names.csv", "stations.csv", "attribution.json")
STAMP_FILE = "prepared.json"
#: files earlier versions wrote into data/geo and this one no longer does
OBSOLETE_GEO_FILES = ("all_places.csv", "statbel_municipalities.json")

__all__ = ["DataPreparationError", "ensure_data", "is_prepared"]


def ensure_data(
    shared_dir: Path | None,
    data_dir: Path,
    *,
    force: bool = False,
    client: httpx.Client | None = None,
    progress: bool = True,
) -> dict:
    """Make ``data_dir/source`` and ``data_dir/geo`` complete and current.

    Parameters
    ----------
    shared_dir
        The shared reference folder (``../shared/data``); None or a missing folder means
        every file is downloaded from its public source.
    data_dir
        The project's ``data/``.
    force
        Derive ``data/geo`` again even when nothing changed.
    client
        The httpx client for downloads (tests pass one with a mock transport).
    progress
        Show progress bars while downloading.

    Returns
    -------
    dict
        A JSON-serialisable report: ``message``, ``changed`` (source paths written),
        ``derived`` (bool), ``regions_from``, the counts (``municipalities``, ``places``,
        ``places_repositioned``, ``outside_names``, ``stations``) and ``seconds``.

    Raises
    ------
    DataPreparationError
        When a source is in neither place and cannot be downloaded, or fails its hash.
    """
    started = time.perf_counter()
    data_dir = Path(data_dir)
    source_dir, geo_dir = data_dir / "source", data_dir / "geo"
    data_dir.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(data_dir / ".prepare.lock"):
        with SourceFetcher(shared_dir, source_dir, client=client, progress=progress) as fetcher:
            changed = [source.path for source in SOURCES if fetcher.obtain(source)]
        fingerprint = _fingerprint(source_dir)
        stamp = _read_stamp(geo_dir)
        if not force and not changed and is_prepared(geo_dir, fingerprint=fingerprint, stamp=stamp):
            seconds = round(time.perf_counter() - started, 3)
            report = {
                **stamp["counts"], "changed": [], "derived": False, "seconds": seconds,
                "message": f"{data_dir} is up to date ({len(SOURCES)} sources verified); nothing to do",
            }
            logger.info(report["message"])
            return report
        (geo_dir / STAMP_FILE).unlink(missing_ok=True)
        counts = _derive_geo(source_dir, geo_dir)
        write_text_atomically(geo_dir / STAMP_FILE, json.dumps({"fingerprint": fingerprint, "counts": counts}, indent=1))
    seconds = round(time.perf_counter() - started, 3)
    message = (
        f"prepared {geo_dir}: {counts['municipalities']} municipalities, {counts['places']} places, "
        f"{counts['stations']} stations ({len(changed)} source file(s) copied or downloaded)"
    )
    logger.info(message)
    return {**counts, "changed": changed, "derived": True, "seconds": seconds, "message": message}


def is_prepared(geo_dir: Path, *, fingerprint: dict | None = None, stamp: dict | None = None) -> bool:
    """True when ``geo_dir`` holds every derived file and its stamp matches the sources."""
    geo_dir = Path(geo_dir)
    stamp = stamp if stamp is not None else _read_stamp(geo_dir)
    if stamp is None or not all((geo_dir / name).is_file() for name in GEO_FILES):
        return False
    if fingerprint is None:
        fingerprint = _fingerprint(geo_dir.parent / "source")
    return stamp.get("fingerprint") == fingerprint


def _fingerprint(source_dir: Path) -> dict:
    # The files present were verified against their pins by SourceFetcher.obtain, so the
    # pins stand for their content; a missing regions file means "derived from belgium.json".
    present = {source.path: source.sha256 for source in SOURCES if (source_dir / source.path).is_file()}
    return {"version": DERIVED_VERSION, "sources": present}


def _read_stamp(geo_dir: Path) -> dict | None:
    try:
        stamp = json.loads((geo_dir / STAMP_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return stamp if isinstance(stamp, dict) and "fingerprint" in stamp and "counts" in stamp else None


def _derive_geo(source_dir: Path, geo_dir: Path) -> dict:
    municipalities, regions_from = load_region_features(source_dir)
    regions = RegionIndex(municipalities)
    statbel_municipalities = read_statbel_municipalities(source_dir / "statbel/municipalities.json")
    municipalities_by_postcode = read_municipalities_by_postcode(source_dir / "statbel/postal-codes.json")
    places, outside_points = derive_places(
        read_postcode_points(source_dir / "postcodes/zipcode-belgium.csv"),
        municipalities_by_postcode, statbel_municipalities, regions,
    )
    names_outside = outside_names(
        outside_points, municipalities_by_postcode, statbel_municipalities,
        read_topojson_names(source_dir / "boundaries/belgium.json"), regions,
    )
    stations = derive_stations(
        source_dir / "rail/stations.csv", source_dir / "rail/facilities.csv", regions, municipalities_by_postcode
    )

    write_text_atomically(geo_dir / "municipalities.geojson", json.dumps(municipalities_geojson(municipalities)))
    _write_csv(geo_dir / "places.csv", [_place_row(place) for place in places])
    _write_csv(geo_dir / "outside_names.csv", names_outside)
    _write_csv(geo_dir / "stations.csv", stations)
    write_text_atomically(geo_dir / "attribution.json", json.dumps(_attribution(), ensure_ascii=False, indent=1))
    for name in OBSOLETE_GEO_FILES:
        (geo_dir / name).unlink(missing_ok=True)
    return {
        "regions_from": regions_from,
        "municipalities": len(municipalities),
        "places": len(places),
        "places_repositioned": {
            "snapped": sorted(f"{p.postcode} {p.name}" for p in places if p.position == POSITION_SNAPPED),
            "postcode_point": sorted(f"{p.postcode} {p.name}" for p in places if p.position == POSITION_POSTCODE),
        },
        "outside_names": len(names_outside),
        "stations": len(stations),
    }


def _place_row(place: Place) -> dict:
    return {
        "postcode": place.postcode, "name": place.name, "source_name": place.source_name,
        "lon": f"{place.lon:.7f}", "lat": f"{place.lat:.7f}", "municipality_nis": place.municipality_nis,
        "position": place.position,
    }


def _attribution() -> dict:
    return {
        "lines": attribution_lines(),
        "sources": [
            {"path": source.path, "licence": source.licence, "homepage": source.homepage, "download": source.url}
            for source in SOURCES
        ],
    }


def _write_csv(path: Path, rows: list[dict]) -> None:
    if not rows:
        msg = f"nothing to write to {path}: the derivation found no rows"
        raise DataPreparationError(msg)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_text_atomically(path, buffer.getvalue())


@contextmanager
def _exclusive_lock(path: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # not POSIX: no cross-process lock, atomic writes still hold
        yield
        return
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
