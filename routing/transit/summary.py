"""What a window of departures amounts to, per destination: median and worst door-to-door
minutes, the median journey's changes, walking and leg flags, and its :class:`JourneyDetail`."""

from __future__ import annotations

import numpy as np

from routing.transit import detail as journey
from routing.transit import scan
from routing.transit.detail import JourneyDetail
from routing.transit.legs import ESTIMATED_BUS, ESTIMATED_WALK, ON_REQUEST
from routing.transit.times import TransitTimes

UNREACHED = scan.UNREACHED
_WALK = JourneyDetail(journey.WALK)
_ESTIMATED_BUS = JourneyDetail(journey.ESTIMATED_BUS)


def summarise(
    departures, arrival, vehicles, walk, first_trip, last_trip, estimated, *, max_seconds, trip_route, route_lines
) -> TransitTimes:
    """Median and worst over the departure minutes, the median journey's changes, walks, leg
    flags and a journey detail per destination (arrays of :func:`routing.transit.scan.scan_window`)."""
    n_departures, n_destinations = arrival.shape
    reached = arrival < UNREACHED
    travel = np.where(reached, (arrival - departures[:, None]) / 60.0, np.inf)
    median = np.median(travel, axis=0)
    worst = travel.max(axis=0)
    median_row = np.argsort(travel, axis=0, kind="stable")[(n_departures - 1) // 2]
    columns = np.arange(n_destinations)
    median_vehicles = vehicles[median_row, columns]
    reachable = np.isfinite(median)
    transfers = np.where(reachable & (median_vehicles >= 1), median_vehicles - 1, -1).astype(np.int64)
    walk_minutes = np.where(reachable, walk[median_row, columns] / 60.0, np.nan)
    legs_estimated = np.where(reachable, estimated[median_row, columns], 0)

    by_vehicle = reached & (vehicles >= 1)
    arrivals = np.sort(np.where(by_vehicle, arrival, np.iinfo(np.int64).max), axis=0)
    steps = np.diff(arrivals, axis=0)
    valid_steps = (steps > 0) & (arrivals[1:] < np.iinfo(np.int64).max)
    with np.errstate(all="ignore"):
        gaps = np.where(valid_steps, steps / 60.0, np.nan)
        headway = np.full(n_destinations, np.nan)
        has_gap = valid_steps.any(axis=0)
        if has_gap.any():
            headway[has_gap] = np.nanmedian(gaps[:, has_gap], axis=0)
    single_journey = ~has_gap & by_vehicle.all(axis=0)
    window_minutes = (departures[-1] - departures[0]) / 60.0 + 1.0 if n_departures else 0.0

    n_trips = len(trip_route)
    first_route = np.full(n_destinations, -1, dtype=np.int64)
    last_route = np.full(n_destinations, -1, dtype=np.int64)
    first_slot = first_trip[median_row, columns]
    last_slot = last_trip[median_row, columns]
    by_vehicle_median = reachable & (median_vehicles >= 1)
    first_route[by_vehicle_median] = trip_route[first_slot[by_vehicle_median] % n_trips]
    last_route[by_vehicle_median] = trip_route[last_slot[by_vehicle_median] % n_trips]

    cache: dict[tuple, JourneyDetail] = {}
    details: list[JourneyDetail | None] = []
    for index in range(n_destinations):
        if not reachable[index]:
            details.append(None)
            continue
        by_bus = bool(legs_estimated[index] & ESTIMATED_BUS)
        if not by_vehicle_median[index]:
            details.append(_ESTIMATED_BUS if by_bus else _WALK)
            continue
        rounded_headway = round(float(headway[index]), 1) if has_gap[index] else None
        on_request = bool(legs_estimated[index] & ON_REQUEST)
        key = (first_route[index], last_route[index], int(transfers[index]), rounded_headway,
               bool(single_journey[index]), by_bus, on_request)
        detail = cache.get(key)
        if detail is None:
            lines = [route_lines[first_route[index]]]
            if last_route[index] != first_route[index]:
                lines.append(route_lines[last_route[index]])
            detail = JourneyDetail(
                journey.TIMETABLED, lines=tuple(lines), transfers=int(transfers[index]), headway_minutes=rounded_headway,
                single_in_window_minutes=window_minutes if single_journey[index] else None,
                feeder_bus_estimated=by_bus, on_request=on_request,
            )
            cache[key] = detail
        details.append(detail)
    return TransitTimes(
        minutes_median=median.astype(np.float64),
        minutes_worst=worst.astype(np.float64),
        transfers=transfers,
        walk_minutes=walk_minutes.astype(np.float64),
        estimated=(legs_estimated & (ESTIMATED_WALK | ESTIMATED_BUS)) > 0,
        details=details,
        headway_minutes=headway,
        leg_flags=legs_estimated.astype(np.int8),
    )
