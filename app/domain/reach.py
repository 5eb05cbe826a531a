"""Travel minutes from one home to every catalog location, for each mode a person has.

The only door from the domain to :mod:`routing`: road modes go to the
:class:`routing.travel.TravelTimeEngine`, ``transit`` to a timetable router when a GTFS
feed is loaded and to the labelled NMBS-station estimate otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta

import numpy as np

from app.domain.matching import ModeTimes
from routing.config import RoutingConfig
from routing.transit.errors import ServiceDateError
from routing.travel import TravelTimeEngine


@dataclass(frozen=True)
class TransitWindow:
    """When the person would leave home for a timetable answer."""

    service_date: date
    start: time
    end: time


def default_transit_window(today: date) -> TransitWindow:
    """Next weekday, leaving between 8:00 and 9:00 (a typical appointment morning)."""
    day = today + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return TransitWindow(service_date=day, start=time(8, 0), end=time(9, 0))


class Reach:
    """Computes :class:`ModeTimes` for the matching, whatever routing is loaded."""

    def __init__(
        self,
        engine: TravelTimeEngine,
        *,
        transit_router=None,
        rail_estimator=None,
    ) -> None:
        self.engine = engine
        self.transit_router = transit_router
        self.rail_estimator = rail_estimator

    @classmethod
    def estimates_only(cls, config: RoutingConfig | None = None) -> Reach:
        return cls(TravelTimeEngine(config or RoutingConfig()))

    @property
    def config(self) -> RoutingConfig:
        return self.engine.config

    def fingerprint(self) -> str:
        """What travel times depend on besides the settings: which networks and timetables."""
        networks = sorted((kind, getattr(network, "source", "?")) for kind, network in self.engine.networks.items())
        timetable = getattr(getattr(self.transit_router, "timetable", None), "cache_key", None)
        stations = len(self.rail_estimator) if self.rail_estimator is not None else 0
        return repr((networks, timetable, stations))

    def walk_minutes(self, origin: tuple[float, float], points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        times = self.engine.one_to_many(origin, points, "walk")
        return times.minutes, times.estimated

    @property
    def _access_walk(self):
        """Walking on the network where one is loaded; otherwise transit's own vectorised straight line."""
        return self.walk_minutes if "walk" in self.engine.networks else None

    def mode_times(
        self,
        origin: tuple[float, float],
        destinations: np.ndarray,
        modes: Sequence[str],
        *,
        max_minutes_by_mode: dict[str, int],
        window: TransitWindow,
    ) -> list[ModeTimes]:
        results: list[ModeTimes] = []
        for mode in modes:
            cutoff = float(max_minutes_by_mode.get(mode, 180))
            if mode == "transit":
                results.append(self._transit(origin, destinations, cutoff, window))
                continue
            # Route a little past the limit so "too far: 34 min" can be explained.
            times = self.engine.one_to_many(origin, destinations, mode, cutoff_minutes=cutoff * 2)
            results.append(ModeTimes(mode=mode, minutes=times.minutes, estimated=times.estimated, cutoff=cutoff * 2))
        return results

    def many_to_many(
        self,
        mode: str,
        origins: np.ndarray,
        destinations: np.ndarray,
        *,
        cutoff_minutes: float,
        window: TransitWindow,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(minutes, estimated) matrices of shape (origins, destinations), in batches."""
        if mode != "transit":
            return self.engine.many_to_many(origins, destinations, mode, cutoff_minutes=cutoff_minutes)
        minutes = np.full((len(origins), len(destinations)), np.inf)
        estimated = np.ones((len(origins), len(destinations)), dtype=bool)
        for row, origin in enumerate(origins):
            times = self._transit((float(origin[0]), float(origin[1])), destinations, cutoff_minutes, window)
            minutes[row], estimated[row] = times.minutes, times.estimated
        return minutes, estimated

    def _transit(self, origin, destinations, cutoff: float, window: TransitWindow) -> ModeTimes:
        times = None
        if self.transit_router is not None:
            try:
                times = self.transit_router.one_to_many(
                    origin, destinations, service_date=window.service_date, window_start=window.start,
                    window_end=window.end, max_minutes=cutoff * 2, walk_minutes=self._access_walk,
                )
            except ServiceDateError:
                times = None  # the feed does not cover that day: the labelled estimate answers instead
        if times is None and self.rail_estimator is not None:
            times = self.rail_estimator.one_to_many(
                origin, destinations, max_minutes=cutoff * 2, walk_minutes=self._access_walk
            )
        if times is None:
            # No timetable and no stations: walking is the only honest public answer.
            walk = self.engine.one_to_many(origin, destinations, "walk", cutoff_minutes=cutoff * 2)
            return ModeTimes(
                mode="transit", minutes=walk.minutes, estimated=np.ones_like(walk.estimated, dtype=bool),
                details=["te voet, geen dienstregeling geladen"] * len(walk.minutes), cutoff=cutoff * 2,
            )
        return ModeTimes(
            mode="transit",
            minutes=times.minutes_median,
            estimated=times.estimated,
            details=list(times.summaries),
            cutoff=cutoff * 2,
        )
