"""Travel minutes from one home to every catalog location, for each mode a person has.

The only door from the domain to :mod:`routing`: road modes go to the
:class:`routing.travel.TravelTimeEngine`, ``transit`` to a timetable router when a GTFS
feed is loaded (trains on the NMBS timetable, buses estimated from the De Lijn stops until a
De Lijn feed is loaded) and to the labelled NMBS-station estimate otherwise.

What depends only on the catalogue and the networks (the walks from every location to its
nearby stops) is prepared once per set of destinations (:meth:`Reach.prepare`, called when
the catalogue snapshot changes), so a search does one one-to-all per road mode and one
timetable query.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta

import numpy as np

from app.domain.journey_wording import NO_TIMETABLE
from app.domain.matching import ModeTimes
from routing.config import RoutingConfig
from routing.transit.errors import ServiceDateError
from routing.transit.journey import Itinerary
from routing.transit.legs import ESTIMATED_BUS, ESTIMATED_WALK
from routing.travel import TravelTimeEngine

logger = logging.getLogger(__name__)

MONTHS_NL = (
    "januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
    "oktober", "november", "december",
)
WEEKDAYS_NL = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
#: prepared egress kept for this many sets of destinations (the current catalogue and the one before)
PREPARED_KEEP = 2
#: The longest journey the referral sheet looks for (door to door, minutes).
JOURNEY_MAX_MINUTES = 240


def date_nl(day: date) -> str:
    """``dinsdag 8 oktober 2019``."""
    return f"{WEEKDAYS_NL[day.weekday()]} {day.day} {MONTHS_NL[day.month - 1]} {day.year}"


@dataclass(frozen=True)
class TransitWindow:
    """When the person would leave home for a timetable answer."""

    service_date: date
    start: time
    end: time


def default_transit_window(today: date) -> TransitWindow:
    """Next weekday, leaving between 8:00 and 9:00 (a typical appointment morning)."""
    day = today + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return TransitWindow(service_date=day, start=time(8, 0), end=time(9, 0))


@dataclass(frozen=True)
class FeedDay:
    """One loaded timetable and the day of it that answers."""

    source: str
    service_date: date
    first_day: date
    last_day: date

    def covers(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


@dataclass(frozen=True)
class TimetableNotice:
    """Which timetable day answered, said wherever a timetabled answer appears."""

    requested_date: date
    today: date
    feeds: tuple[FeedDay, ...]

    @property
    def source(self) -> str:
        return " + ".join(dict.fromkeys(feed.source for feed in self.feeds))

    @property
    def service_date(self) -> date:
        return self.feeds[0].service_date

    @property
    def covers_today(self) -> bool:
        return all(feed.covers(self.today) for feed in self.feeds)

    @property
    def covers_requested_date(self) -> bool:
        return all(feed.covers(self.requested_date) for feed in self.feeds)

    @property
    def label_nl(self) -> str:
        """``dienstregeling NMBS, dienstdag dinsdag 8 oktober 2019 (...)``."""
        days = "; ".join(f"{feed.source}, dienstdag {date_nl(feed.service_date)}" for feed in self.feeds)
        text = f"dienstregeling {days}"
        if not self.covers_requested_date:
            feed = next(feed for feed in self.feeds if not feed.covers(self.requested_date))
            text += (
                f". De dienstregeling geldt van {feed.first_day.day} {MONTHS_NL[feed.first_day.month - 1]} "
                f"{feed.first_day.year} tot {feed.last_day.day} {MONTHS_NL[feed.last_day.month - 1]} "
                f"{feed.last_day.year}, niet op {date_nl(self.requested_date)}: dezelfde weekdag werd gebruikt"
            )
        return text

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "service_date": self.service_date.isoformat(),
            "requested_date": self.requested_date.isoformat(),
            "covers_today": self.covers_today,
            "covers_requested_date": self.covers_requested_date,
            "feeds": [
                {"source": feed.source, "service_date": feed.service_date.isoformat(),
                 "first_day": feed.first_day.isoformat(), "last_day": feed.last_day.isoformat(),
                 "covers_today": feed.covers(self.today)}
                for feed in self.feeds
            ],
            "label": self.label_nl,
        }


def feed_source_name(source: str) -> str:
    """A reader's name for a feed file or URL: ``NMBS``, ``De Lijn`` or the file's name."""
    lowered = source.lower()
    if "nmbs" in lowered or "sncb" in lowered:
        return "NMBS"
    if "delijn" in lowered or "de-lijn" in lowered or "de_lijn" in lowered:
        return "De Lijn"
    return re.split(r"[\\/]", source.rstrip("/"))[-1] or source


def transit_window_for_gaps(reach: Reach, today: date) -> TransitWindow:
    """The departure window the gap analysis should use: the usual weekday morning, on the
    day of the loaded timetable that answers for it (so the analysis is timetabled whenever
    a feed is loaded, and its cache key names that day)."""
    window = default_transit_window(today)
    notice = reach.timetable_notice(window, today=today)
    if notice is None or len(notice.feeds) != 1:
        return window
    return TransitWindow(service_date=notice.service_date, start=window.start, end=window.end)


class Reach:
    """Computes :class:`ModeTimes` for the matching, whatever routing is loaded."""

    def __init__(
        self,
        engine: TravelTimeEngine,
        *,
        transit_router=None,
        rail_estimator=None,
        bus_estimator=None,
        service_date: date | None = None,
        feed_sources: Sequence[str] | None = None,
    ) -> None:
        self.engine = engine
        self.transit_router = transit_router
        self.rail_estimator = rail_estimator
        # buses are estimated from their stops only while no bus network's timetable is loaded
        self.bus_estimator = None if _has_buses(transit_router) else bus_estimator
        self.service_date = service_date
        if transit_router is not None and feed_sources is None:
            feed_sources = [str(source) for source in transit_router.timetable.feed_sources]
        self.feed_names = [feed_source_name(source) for source in feed_sources or ()]
        self._prepared: dict[str, object] = {}
        self._prepared_lock = threading.Lock()
        self._logged_days: set[tuple[date, ...]] = set()

    @classmethod
    def estimates_only(cls, config: RoutingConfig | None = None) -> Reach:
        return cls(TravelTimeEngine(config or RoutingConfig()))

    @property
    def config(self) -> RoutingConfig:
        return self.engine.config

    def fingerprint(self) -> str:
        """What travel times depend on besides the settings: which networks and timetables."""
        networks = sorted((kind, getattr(network, "source", "?")) for kind, network in self.engine.networks.items())
        timetable = getattr(getattr(self.transit_router, "timetable", None), "cache_key", None)
        stations = len(self.rail_estimator) if self.rail_estimator is not None else 0
        bus_stops = len(self.bus_estimator) if self.bus_estimator is not None else 0
        return repr((networks, timetable, stations, bus_stops, self.service_date))

    def walk_minutes(self, origin: tuple[float, float], points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        times = self.engine.one_to_many(origin, points, "walk")
        return times.minutes, times.estimated

    @property
    def _access_walk(self):
        """Walking on the network where one is loaded; otherwise transit's own vectorised straight line."""
        return self.walk_minutes if "walk" in self.engine.networks else None

    # ------------------------------------------------------------------ timetable day
    def timetable_notice(self, window: TransitWindow, *, today: date) -> TimetableNotice | None:
        """Which day of each loaded feed answers for ``window`` (``None`` without a timetable)."""
        router = self.transit_router
        if router is None:
            return None
        days = router.feed_service_days(window.service_date, configured=self.service_date)
        names = self.feed_names or ["dienstregeling"] * len(days)
        feeds = tuple(
            FeedDay(source=name, service_date=day, first_day=first, last_day=last)
            for name, day, (first, last) in zip(names, days, router.feed_ranges, strict=False)
        )
        return TimetableNotice(requested_date=window.service_date, today=today, feeds=feeds)

    def _feed_days(self, requested: date) -> list[date]:
        router = self.transit_router
        days = router.feed_service_days(requested, configured=self.service_date)
        uncovered = [(first, last) for first, last in router.feed_ranges if not first <= requested <= last]
        answered = tuple(days)
        if uncovered and answered not in self._logged_days:
            # once per answering day; the requested day itself is the person's, so not logged
            self._logged_days.add(answered)
            first, last = uncovered[0]
            logger.info(
                "a query outside the timetable (%s to %s) was answered with service day(s) %s",
                first, last, ", ".join(day.isoformat() for day in days),
            )
        return days

    # ------------------------------------------------------------------ per catalogue
    def prepare(self, destinations: np.ndarray):
        """The transit legs from stops to ``destinations``, computed once per set (thread-safe)."""
        if self.transit_router is None:
            return None
        destinations = np.ascontiguousarray(destinations, dtype=np.float64).reshape(-1, 2)
        key = hashlib.blake2b(destinations.tobytes(), digest_size=16).hexdigest()
        prepared = self._prepared.get(key)
        if prepared is not None:
            return prepared
        with self._prepared_lock:
            prepared = self._prepared.get(key)
            if prepared is None:
                prepared = self.transit_router.prepare_egress(
                    destinations, walk_minutes=self._access_walk, feeder=self.bus_estimator
                )
                kept = dict(list(self._prepared.items())[-(PREPARED_KEEP - 1):]) if PREPARED_KEEP > 1 else {}
                kept[key] = prepared
                self._prepared = kept
        return prepared

    # ------------------------------------------------------------------ queries
    def mode_times(
        self,
        origin: tuple[float, float],
        destinations: np.ndarray,
        modes: Sequence[str],
        *,
        max_minutes_by_mode: dict[str, int],
        window: TransitWindow,
    ) -> list[ModeTimes]:
        results: list[ModeTimes] = []
        walk = None
        if "transit" in modes and self.transit_router is not None and "walk" in self.engine.networks:
            # one walk over the network serves the walk mode, the walks to the stops and the
            # direct walk of the transit query
            cutoff = max(float(max_minutes_by_mode.get(mode, 180)) for mode in modes if mode in ("walk", "transit"))
            walk = self._walk_once(origin, destinations, cutoff * 2)
        for mode in modes:
            cutoff = float(max_minutes_by_mode.get(mode, 180))
            if mode == "transit":
                results.append(self._transit(origin, destinations, cutoff, window, walk_minutes=walk))
                continue
            # Route a little past the limit so "too far: 34 min" can be explained.
            if mode == "walk" and walk is not None:
                minutes, estimated = walk(origin, destinations)
                minutes = np.where(minutes <= cutoff * 2, minutes, np.inf)
            else:
                times = self.engine.one_to_many(origin, destinations, mode, cutoff_minutes=cutoff * 2)
                minutes, estimated = times.minutes, times.estimated
            results.append(ModeTimes(mode=mode, minutes=minutes, estimated=estimated, cutoff=cutoff * 2))
        return results

    def _walk_once(self, origin: tuple[float, float], destinations: np.ndarray, cutoff: float) -> _WalkFromOrigin:
        destinations = np.ascontiguousarray(destinations, dtype=np.float64).reshape(-1, 2)
        stops = np.ascontiguousarray(self.transit_router.access_points(origin), dtype=np.float64).reshape(-1, 2)
        times = self.engine.one_to_many(origin, np.vstack([destinations, stops]), "walk", cutoff_minutes=cutoff)
        n = len(destinations)
        return _WalkFromOrigin(
            origin, {destinations.tobytes(): (times.minutes[:n], times.estimated[:n]),
                     stops.tobytes(): (times.minutes[n:], times.estimated[n:])},
            fallback=self.walk_minutes,
        )

    def many_to_many(
        self,
        mode: str,
        origins: np.ndarray,
        destinations: np.ndarray,
        *,
        cutoff_minutes: float,
        window: TransitWindow,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(minutes, estimated) matrices of shape (origins, destinations), in batches."""
        if mode != "transit":
            return self.engine.many_to_many(origins, destinations, mode, cutoff_minutes=cutoff_minutes)
        minutes = np.full((len(origins), len(destinations)), np.inf)
        estimated = np.ones((len(origins), len(destinations)), dtype=bool)
        for row, origin in enumerate(origins):
            times = self._transit((float(origin[0]), float(origin[1])), destinations, cutoff_minutes, window)
            minutes[row], estimated[row] = times.minutes, times.estimated
        return minutes, estimated

    def _transit(self, origin, destinations, cutoff: float, window: TransitWindow, *, walk_minutes=None) -> ModeTimes:
        times = None
        if self.transit_router is not None:
            try:
                times = self.transit_router.one_to_many(
                    origin, destinations, service_date=window.service_date, window_start=window.start,
                    window_end=window.end, max_minutes=cutoff * 2, walk_minutes=walk_minutes or self._access_walk,
                    feeder=self.bus_estimator, egress=self.prepare(destinations),
                    feed_days=self._feed_days(window.service_date),
                )
            except ServiceDateError as exc:
                # cannot happen with the feed days above; said loudly if it ever does
                logger.error("timetable query refused (%s); answering with the station estimate", exc)
                times = None
        if times is None and self.rail_estimator is not None:
            times = self.rail_estimator.one_to_many(
                origin, destinations, max_minutes=cutoff * 2, walk_minutes=self._access_walk
            )
        if times is None:
            # No timetable and no stations: walking is the only honest public answer.
            walk = self.engine.one_to_many(origin, destinations, "walk", cutoff_minutes=cutoff * 2)
            return ModeTimes(
                mode="transit", minutes=walk.minutes, estimated=np.ones_like(walk.estimated, dtype=bool),
                details=[NO_TIMETABLE] * len(walk.minutes), cutoff=cutoff * 2,
            )
        return ModeTimes(
            mode="transit",
            minutes=times.minutes_median,
            estimated=times.estimated,
            details=list(times.details),
            cutoff=cutoff * 2,
            timetabled=~np.asarray(times.estimated, dtype=bool) & (np.asarray(times.transfers) >= 0),
            legs=_journey_legs(times),
        )

    def journey(
        self, origin: tuple[float, float], destination: tuple[float, float], *, service_date: date, departure: time,
        max_minutes: float = JOURNEY_MAX_MINUTES,
    ) -> Itinerary | None:
        """The legs of the earliest public transport journey leaving ``origin`` (lon, lat) at
        ``departure`` on ``service_date`` (each feed on its own day, as the searches run it), with
        the same walks and estimated buses as the minutes; ``None`` without a timetable or a way."""
        if self.transit_router is None:
            return None
        try:
            return self.transit_router.journey(
                origin, destination, service_date=service_date, departure=departure, max_minutes=max_minutes,
                walk_minutes=self._access_walk, feeder=self.bus_estimator, feed_days=self._feed_days(service_date),
            )
        except ServiceDateError as exc:  # cannot happen with the feed days above; said loudly if it ever does
            logger.error("journey query refused (%s)", exc)
            return None


def _journey_legs(times) -> list[tuple[tuple[str, str], ...] | None]:
    """Per destination: the kinds of legs of the median journey and how each was found."""
    if times.leg_flags is None:
        return [None] * len(times)
    legs = []
    for flags, transfers, minutes in zip(times.leg_flags, times.transfers, times.minutes_median, strict=True):
        if not np.isfinite(minutes):
            legs.append(None)
            continue
        parts = [("walk", "estimated" if flags & ESTIMATED_WALK else "routed")]
        if flags & ESTIMATED_BUS:
            parts.append(("bus", "estimated"))
        if transfers >= 0:
            parts.append(("timetable", "timetabled"))
        legs.append(tuple(parts))
    return legs


class _WalkFromOrigin:
    """A ``WalkMinutesFn`` answering from one walk already computed from ``origin`` for
    known sets of points; anything else is asked of ``fallback``."""

    def __init__(self, origin: tuple[float, float], known: dict[bytes, tuple[np.ndarray, np.ndarray]], *, fallback):
        self.origin = (float(origin[0]), float(origin[1]))
        self.known = known
        self.fallback = fallback

    def __call__(self, origin: tuple[float, float], points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        points = np.ascontiguousarray(points, dtype=np.float64).reshape(-1, 2)
        if (float(origin[0]), float(origin[1])) == self.origin:
            found = self.known.get(points.tobytes())
            if found is not None:
                return found
        return self.fallback(origin, points)


def _has_buses(router) -> bool:
    """Is one of the loaded feeds a bus network (most of its routes GTFS route_type 3 or
    700-799)? A rail feed's few replacement buses do not make it one."""
    if router is None:
        return False
    timetable = router.timetable
    types = np.asarray(timetable.route_types)
    bus = (types == 3) | ((types >= 700) & (types <= 799))
    feed_of_route = np.array([str(route_id).split(":", 1)[0] for route_id in timetable.route_ids])
    for tag in np.unique(feed_of_route):
        of_feed = feed_of_route == tag
        if bus[of_feed].mean() > 0.5:
            return True
    return False
