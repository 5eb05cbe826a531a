"""A labelled public-transport *estimate* from the NMBS stations, for when no GTFS is loaded.

Walk to one of the nearest stations, wait half a headway, ride at a typical speed, walk
from one of the stations nearest to the destination; the fastest combination counts, and
walking the whole way wins when it is faster. Every answer is flagged ``estimated`` and
worded "geschat": it is never a timetable answer.

Parameters and where they come from:

- ``RoutingConfig.rail_kmh`` (50 km/h): straight-line speed station to station, stops and
  track detours included, read off NMBS local-train journeys in the partnerships
  (Kortrijk-Ieper 27 km in about 30-35 min, Turnhout-Antwerpen 40 km in about 50 min).
- Headway per station pair from iRail's ``avg_stop_times`` (vehicles stopping per day):
  a line through both stations stops at most as often as the less-served one, in two
  directions, over a service day of ``SERVICE_DAY_MINUTES``; so
  ``headway = SERVICE_DAY_MINUTES / (min(stops_a, stops_b) / 2)``, kept within
  ``[MIN_HEADWAY_MINUTES, MAX_HEADWAY_MINUTES]``. Ieper (41.5 stops a day) gives 52 min,
  matching its hourly train. ``RoutingConfig.rail_headway_min`` is used where a station
  list has no stop counts.
- Stations with no stops at all (``avg_stop_times`` 0) are left out.
- The estimate assumes one direct train (``transfers`` 0): it cannot know about changes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from routing.config import RoutingConfig
from routing.geometry import PointIndex, haversine_m, pairwise_haversine_m
from routing.transit.detail import ESTIMATED_TRAIN, WALK, JourneyDetail
from routing.transit.times import TransitTimes, WalkMinutesFn

SERVICE_DAY_MINUTES = 18 * 60
MIN_HEADWAY_MINUTES = 10.0
MAX_HEADWAY_MINUTES = 120.0
#: Stations considered at each end of the journey.
NEAREST_STATIONS = 3
_WALK = JourneyDetail(WALK)


class RailEstimator:
    """Station-based estimate of train travel (see the module docstring)."""

    def __init__(
        self,
        names: np.ndarray,
        lon_lat: np.ndarray,
        daily_stops: np.ndarray,
        config: RoutingConfig,
    ) -> None:
        self.names = np.asarray(names, dtype=str)
        self.lon_lat = np.asarray(lon_lat, dtype=np.float64).reshape(-1, 2)
        self.daily_stops = np.asarray(daily_stops, dtype=np.float64)
        self.config = config
        self.index = PointIndex(self.lon_lat)
        self._walk_metres_per_minute = config.walk_kmh * 1000 / 60 / config.circuity["walk"]

    @classmethod
    def from_stations_csv(
        cls, path: Path, config: RoutingConfig, *, bbox: tuple[float, float, float, float] | None = None
    ) -> RailEstimator:
        """Read iRail's ``stations.csv`` (name, longitude, latitude, avg_stop_times).

        ``bbox`` (min_lon, min_lat, max_lon, max_lat) keeps only the stations inside it.
        """
        stations = pd.read_csv(path, dtype={"name": str})
        missing = {"name", "longitude", "latitude"} - set(stations.columns)
        if missing:
            msg = f"{path} lacks column(s) {', '.join(sorted(missing))}"
            raise ValueError(msg)
        stations = stations.dropna(subset=["longitude", "latitude"])
        if "avg_stop_times" in stations.columns:
            daily = pd.to_numeric(stations["avg_stop_times"], errors="coerce")
            stations = stations[daily.isna() | (daily > 0)]
            daily = pd.to_numeric(stations["avg_stop_times"], errors="coerce").to_numpy(dtype=np.float64)
        else:
            daily = np.full(len(stations), np.nan)
        if bbox is not None:
            min_lon, min_lat, max_lon, max_lat = bbox
            inside = (
                stations["longitude"].between(min_lon, max_lon) & stations["latitude"].between(min_lat, max_lat)
            ).to_numpy()
            stations, daily = stations[inside], daily[inside]
        return cls(
            stations["name"].to_numpy(dtype=str),
            stations[["longitude", "latitude"]].to_numpy(dtype=np.float64),
            daily,
            config,
        )

    def __len__(self) -> int:
        return len(self.names)

    def headway_minutes(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """Estimated minutes between trains serving both stations (index arrays)."""
        fewest = np.fmin(self.daily_stops[first], self.daily_stops[second])
        with np.errstate(divide="ignore", invalid="ignore"):
            headway = SERVICE_DAY_MINUTES / (fewest / 2.0)
        headway = np.where(np.isfinite(headway), headway, self.config.rail_headway_min)
        return np.clip(headway, MIN_HEADWAY_MINUTES, MAX_HEADWAY_MINUTES)

    def _walk(self, origin: tuple[float, float], points: np.ndarray, walk_minutes: WalkMinutesFn | None) -> np.ndarray:
        points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        if not len(points):
            return np.empty(0)
        if walk_minutes is None:
            return haversine_m(origin, points) / self._walk_metres_per_minute
        minutes, _estimated = walk_minutes(origin, points)
        minutes = np.asarray(minutes, dtype=np.float64)
        return np.where(np.isnan(minutes), np.inf, minutes)

    def one_to_many(
        self,
        origin: tuple[float, float],
        destinations: np.ndarray,
        *,
        max_minutes: float,
        walk_minutes: WalkMinutesFn | None = None,
    ) -> TransitTimes:
        """Estimated door-to-door minutes by train (or on foot when faster); all ``estimated``."""
        origin = (float(origin[0]), float(origin[1]))
        destinations = np.asarray(destinations, dtype=np.float64).reshape(-1, 2)
        n = len(destinations)
        direct = self._walk(origin, destinations, walk_minutes)

        best = np.full(n, np.inf)
        best_worst = np.full(n, np.inf)
        best_walk = np.full(n, np.nan)
        best_headway = np.full(n, np.nan)
        best_pair = np.full((n, 2), -1, dtype=np.int64)
        if len(self) >= 2 and n:
            origin_stations, _ = self.index.nearest(np.array([origin]), k=NEAREST_STATIONS)
            origin_stations = origin_stations[0]
            access = self._walk(origin, self.lon_lat[origin_stations], walk_minutes)
            destination_stations, _ = self.index.nearest(destinations, k=NEAREST_STATIONS)
            if walk_minutes is None:
                egress = pairwise_haversine_m(
                    np.repeat(destinations, destination_stations.shape[1], axis=0),
                    self.lon_lat[destination_stations.ravel()],
                ).reshape(destination_stations.shape) / self._walk_metres_per_minute
            else:
                egress = np.vstack(
                    [
                        self._walk((float(point[0]), float(point[1])), self.lon_lat[stations], walk_minutes)
                        for point, stations in zip(destinations, destination_stations, strict=True)
                    ]
                )
            speed_m_per_min = self.config.rail_kmh * 1000 / 60
            for a, boarding in enumerate(origin_stations):
                for b in range(destination_stations.shape[1]):
                    alighting = destination_stations[:, b]
                    ride = pairwise_haversine_m(
                        np.repeat(self.lon_lat[[boarding]], n, axis=0), self.lon_lat[alighting]
                    ) / speed_m_per_min
                    headway = self.headway_minutes(np.full(n, boarding), alighting)
                    typical = access[a] + headway / 2 + ride + egress[:, b]
                    typical = np.where(alighting == boarding, np.inf, typical)
                    better = typical < best
                    best = np.where(better, typical, best)
                    best_worst = np.where(better, access[a] + headway + ride + egress[:, b], best_worst)
                    best_walk = np.where(better, access[a] + egress[:, b], best_walk)
                    best_headway = np.where(better, headway, best_headway)
                    best_pair[better] = np.column_stack([np.full(n, boarding), alighting])[better]

        on_foot = direct <= best
        median = np.where(on_foot, direct, best)
        worst = np.where(on_foot, direct, best_worst)
        walk = np.where(on_foot, direct, best_walk)
        headway = np.where(on_foot, np.nan, best_headway)
        reachable = median <= max_minutes
        median = np.where(reachable, median, np.inf)
        worst = np.where(reachable & (worst <= max_minutes), worst, np.inf)
        walk = np.where(reachable, walk, np.nan)
        headway = np.where(reachable, headway, np.nan)
        transfers = np.where(reachable & ~on_foot, 0, -1).astype(np.int64)
        details: list[JourneyDetail | None] = []
        for index in range(n):
            if not reachable[index]:
                details.append(None)
            elif on_foot[index]:
                details.append(_WALK)
            else:
                boarding, alighting = best_pair[index]
                details.append(JourneyDetail(ESTIMATED_TRAIN, boarding=str(self.names[boarding]),
                                             alighting=str(self.names[alighting])))
        return TransitTimes(
            minutes_median=median.astype(np.float64),
            minutes_worst=worst.astype(np.float64),
            transfers=transfers,
            walk_minutes=walk.astype(np.float64),
            estimated=np.ones(n, dtype=bool),
            details=details,
            headway_minutes=headway.astype(np.float64),
        )
