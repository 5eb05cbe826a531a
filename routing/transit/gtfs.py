"""Read one GTFS feed (zip or folder) into clean tables, recording what is wrong.

Every check that fails drops only the rows it concerns and adds an issue to the
:class:`~routing.transit.validation.FeedReport`; a feed is refused as a whole
(``ParsedFeed`` is ``None``) only when a required file or column is missing or nothing
usable is left. Identifiers are prefixed with the feed's tag (``f0:``, ``f1:`` ...) so
several feeds can be merged without clashes.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from routing.transit.stop_rules import report_stop_rules, stop_rule
from routing.transit.validation import FeedReport, FeedSummary

REQUIRED_COLUMNS = {
    "stops.txt": ("stop_id", "stop_lat", "stop_lon"),
    "routes.txt": ("route_id", "route_type"),
    "trips.txt": ("route_id", "service_id", "trip_id"),
    "stop_times.txt": ("trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"),
    "calendar.txt": (
        "service_id", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
        "sunday", "start_date", "end_date",
    ),
    "calendar_dates.txt": ("service_id", "date", "exception_type"),
    "transfers.txt": ("from_stop_id", "to_stop_id", "transfer_type"),
}
WEEKDAY_COLUMNS = REQUIRED_COLUMNS["calendar.txt"][1:8]
#: GTFS basic route types (and the extended ranges) the router understands.
BASIC_ROUTE_TYPES = {0, 1, 2, 3, 4, 5, 6, 7, 11, 12}


@dataclass
class ParsedFeed:
    """Clean tables of one feed; ids already carry the feed's prefix."""

    tag: str
    source: str
    stops: pd.DataFrame        # stop_id, stop_name, lon, lat, platform ("" when none)
    routes: pd.DataFrame       # route_id, short_name, long_name, route_type
    #: trip_id, route_id, service_id, block_id, headsign, short_name ("" when none)
    trips: pd.DataFrame
    #: trip_id, stop_id, arrival_s, departure_s, pickup, drop_off (sorted by trip, sequence);
    #: pickup/drop_off are GTFS pickup_type/drop_off_type: 0 regular, 1 none, 2 phone, 3 driver
    stop_times: pd.DataFrame
    calendar: pd.DataFrame     # service_id, monday..sunday (bool), start (date), end (date)
    calendar_dates: pd.DataFrame  # service_id, day (date), exception_type (1 added, 2 removed)
    transfers: pd.DataFrame    # from_stop_id, to_stop_id, transfer_type, min_transfer_time
    #: trip_id, stop_id, service_id, platform: on the days of service_id the trip stops at that
    #: platform (the NMBS extension stop_time_overrides.txt; empty for other feeds)
    platforms: pd.DataFrame | None = None


class _FeedFiles:
    """Text files of a zip or a folder, found by base name (feeds often nest a folder)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip = zipfile.ZipFile(path) if path.is_file() else None
        if self._zip is not None:
            names = [name for name in self._zip.namelist() if not name.endswith("/")]
        else:
            names = [str(item.relative_to(path)) for item in path.rglob("*.txt")]
        self._by_base = {}
        for name in sorted(names, key=lambda item: item.count("/")):
            self._by_base.setdefault(Path(name).name.lower(), name)

    def __contains__(self, base: str) -> bool:
        return base in self._by_base

    def read(self, base: str) -> pd.DataFrame:
        name = self._by_base[base]
        raw = self._zip.read(name) if self._zip is not None else (self.path / name).read_bytes()
        if not raw.strip():
            return pd.DataFrame()
        frame = pd.read_csv(
            io.BytesIO(raw), dtype=str, keep_default_na=False, encoding="utf-8-sig",
            skipinitialspace=True,
        )
        frame.columns = [str(column).strip() for column in frame.columns]
        return frame

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()


def parse_gtfs_times(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Seconds after the service day's noon-minus-12h for ``H:MM:SS`` strings (may pass 24:00).

    Returns
    -------
    seconds, malformed
        ``seconds`` is float with ``nan`` for empty or malformed values; ``malformed`` is
        True where a value is present but not a valid GTFS time.
    """
    text = values.astype(str).str.strip()
    empty = (text == "").to_numpy()
    parts = text.str.extract(r"^(\d{1,3}):([0-5]\d):([0-5]\d)$")
    valid = parts[0].notna().to_numpy()
    seconds = np.full(len(text), np.nan)
    if valid.any():
        numbers = parts[valid].astype(np.int64).to_numpy()
        seconds[valid] = numbers[:, 0] * 3600 + numbers[:, 1] * 60 + numbers[:, 2]
    return seconds, ~valid & ~empty


def parse_gtfs_dates(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Day ordinals (``date.toordinal``) for ``YYYYMMDD`` strings, and a validity mask."""
    parsed = pd.to_datetime(values.astype(str).str.strip(), format="%Y%m%d", errors="coerce")
    valid = parsed.notna().to_numpy()
    ordinals = np.zeros(len(values), dtype=np.int64)
    if valid.any():
        epoch_days = (parsed[valid].to_numpy().astype("datetime64[D]").astype(np.int64))
        ordinals[valid] = epoch_days + date(1970, 1, 1).toordinal()
    return ordinals, valid


def _examples(values) -> list[str]:
    return [str(value) for value in pd.unique(pd.Series(list(values)))[:5]]


def _check_columns(frame: pd.DataFrame, base: str, tag: str, report: FeedReport, *, fatal: bool) -> bool:
    missing = [column for column in REQUIRED_COLUMNS[base] if column not in frame.columns]
    if missing:
        report.add(
            "error", tag, base, "missing_column",
            f"required column(s) missing: {', '.join(missing)}",
            count=len(missing), examples=missing, fatal=fatal,
        )
        return False
    return True


def _drop_duplicates(frame: pd.DataFrame, key: str, base: str, tag: str, report: FeedReport) -> pd.DataFrame:
    duplicated = frame[key].duplicated()
    if duplicated.any():
        report.add(
            "warning", tag, base, "duplicate_id",
            f"duplicate {key}; the first row of each is kept",
            count=int(duplicated.sum()), examples=_examples(frame.loc[duplicated, key]),
        )
        frame = frame[~duplicated]
    return frame


def read_feed(path: Path, *, tag: str, source: str, report: FeedReport) -> ParsedFeed | None:
    """Read and validate one feed; ``None`` (with fatal issues in ``report``) if unusable."""
    try:
        files = _FeedFiles(path)
    except (zipfile.BadZipFile, OSError) as exc:
        report.add("error", tag, path.name, "unreadable", f"cannot open feed: {exc}", fatal=True)
        report.feeds.append(FeedSummary(source=source, tag=tag, usable=False))
        return None
    try:
        return _read_feed(files, tag=tag, source=source, report=report)
    finally:
        files.close()


def _read_feed(files: _FeedFiles, *, tag: str, source: str, report: FeedReport) -> ParsedFeed | None:
    usable = True
    for base in ("stops.txt", "routes.txt", "trips.txt", "stop_times.txt"):
        if base not in files:
            report.add("error", tag, base, "missing_file", f"required file {base} is missing", fatal=True)
            usable = False
    if "calendar.txt" not in files and "calendar_dates.txt" not in files:
        report.add(
            "error", tag, "calendar.txt", "missing_file",
            "neither calendar.txt nor calendar_dates.txt is present", fatal=True,
        )
        usable = False
    if "frequencies.txt" in files and len(files.read("frequencies.txt")):
        report.add(
            "warning", tag, "frequencies.txt", "unsupported_file",
            "frequency-based trips are not expanded; each such trip runs once, at its stop_times",
        )
    if not usable:
        report.feeds.append(FeedSummary(source=source, tag=tag, usable=False))
        return None

    frames = {base: files.read(base) for base in ("stops.txt", "routes.txt", "trips.txt", "stop_times.txt")}
    for base, frame in frames.items():
        usable &= _check_columns(frame, base, tag, report, fatal=True)
    calendar_raw = files.read("calendar.txt") if "calendar.txt" in files else pd.DataFrame()
    dates_raw = files.read("calendar_dates.txt") if "calendar_dates.txt" in files else pd.DataFrame()
    if len(calendar_raw.columns) and not _check_columns(calendar_raw, "calendar.txt", tag, report, fatal=False):
        calendar_raw = pd.DataFrame()
    if len(dates_raw.columns) and not _check_columns(dates_raw, "calendar_dates.txt", tag, report, fatal=False):
        dates_raw = pd.DataFrame()
    if not usable:
        report.feeds.append(FeedSummary(source=source, tag=tag, usable=False))
        return None

    stops = _read_stops(frames["stops.txt"], tag, report)
    routes = _read_routes(frames["routes.txt"], tag, report)
    calendar, calendar_dates = _read_calendars(calendar_raw, dates_raw, tag, report)
    service_ids = set(calendar["service_id"]) | set(calendar_dates["service_id"])
    trips = _read_trips(frames["trips.txt"], tag, report, set(routes["route_id"]), service_ids)
    stop_times = _read_stop_times(frames["stop_times.txt"], tag, report, set(trips["trip_id"]), set(stops["stop_id"]))
    trips = trips[trips["trip_id"].isin(stop_times["trip_id"].unique())]
    transfers = _read_transfers(files, tag, report, set(stops["stop_id"]))
    stops, trips = _in_dutch(files, stops, trips)
    platforms = _platform_overrides(files, tag, frames["stop_times.txt"], stops, trips)

    if not len(calendar) and not len(calendar_dates):
        report.add(
            "error", tag, "calendar.txt", "empty_calendar",
            "calendar.txt and calendar_dates.txt define no service days", fatal=True,
        )
    if not len(stop_times):
        report.add("error", tag, "stop_times.txt", "no_trips", "no usable trips are left", fatal=True)
    first_day, last_day = _service_range(calendar, calendar_dates)
    ok = bool(len(stop_times)) and (bool(len(calendar)) or bool(len(calendar_dates)))
    used_stops = stops[stops["stop_id"].isin(stop_times["stop_id"].unique())] if ok else stops
    report.feeds.append(
        FeedSummary(
            source=source, tag=tag, usable=ok, stops=len(used_stops), routes=len(routes),
            trips=len(trips), stop_times=len(stop_times),
            first_day=first_day.isoformat() if first_day else None,
            last_day=last_day.isoformat() if last_day else None,
        )
    )
    if not ok:
        return None
    return ParsedFeed(
        tag=tag, source=source, stops=used_stops.reset_index(drop=True), routes=routes,
        trips=trips.reset_index(drop=True), stop_times=stop_times, calendar=calendar,
        calendar_dates=calendar_dates, transfers=transfers, platforms=platforms,
    )


def _in_dutch(files: _FeedFiles, stops: pd.DataFrame, trips: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stop names and headsigns in Dutch where translations.txt has them (NMBS names Kortrijk
    "Courtrai" in stops.txt): the people who read them live in Flanders.

    Both layouts are read: the old one (``trans_id``, ``lang``, ``translation``: the text
    itself is the key) and GTFS's (``field_value`` of ``table_name``/``field_name``).
    """
    if "translations.txt" not in files:
        return stops, trips
    table = files.read("translations.txt")
    columns = set(table.columns)
    if {"trans_id", "lang", "translation"} <= columns:
        dutch = table[table["lang"].str.strip().str.lower() == "nl"]
        names = headsigns = dict(zip(dutch["trans_id"].str.strip(), dutch["translation"].str.strip(), strict=True))
    elif {"table_name", "field_name", "language", "translation", "field_value"} <= columns:
        dutch = table[(table["language"].str.strip().str.lower() == "nl") & (table["field_value"].str.strip() != "")]

        def of_field(field: str) -> dict[str, str]:
            rows = dutch[dutch["field_name"].str.strip() == field]
            return dict(zip(rows["field_value"].str.strip(), rows["translation"].str.strip(), strict=True))

        names, headsigns = of_field("stop_name"), of_field("trip_headsign")
    else:
        return stops, trips
    stops = stops.assign(stop_name=[names.get(name) or name for name in stops["stop_name"]])
    trips = trips.assign(headsign=[headsigns.get(sign) or sign for sign in trips["headsign"]])
    return stops, trips


def _platform_overrides(
    files: _FeedFiles, tag: str, stop_times: pd.DataFrame, stops: pd.DataFrame, trips: pd.DataFrame
) -> pd.DataFrame:
    """The platforms of NMBS's ``stop_time_overrides.txt`` (trip_id, stop_sequence, service_id,
    stop_id): on the days of service_id, that stop_time stops at the platform stop stop_id
    (whose platform_code names the platform) instead of the station of stop_times.txt."""
    empty = pd.DataFrame({"trip_id": [], "stop_id": [], "service_id": [], "platform": []}, dtype=str)
    if "stop_time_overrides.txt" not in files:
        return empty
    table = files.read("stop_time_overrides.txt")
    if not {"trip_id", "stop_sequence", "service_id", "stop_id"} <= set(table.columns):
        return empty
    platform_of = dict(zip(stops["stop_id"], stops["platform"], strict=True))
    overrides = pd.DataFrame({
        "trip_id": _prefix(table["trip_id"], tag).to_numpy(),
        "sequence": pd.to_numeric(table["stop_sequence"], errors="coerce").to_numpy(),
        "service_id": _prefix(table["service_id"], tag).to_numpy(),
        "platform": [platform_of.get(stop, "") for stop in _prefix(table["stop_id"], tag)],
    })
    stations = pd.DataFrame({
        "trip_id": _prefix(stop_times["trip_id"], tag).to_numpy(),
        "sequence": pd.to_numeric(stop_times["stop_sequence"], errors="coerce").to_numpy(),
        "stop_id": _prefix(stop_times["stop_id"], tag).to_numpy(),
    })
    merged = overrides.merge(stations, on=["trip_id", "sequence"], how="inner")
    merged = merged[(merged["platform"] != "") & merged["trip_id"].isin(trips["trip_id"])]
    return merged[["trip_id", "stop_id", "service_id", "platform"]].reset_index(drop=True)


def _prefix(values: pd.Series, tag: str) -> pd.Series:
    return tag + ":" + values.astype(str).str.strip()


def _read_stops(frame: pd.DataFrame, tag: str, report: FeedReport) -> pd.DataFrame:
    frame = _drop_duplicates(frame, "stop_id", "stops.txt", tag, report)
    lat = pd.to_numeric(frame["stop_lat"], errors="coerce").to_numpy()
    lon = pd.to_numeric(frame["stop_lon"], errors="coerce").to_numpy()
    bad = ~np.isfinite(lat) | ~np.isfinite(lon) | (np.abs(lat) > 90) | (np.abs(lon) > 180)
    bad |= (lat == 0) & (lon == 0)
    location_type = frame.get("location_type", pd.Series("", index=frame.index)).str.strip()
    # Stations, entrances and nodes may lack coordinates; only stops (0/empty) and boarding
    # areas (4) are served by vehicles.
    served = location_type.isin(["", "0", "4"]).to_numpy()
    if (bad & served).any():
        report.add(
            "error", tag, "stops.txt", "bad_coordinates",
            "stops without valid coordinates are dropped (with their stop_times)",
            count=int((bad & served).sum()), examples=_examples(frame.loc[bad & served, "stop_id"]),
        )
    keep = ~bad & served
    names = frame.get("stop_name", pd.Series("", index=frame.index))
    return pd.DataFrame(
        {
            "stop_id": _prefix(frame["stop_id"], tag)[keep].to_numpy(),
            "stop_name": names[keep].astype(str).to_numpy(),
            "lon": lon[keep],
            "lat": lat[keep],
            "platform": _optional_text(frame, "platform_code")[keep].to_numpy(),
        }
    )


def _optional_text(frame: pd.DataFrame, column: str) -> pd.Series:
    """An optional column's stripped text ("" where absent)."""
    return frame.get(column, pd.Series("", index=frame.index)).astype(str).str.strip()


def _read_routes(frame: pd.DataFrame, tag: str, report: FeedReport) -> pd.DataFrame:
    frame = _drop_duplicates(frame, "route_id", "routes.txt", tag, report)
    route_type = pd.to_numeric(frame["route_type"], errors="coerce")
    unknown = route_type.isna() | ~route_type.fillna(-1).astype(int).map(
        lambda value: value in BASIC_ROUTE_TYPES or 100 <= value <= 1799
    )
    if unknown.any():
        report.add(
            "warning", tag, "routes.txt", "unknown_route_type",
            "route_type not recognised; such routes are labelled as plain 'lijn'",
            count=int(unknown.sum()), examples=_examples(frame.loc[unknown, "route_type"]),
        )
    short = frame.get("route_short_name", pd.Series("", index=frame.index)).astype(str).str.strip()
    long = frame.get("route_long_name", pd.Series("", index=frame.index)).astype(str).str.strip()
    return pd.DataFrame(
        {
            "route_id": _prefix(frame["route_id"], tag).to_numpy(),
            "short_name": short.to_numpy(),
            "long_name": long.to_numpy(),
            "route_type": route_type.fillna(-1).astype(int).to_numpy(),
        }
    )


def _read_calendars(
    calendar: pd.DataFrame, dates: pd.DataFrame, tag: str, report: FeedReport
) -> tuple[pd.DataFrame, pd.DataFrame]:
    calendar_out = pd.DataFrame(columns=["service_id", *WEEKDAY_COLUMNS, "start", "end"])
    if len(calendar):
        calendar = _drop_duplicates(calendar, "service_id", "calendar.txt", tag, report)
        start, start_ok = parse_gtfs_dates(calendar["start_date"])
        end, end_ok = parse_gtfs_dates(calendar["end_date"])
        flags = calendar[list(WEEKDAY_COLUMNS)].apply(lambda column: column.str.strip())
        flags_ok = flags.isin(["0", "1"]).all(axis=1).to_numpy()
        ok = start_ok & end_ok & flags_ok
        if (~ok).any():
            report.add(
                "error", tag, "calendar.txt", "bad_calendar_row",
                "calendar rows with invalid dates or weekday flags are dropped",
                count=int((~ok).sum()), examples=_examples(calendar.loc[~ok, "service_id"]),
            )
        reversed_range = ok & (end < start)
        if reversed_range.any():
            report.add(
                "error", tag, "calendar.txt", "end_before_start",
                "calendar rows whose end_date precedes start_date are dropped",
                count=int(reversed_range.sum()), examples=_examples(calendar.loc[reversed_range, "service_id"]),
            )
        ok &= ~reversed_range
        calendar_out = pd.DataFrame({"service_id": _prefix(calendar["service_id"], tag).to_numpy()[ok]})
        for column in WEEKDAY_COLUMNS:
            calendar_out[column] = (flags[column].to_numpy() == "1")[ok]
        calendar_out["start"] = start[ok]
        calendar_out["end"] = end[ok]
    dates_out = pd.DataFrame(columns=["service_id", "day", "exception_type"])
    if len(dates):
        day, day_ok = parse_gtfs_dates(dates["date"])
        kind = dates["exception_type"].str.strip()
        ok = day_ok & kind.isin(["1", "2"]).to_numpy()
        if (~ok).any():
            report.add(
                "error", tag, "calendar_dates.txt", "bad_exception",
                "calendar_dates rows with an invalid date or exception_type (not 1 or 2) are dropped",
                count=int((~ok).sum()), examples=_examples(dates.loc[~ok, "service_id"]),
            )
        dates_out = pd.DataFrame(
            {
                "service_id": _prefix(dates["service_id"], tag).to_numpy()[ok],
                "day": day[ok],
                "exception_type": kind.to_numpy()[ok].astype(int),
            }
        )
    if len(calendar_out):
        never = ~calendar_out[list(WEEKDAY_COLUMNS)].any(axis=1)
        added = set(dates_out.loc[dates_out["exception_type"] == 1, "service_id"])
        never &= ~calendar_out["service_id"].isin(added)
        if never.any():
            report.add(
                "warning", tag, "calendar.txt", "service_never_runs",
                "services with no weekday and no added date never run",
                count=int(never.sum()), examples=_examples(calendar_out.loc[never, "service_id"]),
            )
    return calendar_out.reset_index(drop=True), dates_out.reset_index(drop=True)


def _service_range(calendar: pd.DataFrame, dates: pd.DataFrame) -> tuple[date | None, date | None]:
    days = []
    if len(calendar):
        days += [int(calendar["start"].min()), int(calendar["end"].max())]
    if len(dates):
        days += [int(dates["day"].min()), int(dates["day"].max())]
    if not days:
        return None, None
    return date.fromordinal(min(days)), date.fromordinal(max(days))


def _read_trips(
    frame: pd.DataFrame, tag: str, report: FeedReport, route_ids: set[str], service_ids: set[str]
) -> pd.DataFrame:
    frame = _drop_duplicates(frame, "trip_id", "trips.txt", tag, report)
    block = _optional_text(frame, "block_id")
    trips = pd.DataFrame(
        {
            "trip_id": _prefix(frame["trip_id"], tag).to_numpy(),
            "route_id": _prefix(frame["route_id"], tag).to_numpy(),
            "service_id": _prefix(frame["service_id"], tag).to_numpy(),
            "block_id": np.where(block.to_numpy() == "", "", (tag + ":" + block).to_numpy()),
            "headsign": _optional_text(frame, "trip_headsign").to_numpy(),
            "short_name": _optional_text(frame, "trip_short_name").to_numpy(),
        }
    )
    unknown_route = ~trips["route_id"].isin(route_ids)
    if unknown_route.any():
        report.add(
            "error", tag, "trips.txt", "unknown_route",
            "trips referring to a route_id missing from routes.txt are dropped",
            count=int(unknown_route.sum()), examples=_examples(trips.loc[unknown_route, "route_id"]),
        )
    unknown_service = ~trips["service_id"].isin(service_ids)
    if unknown_service.any():
        report.add(
            "error", tag, "trips.txt", "unknown_service",
            "trips whose service_id is in neither calendar.txt nor calendar_dates.txt are dropped",
            count=int(unknown_service.sum()), examples=_examples(trips.loc[unknown_service, "service_id"]),
        )
    return trips[~unknown_route & ~unknown_service]


def _read_stop_times(
    frame: pd.DataFrame, tag: str, report: FeedReport, trip_ids: set[str], stop_ids: set[str]
) -> pd.DataFrame:
    file = "stop_times.txt"
    trip = _prefix(frame["trip_id"], tag).to_numpy()
    stop = _prefix(frame["stop_id"], tag).to_numpy()
    sequence = pd.to_numeric(frame["stop_sequence"], errors="coerce").to_numpy()
    arrival, arrival_bad = parse_gtfs_times(frame["arrival_time"])
    departure, departure_bad = parse_gtfs_times(frame["departure_time"])
    pickup = stop_rule(frame, "pickup_type", tag, report)
    drop_off = stop_rule(frame, "drop_off_type", tag, report)

    keep = _known_references(trip, stop, trip_ids, stop_ids, tag, report)
    broken_trips = _unreadable_trips(frame, trip, sequence, arrival_bad | departure_bad, keep, tag, report)
    table = pd.DataFrame(
        {
            "trip_id": trip, "stop_id": stop, "sequence": sequence, "arrival_s": arrival,
            "departure_s": departure, "pickup": pickup, "drop_off": drop_off,
        }
    )[keep]
    if broken_trips:
        table = table[~table["trip_id"].isin(broken_trips)]
    table = table.sort_values(["trip_id", "sequence"], kind="stable").reset_index(drop=True)

    duplicated = table.duplicated(["trip_id", "sequence"]).to_numpy()
    if duplicated.any():
        report.add(
            "error", tag, file, "duplicate_stop_sequence",
            "a stop_sequence appears twice in a trip; the trip is dropped",
            count=int(duplicated.sum()), examples=_examples(table.loc[duplicated, "trip_id"]),
        )
        table = table[~table["trip_id"].isin(set(table.loc[duplicated, "trip_id"]))].reset_index(drop=True)

    table, dropped = _fill_times(table, tag, report)
    if dropped:
        table = table[~table["trip_id"].isin(dropped)].reset_index(drop=True)
    table = _without_unrideable_trips(table, tag, report)
    table["arrival_s"] = table["arrival_s"].astype(np.int32)
    table["departure_s"] = table["departure_s"].astype(np.int32)
    report_stop_rules(table, tag, report)
    return table[["trip_id", "stop_id", "arrival_s", "departure_s", "pickup", "drop_off"]]


def _known_references(
    trip: np.ndarray, stop: np.ndarray, trip_ids: set[str], stop_ids: set[str], tag: str, report: FeedReport
) -> np.ndarray:
    """Rows whose trip and stop exist (the others reported and left out)."""
    file = "stop_times.txt"
    known_trip = pd.Series(trip).isin(trip_ids).to_numpy()
    if (~known_trip).any():
        report.add(
            "error", tag, file, "unknown_trip",
            "stop_times referring to an unknown or dropped trip_id are dropped",
            count=int((~known_trip).sum()), examples=_examples(trip[~known_trip]),
        )
    known_stop = pd.Series(stop).isin(stop_ids).to_numpy()
    if (~known_stop & known_trip).any():
        report.add(
            "error", tag, file, "unknown_stop",
            "stop_times referring to an unknown stop_id (or one without coordinates) are dropped; "
            "the trip keeps its other stops",
            count=int((~known_stop & known_trip).sum()), examples=_examples(stop[~known_stop & known_trip]),
        )
    return known_trip & known_stop


def _unreadable_trips(
    frame: pd.DataFrame, trip: np.ndarray, sequence: np.ndarray, bad_times: np.ndarray, keep: np.ndarray, tag: str,
    report: FeedReport,
) -> set[str]:
    """Trips with a malformed time or a stop_sequence that is not a number (reported)."""
    file = "stop_times.txt"
    broken_trips: set[str] = set()
    bad_time = bad_times & keep
    if bad_time.any():
        report.add(
            "error", tag, file, "bad_time",
            "malformed arrival_time/departure_time (expected H:MM:SS); the trip is dropped",
            count=int(bad_time.sum()),
            examples=[f"{t} {a!s}/{d!s}" for t, a, d in zip(
                trip[bad_time][:5], frame["arrival_time"].to_numpy()[bad_time][:5],
                frame["departure_time"].to_numpy()[bad_time][:5], strict=False)],
        )
        broken_trips |= set(trip[bad_time])
    bad_sequence = ~np.isfinite(sequence) & keep
    if bad_sequence.any():
        report.add(
            "error", tag, file, "bad_stop_sequence",
            "stop_sequence is not a number; the trip is dropped",
            count=int(bad_sequence.sum()), examples=_examples(trip[bad_sequence]),
        )
        broken_trips |= set(trip[bad_sequence])
    return broken_trips


def _without_unrideable_trips(table: pd.DataFrame, tag: str, report: FeedReport) -> pd.DataFrame:
    """Drop (and report) trips whose times go backwards, with fewer than two stops, or at 48:00 or later."""
    file = "stop_times.txt"
    trip_codes = pd.factorize(table["trip_id"])[0]
    arrival = table["arrival_s"].to_numpy()
    departure = table["departure_s"].to_numpy()
    same_trip = np.r_[False, trip_codes[1:] == trip_codes[:-1]]
    backwards = (departure < arrival) | (same_trip & (arrival < np.r_[np.nan, departure[:-1]]))
    if backwards.any():
        bad_trips = set(table.loc[backwards, "trip_id"])
        report.add(
            "error", tag, file, "time_travel",
            "times go backwards within a trip; the trip is dropped",
            count=len(bad_trips), examples=sorted(bad_trips),
        )
        table = table[~table["trip_id"].isin(bad_trips)].reset_index(drop=True)

    counts = table.groupby("trip_id", sort=False)["stop_id"].transform("size").to_numpy()
    short = counts < 2
    if short.any():
        report.add(
            "warning", tag, file, "trip_too_short",
            "trips with fewer than two usable stops are ignored",
            count=int(pd.Series(table.loc[short, "trip_id"]).nunique()),
            examples=_examples(table.loc[short, "trip_id"]),
        )
        table = table[~short].reset_index(drop=True)
    too_late = table["arrival_s"].to_numpy() >= 48 * 3600
    if too_late.any():
        bad_trips = set(table.loc[too_late, "trip_id"])
        report.add(
            "error", tag, file, "time_beyond_48h",
            "times of 48:00:00 or later are not supported; the trip is dropped",
            count=len(bad_trips), examples=sorted(bad_trips),
        )
        table = table[~table["trip_id"].isin(bad_trips)].reset_index(drop=True)
    return table


def _fill_times(table: pd.DataFrame, tag: str, report: FeedReport) -> tuple[pd.DataFrame, set[str]]:
    """Copy a lone arrival/departure to the other; interpolate stops with neither.

    GTFS allows empty times at stops that are not timepoints; they are interpolated
    linearly by position between the timed stops around them. A trip whose first or last
    stop has no time cannot be placed and is dropped.
    """
    arrival = table["arrival_s"].to_numpy(copy=True)
    departure = table["departure_s"].to_numpy(copy=True)
    arrival = np.where(np.isnan(arrival), departure, arrival)
    departure = np.where(np.isnan(departure), arrival, departure)
    missing = np.isnan(arrival)
    dropped: set[str] = set()
    if missing.any():
        trip_codes = pd.factorize(table["trip_id"])[0]
        position = np.arange(len(table))
        previous = np.maximum.accumulate(np.where(~missing, position, -1))
        following = np.minimum.accumulate(np.where(~missing, position, len(table))[::-1])[::-1]
        valid_previous = previous >= 0
        valid_following = following < len(table)
        safe_previous = np.where(valid_previous, previous, 0)
        safe_following = np.where(valid_following, following, 0)
        inside = (
            missing & valid_previous & valid_following
            & (trip_codes[safe_previous] == trip_codes) & (trip_codes[safe_following] == trip_codes)
        )
        outside = missing & ~inside
        if outside.any():
            dropped = set(table.loc[outside, "trip_id"])
            report.add(
                "error", tag, "stop_times.txt", "untimed_trip_end",
                "the first or last stop of a trip has no time; the trip is dropped",
                count=len(dropped), examples=sorted(dropped),
            )
        if inside.any():
            start = departure[safe_previous[inside]]
            end = arrival[safe_following[inside]]
            share = (position[inside] - previous[inside]) / (following[inside] - previous[inside])
            arrival[inside] = np.round(start + (end - start) * share)
            departure[inside] = arrival[inside]
            report.add(
                "warning", tag, "stop_times.txt", "interpolated_times",
                "stops without times were interpolated between the timed stops around them",
                count=int(inside.sum()), examples=_examples(table.loc[inside, "trip_id"]),
            )
    table = table.assign(arrival_s=arrival, departure_s=departure)
    return table, dropped


def _read_transfers(files: _FeedFiles, tag: str, report: FeedReport, stop_ids: set[str]) -> pd.DataFrame:
    empty = pd.DataFrame(
        {"from_stop_id": pd.Series(dtype=str), "to_stop_id": pd.Series(dtype=str),
         "transfer_type": pd.Series(dtype=int), "min_transfer_time": pd.Series(dtype=float)}
    )
    if "transfers.txt" not in files:
        return empty
    frame = files.read("transfers.txt")
    if not len(frame.columns) or not _check_columns(frame, "transfers.txt", tag, report, fatal=False):
        return empty
    transfer_type = pd.to_numeric(frame["transfer_type"].replace("", "0"), errors="coerce")
    minimum = pd.to_numeric(frame.get("min_transfer_time", pd.Series("", index=frame.index)), errors="coerce")
    transfers = pd.DataFrame(
        {
            "from_stop_id": _prefix(frame["from_stop_id"], tag).to_numpy(),
            "to_stop_id": _prefix(frame["to_stop_id"], tag).to_numpy(),
            "transfer_type": transfer_type.fillna(-1).astype(int).to_numpy(),
            "min_transfer_time": minimum.to_numpy(dtype=float),
        }
    )
    trip_specific = np.zeros(len(frame), dtype=bool)
    for column in ("from_trip_id", "to_trip_id", "from_route_id", "to_route_id"):
        if column in frame.columns:
            trip_specific |= (frame[column].str.strip() != "").to_numpy()
    if trip_specific.any():
        report.add(
            "warning", tag, "transfers.txt", "unsupported_transfer",
            "trip- or route-specific transfers are ignored",
            count=int(trip_specific.sum()),
        )
    unknown = ~transfers["from_stop_id"].isin(stop_ids) | ~transfers["to_stop_id"].isin(stop_ids)
    bad_type = ~transfers["transfer_type"].isin([0, 1, 2, 3])
    missing_time = (transfers["transfer_type"] == 2) & transfers["min_transfer_time"].isna()
    problems = (unknown | bad_type | missing_time).to_numpy() & ~trip_specific
    if problems.any():
        report.add(
            "warning", tag, "transfers.txt", "bad_transfer",
            "transfers with an unknown stop, an unknown transfer_type or type 2 without "
            "min_transfer_time are ignored",
            count=int(problems.sum()), examples=_examples(transfers.loc[problems, "from_stop_id"]),
        )
    return transfers[~problems & ~trip_specific].reset_index(drop=True)
