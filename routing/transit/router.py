"""Timetable-based public transport: one origin to many destinations over a departure window.

Window definition: a person may leave home at every whole minute from ``window_start`` to
``window_end`` (both included). For each such minute the earliest arrival at each
destination is computed (Connection Scan, see :mod:`routing.transit.scan`); travel time
counts from that minute, so waiting at home or at the stop is part of it. The median and
the worst of these per-minute times are reported; a minute from which a destination cannot
be reached within ``max_minutes`` counts as ``inf`` (so ``minutes_worst`` is ``inf`` as
soon as one minute of the window cannot make it, and the median is ``inf`` when half
cannot). Walking the whole way is always an option and is taken when it is faster.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, time, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from routing.config import RoutingConfig
from routing.transit import scan
from routing.transit.bus_estimate import BusEstimator
from routing.transit.journey import Itinerary, JourneyQuery, describe, trace_journey
from routing.transit.legs import ESTIMATED_BUS, ESTIMATED_WALK, Egress, service_day
from routing.transit.detail import Line
from routing.transit.summary import summarise
from routing.transit.errors import ServiceDateError
from routing.geometry import PointIndex, haversine_m, pairwise_haversine_m
from routing.transit.timetable import HolidayService, Timetable
from routing.transit.times import TransitTimes, WalkMinutesFn
from routing.transit.validation import FeedReport
from routing.transit.wording import line_label

UNREACHED = scan.UNREACHED


def _seconds_of_day(moment: time) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


class TransitRouter:
    """Earliest-arrival public transport over a loaded timetable.

    Parameters
    ----------
    timetable
        Merged feeds, usually from :func:`routing.transit.load_feeds` or :meth:`from_cache`.
    config
        Walking speed and circuity, access radius, transfer walks, change time.
    holiday_service
        ``"sunday"`` (default): on a Belgian public holiday that a feed's calendar_dates.txt
        does not mention, run that feed's Sunday service. ``"as_published"``: trust the feed.
    threads
        Departure minutes are scanned in parallel by this many threads (the kernel releases the GIL).
    """

    def __init__(
        self,
        timetable: Timetable,
        *,
        config: RoutingConfig | None = None,
        holiday_service: HolidayService = "sunday",
        threads: int | None = None,
    ) -> None:
        if holiday_service not in ("sunday", "as_published"):
            msg = f"holiday_service must be 'sunday' or 'as_published', not {holiday_service!r}"
            raise ValueError(msg)
        self.timetable = timetable
        self.config = config or RoutingConfig()
        self.holiday_service = holiday_service
        self.threads = max(1, threads if threads is not None else min(os.cpu_count() or 1, 4))
        self.report = FeedReport.from_dict(_json(timetable.report_json))
        self.stop_index = PointIndex(timetable.stop_lon_lat)
        self.feed_ranges = timetable.feed_ranges()
        self._walk_metres_per_second = self.config.walk_kmh / 3.6 / self.config.circuity["walk"]
        default_change = round(self.config.transit_change_min * 60)
        self.change_seconds = np.where(
            timetable.stop_change_seconds >= 0, timetable.stop_change_seconds, default_change
        ).astype(np.int64)
        self.footpath_offsets, self.footpath_to, self.footpath_seconds = self._footpaths(default_change)
        # the trip each trip slot continues (previous, same and next service day: see
        # Timetable.connections_between), for staying seated through a block
        previous = timetable.trip_previous.astype(np.int64)
        self.trip_previous_slots = np.concatenate(
            [np.where(previous >= 0, previous + copy * timetable.n_trips, -1) for copy in range(3)]
        )
        self.route_labels = np.array(
            [
                line_label(int(route_type), str(short))
                for route_type, short in zip(timetable.route_types, timetable.route_short_names, strict=True)
            ],
            dtype=object,
        )
        self.route_lines = [
            Line(int(route_type), str(short))
            for route_type, short in zip(timetable.route_types, timetable.route_short_names, strict=True)
        ]

    @classmethod
    def from_cache(
        cls,
        path: Path,
        *,
        config: RoutingConfig | None = None,
        holiday_service: HolidayService = "sunday",
        threads: int | None = None,
    ) -> TransitRouter:
        """Load a timetable cached by :func:`routing.transit.load_feeds`."""
        return cls(Timetable.load(Path(path)), config=config, holiday_service=holiday_service, threads=threads)

    @property
    def first_day(self) -> date:
        return self.timetable.first_day

    @property
    def last_day(self) -> date:
        return self.timetable.last_day

    # ------------------------------------------------------------------ set-up
    def _footpaths(self, minimum_seconds: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Walks between stops: straight line × circuity within the transfer radius, plus
        transfers.txt (type 2 sets the time, type 3 forbids); at least the change time."""
        timetable = self.timetable
        first, second, metres = self.stop_index.pairs_within(self.config.transfer_walk_max_m)
        seconds = np.ceil(metres / self._walk_metres_per_second)
        explicit_from = timetable.transfer_from.astype(np.int64)
        explicit_to = timetable.transfer_to.astype(np.int64)
        explicit_metres = pairwise_haversine_m(
            timetable.stop_lon_lat[explicit_from], timetable.stop_lon_lat[explicit_to]
        )
        explicit_seconds = np.where(
            timetable.transfer_seconds >= 0,
            timetable.transfer_seconds,
            np.ceil(explicit_metres / self._walk_metres_per_second),
        )
        table = pd.DataFrame(
            {
                "from": np.concatenate([explicit_from, first]),
                "to": np.concatenate([explicit_to, second]),
                "seconds": np.concatenate([explicit_seconds, seconds]),
            }
        ).drop_duplicates(["from", "to"], keep="first")
        if len(timetable.transfer_forbidden_from):
            forbidden = pd.MultiIndex.from_arrays(
                [timetable.transfer_forbidden_from.astype(np.int64), timetable.transfer_forbidden_to.astype(np.int64)]
            )
            keep = ~pd.MultiIndex.from_arrays([table["from"], table["to"]]).isin(forbidden)
            table = table[keep]
        table = table.sort_values(["from", "to"], kind="stable")
        offsets = np.zeros(timetable.n_stops + 1, dtype=np.int64)
        np.add.at(offsets, table["from"].to_numpy() + 1, 1)
        offsets = np.cumsum(offsets)
        seconds = np.maximum(table["seconds"].to_numpy(), minimum_seconds).astype(np.int64)
        return offsets, table["to"].to_numpy(dtype=np.int64), seconds

    def _walk_seconds(
        self, origin: tuple[float, float], points: np.ndarray, walk_minutes: WalkMinutesFn | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Walking seconds from ``origin`` to ``points`` (``UNREACHED`` where impossible) and
        their flags (``ESTIMATED_WALK`` where not routed: a straight line longer than zero)."""
        points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        if not len(points):
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int8)
        if walk_minutes is None:
            seconds = haversine_m(origin, points) / self._walk_metres_per_second
            estimated = seconds > 0
        else:
            minutes, flags = walk_minutes(origin, points)
            seconds = np.asarray(minutes, dtype=np.float64) * 60.0
            estimated = np.asarray(flags, dtype=bool) & (seconds > 0)
        seconds = np.where(np.isfinite(seconds), np.round(seconds), np.nan)
        seconds = np.where(np.isnan(seconds), UNREACHED, seconds).astype(np.int64)
        return seconds, np.where(estimated, ESTIMATED_WALK, 0).astype(np.int8)

    def _bus_seconds(self, minutes: np.ndarray) -> np.ndarray:
        return np.where(np.isfinite(minutes), np.round(minutes * 60.0), UNREACHED).astype(np.int64)

    def access_points(self, origin: tuple[float, float]) -> np.ndarray:
        """The stops within walking reach of ``origin`` (lon, lat rows), in the order the
        router asks ``walk_minutes`` about them: a caller may walk there beforehand."""
        stops, _metres = self.stop_index.within(origin, self.config.max_access_walk_m)
        return self.timetable.stop_lon_lat[stops]

    def _access(
        self, origin: tuple[float, float], walk_minutes: WalkMinutesFn | None, feeder: BusEstimator | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        stops, _metres = self.stop_index.within(origin, self.config.max_access_walk_m)
        seconds, estimated = self._walk_seconds(origin, self.timetable.stop_lon_lat[stops], walk_minutes)
        if feeder is not None:
            by_bus = self._feeder_stops(np.array([origin]), feeder)[1]
            bus_seconds = self._bus_seconds(feeder.one_to_many(origin, self.timetable.stop_lon_lat[by_bus]))
            stops = np.concatenate([stops, by_bus])
            seconds = np.concatenate([seconds, bus_seconds])
            estimated = np.concatenate([estimated, np.full(len(by_bus), ESTIMATED_BUS, dtype=np.int8)])
        usable = seconds < UNREACHED
        return stops[usable], seconds[usable], estimated[usable]

    def prepare_egress(
        self,
        destinations: np.ndarray,
        *,
        walk_minutes: WalkMinutesFn | None = None,
        feeder: BusEstimator | None = None,
    ) -> Egress:
        """The last legs, from stops to each destination: they depend on the destinations and
        the networks only, so a caller computes them once per set of destinations (one walk
        query per destination) and passes them to :meth:`one_to_many`."""
        destinations = np.asarray(destinations, dtype=np.float64).reshape(-1, 2)
        offsets, stops, metres = self.stop_index.within_each(destinations, self.config.max_access_walk_m)
        owner = np.repeat(np.arange(len(destinations)), np.diff(offsets))
        if walk_minutes is None:
            seconds = np.ceil(metres / self._walk_metres_per_second).astype(np.int64)
            estimated = np.where(metres > 0, ESTIMATED_WALK, 0).astype(np.int8)
        else:
            seconds = np.empty(len(stops), dtype=np.int64)
            estimated = np.empty(len(stops), dtype=np.int8)
            for index, point in enumerate(destinations):
                part = slice(offsets[index], offsets[index + 1])
                seconds[part], estimated[part] = self._walk_seconds(
                    (float(point[0]), float(point[1])), self.timetable.stop_lon_lat[stops[part]], walk_minutes
                )
        if feeder is not None:
            bus_owner, bus_stops = self._feeder_stops(destinations, feeder)
            bus_seconds = self._bus_seconds(
                feeder.pair_minutes(self.timetable.stop_lon_lat[bus_stops], destinations[bus_owner])
            )
            owner = np.concatenate([owner, bus_owner])
            stops = np.concatenate([stops, bus_stops])
            seconds = np.concatenate([seconds, bus_seconds])
            estimated = np.concatenate([estimated, np.full(len(bus_stops), ESTIMATED_BUS, dtype=np.int8)])
        usable = seconds < UNREACHED
        owner, stops, seconds, estimated = owner[usable], stops[usable], seconds[usable], estimated[usable]
        order = np.argsort(owner, kind="stable")
        offsets = np.zeros(len(destinations) + 1, dtype=np.int64)
        np.add.at(offsets, owner + 1, 1)
        return Egress(
            offsets=np.cumsum(offsets), stops=stops[order].astype(np.int64), seconds=seconds[order],
            estimated=estimated[order], n_destinations=len(destinations),
        )

    def _feeder_stops(self, points: np.ndarray, feeder: BusEstimator) -> tuple[np.ndarray, np.ndarray]:
        """(point index, stop) pairs: the ``feeder.stations`` stops nearest each point, within its reach."""
        k = min(feeder.stations, self.timetable.n_stops)
        if not k or not len(points):
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        stops, metres = self.stop_index.nearest(points, k=k)
        owner = np.repeat(np.arange(len(points)), k)
        near = metres.ravel() <= feeder.reach_m
        return owner[near], stops.ravel()[near].astype(np.int64)

    def _direct(
        self, origin: tuple[float, float], points: np.ndarray, walk_minutes: WalkMinutesFn | None,
        feeder: BusEstimator | None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Door to door without the timetable: walking, or one estimated bus when faster."""
        seconds, estimated = self._walk_seconds(origin, points, walk_minutes)
        if feeder is not None and len(points):
            bus = self._bus_seconds(feeder.one_to_many(origin, points))
            faster = bus < seconds
            seconds = np.where(faster, bus, seconds)
            estimated = np.where(faster, ESTIMATED_BUS, estimated).astype(np.int8)
        return seconds, estimated

    # ------------------------------------------------------------------ queries
    def one_to_many(
        self,
        origin: tuple[float, float],
        destinations: np.ndarray,
        *,
        service_date: date,
        window_start: time,
        window_end: time,
        max_minutes: float,
        walk_minutes: WalkMinutesFn | None = None,
        feeder: BusEstimator | None = None,
        egress: Egress | None = None,
        feed_days: Sequence[date] | None = None,
    ) -> TransitTimes:
        """Door-to-door public transport from ``origin`` (lon, lat) to ``destinations`` (n, 2).

        See the module docstring for the window. Walking to, from and between stops uses
        ``walk_minutes`` where given (the walk network), else straight line × circuity.
        ``feeder`` (a :class:`~routing.transit.bus_estimate.BusEstimator`) adds estimated bus
        legs to and from the stops and door to door; journeys using one are flagged estimated.
        ``egress`` is :meth:`prepare_egress` for these destinations (computed here if not
        given). ``feed_days`` runs each feed on its own day (one per feed, see
        :meth:`feed_service_days`); by default every feed runs on ``service_date``.
        """
        destinations = np.asarray(destinations, dtype=np.float64).reshape(-1, 2)
        origin = (float(origin[0]), float(origin[1]))
        if egress is None:
            egress = self.prepare_egress(destinations, walk_minutes=walk_minutes, feeder=feeder)
        elif egress.n_destinations != len(destinations):
            msg = f"egress prepared for {egress.n_destinations} destinations, not {len(destinations)}"
            raise ValueError(msg)
        direct, direct_estimated = self._direct(origin, destinations, walk_minutes, feeder)
        return self._profile(
            origin, egress, direct, direct_estimated, service_date=service_date, window_start=window_start,
            window_end=window_end, max_minutes=max_minutes, walk_minutes=walk_minutes, feeder=feeder,
            feed_days=feed_days,
        )

    def one_to_all_stops(
        self,
        origin: tuple[float, float],
        *,
        service_date: date,
        window_start: time,
        window_end: time,
        max_minutes: float,
        walk_minutes: WalkMinutesFn | None = None,
    ) -> TransitTimes:
        """Like :meth:`one_to_many` with every stop of the timetable as a destination."""
        origin = (float(origin[0]), float(origin[1]))
        n_stops = self.timetable.n_stops
        egress = Egress(
            offsets=np.arange(n_stops + 1, dtype=np.int64), stops=np.arange(n_stops, dtype=np.int64),
            seconds=np.zeros(n_stops, dtype=np.int64), estimated=np.zeros(n_stops, dtype=np.int8),
            n_destinations=n_stops,
        )
        direct, direct_estimated = self._walk_seconds(origin, self.timetable.stop_lon_lat, walk_minutes)
        return self._profile(
            origin, egress, direct, direct_estimated, service_date=service_date, window_start=window_start,
            window_end=window_end, max_minutes=max_minutes, walk_minutes=walk_minutes, feeder=None,
        )

    def feed_service_days(self, requested: date, *, configured: date | None = None) -> list[date]:
        """The day each feed runs for a query on ``requested`` (see :func:`service_day`)."""
        return [
            service_day(requested, first, last, configured=configured) for first, last in self.feed_ranges
        ]

    def _profile(
        self,
        origin: tuple[float, float],
        egress: Egress,
        direct_seconds: np.ndarray,
        direct_estimated: np.ndarray,
        *,
        service_date: date,
        window_start: time,
        window_end: time,
        max_minutes: float,
        walk_minutes: WalkMinutesFn | None,
        feeder: BusEstimator | None,
        feed_days: Sequence[date] | None = None,
    ) -> TransitTimes:
        timetable = self.timetable
        shifts = self._feed_shifts(service_date, feed_days)
        start_s, end_s = _seconds_of_day(window_start), _seconds_of_day(window_end)
        if end_s < start_s:
            msg = f"window_end {window_end} is before window_start {window_start}"
            raise ValueError(msg)
        if not max_minutes > 0:
            msg = f"max_minutes must be positive, not {max_minutes}"
            raise ValueError(msg)
        max_seconds = int(round(max_minutes * 60))
        departures = np.arange(start_s, end_s + 1, 60, dtype=np.int64)
        connections = timetable.connections_between(
            service_date, start_s, end_s + max_seconds, holiday_service=self.holiday_service, feed_shift=shifts
        )
        access = self._access(origin, walk_minutes, feeder)
        starts = np.searchsorted(connections["departure_s"], departures, side="left").astype(np.int64)
        arrival, vehicles, walk, first_trip, last_trip, estimated = self._scan(
            departures, max_seconds, starts, connections, access, egress, direct_seconds, direct_estimated
        )
        return summarise(
            departures, arrival, vehicles, walk, first_trip, last_trip, estimated, max_seconds=max_seconds,
            trip_route=timetable.trip_route, route_lines=self.route_lines,
        )

    def _feed_shifts(self, service_date: date, feed_days: Sequence[date] | None) -> np.ndarray:
        """Days each feed runs away from ``service_date``; :class:`ServiceDateError` outside a feed."""
        days = list(feed_days) if feed_days is not None else [service_date] * len(self.feed_ranges)
        if len(days) != len(self.feed_ranges):
            msg = f"feed_days needs one day per feed ({len(self.feed_ranges)}), not {len(days)}"
            raise ValueError(msg)
        for day, (first, last) in zip(days, self.feed_ranges, strict=True):
            if not first <= day <= last:
                raise ServiceDateError(day, first, last)
        return np.array([(day - service_date).days for day in days], dtype=np.int64)

    def journey(
        self,
        origin: tuple[float, float],
        destination: tuple[float, float],
        *,
        service_date: date,
        departure: time,
        max_minutes: float,
        walk_minutes: WalkMinutesFn | None = None,
        feeder: BusEstimator | None = None,
        feed_days: Sequence[date] | None = None,
    ) -> Itinerary | None:
        """The earliest-arriving journey leaving ``origin`` (lon, lat) at ``departure``, leg by leg.

        The same journey :meth:`one_to_many` counts for a window of that one minute (same
        walks, rules and tie-breaks; see :mod:`routing.transit.journey`); ``None`` when the
        destination cannot be reached within ``max_minutes``.
        """
        if not max_minutes > 0:
            msg = f"max_minutes must be positive, not {max_minutes}"
            raise ValueError(msg)
        origin = (float(origin[0]), float(origin[1]))
        point = np.array([[float(destination[0]), float(destination[1])]])
        shifts = self._feed_shifts(service_date, feed_days)
        start_s, max_seconds = _seconds_of_day(departure), int(round(max_minutes * 60))
        egress = self.prepare_egress(point, walk_minutes=walk_minutes, feeder=feeder)
        direct, direct_estimated = self._direct(origin, point, walk_minutes, feeder)
        query = JourneyQuery(
            start_s=start_s, max_seconds=max_seconds,
            connections=self.timetable.connections_between(
                service_date, start_s, start_s + max_seconds, holiday_service=self.holiday_service, feed_shift=shifts
            ),
            access=self._access(origin, walk_minutes, feeder),
            egress=(egress.stops, egress.seconds, egress.estimated),
            direct=(int(direct[0]), int(direct_estimated[0])),
            footpath_offsets=self.footpath_offsets, footpath_to=self.footpath_to,
            footpath_seconds=self.footpath_seconds, change_seconds=self.change_seconds,
            trip_previous_slots=self.trip_previous_slots,
        )
        traced = trace_journey(query, self.timetable.n_stops)
        if traced is None:
            return None
        return describe(traced, query, self.timetable, self.route_labels, service_date,
                        self._platforms_on(service_date, shifts))

    def _platforms_on(self, service_date: date, shifts: np.ndarray):
        """``platform_of(slot, stop)`` for :func:`routing.transit.journey.describe`: the platform
        on the day the trip of that slot runs (the slot's day copy and its feed's shift)."""
        timetable = self.timetable
        active_on: dict[date, np.ndarray] = {}

        def platform_of(slot: int, stop: int) -> str:
            trip = slot % timetable.n_trips
            feed = int(timetable.service_feed[timetable.trip_service[trip]])
            day = service_date + timedelta(days=slot // timetable.n_trips - 1 + int(shifts[feed]))
            if day not in active_on:
                active_on[day] = timetable.active_services(day, holiday_service=self.holiday_service)
            return timetable.platform_at(trip, stop, active_on[day])

        return platform_of

    def _scan(self, departures, max_seconds, starts, connections, access, egress, direct_seconds, direct_estimated):
        access_stops, access_seconds, access_estimated = access
        arguments = (
            np.int64(max_seconds),
            None,
            connections["departure_s"].astype(np.int64),
            connections["arrival_s"].astype(np.int64),
            connections["from_stop"].astype(np.int64),
            connections["to_stop"].astype(np.int64),
            connections["trip"].astype(np.int64),
            self.timetable.n_stops,
            3 * self.timetable.n_trips,
            self.footpath_offsets,
            self.footpath_to,
            self.footpath_seconds,
            self.change_seconds,
            access_stops.astype(np.int64),
            access_seconds.astype(np.int64),
            egress.offsets,
            egress.stops,
            egress.seconds.astype(np.int64),
            direct_seconds.astype(np.int64),
            connections["rules"].astype(np.int64),
            self.trip_previous_slots,
            access_estimated.astype(np.int8),
            egress.estimated.astype(np.int8),
            direct_estimated.astype(np.int8),
        )

        def run(part: slice):
            return scan.scan_window(departures[part], arguments[0], starts[part], *arguments[2:])

        chunks = min(self.threads, len(departures))
        if chunks <= 1:
            return run(slice(None))
        bounds = np.linspace(0, len(departures), chunks + 1).round().astype(int)
        parts = [slice(bounds[i], bounds[i + 1]) for i in range(chunks)]
        with ThreadPoolExecutor(max_workers=chunks) as pool:
            results = list(pool.map(run, parts))
        return tuple(np.concatenate([result[i] for result in results]) for i in range(6))

def _json(text: str) -> dict:
    try:
        return json.loads(text) if text else {}
    except ValueError:
        return {}
