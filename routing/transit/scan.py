"""Connection Scan (Dibbelt, Pajor, Strasser & Wagner 2018, *Connection Scan Algorithm*,
ACM JEA 23), earliest arrival, repeated for each departure minute of a window.

The kernel is plain Python over numpy arrays. When numba is installed it is compiled
(``numba.njit``), which the timetable sizes of De Lijn need; without numba the same code
runs interpreted, fine for small feeds and tests. ``JIT_COMPILED`` tells which.

Labels are single-criterion (earliest arrival); among equal arrivals fewer vehicles win.
Per stop: ``arrival`` (when you are there) and ``ready`` (when you can board there:
arrival plus the change time after a vehicle, the arrival itself after walking).
Footpaths are relaxed once after each improving arrival by vehicle (no two footpaths in a
row), as in the original CSA with non-transitive footpaths limited to short walks.
"""

from __future__ import annotations

import numpy as np

try:  # numba is optional: see the module docstring
    from numba import njit
except ImportError:  # pragma: no cover - depends on the environment
    njit = None

JIT_COMPILED = njit is not None
UNREACHED = np.iinfo(np.int64).max // 4


def _scan_window(
    departures,
    max_seconds,
    connection_starts,
    departure_s,
    arrival_s,
    from_stop,
    to_stop,
    trip,
    n_stops,
    n_trip_slots,
    footpath_offsets,
    footpath_to,
    footpath_seconds,
    change_seconds,
    access_stops,
    access_seconds,
    egress_offsets,
    egress_stops,
    egress_seconds,
    direct_seconds,
):
    """Earliest arrival at each destination for each departure time.

    Returns arrays of shape (n_departures, n_destinations): arrival time (``UNREACHED``
    where not within ``max_seconds``), vehicles used (0: walking only, -1: unreached),
    walking seconds, and the first and last trip slot used (-1 when none).
    """
    n_departures = departures.shape[0]
    n_destinations = egress_offsets.shape[0] - 1
    n_connections = departure_s.shape[0]
    out_arrival = np.full((n_departures, n_destinations), UNREACHED, dtype=np.int64)
    out_vehicles = np.full((n_departures, n_destinations), -1, dtype=np.int32)
    out_walk = np.zeros((n_departures, n_destinations), dtype=np.int64)
    out_first = np.full((n_departures, n_destinations), -1, dtype=np.int32)
    out_last = np.full((n_departures, n_destinations), -1, dtype=np.int32)

    arrival = np.empty(n_stops, dtype=np.int64)
    ready = np.empty(n_stops, dtype=np.int64)
    vehicles = np.empty(n_stops, dtype=np.int32)
    walk = np.empty(n_stops, dtype=np.int64)
    first_trip = np.empty(n_stops, dtype=np.int32)
    last_trip = np.empty(n_stops, dtype=np.int32)
    trip_scan = np.full(n_trip_slots, -1, dtype=np.int32)
    trip_vehicles = np.zeros(n_trip_slots, dtype=np.int32)
    trip_walk = np.zeros(n_trip_slots, dtype=np.int64)
    trip_first = np.zeros(n_trip_slots, dtype=np.int32)

    for scan in range(n_departures):
        start = departures[scan]
        limit = start + max_seconds
        arrival[:] = UNREACHED
        ready[:] = UNREACHED
        vehicles[:] = -1
        walk[:] = 0
        first_trip[:] = -1
        last_trip[:] = -1
        for a in range(access_stops.shape[0]):
            stop = access_stops[a]
            at = start + access_seconds[a]
            if at < arrival[stop]:
                arrival[stop] = at
                ready[stop] = at
                vehicles[stop] = 0
                walk[stop] = access_seconds[a]

        c = connection_starts[scan]
        while c < n_connections and departure_s[c] <= limit:
            slot = trip[c]
            boarded = trip_scan[slot] == scan
            here = from_stop[c]
            if ready[here] <= departure_s[c] and (not boarded or vehicles[here] < trip_vehicles[slot]):
                trip_scan[slot] = scan
                trip_vehicles[slot] = vehicles[here]
                trip_walk[slot] = walk[here]
                trip_first[slot] = first_trip[here] if first_trip[here] >= 0 else slot
                boarded = True
            if boarded:
                there = to_stop[c]
                at = arrival_s[c]
                used = trip_vehicles[slot] + 1
                if at <= limit and (at < arrival[there] or (at == arrival[there] and used < vehicles[there])):
                    arrival[there] = at
                    ready[there] = at + change_seconds[there]
                    vehicles[there] = used
                    walk[there] = trip_walk[slot]
                    first_trip[there] = trip_first[slot]
                    last_trip[there] = slot
                    for f in range(footpath_offsets[there], footpath_offsets[there + 1]):
                        other = footpath_to[f]
                        walked = at + footpath_seconds[f]
                        if walked <= limit and (
                            walked < arrival[other] or (walked == arrival[other] and used < vehicles[other])
                        ):
                            arrival[other] = walked
                            ready[other] = walked
                            vehicles[other] = used
                            walk[other] = trip_walk[slot] + footpath_seconds[f]
                            first_trip[other] = trip_first[slot]
                            last_trip[other] = slot
            c += 1

        for d in range(n_destinations):
            best = UNREACHED
            best_vehicles = -1
            best_walk = 0
            best_first = -1
            best_last = -1
            if direct_seconds[d] <= max_seconds:
                best = start + direct_seconds[d]
                best_vehicles = 0
                best_walk = direct_seconds[d]
            for e in range(egress_offsets[d], egress_offsets[d + 1]):
                stop = egress_stops[e]
                if vehicles[stop] < 1:
                    continue  # reached on foot only: the direct walk covers that
                at = arrival[stop] + egress_seconds[e]
                if at <= limit and (at < best or (at == best and vehicles[stop] < best_vehicles)):
                    best = at
                    best_vehicles = vehicles[stop]
                    best_walk = walk[stop] + egress_seconds[e]
                    best_first = first_trip[stop]
                    best_last = last_trip[stop]
            out_arrival[scan, d] = best
            out_vehicles[scan, d] = best_vehicles
            out_walk[scan, d] = best_walk
            out_first[scan, d] = best_first
            out_last[scan, d] = best_last
    return out_arrival, out_vehicles, out_walk, out_first, out_last


scan_window_python = _scan_window
scan_window = njit(cache=True, nogil=True)(_scan_window) if JIT_COMPILED else _scan_window
