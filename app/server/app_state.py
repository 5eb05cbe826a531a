"""What a running app holds (FastAPI's ``app.state.sk``): built once at start-up, then kept current.

The regions, gazetteer, places and travel engine are loaded once and only read. The catalogue of
published services is not: it is refreshed when the data changes (a fingerprint query at most once a
second, and before the next answer after any commit of this process that wrote the catalogue's
tables; under a lock), its transit legs are prepared in a background thread, and the gap jobs run in
threads of their own.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from app.core.config import Settings
from app.core.db import make_engine, on_committed_writes
from app.domain.catalog import SNAPSHOT_TABLES, Catalog, catalog_key, load_catalog, refresh_catalog
from app.domain.reach import Reach
from geo.gazetteer import Gazetteer
from geo.places import Place, load_places
from geo.prepare import ensure_data
from geo.regions import RegionIndex, load_regions
from geo.sources import DELIJN_STOPS_PATH, NMBS_GTFS_PATH, OSM_ROADS_PATH

logger = logging.getLogger(__name__)

#: the fingerprint query runs at most this often per process (one small aggregate query)
CATALOG_CHECK_SECONDS = 1.0


@dataclass
class AppState:
    settings: Settings
    engine: Engine
    regions: RegionIndex
    gazetteer: Gazetteer
    places: list[Place]
    reach: Reach
    attribution: list[str] = field(default_factory=list)
    #: credits for the data behind travel times (OpenStreetMap, timetables), shown beside them
    travel_credits: list[str] = field(default_factory=list)
    _catalog: Catalog | None = None
    _catalog_lock: threading.Lock = field(default_factory=threading.Lock)
    _catalog_checked: float = 0.0
    #: commits of this process that wrote the catalogue's tables, and how many the last check saw
    _catalog_writes: int = 0
    _catalog_writes_checked: int = 0
    _gap_origins: object | None = None
    _gap_jobs: object | None = None
    _gap_origins_id: str | None = None

    def derive(self, **changes) -> AppState:
        """A copy with other settings, engine, ...: its own catalogue snapshot and gap jobs,
        loaded afresh (the reference data, gazetteer and networks are shared)."""
        return replace(self, **changes, _catalog=None, _catalog_lock=threading.Lock(), _catalog_checked=0.0,
                       _gap_jobs=changes.get("_gap_jobs"))

    def __post_init__(self) -> None:
        # every committed write to what the snapshot holds, whichever path wrote it (pages, API,
        # HSDS import, sk commands), makes the next answer check the fingerprint first
        on_committed_writes(self.engine, SNAPSHOT_TABLES, self._catalog_written)

    @property
    def gap_jobs(self):
        """The background gap analysis of this process (:class:`app.domain.gap_jobs.GapJobs`)."""
        if self._gap_jobs is None:
            from app.domain.gap_jobs import GapJobs

            self._gap_jobs = GapJobs(self.settings.data_dir / "gaps")
        return self._gap_jobs

    def osm_roads_path(self) -> Path | None:
        """The OSM roads the population is spread over: data/source first, then the shared folder."""
        return travel_data_path(self.settings, OSM_ROADS_PATH)

    def gap_origins_id(self) -> str:
        """Which people the gap analysis starts from (part of the analysis key; computed once)."""
        if self._gap_origins_id is None:
            from geo.population import cache_file

            roads = self.osm_roads_path()
            if roads is None:
                self._gap_origins_id = f"places:{len(self.places)}"
            else:
                zones = self.settings.population_zones
                self._gap_origins_id = cache_file(self.settings.geo_dir, roads, self.regions.municipalities,
                                                  zones_path=zones).name
        return self._gap_origins_id

    def gap_origins(self):
        """Origins for the gap analysis: population hexagons from the OSM streets (spread once,
        cached under data/geo; 10-20 s the first time), or the place points without roads."""
        if self._gap_origins is None:
            from app.domain.gaps import hexagon_origins, population_origins
            from geo.population import load_or_build

            roads = self.osm_roads_path()
            if roads is None:
                logger.warning("no OSM roads: gap origins are the place points")
                self._gap_origins = population_origins(self.regions, self.places)
            else:
                cells = load_or_build(self.settings.geo_dir, roads, self.regions.municipalities,
                                      zones_path=self.settings.population_zones)
                self._gap_origins = hexagon_origins(cells, self.places)
        return self._gap_origins

    def catalog(self) -> Catalog:
        """The services snapshot, known to be current when it answers.

        A cheap fingerprint query (counts, newest change, version sums) runs before answering,
        at most once a second per process, and at once after this process committed a write to
        the catalogue's tables (:func:`app.core.db.on_committed_writes`). When the data changed, the
        snapshot is brought up to date before this answer (re-reading only the edited services:
        a few milliseconds; a full rebuild, when locations changed, 0.1-0.3 s), so the first
        search after a quiet period never shows what an instance changed meanwhile. Only while
        the database is unreachable does the last snapshot answer unchecked.
        """
        current = self._catalog
        now = time.monotonic()
        writes = self._catalog_writes  # before the fingerprint: a write committed after it is checked next time
        if (current is not None and writes == self._catalog_writes_checked
                and now - self._catalog_checked < CATALOG_CHECK_SECONDS):
            return current
        try:
            with Session(self.engine) as session:
                key = catalog_key(session)
                if current is not None and current.key == key:
                    self._checked(now, writes)
                    return current
                with self._catalog_lock:
                    # another thread may have refreshed while this one waited for the lock
                    latest = self._catalog
                    if latest is None or latest.key != key:
                        latest = refresh_catalog(session, latest) if latest is not None else load_catalog(session)
                        # the walks from the locations to their stops, before searches see the new snapshot
                        self._prepare_transit(latest)
                        self._catalog = latest
                    self._checked(now, writes)
                    return latest
        except OperationalError:
            if current is None:
                raise
            # The database is away: searches keep answering from the last snapshot (and only one
            # search a second waits for a connection attempt).
            self._checked(now, writes)
            logger.warning("database unreachable; searching the last catalogue snapshot")
            return current

    def warm_up_in_background(self) -> None:
        """Load the catalogue snapshot (and prepare its transit legs) in a thread, so the
        first search does not wait for it; a failure is logged and the first search retries."""

        def warm_up() -> None:
            try:
                self.catalog()
            except Exception:  # noqa: BLE001 - e.g. the database is not reachable yet
                logger.warning("catalogue not loaded at start-up; the first search loads it", exc_info=True)

        threading.Thread(target=warm_up, daemon=True, name="catalog-warm-up").start()

    def _prepare_transit(self, catalog: Catalog) -> None:
        """Per catalogue snapshot: what transit needs of the locations (see ``Reach.prepare``)."""
        if len(catalog.lonlat):
            self.reach.prepare(catalog.lonlat)

    def _checked(self, now: float, writes: int) -> None:
        self._catalog_checked, self._catalog_writes_checked = now, writes

    def _catalog_written(self) -> None:
        """A commit of this process wrote the catalogue's tables: the next answer checks first."""
        self._catalog_writes += 1


def load_attribution(geo_dir: Path) -> list[str]:
    path = geo_dir / "attribution.json"
    if not path.exists():
        return []
    raw = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(raw, dict):
        raw = raw.get("lines") or raw.get("attribution") or list(raw.values())
    lines: list[str] = []
    for item in raw:
        if isinstance(item, str):
            lines.append(item)
        elif isinstance(item, dict):
            lines.append(item.get("line") or item.get("attribution") or item.get("text") or "")
    return [line for line in lines if line]


def routing_config(settings: Settings):
    """The travel settings as a :class:`routing.config.RoutingConfig`: every setting named like one of
    its fields, none copied by hand (a partial table, e.g. one car speed, keeps the other defaults)."""
    from dataclasses import fields

    from routing.config import RoutingConfig

    defaults = RoutingConfig()
    values = {}
    for name in (f.name for f in fields(RoutingConfig) if f.name in type(settings).model_fields):
        value = getattr(settings, name)
        values[name] = {**getattr(defaults, name), **value} if isinstance(value, dict) else value
    return RoutingConfig(**values)


def travel_data_path(settings: Settings, relative: str) -> Path | None:
    """A travel data file (``geo.sources`` paths) under data/source (``sk data``), else in the shared data folder."""
    for base in (settings.data_dir / "source", settings.shared_data_dir):
        path = base / relative
        if path.exists():
            return path
    return None


def transit_sources(settings: Settings) -> list[str]:
    """The GTFS feeds to load: the NMBS timetable by default, then SK_GTFS_SOURCES."""
    sources: list[str] = []
    if settings.default_transit_data:
        nmbs = travel_data_path(settings, NMBS_GTFS_PATH)
        if nmbs is None:
            logger.warning("no NMBS timetable at data/source/%s or in the shared data: run `sk data`", NMBS_GTFS_PATH)
        else:
            sources.append(str(nmbs))
    sources += [source for source in settings.gtfs_sources if source not in sources]
    return sources


def build_reach(settings: Settings) -> Reach:
    """Road networks from the cache (if any were built) and the public-transport sources."""
    from routing.travel import TravelTimeEngine

    config = routing_config(settings)
    from routing.transit import BusEstimator, RailEstimator, load_feeds
    from routing.transit.errors import FeedError, TransitError

    engine = TravelTimeEngine.from_cache_dir(settings.network_dir, config)
    rail_estimator = None
    stations = settings.geo_dir / "stations.csv"
    if stations.exists():
        rail_estimator = RailEstimator.from_stations_csv(stations, config)
    bus_estimator = None
    stops = travel_data_path(settings, DELIJN_STOPS_PATH) if settings.default_transit_data else None
    if stops is not None:
        try:
            bus_estimator = BusEstimator.from_stops_txt(stops, config)
        except (OSError, ValueError) as exc:
            logger.error("De Lijn stops not usable (%s): no bus estimate", exc)
    transit_router = None
    sources = transit_sources(settings)
    if sources:
        logger.info("loading the timetable(s): %s (parsed once, about 15 s for NMBS; cached in %s)",
                    ", ".join(Path(source).name for source in sources), settings.data_dir / "transit")
        try:
            transit_router, report = load_feeds(sources, cache_dir=settings.data_dir / "transit", config=config)
            # one search, one thread: the server runs searches side by side (and its workers
            # share the cores), so splitting one scan over threads only adds waiting
            transit_router.threads = 1
            for summary in report.feeds:
                if not summary.usable:
                    logger.error("GTFS feed %s not usable and left out (see `python -m routing.transit load`)",
                                 summary.source)
            if report.warnings:
                logger.warning("GTFS feeds loaded with %d warning(s)", len(report.warnings))
        except FeedError as exc:
            logger.error("no GTFS feed usable, using the station estimate: %s", exc)
        except TransitError as exc:
            # Reported loudly; searches keep working on the labelled station estimate.
            logger.error("GTFS feeds not usable, using the station estimate: %s", exc)
    return Reach(engine, transit_router=transit_router, rail_estimator=rail_estimator, bus_estimator=bus_estimator,
                 service_date=settings.transit_service_date)


def build_state(settings: Settings, *, engine: Engine | None = None) -> AppState:
    """Prepare geodata if needed and load everything the requests read."""
    from app.domain.attribution import travel_credits
    from geo.travel_data import roads_credit_nl, travel_attribution_lines

    ensure_data(settings.shared_data_dir, settings.data_dir)
    regions = load_regions(settings.geo_dir)
    reach = build_reach(settings)
    source_dir = settings.data_dir / "source"
    return AppState(
        settings=settings,
        engine=engine or make_engine(settings.sqlalchemy_url),
        regions=regions,
        gazetteer=Gazetteer.from_geo_dir(settings.geo_dir),
        places=load_places(settings.geo_dir),
        reach=reach,
        attribution=load_attribution(settings.geo_dir) + travel_attribution_lines(source_dir),
        travel_credits=travel_credits(reach, roads_credit=roads_credit_nl(source_dir)),
    )
