"""A labelled *estimate* of a De Lijn bus ride from the real stops, for when no De Lijn
timetable is loaded.

De Lijn's stops are public (``stops.txt``: 36,041 stops with coordinates) but the feed at
hand has no trips: it says where buses stop, not when. So a bus leg is estimated, never
timetabled: walk to the stop nearest the start, wait, ride, walk from the stop nearest the
end. Every minute computed here is flagged ``estimated`` by its callers.

The assumptions, and where they come from:

- ``MAX_STOP_WALK_M`` 750 m, ``HEADWAY_MINUTES`` 60: the Flemish *basismobiliteit* decree
  (Decreet betreffende de basismobiliteit, 20 April 2001) promised, outside the cities, a
  stop within 750 m of every home and at least one bus an hour in the daytime. The router
  counts waiting as half the headway on average (people leaving at every minute of the
  window), so an estimated bus leg waits 30 min.
- ``BUS_KMH`` 20 km/h: the commercial speed (stops and dwell times included) of regional
  buses, of the order De Lijn reports for its buses (about 20 km/h; the figure could not
  be checked against the operator's current reports offline, so treat it as an
  assumption). It is replaced by the timetable as soon as a De Lijn GTFS is set
  (``SK_GTFS_SOURCES``).
- ``BUS_CIRCUITY`` 1.4: a bus line follows roads and detours through village centres, a bit
  more than a car's 1.25 (``routing.config.CIRCUITY``).
- ``MAX_RIDE_KM`` 25 km: longer rides need a change or a train; the estimate does not
  chain buses, the train timetable covers longer distances.
- ``FEEDER_STATIONS`` 4: to and from the train, the bus goes to one of the four stations
  nearest the home (or the destination); regional lines converge on the nearest stations.

Which lines serve a stop is not in the files (no trips), so every stop of ``stops.txt`` is
taken as served (the file lists the stops in use in 2018).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from routing.config import RoutingConfig
from routing.geometry import PointIndex, pairwise_haversine_m

MAX_STOP_WALK_M = 750.0
HEADWAY_MINUTES = 60.0
BUS_KMH = 20.0
BUS_CIRCUITY = 1.4
MAX_RIDE_KM = 25.0
FEEDER_STATIONS = 4


class BusEstimator:
    """Estimated door-to-door minutes by one bus between points (see the module docstring)."""

    def __init__(self, stop_lon_lat: np.ndarray, config: RoutingConfig, *, source: str = "De Lijn") -> None:
        self.stop_lon_lat = np.asarray(stop_lon_lat, dtype=np.float64).reshape(-1, 2)
        self.config = config
        self.source = source
        self.stations = FEEDER_STATIONS
        self.index = PointIndex(self.stop_lon_lat)
        self._walk_m_per_min = config.walk_kmh * 1000 / 60 / config.circuity["walk"]
        self._ride_m_per_min = BUS_KMH * 1000 / 60 / BUS_CIRCUITY

    @classmethod
    def from_stops_txt(
        cls, path: Path, config: RoutingConfig, *, bbox: tuple[float, float, float, float] | None = None
    ) -> BusEstimator:
        """Read a GTFS ``stops.txt`` (stop_lat, stop_lon); ``bbox`` keeps the stops inside it."""
        stops = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        stops.columns = [column.strip() for column in stops.columns]
        missing = {"stop_lat", "stop_lon"} - set(stops.columns)
        if missing:
            msg = f"{path} lacks column(s) {', '.join(sorted(missing))}"
            raise ValueError(msg)
        lon = pd.to_numeric(stops["stop_lon"], errors="coerce").to_numpy()
        lat = pd.to_numeric(stops["stop_lat"], errors="coerce").to_numpy()
        keep = np.isfinite(lon) & np.isfinite(lat) & ~((lon == 0) & (lat == 0))
        if "location_type" in stops.columns:
            keep &= stops["location_type"].str.strip().isin(["", "0"]).to_numpy()
        if bbox is not None:
            keep &= (lon >= bbox[0]) & (lon <= bbox[2]) & (lat >= bbox[1]) & (lat <= bbox[3])
        if not keep.any():
            msg = f"{path} holds no usable stop"
            raise ValueError(msg)
        return cls(np.column_stack([lon[keep], lat[keep]]), config)

    def __len__(self) -> int:
        return len(self.stop_lon_lat)

    @property
    def reach_m(self) -> float:
        """Farthest straight line one estimated bus leg covers (walks included)."""
        return MAX_RIDE_KM * 1000 + 2 * MAX_STOP_WALK_M

    def nearest_stop(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Index of the nearest stop and the walking minutes to it; ``inf`` beyond ``MAX_STOP_WALK_M``."""
        points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        if not len(points):
            return np.empty(0, dtype=np.int64), np.empty(0)
        stops, metres = self.index.nearest(points, k=1)
        stops, metres = stops[:, 0], metres[:, 0]
        walk = np.where(metres <= MAX_STOP_WALK_M, metres / self._walk_m_per_min, np.inf)
        return stops.astype(np.int64), walk

    def pair_minutes(self, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """Estimated minutes from ``starts[i]`` to ``ends[i]`` by one bus (``inf`` where none fits)."""
        starts = np.asarray(starts, dtype=np.float64).reshape(-1, 2)
        ends = np.asarray(ends, dtype=np.float64).reshape(-1, 2)
        board, walk_to = self.nearest_stop(starts)
        alight, walk_from = self.nearest_stop(ends)
        return self._ride(board, walk_to, alight, walk_from)

    def one_to_many(self, origin: tuple[float, float], points: np.ndarray) -> np.ndarray:
        """Estimated minutes from ``origin`` to each point by one bus (``inf`` where none fits)."""
        points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        board, walk_to = self.nearest_stop(np.array([origin], dtype=np.float64))
        alight, walk_from = self.nearest_stop(points)
        return self._ride(np.repeat(board, len(points)), np.repeat(walk_to, len(points)), alight, walk_from)

    def _ride(self, board, walk_to, alight, walk_from) -> np.ndarray:
        if not len(alight):
            return np.empty(0)
        metres = pairwise_haversine_m(self.stop_lon_lat[board], self.stop_lon_lat[alight])
        minutes = walk_to + HEADWAY_MINUTES / 2 + metres / self._ride_m_per_min + walk_from
        return np.where((board != alight) & (metres <= MAX_RIDE_KM * 1000), minutes, np.inf)
