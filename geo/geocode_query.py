"""What was typed, taken apart for :class:`geo.gazetteer.Gazetteer`.

The text is checked and cleaned, recognised as two coordinates, or split into a postcode, a
place and the rest (a street, a house number, the country) that does not locate by itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from geo.errors import InvalidCoordinates, InvalidQuery, LocationNotFound
from geo.text import normalise_name

#: Belgium (WGS84, west, south, east, north), what "coordinates in Belgium" means
BELGIUM_BOUNDS = (2.5, 49.4, 6.5, 51.6)
MAX_QUERY_LENGTH = 200
#: the note of a label whose street or house number could not be placed
STREET_UNKNOWN = "straat niet gekend"

_NUMBER = r"-?\d{1,3}(?:[.,]\d+)?"
_COORDINATES = re.compile(rf"^\s*({_NUMBER})\s*(?:[,;/]\s*|\s+)({_NUMBER})\s*$")
_HEMISPHERE = re.compile(r"(?<=\d)\s*°?\s*[NnEeOo]\b|°")
#: a Belgian postcode: four digits, not part of a longer number or a decimal
_POSTCODE = re.compile(r"(?<![\d.,])(\d{4})(?![\d]|[.,]\d)")
#: a house number (5, 12a, 7/2, 14 bus 3) or a number too short to be a postcode
_HOUSE_NUMBER = re.compile(r"\b\d{1,4}[a-zA-Z]?(?:\s*(?:/|bus|bte|boîte)\s*\w+)?\b")
_COUNTRY = {"belgie", "belgium", "belgique", "belgien", "be"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class ParsedQuery:
    """What :func:`parse_query` found in the text."""

    postcode: str | None
    place: str
    ignored: str  # a street, house number or other words not used to locate


def clean_query(query: object) -> str:
    """The text without control characters and outer spaces.

    Raises
    ------
    InvalidQuery
        Not text, or longer than :data:`MAX_QUERY_LENGTH`.
    LocationNotFound
        Nothing left to look up.
    """
    if not isinstance(query, str):
        msg = f"the query must be text, not {type(query).__name__}"
        raise InvalidQuery(msg)
    if len(query) > MAX_QUERY_LENGTH:
        msg = f"the query is {len(query)} characters long; at most {MAX_QUERY_LENGTH} are accepted"
        raise InvalidQuery(msg, message_nl=f"Dit is te lang (meer dan {MAX_QUERY_LENGTH} tekens). "
                                           "Geef een postcode, een dorp of een gemeente.")
    text = _CONTROL.sub(" ", query).strip()
    if not text:
        msg = "empty query"
        raise LocationNotFound(msg, message_nl="Geef een postcode, een dorp of een gemeente.")
    return text


def coordinates_in(text: str) -> tuple[float, float] | None:
    """``(lon, lat)`` when the text is two numbers ("50.79, 3.12", "3.12 50.79", "50.79° N 3.12° E"),
    else None.

    Raises
    ------
    InvalidCoordinates
        Two numbers that are not a point in Belgium.
    """
    coordinates = _COORDINATES.match(_HEMISPHERE.sub(" ", text))
    if not coordinates:
        return None
    first, second = (float(number.replace(",", ".")) for number in coordinates.groups())
    return _lon_lat_in_belgium(first, second)


def parse_query(text: str) -> ParsedQuery:
    """Split typed text into postcode, place and the rest (street, house number, country)."""
    segments = [segment.strip() for segment in re.split(r"[,;\n]", text) if segment.strip()]
    segments = [segment for segment in segments if normalise_name(segment) not in _COUNTRY] or segments
    postcode_at = next(
        ((i, match) for i in reversed(range(len(segments))) for match in [_POSTCODE.search(segments[i])] if match),
        None,
    )
    if postcode_at is not None:
        index, match = postcode_at
        segment = segments[index]
        after, before = segment[match.end():].strip(), segment[:match.start()].strip()
        if after:
            place, rest_of_segment = _split_house_number(after)
            ignored = [*segments[:index], before, rest_of_segment]
        elif before and not _HOUSE_NUMBER.search(before):
            place, ignored = before, list(segments[:index])  # "Kortrijk 8500"
        else:
            place, ignored = "", [*segments[:index], before]
        ignored += segments[index + 1:]
        return ParsedQuery(match.group(1), place, " ".join(part for part in ignored if part))
    place, street = _split_house_number(segments[-1]) if segments else ("", "")
    return ParsedQuery(None, place, " ".join(part for part in [*segments[:-1], street] if part))


def _split_house_number(segment: str) -> tuple[str, str]:
    """``"Kerkstraat 5 Kortrijk"`` -> ``("Kortrijk", "Kerkstraat 5")``; no number: all is place."""
    numbers = list(_HOUSE_NUMBER.finditer(segment))
    if not numbers:
        return segment, ""
    last = numbers[-1]
    return segment[last.end():].strip(" -"), segment[:last.end()].strip()


_STREET_WORDS = re.compile(
    r"(straat|laan|weg|plein|dreef|lei|kaai|markt|baan|dijk|pad|wegel|hof|singel|gracht|vest|park|steeg|"
    r"\brue\b|\bavenue\b|\bchaussee\b|\bplace\b|\bboulevard\b|\bquai\b|\d)",
)


def street_note(ignored: str) -> str:
    """The label note for a query with a street or house number we cannot locate."""
    if ignored and _STREET_WORDS.search(normalise_name(ignored) + (" 1" if re.search(r"\d", ignored) else "")):
        return STREET_UNKNOWN
    return ""


def split_street_number(text: str) -> tuple[str, str]:
    """``"Stationsstraat 12"`` -> ``("Stationsstraat", "12")``; a street without number keeps ``""``."""
    numbers = list(_HOUSE_NUMBER.finditer(text))
    if not numbers:
        return text.strip(), ""
    number = numbers[-1]
    street = (text[:number.start()] + " " + text[number.end():]).strip(" ,-")
    return street, " ".join(number.group(0).split())


def _lon_lat_in_belgium(first: float, second: float) -> tuple[float, float]:
    """Order two numbers as (lon, lat): in Belgium the ranges cannot be confused."""
    west, south, east, north = BELGIUM_BOUNDS
    if south <= first <= north and west <= second <= east:
        return second, first
    if south <= second <= north and west <= first <= east:
        return first, second
    msg = f"{first}, {second} is not a latitude/longitude pair in Belgium"
    raise InvalidCoordinates(msg)
