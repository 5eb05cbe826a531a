"""Pieces shared by the timetable router and its callers: the last legs to a set of
destinations, the leg flags, and which day of a feed answers a query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

#: leg flags (see :mod:`routing.transit.scan`): a walk in a straight line, an estimated bus
ESTIMATED_WALK = 1
ESTIMATED_BUS = 2
#: not an estimate: the journey boards or alights at a stop served only on request
ON_REQUEST = 4


@dataclass(frozen=True)
class Egress:
    """The last legs to each destination (CSR): ``stops[offsets[d]:offsets[d + 1]]`` reach
    destination ``d`` in ``seconds``, with leg flags ``estimated``."""

    offsets: np.ndarray
    stops: np.ndarray
    seconds: np.ndarray
    estimated: np.ndarray
    n_destinations: int


def service_day(requested: date, first_day: date, last_day: date, *, configured: date | None = None) -> date:
    """The day of a feed that answers a query for ``requested``.

    ``configured`` (``SK_TRANSIT_SERVICE_DATE``) wins when the feed covers it; else the
    requested day itself when the feed covers it; else the same weekday in the feed's first
    full week (Monday to Sunday), or, for a feed shorter than that, the first day with that
    weekday (or its first day).
    """
    if configured is not None and first_day <= configured <= last_day:
        return configured
    if first_day <= requested <= last_day:
        return requested
    monday = first_day + timedelta(days=(7 - first_day.weekday()) % 7)
    day = monday + timedelta(days=requested.weekday())
    if monday + timedelta(days=6) <= last_day:
        return day
    day = first_day + timedelta(days=(requested.weekday() - first_day.weekday()) % 7)
    return day if day <= last_day else first_day


