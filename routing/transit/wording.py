"""Dutch wording of transit answers for the people who read them."""

from __future__ import annotations

import math

#: GTFS route_type (basic and extended ranges) to the Dutch word for the vehicle.
_VEHICLE_WORDS = {
    0: "tram", 1: "metro", 2: "trein", 3: "bus", 4: "veerboot", 5: "kabeltram",
    6: "kabelbaan", 7: "kabelspoor", 11: "trolleybus", 12: "monorail",
}
_EXTENDED_WORDS = (
    (100, 199, "trein"), (200, 299, "bus"), (400, 499, "metro"), (700, 799, "bus"),
    (800, 899, "trolleybus"), (900, 999, "tram"), (1000, 1099, "veerboot"),
    (1200, 1299, "veerboot"), (1300, 1399, "kabelbaan"), (1500, 1599, "taxi"),
)


def vehicle_word(route_type: int) -> str:
    """``bus``, ``trein``, ``tram`` ... for a GTFS route_type; ``lijn`` if unknown."""
    if route_type in _VEHICLE_WORDS:
        return _VEHICLE_WORDS[route_type]
    for low, high, word in _EXTENDED_WORDS:
        if low <= route_type <= high:
            return word
    return "lijn"


def line_label(route_type: int, short_name: str) -> str:
    """``bus 45``, ``trein IC`` or just ``trein`` when the route has no short name."""
    word = vehicle_word(route_type)
    return f"{word} {short_name}".strip() if short_name else word


def headway_phrase(headway_minutes: float, *, single_in_window_minutes: float | None = None) -> str:
    """``elk uur``, ``elk half uur``, ``om de 20 min`` ...

    ``single_in_window_minutes`` is set when only one useful departure serves the whole
    window: then the true headway is longer than the window, and we say so (for windows
    of half an hour or more; a shorter window says nothing useful about frequency).
    """
    if single_in_window_minutes is not None:
        if single_in_window_minutes < 30:
            return ""
        if round(single_in_window_minutes) == 60:
            return "minder dan elk uur"
        return f"minder dan om de {round(single_in_window_minutes)} min"
    if not math.isfinite(headway_minutes):
        return ""
    named = {15: "elk kwartier", 30: "elk half uur", 60: "elk uur", 120: "om de 2 uur"}
    for minutes, phrase in named.items():
        if abs(headway_minutes - minutes) <= 0.1 * minutes:
            return phrase
    if headway_minutes >= 90:
        return f"om de {headway_minutes / 60:.1f} uur".replace(".", ",")
    return f"om de {round(headway_minutes)} min"


def journey_summary(lines: list[str], transfers: int, frequency: str) -> str:
    """``bus 45, elk uur``; ``bus 45 en trein IC, elk half uur``; ``bus 45 + 2 overstappen, ...``."""
    if transfers <= 0 or len(lines) == 1:
        ride = lines[0]
    elif transfers == 1:
        ride = f"{lines[0]} en {lines[-1]}"
    else:
        ride = f"{lines[0]} + {transfers} overstappen"
    return f"{ride}, {frequency}" if frequency else ride
