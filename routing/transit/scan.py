"""Connection Scan (Dibbelt, Pajor, Strasser & Wagner 2018, *Connection Scan Algorithm*,
ACM JEA 23), earliest arrival, repeated for each departure minute of a window.

The kernel is plain Python over numpy arrays compiled by numba (``numba.njit``, a hard
dependency: the timetable sizes of De Lijn need it); ``scan_window.py_func`` is the same code
interpreted, which the tests compare it with.

Each stop keeps two earliest-arrival labels, minimised independently: ``arrival`` (when
you can be there, used to walk on to a destination) and ``ready`` (when you can board
there: a vehicle's arrival plus the stop's change time, or a walk's arrival). Among equal
times fewer vehicles win. Footpaths are relaxed from each improving arrival by vehicle
(never two footpaths in a row), as in the original CSA with short, non-transitive walks;
the origin's access walks reach every stop within the access radius directly.
"""

from __future__ import annotations

import numpy as np

from numba import njit

UNREACHED = np.iinfo(np.int64).max // 4


# The two steps of a departure that run once per departure (not per connection) have their own
# names; the connection loop itself stays inline in the kernel: it runs millions of times per
# query and splitting it would pass a dozen label arrays per connection.


@njit(cache=True, nogil=True)
def _walk_to_the_stops(
    start, access_stops, access_seconds, access_estimated, arrival, arrival_vehicles, arrival_walk,
    arrival_estimated, ready, ready_vehicles, ready_walk, ready_estimated,
):
    """The labels of the stops within walking reach of the origin, leaving at ``start``."""
    for a in range(access_stops.shape[0]):
        stop = access_stops[a]
        at = start + access_seconds[a]
        if at < arrival[stop]:
            arrival[stop] = at
            arrival_vehicles[stop] = 0
            arrival_walk[stop] = access_seconds[a]
            ready[stop] = at
            ready_vehicles[stop] = 0
            ready_walk[stop] = access_seconds[a]
            arrival_estimated[stop] = access_estimated[a]
            ready_estimated[stop] = access_estimated[a]


@njit(cache=True, nogil=True)
def _walk_on_to_the_destinations(
    row, start, limit, max_seconds, egress_offsets, egress_stops, egress_seconds, egress_estimated,
    direct_seconds, direct_estimated, arrival, arrival_vehicles, arrival_walk, arrival_first, arrival_last,
    arrival_estimated, out_arrival, out_vehicles, out_walk, out_first, out_last, out_estimated,
):
    """Row ``row`` of the answer: per destination the best of walking all the way and every
    stop's arrival by vehicle plus the walk on from there."""
    n_destinations = egress_offsets.shape[0] - 1
    for d in range(n_destinations):
        best = UNREACHED
        best_vehicles = -1
        best_walk = 0
        best_first = -1
        best_last = -1
        best_estimated = 0
        if direct_seconds[d] <= max_seconds:
            best = start + direct_seconds[d]
            best_vehicles = 0
            best_walk = direct_seconds[d]
            best_estimated = direct_estimated[d]
        for e in range(egress_offsets[d], egress_offsets[d + 1]):
            stop = egress_stops[e]
            if arrival_vehicles[stop] < 1:
                continue  # reached on foot only: the direct walk covers that
            at = arrival[stop] + egress_seconds[e]
            if at <= limit and (at < best or (at == best and arrival_vehicles[stop] < best_vehicles)):
                best = at
                best_vehicles = arrival_vehicles[stop]
                best_walk = arrival_walk[stop] + egress_seconds[e]
                best_first = arrival_first[stop]
                best_last = arrival_last[stop]
                best_estimated = arrival_estimated[stop] | egress_estimated[e]
        out_arrival[row, d] = best
        out_vehicles[row, d] = best_vehicles
        out_walk[row, d] = best_walk
        out_first[row, d] = best_first
        out_last[row, d] = best_last
        out_estimated[row, d] = best_estimated


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
    connection_rules,
    trip_previous,
    access_estimated,
    egress_estimated,
    direct_estimated,
):
    """Earliest arrival at each destination for each departure time.

    Returns arrays of shape (n_departures, n_destinations): arrival time (``UNREACHED``
    where not within ``max_seconds``), vehicles used (0: walking only, -1: unreached),
    walking seconds, and the first and last trip slot used (-1 when none).

    ``connection_rules`` (bits, see :mod:`routing.transit.timetable`): 1 nobody boards at the
    connection's first stop, 2 nobody alights at its second (a passenger already aboard rides
    through either), 4 boarding and 8 alighting there only on request. ``trip_previous[slot]`` is the slot of the trip this one continues in its
    block (-1: none): whoever is aboard that trip stays seated, with no change time.

    ``access_estimated``, ``egress_estimated`` and ``direct_estimated`` are bit flags of the
    legs that are not timetabled (1: a walk estimated in a straight line, 2: a bus estimated
    from its stops); the journey's flags (the OR of its legs, plus 4 where it boards or
    alights on request) are returned as a sixth array.
    """
    n_departures = departures.shape[0]
    n_destinations = egress_offsets.shape[0] - 1
    n_connections = departure_s.shape[0]
    out_arrival = np.full((n_departures, n_destinations), UNREACHED, dtype=np.int64)
    out_vehicles = np.full((n_departures, n_destinations), -1, dtype=np.int32)
    out_walk = np.zeros((n_departures, n_destinations), dtype=np.int64)
    out_first = np.full((n_departures, n_destinations), -1, dtype=np.int32)
    out_last = np.full((n_departures, n_destinations), -1, dtype=np.int32)
    out_estimated = np.zeros((n_departures, n_destinations), dtype=np.int8)
    arrival_estimated = np.zeros(n_stops, dtype=np.int8)
    ready_estimated = np.zeros(n_stops, dtype=np.int8)
    trip_estimated = np.zeros(n_trip_slots, dtype=np.int8)

    # "arrival" label and its journey
    arrival = np.empty(n_stops, dtype=np.int64)
    arrival_vehicles = np.empty(n_stops, dtype=np.int32)
    arrival_walk = np.empty(n_stops, dtype=np.int64)
    arrival_first = np.empty(n_stops, dtype=np.int32)
    arrival_last = np.empty(n_stops, dtype=np.int32)
    # "ready" label and its journey
    ready = np.empty(n_stops, dtype=np.int64)
    ready_vehicles = np.empty(n_stops, dtype=np.int32)
    ready_walk = np.empty(n_stops, dtype=np.int64)
    ready_first = np.empty(n_stops, dtype=np.int32)
    # earliest arrival by vehicle: footpaths are relaxed only when it improves
    by_vehicle = np.empty(n_stops, dtype=np.int64)
    by_vehicle_count = np.empty(n_stops, dtype=np.int32)
    # the journey with which each trip was boarded in the current scan
    trip_scan = np.full(n_trip_slots, -1, dtype=np.int32)
    trip_vehicles = np.zeros(n_trip_slots, dtype=np.int32)
    trip_walk = np.zeros(n_trip_slots, dtype=np.int64)
    trip_first = np.zeros(n_trip_slots, dtype=np.int32)

    for scan in range(n_departures):
        start = departures[scan]
        limit = start + max_seconds
        arrival[:] = UNREACHED
        arrival_vehicles[:] = -1
        arrival_walk[:] = 0
        arrival_first[:] = -1
        arrival_last[:] = -1
        ready[:] = UNREACHED
        ready_vehicles[:] = -1
        ready_walk[:] = 0
        ready_first[:] = -1
        arrival_estimated[:] = 0
        ready_estimated[:] = 0
        by_vehicle[:] = UNREACHED
        by_vehicle_count[:] = -1
        _walk_to_the_stops(
            start, access_stops, access_seconds, access_estimated, arrival, arrival_vehicles, arrival_walk,
            arrival_estimated, ready, ready_vehicles, ready_walk, ready_estimated,
        )

        c = connection_starts[scan]
        while c < n_connections and departure_s[c] <= limit:
            slot = trip[c]
            boarded = trip_scan[slot] == scan
            if not boarded:
                previous = trip_previous[slot]
                if previous >= 0 and trip_scan[previous] == scan:
                    trip_scan[slot] = scan
                    trip_vehicles[slot] = trip_vehicles[previous]
                    trip_walk[slot] = trip_walk[previous]
                    trip_first[slot] = trip_first[previous]
                    trip_estimated[slot] = trip_estimated[previous]
                    boarded = True
            here = from_stop[c]
            rule = connection_rules[c]
            if (
                (rule & 1) == 0
                and ready[here] <= departure_s[c]
                and (not boarded or ready_vehicles[here] < trip_vehicles[slot])
            ):
                trip_scan[slot] = scan
                trip_vehicles[slot] = ready_vehicles[here]
                trip_walk[slot] = ready_walk[here]
                trip_first[slot] = ready_first[here] if ready_first[here] >= 0 else slot
                trip_estimated[slot] = ready_estimated[here] | (4 if (rule & 4) != 0 else 0)
                boarded = True
            at = arrival_s[c]
            if boarded and at <= limit and (rule & 2) == 0:
                there = to_stop[c]
                used = trip_vehicles[slot] + 1
                leg_flags = trip_estimated[slot] | (4 if (rule & 8) != 0 else 0)
                if at < arrival[there] or (at == arrival[there] and used < arrival_vehicles[there]):
                    arrival[there] = at
                    arrival_vehicles[there] = used
                    arrival_walk[there] = trip_walk[slot]
                    arrival_first[there] = trip_first[slot]
                    arrival_last[there] = slot
                    arrival_estimated[there] = leg_flags
                boardable = at + change_seconds[there]
                if boardable < ready[there] or (boardable == ready[there] and used < ready_vehicles[there]):
                    ready[there] = boardable
                    ready_vehicles[there] = used
                    ready_walk[there] = trip_walk[slot]
                    ready_first[there] = trip_first[slot]
                    ready_estimated[there] = leg_flags
                if at < by_vehicle[there] or (at == by_vehicle[there] and used < by_vehicle_count[there]):
                    by_vehicle[there] = at
                    by_vehicle_count[there] = used
                    for f in range(footpath_offsets[there], footpath_offsets[there + 1]):
                        other = footpath_to[f]
                        walked = at + footpath_seconds[f]
                        if walked > limit:
                            continue
                        if walked < arrival[other] or (walked == arrival[other] and used < arrival_vehicles[other]):
                            arrival[other] = walked
                            arrival_vehicles[other] = used
                            arrival_walk[other] = trip_walk[slot] + footpath_seconds[f]
                            arrival_first[other] = trip_first[slot]
                            arrival_last[other] = slot
                            arrival_estimated[other] = leg_flags
                        if walked < ready[other] or (walked == ready[other] and used < ready_vehicles[other]):
                            ready[other] = walked
                            ready_vehicles[other] = used
                            ready_walk[other] = trip_walk[slot] + footpath_seconds[f]
                            ready_first[other] = trip_first[slot]
                            ready_estimated[other] = leg_flags
            c += 1

        _walk_on_to_the_destinations(
            scan, start, limit, max_seconds, egress_offsets, egress_stops, egress_seconds, egress_estimated,
            direct_seconds, direct_estimated, arrival, arrival_vehicles, arrival_walk, arrival_first, arrival_last,
            arrival_estimated, out_arrival, out_vehicles, out_walk, out_first, out_last, out_estimated,
        )
    return out_arrival, out_vehicles, out_walk, out_first, out_last, out_estimated


scan_window = njit(cache=True, nogil=True)(_scan_window)
