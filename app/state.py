"""Read-only state loaded once at start-up (``app.state.sk``)."""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from app.config import Settings
from app.db import make_engine
from app.domain.catalog import Catalog, catalog_key, load_catalog, refresh_catalog
from app.domain.reach import Reach
from geo.gazetteer import Gazetteer
from geo.places import Place, load_places
from geo.prepare import ensure_data
from geo.regions import RegionIndex, load_regions

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
    _catalog: Catalog | None = None
    _catalog_lock: threading.Lock = field(default_factory=threading.Lock)
    _catalog_checked: float = 0.0
    _catalog_refreshed: float = 0.0  # unused since refreshes are synchronous; tests still reset it
    gap_cache: dict = field(default_factory=dict)
    _gap_origins: object | None = None

    def gap_origins(self):
        """Population points for the gap analysis (built once)."""
        if self._gap_origins is None:
            from app.domain.gaps import population_origins

            self._gap_origins = population_origins(self.regions, self.places)
        return self._gap_origins

    def catalog(self) -> Catalog:
        """The services snapshot, known to be current when it answers.

        A cheap fingerprint query (counts, newest change, version sums) runs before answering,
        at most once a second per process. When another process changed the data, the
        snapshot is brought up to date before this answer (re-reading only the edited services:
        a few milliseconds; a full rebuild, when locations changed, 0.1-0.3 s), so the first
        search after a quiet period never shows what an instance changed meanwhile. Only while
        the database is unreachable does the last snapshot answer unchecked.
        """
        current = self._catalog
        now = time.monotonic()
        if current is not None and now - self._catalog_checked < CATALOG_CHECK_SECONDS:
            return current
        try:
            with Session(self.engine) as session:
                key = catalog_key(session)
                if current is not None and current.key == key:
                    self._catalog_checked = now
                    return current
                with self._catalog_lock:
                    # another thread may have refreshed while this one waited for the lock
                    latest = self._catalog
                    if latest is None or latest.key != key:
                        latest = refresh_catalog(session, latest) if latest is not None else load_catalog(session)
                        self._catalog = latest
                    self._catalog_checked = now
                    return latest
        except OperationalError:
            if current is None:
                raise
            # The database is away: searches keep answering from the last snapshot (and only one
            # search a second waits for a connection attempt).
            self._catalog_checked = now
            logger.warning("database unreachable; searching the last catalogue snapshot")
            return current

    def invalidate_catalog(self) -> None:
        """After an edit through this process: the next search checks (and refreshes) first."""
        self._catalog_checked = 0.0


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
    """The travel settings as a :class:`routing.config.RoutingConfig` (partial tables keep the other defaults)."""
    from routing.config import CAR_KMH_BY_HIGHWAY, CIRCUITY, RoutingConfig

    return RoutingConfig(
        walk_kmh=settings.walk_kmh, bike_kmh=settings.bike_kmh, ebike_kmh=settings.ebike_kmh,
        car_kmh_by_highway={**CAR_KMH_BY_HIGHWAY, **settings.car_kmh_by_highway},
        car_estimate_kmh=settings.car_estimate_kmh, circuity={**CIRCUITY, **settings.circuity},
        car_overhead_min=settings.car_overhead_min, max_snap_m=settings.max_snap_m,
        min_component_nodes=settings.min_component_nodes,
    )


def build_reach(settings: Settings) -> Reach:
    """Road networks from the cache (if any were built) and the public-transport source."""
    from routing.travel import TravelTimeEngine

    config = routing_config(settings)
    from routing.transit import RailEstimator, load_feeds
    from routing.transit.errors import TransitError

    engine = TravelTimeEngine.from_cache_dir(settings.network_dir, config)
    rail_estimator = None
    stations = settings.geo_dir / "stations.csv"
    if stations.exists():
        rail_estimator = RailEstimator.from_stations_csv(stations, config)
    transit_router = None
    if settings.gtfs_sources:
        try:
            transit_router, report = load_feeds(list(settings.gtfs_sources), cache_dir=settings.data_dir / "transit",
                                                config=config)
            if report.warnings:
                logger.warning("GTFS feeds loaded with %d warning(s)", len(report.warnings))
        except TransitError as exc:
            # Reported loudly; searches keep working on the labelled station estimate.
            logger.error("GTFS feeds not usable, using the station estimate: %s", exc)
    return Reach(engine, transit_router=transit_router, rail_estimator=rail_estimator)


def build_state(settings: Settings, *, engine: Engine | None = None) -> AppState:
    """Prepare geodata if needed and load everything the requests read."""
    ensure_data(settings.shared_data_dir, settings.data_dir)
    regions = load_regions(settings.geo_dir)
    return AppState(
        settings=settings,
        engine=engine or make_engine(settings.sqlalchemy_url),
        regions=regions,
        gazetteer=Gazetteer.from_geo_dir(settings.geo_dir),
        places=load_places(settings.geo_dir),
        reach=build_reach(settings),
        attribution=load_attribution(settings.geo_dir),
    )
