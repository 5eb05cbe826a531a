"""What a transit answer says about each journey, as data rather than words.

The router and the estimators describe the median journey to each destination with a
:class:`JourneyDetail`: how it goes (``kind``), which lines, how many changes, how often it
runs, and the flags a traveller must know. Whoever shows it words it in the reader's language
(the app through gettext); :mod:`routing.transit.wording` words it in Dutch for this package's
command line and tests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: on foot all the way (faster than any vehicle)
WALK = "walk"
#: by the vehicles of a timetable
TIMETABLED = "timetabled"
#: by one bus estimated from the stops, no timetable
ESTIMATED_BUS = "estimated_bus"
#: by one train estimated from the stations (``boarding`` to ``alighting``)
ESTIMATED_TRAIN = "estimated_train"
#: on foot, because neither a timetable nor stations are loaded
NO_TIMETABLE = "no_timetable"
KINDS = (WALK, TIMETABLED, ESTIMATED_BUS, ESTIMATED_TRAIN, NO_TIMETABLE)

#: the frequencies with a name of their own (minutes), and the tolerance around them
NAMED_HEADWAYS = (15, 30, 60, 120)
_NAMED_TOLERANCE = 0.1
#: a single departure in a window shorter than this says nothing about frequency
_SHORTEST_TELLING_WINDOW = 30


@dataclass(frozen=True)
class Line:
    """A route as a traveller knows it: its GTFS ``route_type`` and short name (``IC``, ``45``)."""

    route_type: int
    short_name: str = ""


@dataclass(frozen=True)
class Frequency:
    """How often a journey runs.

    ``kind``: ``named`` (``minutes`` one of :data:`NAMED_HEADWAYS`), ``minutes`` (every
    ``minutes``), ``hours`` (every ``hours``, one decimal), ``less_than_hour`` or
    ``less_than_minutes`` (one departure served a window of ``minutes``: less often than that).
    """

    kind: str
    minutes: int = 0
    hours: float = 0.0


def frequency_of(headway_minutes: float | None, single_in_window_minutes: float | None = None) -> Frequency | None:
    """The :class:`Frequency` of a headway, or of a single departure in a window; None when unknown.

    ``single_in_window_minutes`` is set when only one useful departure serves the whole
    window: then the true headway is longer than the window, and that is said (for windows of
    half an hour or more; a shorter window says nothing useful about frequency).
    """
    if single_in_window_minutes is not None:
        if single_in_window_minutes < _SHORTEST_TELLING_WINDOW:
            return None
        if round(single_in_window_minutes) == 60:
            return Frequency("less_than_hour")
        return Frequency("less_than_minutes", minutes=round(single_in_window_minutes))
    if headway_minutes is None or not math.isfinite(headway_minutes):
        return None
    for minutes in NAMED_HEADWAYS:
        if abs(headway_minutes - minutes) <= _NAMED_TOLERANCE * minutes:
            return Frequency("named", minutes=minutes)
    if headway_minutes >= 90:
        return Frequency("hours", hours=round(headway_minutes / 60, 1))
    return Frequency("minutes", minutes=round(headway_minutes))


@dataclass(frozen=True)
class JourneyDetail:
    """The median journey to one destination, for people (see the module docstring).

    ``lines``: for a timetabled journey, the first line and, when another, the last one.
    ``transfers``: changes of vehicle. ``headway_minutes``: typical minutes between useful
    departures (rounded to 0.1; None when unknown); ``single_in_window_minutes``: set instead
    when one departure served the whole window of that many minutes. ``feeder_bus_estimated``:
    a bus to or from the station is estimated; ``on_request``: a stop must be asked for.
    ``boarding``/``alighting``: the stations of an estimated train.
    """

    kind: str
    lines: tuple[Line, ...] = ()
    transfers: int = 0
    headway_minutes: float | None = None
    single_in_window_minutes: float | None = None
    feeder_bus_estimated: bool = False
    on_request: bool = False
    boarding: str = ""
    alighting: str = ""

    @property
    def frequency(self) -> Frequency | None:
        return frequency_of(self.headway_minutes, self.single_in_window_minutes)

    @property
    def ride(self) -> str:
        """How the lines are told: ``single`` (the first line), ``pair`` (first and last, one
        change) or ``changes`` (the first line and the number of changes)."""
        if self.transfers <= 0 or len(self.lines) == 1:
            return "single"
        return "pair" if self.transfers == 1 else "changes"
