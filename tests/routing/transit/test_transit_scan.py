"""The Connection Scan kernel against a slow, obviously-correct fixpoint on random timetables."""

from __future__ import annotations

import numpy as np
import pytest

from routing.transit import scan

UNREACHED = scan.UNREACHED


def random_network(seed: int):
    """Random trips on 25 stops: each trip a random stop sequence with random running times."""
    rng = np.random.default_rng(seed)
    n_stops, n_trips = 25, 60
    connections = []
    for trip in range(n_trips):
        stops = rng.choice(n_stops, size=rng.integers(2, 7), replace=False)
        clock = int(rng.integers(0, 3600))
        for here, there in zip(stops[:-1], stops[1:], strict=True):
            ride = int(rng.integers(0, 600))  # zero-length rides are allowed and tested
            connections.append((clock, clock + ride, here, there, trip))
            clock += ride + int(rng.integers(0, 120))
    connections.sort(key=lambda row: (row[0], row[1]))
    columns = [np.array(column, dtype=np.int64) for column in zip(*connections, strict=True)]
    pairs = [(a, b) for a in range(n_stops) for b in range(n_stops) if a != b and rng.random() < 0.05]
    pairs.sort()
    offsets = np.zeros(n_stops + 1, dtype=np.int64)
    for a, _ in pairs:
        offsets[a + 1] += 1
    offsets = np.cumsum(offsets)
    footpath_to = np.array([b for _, b in pairs], dtype=np.int64)
    footpath_seconds = rng.integers(60, 400, size=len(pairs)).astype(np.int64)
    change = rng.integers(0, 180, size=n_stops).astype(np.int64)
    access_stops = np.array([0, 1], dtype=np.int64)
    access_seconds = np.array([0, 200], dtype=np.int64)
    return columns, n_stops, n_trips, (offsets, footpath_to, footpath_seconds), change, access_stops, access_seconds


def fixpoint_arrivals(start, limit, columns, n_stops, footpaths, change, access_stops, access_seconds):
    """Earliest arrival by repeated passes over whole trips until nothing improves."""
    departure, arrival_time, from_stop, to_stop, trip = columns
    offsets, footpath_to, footpath_seconds = footpaths
    arrival = np.full(n_stops, UNREACHED)
    ready = np.full(n_stops, UNREACHED)
    for stop, seconds in zip(access_stops, access_seconds, strict=True):
        arrival[stop] = min(arrival[stop], start + seconds)
        ready[stop] = min(ready[stop], start + seconds)
    trip_rows = {}
    for row in range(len(departure)):
        if start <= departure[row] <= limit:
            trip_rows.setdefault(int(trip[row]), []).append(row)
    changed = True
    while changed:
        changed = False
        for rows in trip_rows.values():
            aboard = False
            for row in rows:
                aboard = aboard or ready[from_stop[row]] <= departure[row]
                if not aboard or arrival_time[row] > limit:
                    continue
                there, at = to_stop[row], arrival_time[row]
                if at < arrival[there]:
                    arrival[there], changed = at, True
                if at + change[there] < ready[there]:
                    ready[there], changed = at + change[there], True
                for f in range(offsets[there], offsets[there + 1]):
                    walked = at + footpath_seconds[f]
                    other = footpath_to[f]
                    if walked <= limit and walked < arrival[other]:
                        arrival[other], changed = walked, True
                    if walked <= limit and walked < ready[other]:
                        ready[other], changed = walked, True
    return arrival


def run_kernel(kernel, departures, max_seconds, columns, n_stops, n_trips, footpaths, change, access_stops, access_seconds):
    n = n_stops
    starts = np.searchsorted(columns[0], departures, side="left").astype(np.int64)
    return kernel(
        departures, np.int64(max_seconds), starts, *columns, n, n_trips, *footpaths, change,
        access_stops, access_seconds, np.arange(n + 1, dtype=np.int64), np.arange(n, dtype=np.int64),
        np.zeros(n, dtype=np.int64), np.full(n, UNREACHED, dtype=np.int64),
        np.zeros(len(columns[0]), dtype=np.int64), np.full(n_trips, -1, dtype=np.int64),
        np.zeros(len(access_stops), dtype=np.int8), np.zeros(n, dtype=np.int8), np.zeros(n, dtype=np.int8),
    )


@pytest.mark.parametrize("seed", range(12))
def test_scan_equals_fixpoint_on_random_timetables(seed):
    columns, n_stops, n_trips, footpaths, change, access_stops, access_seconds = random_network(seed)
    departures = np.array([0, 600, 1200, 1800], dtype=np.int64)
    max_seconds = 3600
    arrival, vehicles, *_ = run_kernel(
        scan.scan_window, departures, max_seconds, columns, n_stops, n_trips, footpaths, change,
        access_stops, access_seconds,
    )
    compared = 0
    for row, start in enumerate(departures):
        expected = fixpoint_arrivals(
            start, start + max_seconds, columns, n_stops, footpaths, change, access_stops, access_seconds
        )
        # destinations are reached by vehicle only (no direct walk given); stops whose
        # earliest arrival is the access walk itself report the vehicle arrival or nothing
        by_vehicle = vehicles[row] >= 1
        np.testing.assert_array_equal(arrival[row][by_vehicle], expected[by_vehicle])
        access_only = np.isin(np.arange(n_stops), access_stops)
        unreached = ~by_vehicle & ~access_only
        assert (expected[unreached] == UNREACHED).all()
        compared += int(by_vehicle.sum())
    assert compared > 20  # the random networks do connect things


def test_compiled_and_interpreted_kernels_agree():
    columns, n_stops, n_trips, footpaths, change, access_stops, access_seconds = random_network(99)
    departures = np.arange(0, 1800, 60, dtype=np.int64)
    compiled = run_kernel(scan.scan_window, departures, 3600, columns, n_stops, n_trips, footpaths, change, access_stops, access_seconds)
    interpreted = run_kernel(scan.scan_window.py_func, departures, 3600, columns, n_stops, n_trips, footpaths, change, access_stops, access_seconds)
    for left, right in zip(compiled, interpreted, strict=True):
        np.testing.assert_array_equal(left, right)
