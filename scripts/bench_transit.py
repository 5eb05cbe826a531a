"""Public-transport benchmark: the real NMBS feed by default, or (``--synthetic``) a
synthetic GTFS feed the size of De Lijn's (~1 M stop_times).

Run: ``make bench-transit``. The real feed is read where the app reads it
(``data/source/gtfs/nmbs-2019-10.zip``, else the shared data folder) and queried on the
Tuesday of its first full week. The synthetic feed is generated deterministically (seeded): towns
across Flanders, lines through 2-4 neighbouring towns whose centre stops are shared hubs,
weekday/Saturday/Sunday services with 10-120 min headways, some lines running past
midnight. It is written as a GTFS zip, loaded and validated through ``load_feeds`` into
the timetable cache, then measured: loading from the cache (median of 3) and
one-origin-to-all-stops earliest arrival over a 60-minute departure window (61 departure
minutes, ``max_minutes`` 120) from 30 seeded origins on a Tuesday. The last line of
output is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import zipfile
from datetime import date
from datetime import time as clock
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.sources import NMBS_GTFS_PATH  # noqa: E402
from routing.transit import TransitRouter, load_feeds  # noqa: E402
from routing.transit.legs import service_day  # noqa: E402

SEED = 20_260_507
TARGET_STOP_TIMES = 1_000_000
FLANDERS = (2.55, 50.70, 5.90, 51.40)  # lon/lat box
METRES_PER_DEGREE_LAT = 111_195.0
HEADWAY_CHOICES = np.array([10, 20, 30, 60, 120])
HEADWAY_WEIGHTS = np.array([0.05, 0.10, 0.25, 0.40, 0.20])
SERVICES = {"WEEKDAY": (1, 1, 1, 1, 1, 0, 0), "SATURDAY": (0, 0, 0, 0, 0, 1, 0), "SUNDAY": (0, 0, 0, 0, 0, 0, 1)}
QUERY_DAY = date(2026, 3, 10)  # a Tuesday
NMBS_FEED = NMBS_GTFS_PATH


def generate_feed(target: Path, *, seed: int = SEED, target_stop_times: int = TARGET_STOP_TIMES) -> dict:
    """Write the synthetic GTFS zip; returns its row counts."""
    rng = np.random.default_rng(seed)
    min_lon, min_lat, max_lon, max_lat = FLANDERS
    metres_per_degree_lon = METRES_PER_DEGREE_LAT * np.cos(np.radians((min_lat + max_lat) / 2))
    towns = np.column_stack([rng.uniform(min_lon, max_lon, 320), rng.uniform(min_lat, max_lat, 320)])

    stop_lon: list[float] = []
    stop_lat: list[float] = []
    grid: dict[tuple[int, int], int] = {}  # 80 m cells: lines that meet share a stop

    def stop_at(lon: float, lat: float) -> int:
        cell = (int(lon * metres_per_degree_lon // 80), int(lat * METRES_PER_DEGREE_LAT // 80))
        found = grid.get(cell)
        if found is None:
            found = len(stop_lon)
            stop_lon.append(lon)
            stop_lat.append(lat)
            grid[cell] = found
        return found

    route_rows, trip_rows = [], []
    trip_column, stop_column, arrival_column, sequence_column = [], [], [], []
    total = 0
    route_number = 0
    while total < target_stop_times:
        route_number += 1
        # a line through 2-4 neighbouring towns; the town-centre stops are shared hubs
        chain = [int(rng.integers(len(towns)))]
        for _ in range(int(rng.integers(1, 4))):
            here = towns[chain[-1]]
            metres = np.hypot((towns[:, 0] - here[0]) * metres_per_degree_lon, (towns[:, 1] - here[1]) * METRES_PER_DEGREE_LAT)
            candidates = [town for town in np.argsort(metres)[1:7] if town not in chain]
            chain.append(int(rng.choice(candidates)))
        n_stops = int(rng.integers(20, 51))
        legs = len(chain) - 1
        per_leg = max(2, n_stops // legs)
        lons_parts, lats_parts = [], []
        for leg in range(legs):
            a, b = towns[chain[leg]], towns[chain[leg + 1]]
            share = np.linspace(0.0, 1.0, per_leg + 1)[:-1]
            jitter = np.r_[0.0, np.ones(per_leg - 1)]
            lons_parts.append(a[0] + share * (b[0] - a[0]) + jitter * rng.normal(0, 120 / metres_per_degree_lon, per_leg))
            lats_parts.append(a[1] + share * (b[1] - a[1]) + jitter * rng.normal(0, 120 / METRES_PER_DEGREE_LAT, per_leg))
        lons_parts.append(np.array([towns[chain[-1]][0]]))
        lats_parts.append(np.array([towns[chain[-1]][1]]))
        lons, lats = np.concatenate(lons_parts), np.concatenate(lats_parts)
        stops = [stop_at(float(x), float(y)) for x, y in zip(lons, lats, strict=True)]
        keep = [i for i, stop in enumerate(stops) if i == 0 or stop != stops[i - 1]]
        stops = [stops[i] for i in keep]
        lons, lats = lons[keep], lats[keep]
        gaps_m = np.hypot(np.diff(lons) * metres_per_degree_lon, np.diff(lats) * METRES_PER_DEGREE_LAT)
        speed_ms = rng.choice([5.5, 8.0, 11.0])  # urban, suburban, regional
        run_s = np.maximum(60, np.round((gaps_m / speed_ms + 20) / 60) * 60).astype(np.int64)
        offsets = np.concatenate([[0], np.cumsum(run_s)])
        headway = int(rng.choice(HEADWAY_CHOICES, p=HEADWAY_WEIGHTS))
        late = rng.random() < 0.1  # runs past midnight
        route_id = f"L{route_number}"
        route_rows.append((route_id, str(route_number), f"Lijn {route_number}", 3))
        for service, factor in (("WEEKDAY", 1), ("SATURDAY", 2), ("SUNDAY", 4)):
            service_headway = headway * factor
            first = 6 * 3600 + int(rng.integers(0, service_headway)) * 60
            last = (25 if late else 22) * 3600
            for direction in (0, 1):
                ordered = stops if direction == 0 else stops[::-1]
                times = offsets if direction == 0 else offsets[-1] - offsets[::-1]
                for departure in range(first, last, service_headway * 60):
                    trip_id = f"{route_id}-{service[:2]}-{direction}-{departure}"
                    trip_rows.append((route_id, service, trip_id))
                    trip_column.append(np.full(len(ordered), len(trip_rows) - 1))
                    stop_column.append(np.asarray(ordered))
                    arrival_column.append(departure + times)
                    sequence_column.append(np.arange(1, len(ordered) + 1))
                    total += len(ordered)

    trip_ids = np.array([row[2] for row in trip_rows])
    seconds = np.concatenate(arrival_column)
    text_times = pd.Series(seconds // 3600).astype(str).str.zfill(2) + ":" + pd.Series(seconds // 60 % 60).astype(str).str.zfill(2) + ":00"
    stop_times = pd.DataFrame(
        {
            "trip_id": trip_ids[np.concatenate(trip_column)],
            "arrival_time": text_times,
            "departure_time": text_times,
            "stop_id": np.char.add("S", np.concatenate(stop_column).astype(str)),
            "stop_sequence": np.concatenate(sequence_column),
        }
    )
    stops_frame = pd.DataFrame(
        {
            "stop_id": [f"S{i}" for i in range(len(stop_lon))],
            "stop_name": [f"Halte {i}" for i in range(len(stop_lon))],
            "stop_lat": np.round(stop_lat, 6),
            "stop_lon": np.round(stop_lon, 6),
        }
    )
    calendar = pd.DataFrame(
        [
            (name, *flags, "20260101", "20261231")
            for name, flags in SERVICES.items()
        ],
        columns=["service_id", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "start_date", "end_date"],
    )
    # public holidays published the way De Lijn does: weekday service off, Sunday on
    holidays = ["20260101", "20260406", "20260501", "20260514", "20260525", "20260721", "20261111", "20261225"]
    calendar_dates = pd.DataFrame(
        [("WEEKDAY", day, 2) for day in holidays] + [("SUNDAY", day, 1) for day in holidays],
        columns=["service_id", "date", "exception_type"],
    )
    tables = {
        "agency.txt": pd.DataFrame([("SYN", "Synthetic", "https://example.invalid", "Europe/Brussels")],
                                   columns=["agency_id", "agency_name", "agency_url", "agency_timezone"]),
        "stops.txt": stops_frame,
        "routes.txt": pd.DataFrame(route_rows, columns=["route_id", "route_short_name", "route_long_name", "route_type"]),
        "trips.txt": pd.DataFrame(trip_rows, columns=["route_id", "service_id", "trip_id"]),
        "stop_times.txt": stop_times,
        "calendar.txt": calendar,
        "calendar_dates.txt": calendar_dates,
    }
    partial = target.with_suffix(".part")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, frame in tables.items():
            archive.writestr(name, frame.to_csv(index=False))
    partial.replace(target)
    return {"stop_times": len(stop_times), "stops": len(stops_frame), "trips": len(trip_rows), "routes": len(route_rows)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--work-dir", type=Path, default=ROOT / "data" / "bench" / "transit")
    parser.add_argument("--origins", type=int, default=30)
    parser.add_argument("--max-minutes", type=float, default=120.0)
    parser.add_argument("--synthetic", action="store_true", help="the synthetic De Lijn-sized feed instead of NMBS")
    parser.add_argument("--feed", type=Path, default=None, help="a GTFS zip (default: the NMBS feed)")
    arguments = parser.parse_args()
    work = arguments.work_dir
    work.mkdir(parents=True, exist_ok=True)

    if arguments.synthetic:
        feed = work / f"synthetic-{SEED}.zip"
        started = time.perf_counter()
        if not feed.exists():
            generate_feed(feed)
            print(f"generated {feed} in {time.perf_counter() - started:.1f} s", flush=True)
    else:
        feed = arguments.feed or next(
            (path for path in (ROOT / "data" / "source" / NMBS_FEED, ROOT.parent / "shared" / "data" / NMBS_FEED)
             if path.exists()), None,
        )
        if feed is None:
            raise SystemExit(f"no {NMBS_FEED} under data/source or ../shared/data: run `make data` or pass --synthetic")

    started = time.perf_counter()
    router, report = load_feeds([feed], cache_dir=work / "cache")
    load_feeds_s = time.perf_counter() - started
    print(report.to_text(), flush=True)
    cache_file = next((work / "cache").glob(f"timetable-{router.timetable.cache_key}.npz"))

    load_times = []
    for _ in range(3):
        started = time.perf_counter()
        router = TransitRouter.from_cache(cache_file)
        load_times.append(time.perf_counter() - started)
    timetable = router.timetable
    print(f"{timetable.n_stops} stops, {timetable.n_trips} trips, {timetable.n_connections} connections; "
          f"cache {cache_file.stat().st_size / 1e6:.1f} MB", flush=True)

    rng = np.random.default_rng(SEED)
    origins = timetable.stop_lon_lat[rng.choice(timetable.n_stops, size=arguments.origins, replace=False)]
    query_day = service_day(QUERY_DAY, *timetable.feed_ranges()[0])
    query = {"service_date": query_day, "window_start": clock(8), "window_end": clock(9), "max_minutes": arguments.max_minutes}

    started = time.perf_counter()
    router.one_to_all_stops(tuple(origins[0]), **query)  # compiles the kernel (or loads it from numba's cache)
    warm_up_s = time.perf_counter() - started

    def measure(active: TransitRouter) -> tuple[list[float], list[int]]:
        elapsed, reached = [], []
        for origin in origins:
            started = time.perf_counter()
            result = active.one_to_all_stops(tuple(origin), **query)
            elapsed.append((time.perf_counter() - started) * 1000)
            reached.append(int(np.isfinite(result.minutes_median).sum()))
        return elapsed, reached

    elapsed, reached = measure(router)
    single = TransitRouter(timetable, threads=1)
    single_elapsed, _ = measure(single)

    horizon = timetable.connections_between(query_day, 8 * 3600, 9 * 3600 + int(arguments.max_minutes * 60))
    result = {
        "stop_times": int(report.feeds[0].stop_times),
        "stops": timetable.n_stops,
        "trips": timetable.n_trips,
        "connections": timetable.n_connections,
        "connections_in_query_horizon": len(horizon["departure_s"]),
        "cache_mb": round(cache_file.stat().st_size / 1e6, 1),
        "load_feeds_s": round(load_feeds_s, 2),
        "parsed_this_run": not report.from_cache,
        "load_from_cache_s": round(statistics.median(load_times), 3),
        "one_to_all_window60_ms_p50": round(float(np.percentile(elapsed, 50)), 1),
        "one_to_all_window60_ms_p95": round(float(np.percentile(elapsed, 95)), 1),
        "one_to_all_window60_ms_p50_single_thread": round(float(np.percentile(single_elapsed, 50)), 1),
        "threads": router.threads,
        "departure_minutes_per_query": 61,
        "max_minutes": arguments.max_minutes,
        "origins": arguments.origins,
        "stops_reached_median": int(np.median(reached)),
        "first_query_s": round(warm_up_s, 2),
        "service_date": query_day.isoformat(),
        "feed": "synthetic" if arguments.synthetic else feed.name,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
