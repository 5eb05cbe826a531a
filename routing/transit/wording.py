"""Dutch wording of transit answers, for this package's command line and tests.

The app words a :class:`routing.transit.detail.JourneyDetail` in the reader's language itself
(``app/domain/journey_wording.py``); the two agree word for word in Dutch (a test keeps them so).
"""

from __future__ import annotations

from routing.transit.detail import (
    ESTIMATED_BUS,
    ESTIMATED_TRAIN,
    NO_TIMETABLE,
    TIMETABLED,
    WALK,
    Frequency,
    JourneyDetail,
    frequency_of,
)

#: GTFS route_type (basic and extended ranges) to the kind of vehicle.
_VEHICLE_KINDS = {
    0: "tram", 1: "metro", 2: "train", 3: "bus", 4: "ferry", 5: "cable_tram",
    6: "aerial_lift", 7: "funicular", 11: "trolleybus", 12: "monorail",
}
_EXTENDED_KINDS = (
    (100, 199, "train"), (200, 299, "bus"), (400, 499, "metro"), (700, 799, "bus"),
    (800, 899, "trolleybus"), (900, 999, "tram"), (1000, 1099, "ferry"),
    (1200, 1299, "ferry"), (1300, 1399, "aerial_lift"), (1500, 1599, "taxi"),
)
#: the Dutch word per kind of vehicle
VEHICLE_WORDS = {
    "tram": "tram", "metro": "metro", "train": "trein", "bus": "bus", "ferry": "veerboot", "cable_tram": "kabeltram",
    "aerial_lift": "kabelbaan", "funicular": "kabelspoor", "trolleybus": "trolleybus", "monorail": "monorail",
    "taxi": "taxi", "line": "lijn",
}
#: the Dutch names of the named frequencies (minutes)
NAMED_FREQUENCIES = {15: "elk kwartier", 30: "elk half uur", 60: "elk uur", 120: "om de 2 uur"}


def vehicle_kind(route_type: int) -> str:
    """``bus``, ``train``, ``tram`` ... for a GTFS route_type; ``line`` if unknown."""
    if route_type in _VEHICLE_KINDS:
        return _VEHICLE_KINDS[route_type]
    for low, high, kind in _EXTENDED_KINDS:
        if low <= route_type <= high:
            return kind
    return "line"


def vehicle_word(route_type: int) -> str:
    """``bus``, ``trein``, ``tram`` ... for a GTFS route_type; ``lijn`` if unknown."""
    return VEHICLE_WORDS[vehicle_kind(route_type)]


def line_label(route_type: int, short_name: str) -> str:
    """``bus 45``, ``trein IC`` or just ``trein`` when the route has no short name."""
    word = vehicle_word(route_type)
    return f"{word} {short_name}".strip() if short_name else word


def frequency_phrase(frequency: Frequency | None) -> str:
    """``elk uur``, ``om de 20 min``, ``minder dan om de 90 min`` ...; empty when unknown."""
    if frequency is None:
        return ""
    if frequency.kind == "named":
        return NAMED_FREQUENCIES[frequency.minutes]
    if frequency.kind == "less_than_hour":
        return "minder dan elk uur"
    if frequency.kind == "less_than_minutes":
        return f"minder dan om de {frequency.minutes} min"
    if frequency.kind == "hours":
        return f"om de {frequency.hours:.1f} uur".replace(".", ",")
    return f"om de {frequency.minutes} min"


def headway_phrase(headway_minutes: float, *, single_in_window_minutes: float | None = None) -> str:
    """``elk uur``, ``elk half uur``, ``om de 20 min`` ... (see :func:`routing.transit.detail.frequency_of`)."""
    return frequency_phrase(frequency_of(headway_minutes, single_in_window_minutes))


def journey_summary(lines: list[str], transfers: int, frequency: str) -> str:
    """``bus 45, elk uur``; ``bus 45 en trein IC, elk half uur``; ``bus 45 + 2 overstappen, ...``."""
    if transfers <= 0 or len(lines) == 1:
        ride = lines[0]
    elif transfers == 1:
        ride = f"{lines[0]} en {lines[-1]}"
    else:
        ride = f"{lines[0]} + {transfers} overstappen"
    return f"{ride}, {frequency}" if frequency else ride


def describe(detail: JourneyDetail) -> str:
    """The Dutch one-liner of a journey: ``bus 45 en trein IC, elk half uur``, ``te voet`` ..."""
    if detail.kind == WALK:
        return "te voet"
    if detail.kind == NO_TIMETABLE:
        return "te voet, geen dienstregeling geladen"
    if detail.kind == ESTIMATED_BUS:
        return "bus, geschat"
    if detail.kind == ESTIMATED_TRAIN:
        return f"trein {detail.boarding} - {detail.alighting}, geschat"
    if detail.kind != TIMETABLED:
        msg = f"no Dutch wording for a journey of kind {detail.kind!r}"
        raise ValueError(msg)
    lines = [line_label(line.route_type, line.short_name) for line in detail.lines]
    text = journey_summary(lines, detail.transfers, frequency_phrase(detail.frequency))
    if detail.feeder_bus_estimated:
        text = f"{text}; bus van of naar het station geschat"
    if detail.on_request:
        text = f"{text}; halte op aanvraag (vooraf bellen of de chauffeur verwittigen)"
    return text
