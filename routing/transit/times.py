"""The answer of every transit query, timetable-based or estimated."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from routing.transit.detail import JourneyDetail
from routing.transit.wording import describe

#: Walking minutes from one lon/lat point to many points (n, 2), with "estimated" flags;
#: ``TravelTimeEngine`` provides one over the walk network. Walking is taken as symmetric:
#: egress from a stop to a destination is asked as a walk from the destination.
WalkMinutesFn = Callable[[tuple[float, float], np.ndarray], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class TransitTimes:
    """Public-transport travel from one origin to ``n`` destinations.

    Attributes
    ----------
    minutes_median, minutes_worst
        Door-to-door minutes over the departure window (median and worst of the
        departure minutes), ``inf`` where not reachable within ``max_minutes``.
    transfers
        Changes of vehicle in the median journey; -1 where it is walking only or unreachable.
    walk_minutes
        Access, transfer and egress walking in the median journey (``nan`` if unreachable).
    estimated
        True for the station-based estimate, False for a timetable answer.
    details
        What the median journey is, for people (:class:`JourneyDetail`: lines, changes,
        frequency, flags), ``None`` if unreachable; :attr:`summaries` words them in Dutch.
    headway_minutes
        Typical minutes between useful departures, ``nan`` when unknown.
    leg_flags
        Per destination, the median journey's leg flags (``routing.transit.legs``: 1 a walk
        in a straight line, 2 an estimated bus, 4 a stop on request); ``None`` for the
        station estimate, which is an estimate as a whole.
    """

    minutes_median: np.ndarray
    minutes_worst: np.ndarray
    transfers: np.ndarray
    walk_minutes: np.ndarray
    estimated: np.ndarray
    details: list[JourneyDetail | None]
    headway_minutes: np.ndarray
    leg_flags: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.minutes_median)

    @property
    def summaries(self) -> list[str | None]:
        """The details as Dutch one-liners ("bus 45, elk uur", "te voet"), for the command line and tests."""
        return [None if detail is None else describe(detail) for detail in self.details]
