"""Which service a person can reach: the one rule of the search and the gap analysis.

A service is within reach of a home when it comes to that home (outreach whose service
area holds the home's municipality: 0 minutes), or when one of its locations the person
can enter (a wheelchair user: only locations marked accessible) is reached by one of the
person's modes within that mode's limit; the nearest such location wins. The search asks
for one home, the gap analysis for thousands of origins at once, so the travel part works
on arrays of any shape whose last axis is the catalogue's locations.

What each caller adds is its own on purpose: the search also checks the one person's age,
referral, target groups and opening hours; the gap analysis, which has no person, only
that the service is active and covers the need.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.core.models import WheelchairLevel
from app.domain.catalog import CatalogLocation, CatalogService
from app.domain.profile import ResolvedMobility

#: the lowest ``wheelchair_level`` a wheelchair user can enter on their own
WHEELCHAIR_ACCESSIBLE = WheelchairLevel.STEP_FREE


def homes_served(service: CatalogService) -> frozenset[str]:
    """The municipalities (NIS codes) whose homes the service comes to: its service area when it
    does outreach, else none."""
    return service.service_area if service.outreach else frozenset()


def can_enter(location: CatalogLocation, mobility: ResolvedMobility) -> bool:
    """Whether the person can use this location: anyone, except that a wheelchair user needs a
    location known to be accessible."""
    if not mobility.wheelchair:
        return True
    return location.wheelchair_level is not None and location.wheelchair_level >= WHEELCHAIR_ACCESSIBLE


def enterable(locations: Sequence[CatalogLocation], mobility: ResolvedMobility) -> np.ndarray:
    """:func:`can_enter` for every location, as a boolean array."""
    return np.fromiter((can_enter(location, mobility) for location in locations), dtype=bool, count=len(locations))


def mode_limit(mobility: ResolvedMobility, mode: str) -> float:
    """The most minutes the person travels by ``mode``."""
    return mobility.max_minutes_by_mode.get(mode, mobility.max_minutes)


def within_limit(minutes: np.ndarray, mobility: ResolvedMobility, mode: str) -> np.ndarray:
    """Where ``minutes`` by ``mode`` are within the person's limit (never where they are inf or nan)."""
    return minutes <= mode_limit(mobility, mode)


def fastest_within_limits(
    minutes_by_mode: Sequence[tuple[str, np.ndarray]], mobility: ResolvedMobility, *, shape: tuple[int, ...],
    which_mode: bool = False, limited: bool = True,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Per element (origin and location): the fewest minutes by any mode within that mode's limit
    (inf: none), and with ``which_mode`` the position in ``minutes_by_mode`` of the mode giving
    them (the first on a tie; -1: none). ``limited=False``: the fastest of any finite time, to
    say how far out of reach a service is.

    ``minutes_by_mode`` holds ``(mode, minutes)`` pairs, ``minutes`` of ``shape``: (locations,)
    for one home, (origins, locations) for the gap analysis.
    """
    best = np.full(shape, np.inf)
    mode_index = np.full(shape, -1, dtype=np.int8) if which_mode else None
    for position, (mode, minutes) in enumerate(minutes_by_mode):
        allowed = np.where(within_limit(minutes, mobility, mode) if limited else np.isfinite(minutes), minutes, np.inf)
        if mode_index is not None:
            mode_index[allowed < best] = position
        np.minimum(best, allowed, out=best)
    return best, mode_index
