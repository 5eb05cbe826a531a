"""The compact timetable: merged feeds as numpy arrays, cached as one ``.npz`` file.

Connections (one per pair of consecutive stops of a trip) are kept in one array sorted by
departure time in the feed's own clock (seconds from the service day's noon minus 12 h,
so past 24:00 for trips after midnight). Which connections run on a given day follows
from ``trip_service`` and the service-by-day bitmask; filtering keeps the order, so the
arrays for one day (or a slice of it) are sorted without sorting again.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal

import holidays
import numpy as np
import pandas as pd

from routing.transit.errors import TransitCacheError
from routing.transit.gtfs import WEEKDAY_COLUMNS, ParsedFeed

#: Bump when the arrays or their meaning change: old cache files are then rebuilt.
CACHE_FORMAT = 4
DAY_SECONDS = 86_400
#: ``connection_rules`` bits: nobody boards at the connection's first stop (pickup_type 1),
#: nobody alights at its second (drop_off_type 1), boarding there only on request (pickup_type
#: 2 or 3: phone the agency, tell the driver), alighting there only on request (drop_off_type 2, 3).
NO_BOARDING = 1
NO_ALIGHTING = 2
BOARDING_ON_REQUEST = 4
ALIGHTING_ON_REQUEST = 8

HolidayService = Literal["sunday", "as_published"]


@lru_cache(maxsize=64)
def _belgian_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.Belgium(years=year))


def is_belgian_public_holiday(day: date) -> bool:
    """True on the ten statutory Belgian public holidays (and Easter and Whit Sunday)."""
    return day in _belgian_holidays(day.year)


@dataclass
class Timetable:
    """Everything the router needs, as flat arrays (see the module docstring)."""

    stop_ids: np.ndarray
    stop_names: np.ndarray
    stop_lon_lat: np.ndarray        # float64 (n_stops, 2)
    stop_platforms: np.ndarray      # str per stop: platform_code ("" when none)
    route_ids: np.ndarray
    route_short_names: np.ndarray
    route_long_names: np.ndarray
    route_types: np.ndarray         # int32
    trip_ids: np.ndarray
    trip_route: np.ndarray          # int32
    trip_service: np.ndarray        # int32
    trip_headsigns: np.ndarray      # str per trip: trip_headsign ("" when none)
    trip_short_names: np.ndarray    # str per trip: trip_short_name, e.g. a train number ("" when none)
    service_ids: np.ndarray
    service_feed: np.ndarray        # int32: index into feed_tags
    service_days: np.ndarray        # bool (n_services, n_days): runs on first_day + column
    feed_mentions: np.ndarray       # bool (n_feeds, n_days): date appears in that feed's calendar_dates
    first_day_ordinal: int
    feed_tags: np.ndarray
    feed_sources: np.ndarray
    departure_s: np.ndarray         # int32, sorted
    arrival_s: np.ndarray           # int32
    from_stop: np.ndarray           # int32
    to_stop: np.ndarray             # int32
    trip: np.ndarray                # int32
    connection_rules: np.ndarray    # uint8: NO_BOARDING | NO_ALIGHTING | ..._ON_REQUEST
    trip_previous: np.ndarray       # int32 per trip: the trip of its block it continues (-1: none)
    transfer_from: np.ndarray       # int32, transfers.txt between stops (type 0, 1, 2)
    transfer_to: np.ndarray         # int32
    transfer_seconds: np.ndarray    # int32; -1: walk time to be computed
    transfer_forbidden_from: np.ndarray  # int32, type 3
    transfer_forbidden_to: np.ndarray
    stop_change_seconds: np.ndarray  # int32 per stop from transfers.txt (from == to); -1: default
    platform_trip: np.ndarray       # int32: a trip that, on the days of platform_service,
    platform_stop: np.ndarray       # int32: stops at this stop
    platform_service: np.ndarray    # int32
    platform_codes: np.ndarray      # str: at this platform (stop_time_overrides.txt)
    report_json: str = "{}"
    cache_key: str = ""

    @property
    def n_stops(self) -> int:
        return len(self.stop_ids)

    @property
    def n_trips(self) -> int:
        return len(self.trip_ids)

    @property
    def n_connections(self) -> int:
        return len(self.departure_s)

    @property
    def first_day(self) -> date:
        return date.fromordinal(self.first_day_ordinal)

    @property
    def last_day(self) -> date:
        return date.fromordinal(self.first_day_ordinal + self.service_days.shape[1] - 1)

    # ------------------------------------------------------------------ calendars
    def active_services(self, day: date, *, holiday_service: HolidayService = "sunday") -> np.ndarray:
        """Bool per service: does it run on ``day``?

        With ``holiday_service="sunday"``, on a Belgian public holiday that a feed's
        calendar_dates.txt does not mention, that feed runs the services of the Sunday
        before (or the Sunday after when the one before lies outside the feed's dates).
        A feed that mentions the day is trusted as published.
        """
        n_days = self.service_days.shape[1]
        column = day.toordinal() - self.first_day_ordinal
        if not 0 <= column < n_days:
            return np.zeros(len(self.service_ids), dtype=bool)
        active = self.service_days[:, column].copy()
        if holiday_service == "as_published" or day.weekday() == 6 or not is_belgian_public_holiday(day):
            return active
        if holiday_service != "sunday":
            msg = f"holiday_service must be 'sunday' or 'as_published', not {holiday_service!r}"
            raise ValueError(msg)
        sunday = day - timedelta(days=day.weekday() + 1)
        sunday_column = sunday.toordinal() - self.first_day_ordinal
        if sunday_column < 0:
            sunday_column += 7
        if not 0 <= sunday_column < n_days:
            return active
        for feed_index in np.flatnonzero(~self.feed_mentions[:, column]):
            of_feed = self.service_feed == feed_index
            active[of_feed] = self.service_days[of_feed, sunday_column]
        return active

    def feed_ranges(self) -> list[tuple[date, date]]:
        """First and last day with any service, per feed (in ``feed_tags`` order)."""
        ranges = []
        for feed_index in range(len(self.feed_tags)):
            days = np.flatnonzero(self.service_days[self.service_feed == feed_index].any(axis=0))
            if not len(days):
                ranges.append((self.first_day, self.first_day))
                continue
            ranges.append((date.fromordinal(self.first_day_ordinal + int(days[0])),
                           date.fromordinal(self.first_day_ordinal + int(days[-1]))))
        return ranges

    def _active(self, day: date, holiday_service: HolidayService, feed_shift: np.ndarray | None) -> np.ndarray:
        """:meth:`active_services` with each feed ``f`` running on ``day + feed_shift[f]`` days."""
        if feed_shift is None or not np.any(feed_shift):
            return self.active_services(day, holiday_service=holiday_service)
        active = np.zeros(len(self.service_ids), dtype=bool)
        for shift in np.unique(feed_shift):
            of_feeds = np.isin(self.service_feed, np.flatnonzero(feed_shift == shift))
            shifted = self.active_services(day + timedelta(days=int(shift)), holiday_service=holiday_service)
            active[of_feeds] = shifted[of_feeds]
        return active

    def connections_between(
        self, service_date: date, start_s: int, end_s: int, *, holiday_service: HolidayService = "sunday",
        feed_shift: np.ndarray | None = None,
    ) -> dict[str, np.ndarray]:
        """Connections departing in ``[start_s, end_s]`` on ``service_date``'s clock.

        Trips of the previous service day (times past 24:00) and of the next one are
        included, shifted by a day, so a 00:30 query on Tuesday finds Monday's 24:30 trip.
        Trip indices of the previous/same/next day are offset by 0, ``n_trips``, ``2 n_trips``
        so one vehicle on two days never counts as the same trip. ``rules`` holds each
        connection's ``connection_rules`` bits. ``feed_shift`` (days per feed) runs a feed on
        another day than ``service_date``: a 2019 rail feed beside a current bus feed.
        """
        pieces = []
        for copy, offset_days in enumerate((-1, 0, 1)):
            shift = offset_days * DAY_SECONDS
            low = int(np.searchsorted(self.departure_s, start_s - shift, side="left"))
            high = int(np.searchsorted(self.departure_s, end_s - shift, side="right"))
            if low >= high:
                continue
            active = self._active(service_date + timedelta(days=offset_days), holiday_service, feed_shift)
            running = active[self.trip_service[self.trip[low:high]]]
            chosen = low + np.flatnonzero(running)
            if not len(chosen):
                continue
            pieces.append(
                (
                    self.departure_s[chosen] + shift,
                    self.arrival_s[chosen] + shift,
                    self.from_stop[chosen],
                    self.to_stop[chosen],
                    self.trip[chosen] + copy * self.n_trips,
                    self.connection_rules[chosen],
                )
            )
        names = ("departure_s", "arrival_s", "from_stop", "to_stop", "trip", "rules")
        if not pieces:
            return {name: np.empty(0, dtype=np.int32) for name in names}
        columns = [np.concatenate([piece[i] for piece in pieces]).astype(np.int32) for i in range(6)]
        if len(pieces) > 1:
            order = np.lexsort((columns[1], columns[0]))
            columns = [column[order] for column in columns]
        return dict(zip(names, columns, strict=True))

    def platform_at(self, trip: int, stop: int, active_services: np.ndarray) -> str:
        """The platform where ``trip`` stops at ``stop`` on a day with ``active_services``
        (:meth:`active_services`): a platform override of that day, else the stop's platform_code."""
        rows = np.flatnonzero((self.platform_trip == trip) & (self.platform_stop == stop))
        for row in rows:
            service = self.platform_service[row]
            if service >= 0 and active_services[service]:
                return str(self.platform_codes[row])
        return str(self.stop_platforms[stop])

    # ------------------------------------------------------------------ cache
    def save(self, path: Path) -> Path:
        """Write the arrays to ``path`` (``.npz``, uncompressed for fast loading) atomically."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {name: value for name, value in self.__dict__.items() if isinstance(value, np.ndarray)}
        arrays["service_days"] = np.packbits(self.service_days, axis=1)
        arrays["service_days_count"] = np.array(self.service_days.shape[1])
        arrays["feed_mentions"] = np.packbits(self.feed_mentions, axis=1)
        meta = {
            "format": CACHE_FORMAT,
            "first_day_ordinal": self.first_day_ordinal,
            "report": json.loads(self.report_json),
            "cache_key": self.cache_key,
        }
        arrays["meta_json"] = np.array(json.dumps(meta, ensure_ascii=False))
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".part")
        try:
            with os.fdopen(handle, "wb") as stream:
                np.savez(stream, **arrays)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return path

    @classmethod
    def load(cls, path: Path) -> Timetable:
        """Read a file written by :meth:`save`; :class:`TransitCacheError` if unusable."""
        path = Path(path)
        try:
            with np.load(path, allow_pickle=False) as stored:
                arrays = {name: stored[name] for name in stored.files}
        except (OSError, ValueError, KeyError) as exc:
            msg = f"cannot read timetable cache {path}: {exc}"
            raise TransitCacheError(msg) from exc
        try:
            meta = json.loads(str(arrays.pop("meta_json")))
            if meta.get("format") != CACHE_FORMAT:
                msg = f"timetable cache {path} has format {meta.get('format')}, expected {CACHE_FORMAT}"
                raise TransitCacheError(msg)
            n_days = int(arrays.pop("service_days_count"))
            arrays["service_days"] = np.unpackbits(arrays["service_days"], axis=1, count=n_days).astype(bool)
            arrays["feed_mentions"] = np.unpackbits(arrays["feed_mentions"], axis=1, count=n_days).astype(bool)
            return cls(
                **arrays,
                first_day_ordinal=int(meta["first_day_ordinal"]),
                report_json=json.dumps(meta.get("report", {}), ensure_ascii=False),
                cache_key=str(meta.get("cache_key", "")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, TransitCacheError):
                raise
            msg = f"timetable cache {path} is incomplete: {exc}"
            raise TransitCacheError(msg) from exc


def build_timetable(feeds: list[ParsedFeed], *, feed_tags: list[str], feed_sources: list[str]) -> Timetable:
    """Merge parsed feeds (ids already prefixed) into one :class:`Timetable`."""
    stops = pd.concat([feed.stops for feed in feeds], ignore_index=True)
    routes = pd.concat([feed.routes for feed in feeds], ignore_index=True)
    trips = pd.concat([feed.trips for feed in feeds], ignore_index=True)
    stop_index = pd.Index(stops["stop_id"])
    route_index = pd.Index(routes["route_id"])
    trip_index = pd.Index(trips["trip_id"])

    service_days, service_ids, service_feed, feed_mentions, first_ordinal = _service_bitmask(
        feeds, feed_tags=feed_tags
    )
    service_index = pd.Index(service_ids)

    from_stop, to_stop, departure, arrival, trip, rules = [], [], [], [], [], []
    trip_previous = np.full(len(trips), -1, dtype=np.int32)
    for feed in feeds:
        table = feed.stop_times
        same_trip = (table["trip_id"].to_numpy()[1:] == table["trip_id"].to_numpy()[:-1])
        stop_codes = stop_index.get_indexer(table["stop_id"]).astype(np.int32)
        trip_codes = trip_index.get_indexer(table["trip_id"]).astype(np.int32)
        first = np.flatnonzero(same_trip)
        from_stop.append(stop_codes[first])
        to_stop.append(stop_codes[first + 1])
        departure.append(table["departure_s"].to_numpy()[first].astype(np.int32))
        arrival.append(table["arrival_s"].to_numpy()[first + 1].astype(np.int32))
        trip.append(trip_codes[first])
        pickup = table["pickup"].to_numpy()[first]
        drop_off = table["drop_off"].to_numpy()[first + 1]
        rules.append(
            np.where(pickup == 1, NO_BOARDING, 0) | np.where(drop_off == 1, NO_ALIGHTING, 0)
            | np.where(np.isin(pickup, (2, 3)), BOARDING_ON_REQUEST, 0)
            | np.where(np.isin(drop_off, (2, 3)), ALIGHTING_ON_REQUEST, 0)
        )
        _link_blocks(feed, trip_index, trip_previous)
    from_stop, to_stop, departure, arrival, trip, rules = (
        np.concatenate(parts) for parts in (from_stop, to_stop, departure, arrival, trip, rules)
    )
    # Position within its trip breaks the last ties, so a trip's connections stay in order
    # even when several share one departure second.
    position = np.arange(len(departure))
    order = np.lexsort((position, trip, arrival, departure))

    transfers = pd.concat([feed.transfers for feed in feeds], ignore_index=True)
    transfer_from = stop_index.get_indexer(transfers["from_stop_id"]).astype(np.int32)
    transfer_to = stop_index.get_indexer(transfers["to_stop_id"]).astype(np.int32)
    kind = transfers["transfer_type"].to_numpy()
    minimum = transfers["min_transfer_time"].to_numpy(dtype=float)
    known = (transfer_from >= 0) & (transfer_to >= 0)
    same = transfer_from == transfer_to
    stop_change = np.full(len(stops), -1, dtype=np.int32)
    timed_self = known & same & (kind == 2)
    stop_change[transfer_from[timed_self]] = minimum[timed_self].astype(np.int32)
    forbidden_self = known & same & (kind == 3)
    stop_change[transfer_from[forbidden_self]] = np.iinfo(np.int32).max // 4
    between = known & ~same & np.isin(kind, [0, 1, 2])
    seconds = np.where(kind == 2, np.nan_to_num(minimum, nan=-1), -1).astype(np.int32)
    forbidden = known & ~same & (kind == 3)

    platforms = pd.concat([feed.platforms for feed in feeds if feed.platforms is not None and len(feed.platforms)]
                          or [pd.DataFrame({"trip_id": [], "stop_id": [], "service_id": [], "platform": []}, dtype=str)],
                          ignore_index=True)
    platform_trip = trip_index.get_indexer(platforms["trip_id"]).astype(np.int32)
    platform_stop = stop_index.get_indexer(platforms["stop_id"]).astype(np.int32)
    platform_known = (platform_trip >= 0) & (platform_stop >= 0)

    return Timetable(
        stop_ids=stops["stop_id"].to_numpy(dtype=str),
        stop_names=stops["stop_name"].to_numpy(dtype=str),
        stop_lon_lat=stops[["lon", "lat"]].to_numpy(dtype=np.float64),
        stop_platforms=stops["platform"].to_numpy(dtype=str),
        route_ids=routes["route_id"].to_numpy(dtype=str),
        route_short_names=routes["short_name"].to_numpy(dtype=str),
        route_long_names=routes["long_name"].to_numpy(dtype=str),
        route_types=routes["route_type"].to_numpy(dtype=np.int32),
        trip_ids=trips["trip_id"].to_numpy(dtype=str),
        trip_route=route_index.get_indexer(trips["route_id"]).astype(np.int32),
        trip_service=service_index.get_indexer(trips["service_id"]).astype(np.int32),
        trip_headsigns=trips["headsign"].to_numpy(dtype=str),
        trip_short_names=trips["short_name"].to_numpy(dtype=str),
        service_ids=np.asarray(service_ids, dtype=str),
        service_feed=service_feed,
        service_days=service_days,
        feed_mentions=feed_mentions,
        first_day_ordinal=first_ordinal,
        feed_tags=np.asarray(feed_tags, dtype=str),
        feed_sources=np.asarray(feed_sources, dtype=str),
        departure_s=departure[order],
        arrival_s=arrival[order],
        from_stop=from_stop[order],
        to_stop=to_stop[order],
        trip=trip[order],
        connection_rules=rules[order].astype(np.uint8),
        trip_previous=trip_previous,
        transfer_from=transfer_from[between],
        transfer_to=transfer_to[between],
        transfer_seconds=seconds[between],
        transfer_forbidden_from=transfer_from[forbidden],
        transfer_forbidden_to=transfer_to[forbidden],
        stop_change_seconds=stop_change,
        platform_trip=platform_trip[platform_known],
        platform_stop=platform_stop[platform_known],
        platform_service=service_index.get_indexer(platforms["service_id"]).astype(np.int32)[platform_known],
        platform_codes=platforms["platform"].to_numpy(dtype=str)[platform_known],
    )


def _link_blocks(feed: ParsedFeed, trip_index: pd.Index, trip_previous: np.ndarray) -> None:
    """Staying seated: a trip that continues an earlier trip of the same ``block_id``.

    Within a block and a service (so both run on the same days), trips ordered by their
    first departure are linked when the next one starts at the stop where the previous one
    ends, no earlier than it arrives there: the vehicle goes on under a new trip_id and a
    passenger stays aboard, with no change time.
    """
    trips = feed.trips
    if "block_id" not in trips.columns or not (trips["block_id"] != "").any():
        return
    table = feed.stop_times
    grouped = table.groupby("trip_id", sort=False)
    ends = pd.DataFrame(
        {
            "first_stop": grouped["stop_id"].first(),
            "first_departure": grouped["departure_s"].first(),
            "last_stop": grouped["stop_id"].last(),
            "last_arrival": grouped["arrival_s"].last(),
        }
    )
    blocks = trips.loc[trips["block_id"] != "", ["trip_id", "block_id", "service_id"]].join(ends, on="trip_id")
    blocks = blocks.dropna(subset=["first_stop"]).sort_values(["block_id", "service_id", "first_departure"])
    same_block = (blocks["block_id"].to_numpy()[1:] == blocks["block_id"].to_numpy()[:-1]) & (
        blocks["service_id"].to_numpy()[1:] == blocks["service_id"].to_numpy()[:-1]
    )
    continues = (
        same_block
        & (blocks["first_stop"].to_numpy()[1:] == blocks["last_stop"].to_numpy()[:-1])
        & (blocks["first_departure"].to_numpy()[1:] >= blocks["last_arrival"].to_numpy()[:-1])
    )
    later = trip_index.get_indexer(blocks["trip_id"].to_numpy()[1:][continues])
    earlier = trip_index.get_indexer(blocks["trip_id"].to_numpy()[:-1][continues])
    trip_previous[later] = earlier


def _service_bitmask(
    feeds: list[ParsedFeed], *, feed_tags: list[str]
) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray, int]:
    """Service-by-day booleans from calendar.txt weekdays and ranges plus calendar_dates."""
    ordinals = []
    for feed in feeds:
        if len(feed.calendar):
            ordinals += [int(feed.calendar["start"].min()), int(feed.calendar["end"].max())]
        if len(feed.calendar_dates):
            ordinals += [int(feed.calendar_dates["day"].min()), int(feed.calendar_dates["day"].max())]
    first, last = min(ordinals), max(ordinals)
    n_days = last - first + 1
    # date(1, 1, 1) (ordinal 1) was a Monday, so weekday = (ordinal - 1) % 7 with Monday 0.
    weekday = (np.arange(first, last + 1) - 1) % 7

    service_ids: list[str] = []
    service_feed: list[int] = []
    rows: list[np.ndarray] = []
    feed_mentions = np.zeros((len(feed_tags), n_days), dtype=bool)
    for feed in feeds:
        feed_index = feed_tags.index(feed.tag)
        ids = pd.Index(pd.unique(pd.concat([feed.calendar["service_id"], feed.calendar_dates["service_id"]])))
        days = np.zeros((len(ids), n_days), dtype=bool)
        if len(feed.calendar):
            calendar_rows = ids.get_indexer(feed.calendar["service_id"])
            flags = feed.calendar[list(WEEKDAY_COLUMNS)].to_numpy(dtype=bool)
            day_numbers = np.arange(first, last + 1)
            for row, service_flags, start, end in zip(
                calendar_rows, flags, feed.calendar["start"], feed.calendar["end"], strict=True
            ):
                days[row] = service_flags[weekday] & (day_numbers >= start) & (day_numbers <= end)
        if len(feed.calendar_dates):
            dates = feed.calendar_dates
            date_rows = ids.get_indexer(dates["service_id"])
            columns = dates["day"].to_numpy() - first
            kind = dates["exception_type"].to_numpy()
            days[date_rows[kind == 1], columns[kind == 1]] = True
            days[date_rows[kind == 2], columns[kind == 2]] = False
            feed_mentions[feed_index, np.unique(columns)] = True
        service_ids += list(ids)
        service_feed += [feed_index] * len(ids)
        rows.append(days)
    service_days = np.concatenate(rows) if rows else np.zeros((0, n_days), dtype=bool)
    return service_days, service_ids, np.asarray(service_feed, dtype=np.int32), feed_mentions, first
