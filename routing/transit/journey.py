"""Which journey: the legs of the earliest-arriving journey for one origin, one destination and
one departure time (walk to a stop, ride from where at what time to where, change, walk on).

The minutes queries (:mod:`routing.transit.scan`) keep no journeys, only their sums: that keeps
the compiled kernel fast over a window of departures. This is a separate connection scan for
one departure and one destination, in plain Python, with the same labels, rules and tie-breaks
as the kernel (so it arrives at the same time) plus, per label, a pointer to how it was reached
(the journey extraction of Dibbelt et al. 2018). The pointers are immutable tuples,
so a trip boarded from a stop keeps the journey it was boarded with even when that stop's label
improves later.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time

import numpy as np

from routing.transit.legs import ESTIMATED_BUS, ESTIMATED_WALK, ON_REQUEST
from routing.transit.timetable import ALIGHTING_ON_REQUEST, BOARDING_ON_REQUEST, NO_ALIGHTING, NO_BOARDING, Timetable

UNREACHED = np.iinfo(np.int64).max // 4


def clock(seconds: int, *, round_up: bool = False) -> time:
    """The time of day of ``seconds`` on the service day's clock (past 24:00 wraps), to the
    minute: down by default (a time to leave), up with ``round_up`` (a time of arrival)."""
    seconds = (int(seconds) + (59 if round_up else 0)) % 86_400
    return time(seconds // 3600, seconds // 60 % 60)


def whole_minutes(seconds: float) -> int:
    """Seconds as whole minutes for people: rounded up, at least one."""
    return max(1, math.ceil(seconds / 60))


@dataclass(frozen=True)
class Walk:
    """On foot: from the origin (``from_stop`` ``None``) or a stop to a stop or the destination
    (``to_stop`` ``None``). ``estimated``: a straight line, not routed on the walk network."""

    seconds: int
    from_stop: str | None
    to_stop: str | None
    estimated: bool

    @property
    def minutes(self) -> int:
        return whole_minutes(self.seconds)


@dataclass(frozen=True)
class EstimatedBus:
    """A bus to or from a stop that no loaded timetable has: its time is an estimate, no clock times."""

    seconds: int
    from_stop: str | None
    to_stop: str | None

    @property
    def minutes(self) -> int:
        return whole_minutes(self.seconds)


@dataclass(frozen=True)
class Ride:
    """One vehicle of the timetable, boarded at one stop and left at another.

    ``line`` is the route's label (``trein IC``), ``route_short_name`` its short name (``IC``),
    ``trip_short_name`` the trip's own number where the feed gives one (a train number),
    ``headsign`` where it goes; platforms where the feed gives them ("" otherwise).
    ``continues_as``: the trip numbers (or lines) the vehicle runs on as after ``trip_short_name``
    while the passenger stays seated (a block). Times are seconds on the service day's clock.
    """

    line: str
    route_type: int
    route_short_name: str
    trip_short_name: str
    headsign: str
    board_stop: str
    board_platform: str
    departure_s: int
    alight_stop: str
    alight_platform: str
    arrival_s: int
    continues_as: tuple[str, ...] = ()
    board_on_request: bool = False
    alight_on_request: bool = False

    @property
    def departure(self) -> time:
        return clock(self.departure_s)

    @property
    def arrival(self) -> time:
        return clock(self.arrival_s)


@dataclass(frozen=True)
class Transfer:
    """Changing vehicles at ``at_stop``: a walk to ``to_stop`` when the next vehicle leaves from
    another stop (a platform), then the wait until it leaves."""

    at_stop: str
    to_stop: str
    walk_seconds: int
    wait_seconds: int

    @property
    def walk_minutes(self) -> int:
        return whole_minutes(self.walk_seconds) if self.walk_seconds > 0 else 0

    @property
    def wait_minutes(self) -> int:
        return max(0, self.wait_seconds // 60)


Leg = Walk | EstimatedBus | Ride | Transfer


@dataclass(frozen=True)
class Itinerary:
    """The earliest-arriving journey for one departure time.

    ``start_s``: the departure time asked for; ``leave_s``: the latest moment to leave the origin
    for the same journey (the first vehicle's departure minus the way to its stop); ``arrival_s``:
    at the destination. Seconds on the clock of ``service_date``. ``flags``: the legs' flags
    (:data:`~routing.transit.legs.ESTIMATED_WALK`, ``ESTIMATED_BUS``, ``ON_REQUEST``).
    """

    service_date: date
    start_s: int
    leave_s: int
    arrival_s: int
    legs: tuple[Leg, ...]
    flags: int

    @property
    def leave(self) -> time:
        return clock(self.leave_s)

    @property
    def arrival(self) -> time:
        return clock(self.arrival_s, round_up=True)

    @property
    def minutes(self) -> int:
        """Door to door from the moment asked for, whole minutes (as the minutes queries count)."""
        return round((self.arrival_s - self.start_s) / 60)

    @property
    def rides(self) -> tuple[Ride, ...]:
        return tuple(leg for leg in self.legs if isinstance(leg, Ride))

    @property
    def estimated(self) -> bool:
        """True when a leg is an estimate (a straight-line walk or a bus without a timetable)."""
        return bool(self.flags & (ESTIMATED_WALK | ESTIMATED_BUS))


@dataclass(frozen=True)
class JourneyQuery:
    """The arrays of one journey query, as :meth:`TransitRouter.journey` prepares them.

    ``connections`` as :meth:`Timetable.connections_between` returns them; ``access`` (stops,
    seconds, flags) from the origin; ``egress`` (stops, seconds, flags) to the destination;
    ``direct`` (seconds, flags) door to door without the timetable.
    """

    start_s: int
    max_seconds: int
    connections: dict[str, np.ndarray]
    access: tuple[np.ndarray, np.ndarray, np.ndarray]
    egress: tuple[np.ndarray, np.ndarray, np.ndarray]
    direct: tuple[int, int]
    footpath_offsets: np.ndarray
    footpath_to: np.ndarray
    footpath_seconds: np.ndarray
    change_seconds: np.ndarray
    trip_previous_slots: np.ndarray


class _Labels:
    """Earliest time, vehicles, flags and the pointer (how) per stop, for one label kind."""

    def __init__(self, n_stops: int) -> None:
        self.time = [UNREACHED] * n_stops
        self.vehicles = [-1] * n_stops
        self.flags = [0] * n_stops
        self.how: list[tuple | None] = [None] * n_stops

    def improve(self, stop: int, at: int, vehicles: int, flags: int, how: tuple) -> None:
        """Take the journey when it is earlier, or as early with fewer vehicles (the kernel's rule)."""
        if at < self.time[stop] or (at == self.time[stop] and vehicles < self.vehicles[stop]):
            self.time[stop], self.vehicles[stop], self.flags[stop], self.how[stop] = at, vehicles, flags, how


def trace_journey(query: JourneyQuery, n_stops: int) -> tuple[int, int, tuple] | None:
    """(arrival, flags, pointer chain) of the earliest arrival at the destination, ``None`` when unreached.

    Pointers: ``("access", stop, seconds, flags)``, ``("ride", board_c, alight_c, previous)``,
    ``("footpath", from_stop, to_stop, seconds, ride)``, ``("egress", stop, seconds, flags,
    previous)``, ``("direct", seconds, flags)``; ``previous`` is the pointer the leg starts from.
    """
    start, limit = query.start_s, query.start_s + query.max_seconds
    arrival, ready = _Labels(n_stops), _Labels(n_stops)
    for stop, seconds, flags in zip(*(part.tolist() for part in query.access), strict=True):
        how = ("access", stop, seconds, flags)
        arrival.improve(stop, start + seconds, 0, flags, how)
        ready.improve(stop, start + seconds, 0, flags, how)
    _scan_connections(query, arrival, ready, limit)
    return _best_at_destination(query, arrival, limit)


def _scan_connections(query: JourneyQuery, arrival: _Labels, ready: _Labels, limit: int) -> None:
    """The connection scan of :func:`routing.transit.scan.scan_window`, for one departure."""
    columns = query.connections
    departure_s, arrival_s = columns["departure_s"].tolist(), columns["arrival_s"].tolist()
    from_stop, to_stop = columns["from_stop"].tolist(), columns["to_stop"].tolist()
    trips, rules = columns["trip"].tolist(), columns["rules"].tolist()
    change = query.change_seconds.tolist()
    offsets, footpath_to, footpath_seconds = (
        query.footpath_offsets.tolist(), query.footpath_to.tolist(), query.footpath_seconds.tolist()
    )
    trip_previous = query.trip_previous_slots
    # per boarded trip slot: vehicles before it, flags, and (boarding connection, journey to it)
    aboard: dict[int, tuple[int, int, int, tuple]] = {}
    by_vehicle: dict[int, tuple[int, int]] = {}
    for c in range(len(departure_s)):
        if departure_s[c] < query.start_s:
            continue
        if departure_s[c] > limit:
            break
        slot, here, rule = trips[c], from_stop[c], rules[c]
        state = aboard.get(slot)
        if state is None:
            previous = int(trip_previous[slot])
            if previous >= 0 and previous in aboard:
                state = aboard[slot] = aboard[previous]  # staying seated: same boarding, no change time
        if (
            not rule & NO_BOARDING
            and ready.time[here] <= departure_s[c]
            and (state is None or ready.vehicles[here] < state[0])
        ):
            flags = ready.flags[here] | (ON_REQUEST if rule & BOARDING_ON_REQUEST else 0)
            state = aboard[slot] = (ready.vehicles[here], flags, c, ready.how[here])
        at = arrival_s[c]
        if state is None or at > limit or rule & NO_ALIGHTING:
            continue
        there, used = to_stop[c], state[0] + 1
        flags = state[1] | (ON_REQUEST if rule & ALIGHTING_ON_REQUEST else 0)
        ride = ("ride", state[2], c, state[3])
        arrival.improve(there, at, used, flags, ride)
        ready.improve(there, at + change[there], used, flags, ride)
        best_time, best_count = by_vehicle.get(there, (UNREACHED, -1))
        if at < best_time or (at == best_time and used < best_count):
            by_vehicle[there] = (at, used)
            for f in range(offsets[there], offsets[there + 1]):
                walked = at + footpath_seconds[f]
                if walked > limit:
                    continue
                other = footpath_to[f]
                how = ("footpath", there, other, footpath_seconds[f], ride)
                arrival.improve(other, walked, used, flags, how)
                ready.improve(other, walked, used, flags, how)


def _best_at_destination(query: JourneyQuery, arrival: _Labels, limit: int) -> tuple[int, int, tuple] | None:
    best_vehicles, best = -1, None
    direct_seconds, direct_flags = query.direct
    if direct_seconds <= query.max_seconds:
        best_vehicles = 0
        best = (query.start_s + direct_seconds, direct_flags, ("direct", direct_seconds, direct_flags))
    for stop, seconds, flags in zip(*(part.tolist() for part in query.egress), strict=True):
        if arrival.vehicles[stop] < 1:
            continue  # reached on foot only: the direct walk covers that
        at = arrival.time[stop] + seconds
        earliest = best[0] if best is not None else UNREACHED
        if at <= limit and (at < earliest or (at == earliest and arrival.vehicles[stop] < best_vehicles)):
            best_vehicles = arrival.vehicles[stop]
            best = (at, arrival.flags[stop] | flags, ("egress", stop, seconds, flags, arrival.how[stop]))
    return best


def describe(
    traced: tuple[int, int, tuple], query: JourneyQuery, timetable: Timetable, route_labels: np.ndarray,
    service_date: date, platform_of: Callable[[int, int], str],
) -> Itinerary:
    """The legs of a journey traced by :func:`trace_journey`, in travel order; ``platform_of(slot,
    stop)`` names the platform where the trip of a connection's trip slot stops at ``stop``."""
    arrival, flags, how = traced
    chain = []
    while how is not None:
        chain.append(how)
        kind = how[0]
        how = how[3] if kind == "ride" else how[4] if kind in ("footpath", "egress") else None
    chain.reverse()
    names = timetable.stop_names
    legs: list[Leg] = []
    for step in chain:
        kind = step[0]
        if kind == "direct":
            legs.append(_first_or_last(step[1], step[2], None, None))
        elif kind == "access":
            legs.append(_first_or_last(step[2], step[3], None, str(names[step[1]])))
        elif kind == "ride":
            legs.append(_ride(step[1], step[2], query.connections, timetable, route_labels, platform_of))
        elif kind == "footpath":
            legs.append(Walk(seconds=int(step[3]), from_stop=str(names[step[1]]), to_stop=str(names[step[2]]),
                             estimated=False))
        else:  # egress
            legs.append(_first_or_last(step[2], step[3], str(names[step[1]]), None))
    # a walk of no length (the origin at the station) is no leg to tell
    legs = _with_transfers(_merge_walks([leg for leg in legs if not isinstance(leg, Walk) or leg.seconds > 0]))
    leave = query.start_s
    rides = [index for index, leg in enumerate(legs) if isinstance(leg, Ride)]
    if rides:
        before = sum(leg.seconds for leg in legs[: rides[0]] if isinstance(leg, Walk | EstimatedBus))
        leave = max(query.start_s, legs[rides[0]].departure_s - before)
    return Itinerary(service_date=service_date, start_s=query.start_s, leave_s=int(leave), arrival_s=int(arrival),
                     legs=tuple(legs), flags=int(flags))


def _first_or_last(seconds: int, flags: int, from_stop: str | None, to_stop: str | None) -> Walk | EstimatedBus:
    if flags & ESTIMATED_BUS:
        return EstimatedBus(seconds=int(seconds), from_stop=from_stop, to_stop=to_stop)
    return Walk(seconds=int(seconds), from_stop=from_stop, to_stop=to_stop, estimated=bool(flags & ESTIMATED_WALK))


def _ride(board_c: int, alight_c: int, columns: dict[str, np.ndarray], timetable: Timetable,
          route_labels: np.ndarray, platform_of: Callable[[int, int], str]) -> Ride:
    n_trips = timetable.n_trips
    first_trip = int(columns["trip"][board_c]) % n_trips
    last_slot = int(columns["trip"][alight_c])
    later: list[str] = []
    slot_trip = last_slot % n_trips
    while slot_trip != first_trip:  # staying seated: walk the block back to the boarded trip
        later.append(_trip_name(timetable, slot_trip))
        previous = int(timetable.trip_previous[slot_trip])
        if previous < 0:
            break
        slot_trip = previous
    route = int(timetable.trip_route[first_trip])
    board_stop, alight_stop = int(columns["from_stop"][board_c]), int(columns["to_stop"][alight_c])
    return Ride(
        line=str(route_labels[route]),
        route_type=int(timetable.route_types[route]),
        route_short_name=str(timetable.route_short_names[route]),
        trip_short_name=str(timetable.trip_short_names[first_trip]),
        headsign=str(timetable.trip_headsigns[last_slot % n_trips]) or str(timetable.trip_headsigns[first_trip]),
        board_stop=str(timetable.stop_names[board_stop]),
        board_platform=platform_of(int(columns["trip"][board_c]), board_stop),
        departure_s=int(columns["departure_s"][board_c]),
        alight_stop=str(timetable.stop_names[alight_stop]),
        alight_platform=platform_of(last_slot, alight_stop),
        arrival_s=int(columns["arrival_s"][alight_c]),
        continues_as=tuple(reversed(later)),
        board_on_request=bool(columns["rules"][board_c] & BOARDING_ON_REQUEST),
        alight_on_request=bool(columns["rules"][alight_c] & ALIGHTING_ON_REQUEST),
    )


def _trip_name(timetable: Timetable, trip: int) -> str:
    """A trip as a passenger may see it: its number, else its route's short name."""
    own = str(timetable.trip_short_names[trip])
    return own or str(timetable.route_short_names[int(timetable.trip_route[trip])])


def _merge_walks(legs: list[Leg]) -> list[Leg]:
    """A footpath after the last ride and the walk on from there are one walk for the reader."""
    merged: list[Leg] = []
    for leg in legs:
        last = merged[-1] if merged else None
        if isinstance(leg, Walk) and isinstance(last, Walk) and last.from_stop is not None:
            merged[-1] = Walk(seconds=last.seconds + leg.seconds, from_stop=last.from_stop, to_stop=leg.to_stop,
                              estimated=last.estimated or leg.estimated)
        else:
            merged.append(leg)
    return merged


def _with_transfers(legs: list[Leg]) -> list[Leg]:
    """Between two rides, one :class:`Transfer` (the walk between stops folded in) with the wait."""
    out: list[Leg] = []
    index = 0
    while index < len(legs):
        leg = legs[index]
        following = legs[index + 1] if index + 1 < len(legs) else None
        after = legs[index + 2] if index + 2 < len(legs) else None
        if isinstance(leg, Ride) and isinstance(following, Ride):
            out += [leg, Transfer(at_stop=leg.alight_stop, to_stop=following.board_stop, walk_seconds=0,
                                  wait_seconds=following.departure_s - leg.arrival_s)]
            index += 1
            continue
        if isinstance(leg, Ride) and isinstance(following, Walk) and isinstance(after, Ride):
            out += [leg, Transfer(at_stop=leg.alight_stop, to_stop=following.to_stop or after.board_stop,
                                  walk_seconds=following.seconds,
                                  wait_seconds=after.departure_s - leg.arrival_s - following.seconds)]
            index += 2
            continue
        out.append(leg)
        index += 1
    return out
