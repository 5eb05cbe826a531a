"""Travel times from one origin to many destinations, by road mode.

The straight-line estimate (distance x circuity / speed) is always available and is
what answers where no road network covers the points; every such time carries
``estimated=True``. Network routing plugs in through ``networks`` (see
:mod:`routing.network` where built).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import Point

from routing.config import NETWORK_FOR_MODE, RoutingConfig
from routing.geometry import haversine_m

@dataclass(frozen=True)
class TravelTimes:
    mode: str
    minutes: np.ndarray  # float64 (n,), inf where unreachable or beyond the cutoff
    estimated: np.ndarray  # bool (n,)
    origin_snap_m: float | None


@dataclass(frozen=True)
class Isochrone:
    polygon: object  # shapely geometry, WGS84
    estimated: bool
    minutes: float
    mode: str


class TravelTimeEngine:
    """One travel-time function for the whole application."""

    def __init__(self, config: RoutingConfig, networks: Mapping[str, object] | None = None) -> None:
        self.config = config
        self.networks = dict(networks or {})

    @classmethod
    def from_cache_dir(cls, cache_dir: Path, config: RoutingConfig) -> TravelTimeEngine:
        networks = {}
        try:
            from routing.network import load_cached_networks
        except ImportError:
            load_cached_networks = None
        if load_cached_networks is not None and Path(cache_dir).exists():
            networks = load_cached_networks(Path(cache_dir), config)
        return cls(config, networks)

    def network_for(self, mode: str):
        """The road network a mode travels on (e-bike: the bike network), or None where none is loaded."""
        return self.networks.get(NETWORK_FOR_MODE.get(mode, mode))

    def covers(self, mode: str, lon: float, lat: float) -> bool:
        network = self.network_for(mode)
        return bool(network is not None and network.covers(lon, lat))

    def straight_line_minutes(self, origin: tuple[float, float], destinations: np.ndarray, mode: str) -> np.ndarray:
        """The labelled estimate: straight line x circuity at the mode's average speed."""
        destinations = np.asarray(destinations, dtype=float).reshape(-1, 2)
        metres = haversine_m(origin, destinations)
        speed_m_per_min = self.config.speed_kmh(mode) * 1000 / 60
        minutes = metres * self.config.circuity[mode] / speed_m_per_min
        if mode == "car":
            minutes = minutes + self.config.car_overhead_min
        return minutes

    def one_to_many(
        self,
        origin: tuple[float, float],
        destinations: np.ndarray,
        mode: str,
        *,
        cutoff_minutes: float | None = None,
    ) -> TravelTimes:
        destinations = np.asarray(destinations, dtype=float).reshape(-1, 2)
        network = self.network_for(mode)
        if network is not None and network.covers(*origin):
            minutes, routed, snap_m = network.one_to_many(origin, destinations, mode, cutoff_minutes=cutoff_minutes)
            estimate = self.straight_line_minutes(origin, destinations, mode)
            minutes = np.where(routed, minutes, estimate)
            estimated = ~routed
        else:
            minutes = self.straight_line_minutes(origin, destinations, mode)
            estimated = np.ones(len(destinations), dtype=bool)
            snap_m = None
        if cutoff_minutes is not None:
            minutes = np.where(minutes <= cutoff_minutes, minutes, np.inf)
        return TravelTimes(mode=mode, minutes=minutes, estimated=estimated, origin_snap_m=snap_m)

    def many_to_many(
        self,
        origins: np.ndarray,
        destinations: np.ndarray,
        mode: str,
        *,
        cutoff_minutes: float | None = None,
        batch_size: int = 256,
        progress: bool = False,
        reverse: bool = False,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Minutes from each origin (rows) to each destination (columns) and the ``estimated`` flags.

        ``reverse=True`` gives the same matrix from one search per destination on the
        reversed graph: the cheaper way for many origins and few destinations.
        """
        origins = np.asarray(origins, dtype=float).reshape(-1, 2)
        destinations = np.asarray(destinations, dtype=float).reshape(-1, 2)
        minutes = np.empty((len(origins), len(destinations)))
        estimated = np.ones((len(origins), len(destinations)), dtype=bool)
        network = self.network_for(mode)
        covered = np.zeros(len(origins), dtype=bool) if network is None else network.covers_points(origins)
        for row in np.flatnonzero(~covered):
            minutes[row] = self.straight_line_minutes(tuple(origins[row]), destinations, mode)
        rows = np.flatnonzero(covered)
        if reverse:  # one search per destination: all origins in one batch, or the searches repeat per batch
            batch_size = max(len(rows), 1)
        batches = range(0, len(rows), batch_size)
        if progress:
            from tqdm import tqdm

            batches = tqdm(batches, desc=f"{mode} routes", unit="batch")
        for start in batches:
            batch = rows[start:start + batch_size]
            routed_minutes, routed, _snaps = network.many_to_many(origins[batch], destinations, mode,
                                                                  cutoff_minutes=cutoff_minutes, reverse=reverse)
            minutes[batch] = routed_minutes
            estimated[batch] = ~routed
            if not routed.all():
                for row in batch:
                    minutes[row, ~routed] = self.straight_line_minutes(tuple(origins[row]), destinations[~routed], mode)
        if cutoff_minutes is not None:
            minutes = np.where(minutes <= cutoff_minutes, minutes, np.inf)
        return minutes, estimated

    def isochrone(self, origin: tuple[float, float], mode: str, minutes: float) -> Isochrone:
        network = self.network_for(mode)
        if network is not None and network.covers(*origin):
            return Isochrone(network.isochrone(origin, mode, minutes), estimated=False, minutes=minutes, mode=mode)
        budget = minutes - (self.config.car_overhead_min if mode == "car" else 0.0)
        radius_m = max(budget, 0.0) * self.config.speed_kmh(mode) * 1000 / 60 / self.config.circuity[mode]
        # a geodesic circle: buffer in a local azimuthal frame, back to WGS84
        from pyproj import CRS, Transformer

        local = CRS.from_proj4(f"+proj=aeqd +lat_0={origin[1]} +lon_0={origin[0]} +units=m")
        to_wgs84 = Transformer.from_crs(local, "EPSG:4326", always_xy=True)
        circle = shapely.transform(
            Point(0, 0).buffer(radius_m, 64), lambda xy: np.column_stack(to_wgs84.transform(xy[:, 0], xy[:, 1]))
        )
        return Isochrone(circle, estimated=True, minutes=minutes, mode=mode)
