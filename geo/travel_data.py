"""Travel data under ``data/source``: the OpenStreetMap roads, the NMBS timetable, De Lijn's stops.

``ensure_travel_data(shared_dir, data_dir)`` is the one entry point (``sk data``):

- With the shared folder: :data:`geo.sources.TRAVEL_SOURCES` are copied from it, each
  checked against its pinned SHA-256 (like the other reference files).
- Without it: the roads come from a current Belgian extract (Geofabrik
  ``belgium-latest.osm.pbf``, checked against the ``.md5`` published beside it), clipped
  to the 44 municipalities grown by a buffer (default 5 km) into the same file name, so
  every later step reads the same path. Timetables then come from ``SK_GTFS_SOURCES``.
- Then the street index (``data/geo/streets.csv``, :mod:`geo.streets`) is derived from
  the roads, unless its stamp says it is current.

``osm/roads-source.json`` records where the roads came from and how old they are; the
attribution shown beside travel times reads it. Without the shared folder and without a
reachable download the run stops with one sentence (:class:`~geo.errors.DataPreparationError`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from array import array
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np
import shapely

from geo.errors import DataPreparationError
from geo.fetch import (
    DOWNLOAD_TIMEOUT_SECONDS, SourceFetcher, atomic_writer, sha256_of, stream_into, write_text_atomically,
)
from geo.sources import OSM_CREDIT_NL, OSM_ROADS_PATH, TRAVEL_SOURCES

logger = logging.getLogger(__name__)

GEOFABRIK_BELGIUM_URL = "https://download.geofabrik.de/europe/belgium-latest.osm.pbf"
CLIP_BUFFER_M = 5000.0
PROVENANCE_PATH = "osm/roads-source.json"
#: what the shared roads file is (see ../shared/data/osm/SOURCE-README.md)
SHARED_ROADS = {"origin": "shared", "osm_date": "2017-08", "label_nl": "OpenStreetMap, augustus 2017"}


def ensure_travel_data(
    shared_dir: Path | None,
    data_dir: Path,
    *,
    extract_url: str = GEOFABRIK_BELGIUM_URL,
    buffer_m: float = CLIP_BUFFER_M,
    client: httpx.Client | None = None,
    progress: bool = True,
) -> dict:
    """Make the roads (and, from the shared folder, the timetables) present; derive the street index.

    Returns a JSON-serialisable report: ``copied`` (paths), ``roads`` (the provenance),
    ``transit_files`` (the timetable and stop files present), ``streets`` (count, built, seconds), ``seconds``.

    Raises
    ------
    DataPreparationError
        No shared copy and the extract cannot be downloaded or read; a copy fails its hash.
    """
    started = time.perf_counter()
    data_dir = Path(data_dir)
    source_dir, geo_dir = data_dir / "source", data_dir / "geo"
    with SourceFetcher(shared_dir, source_dir, client=client, progress=progress) as fetcher:
        copied = [source.path for source in TRAVEL_SOURCES if fetcher.obtain(source)]
    roads = source_dir / OSM_ROADS_PATH
    provenance = roads_provenance(source_dir) or {}
    if OSM_ROADS_PATH in copied or (provenance.get("origin") != "shared" and roads.is_file()
                                    and sha256_of(roads) == TRAVEL_SOURCES[0].sha256):
        write_text_atomically(source_dir / PROVENANCE_PATH, json.dumps({**SHARED_ROADS, "file": OSM_ROADS_PATH}))
    if not roads.is_file():
        polygon = regions_polygon(geo_dir / "municipalities.geojson", buffer_m)
        provenance = download_and_clip(extract_url, roads, polygon, client=client, progress=progress)
        write_text_atomically(source_dir / PROVENANCE_PATH, json.dumps({**provenance, "buffer_m": buffer_m}))
    from geo.places import load_places
    from geo.regions import load_regions
    from geo.streets import ensure_streets

    streets = ensure_streets(roads, geo_dir, load_regions(geo_dir), load_places(geo_dir),
                             osm_fingerprint=sha256_of(roads))
    transit = [source.path for source in TRAVEL_SOURCES[1:] if (source_dir / source.path).is_file()]
    seconds = round(time.perf_counter() - started, 2)
    return {"copied": copied, "roads": roads_provenance(source_dir), "transit_files": transit, "streets": streets,
            "seconds": seconds}


def roads_provenance(source_dir: Path) -> dict | None:
    """Where ``osm/...roads...pbf`` came from (``label_nl`` for the pages), or None without roads."""
    try:
        return json.loads((Path(source_dir) / PROVENANCE_PATH).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def roads_credit_nl(source_dir: Path) -> str:
    """``"© OpenStreetMap-bijdragers (ODbL), wegennet OpenStreetMap, augustus 2017"``."""
    provenance = roads_provenance(source_dir) or {}
    label = provenance.get("label_nl")
    return f"{OSM_CREDIT_NL}, wegennet {label}" if label else OSM_CREDIT_NL


def regions_polygon(municipalities_geojson: Path, buffer_m: float):
    """The municipalities' union grown by ``buffer_m`` (metric, EPSG:3812), in WGS84."""
    import geopandas as gpd

    frame = gpd.read_file(municipalities_geojson).to_crs("EPSG:3812")
    grown = frame.geometry.union_all().buffer(buffer_m)
    return gpd.GeoSeries([grown], crs="EPSG:3812").to_crs("EPSG:4326").iloc[0]


def download_and_clip(url: str, target: Path, polygon, *, client: httpx.Client | None = None,
                      progress: bool = True) -> dict:
    """Download an ``.osm.pbf`` extract, check its published MD5, keep the roads touching ``polygon``."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    download = target.with_name(f".{target.name}.download.osm.pbf")
    own_client = client is None
    client = client or httpx.Client(timeout=DOWNLOAD_TIMEOUT_SECONDS, follow_redirects=True)
    try:
        try:
            expected_md5 = client.get(url + ".md5").raise_for_status().text.split()[0].lower()
            digest = hashlib.md5(usedforsecurity=False)
            with atomic_writer(download) as handle:
                stream_into(handle, client, url, digest, label=Path(url).name, progress=progress)
        except (httpx.HTTPError, IndexError) as exc:
            msg = (f"there is no shared data folder and the OpenStreetMap extract {url} could not be downloaded "
                   f"({type(exc).__name__}: {exc}); put ../shared/data beside the project or connect to the internet")
            raise DataPreparationError(msg) from None
        if digest.hexdigest() != expected_md5:
            download.unlink(missing_ok=True)
            msg = f"{url}: MD5 {digest.hexdigest()} does not match the published {expected_md5}; refusing to use it"
            raise DataPreparationError(msg)
        try:
            kept = clip_roads(download, target, polygon)
        finally:
            download.unlink(missing_ok=True)
    finally:
        if own_client:
            client.close()
    return {"origin": url, "downloaded": datetime.now(UTC).strftime("%Y-%m-%d"), **kept,
            "label_nl": f"OpenStreetMap, {kept['osm_date'] or datetime.now(UTC).strftime('%Y-%m-%d')}"}


def clip_roads(source: Path, target: Path, polygon) -> dict:
    """Write the ``highway`` ways with a node inside ``polygon`` (whole, with all their nodes) to ``target``.

    Two passes with pyosmium: the roads and their node locations, tested against the
    polygon in one vectorised call; then the kept ways and nodes, copied unchanged.
    The file appears only when complete.
    """
    import osmium

    # compact arrays: a Belgian extract has millions of road nodes
    way_ids, counts, refs = array("q"), array("q"), array("q")
    lon, lat = array("d"), array("d")
    try:
        header_reader = osmium.io.Reader(str(source), osmium.osm.NOTHING)
        osm_date = header_reader.header().get("osmosis_replication_timestamp", "")
        header_reader.close()
        processor = (osmium.FileProcessor(str(source), osmium.osm.NODE | osmium.osm.WAY).with_locations()
                     .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
                     .with_filter(osmium.filter.KeyFilter("highway")))
        for way in processor:
            try:
                points = [(node.ref, node.lon, node.lat) for node in way.nodes]
            except osmium.InvalidLocationError:
                continue
            if not points:
                continue
            way_ids.append(way.id)
            counts.append(len(points))
            for ref, x, y in points:
                refs.append(ref)
                lon.append(x)
                lat.append(y)
    except RuntimeError as exc:
        msg = f"{source} is not a readable OpenStreetMap file ({exc})"
        raise DataPreparationError(msg) from None
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(np.frombuffer(counts, dtype=np.int64), out=offsets[1:])
    shapely.prepare(polygon)
    inside = shapely.contains_xy(polygon, np.frombuffer(lon, dtype=np.float64), np.frombuffer(lat, dtype=np.float64))
    touching = np.logical_or.reduceat(inside, offsets[:-1]) if len(counts) else np.array([], dtype=bool)
    tracker = osmium.IdTracker()
    ref_array = np.frombuffer(refs, dtype=np.int64)
    for index in np.flatnonzero(touching):
        tracker.add_way(way_ids[index])
        for ref in ref_array[offsets[index]:offsets[index + 1]]:
            tracker.add_node(int(ref))
    if not touching.any():
        msg = f"{source} has no roads in the regions; is it an extract of Belgium?"
        raise DataPreparationError(msg)
    partial = target.with_name(f".{target.name}.part.osm.pbf")
    partial.unlink(missing_ok=True)
    try:
        writer = osmium.SimpleWriter(str(partial))
        try:
            for obj in osmium.FileProcessor(str(source), osmium.osm.NODE | osmium.osm.WAY).with_filter(
                    tracker.id_filter()):
                writer.add(obj)
        finally:
            writer.close()
        os.chmod(partial, 0o644)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return {"osm_date": osm_date[:10], "ways": int(touching.sum()), "ways_read": len(way_ids)}


def travel_attribution_lines(source_dir: Path) -> list[str]:
    """Footer/``/over`` lines for the travel sources present in ``source_dir`` (a downloaded extract named as such)."""
    source_dir = Path(source_dir)
    lines = []
    for source in TRAVEL_SOURCES:
        if not source.attribution or not (source_dir / source.path).is_file():
            continue
        provenance = roads_provenance(source_dir) or {}
        if source.path == OSM_ROADS_PATH and provenance.get("origin", "shared") != "shared":
            lines.append(f"Wegennet en straatnamen: {OSM_CREDIT_NL}, https://www.openstreetmap.org/copyright; "
                         f"extract {provenance['origin']} ({provenance.get('label_nl', '')}), geknipt tot de regio's.")
        else:
            lines.append(source.attribution)
    return lines
