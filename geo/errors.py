"""Geo errors: a stable ``code``, an English message for logs/API, a Dutch one for the UI."""

from __future__ import annotations


class GeoError(ValueError):
    code = "geo_error"
    message_nl = "Deze plaats kunnen we niet vinden."

    def __init__(self, message: str, *, message_nl: str | None = None) -> None:
        super().__init__(message)
        if message_nl:
            self.message_nl = message_nl


class LocationNotFound(GeoError):
    code = "location_not_found"
    message_nl = "We vinden deze plaats niet. Probeer een postcode of de naam van de gemeente."


class OutsideRegions(GeoError):
    code = "outside_regions"
    message_nl = "Deze plaats ligt buiten de vier regio's van de partnerschappen."


class InvalidCoordinates(GeoError):
    code = "invalid_coordinates"
    message_nl = "Deze coördinaten zijn ongeldig of liggen niet in België."


class AmbiguousLocation(GeoError):
    code = "ambiguous_location"
    message_nl = "Deze naam past bij meerdere plaatsen. Kies de juiste of geef de postcode."

    def __init__(self, message: str, candidates: list) -> None:
        super().__init__(message)
        self.candidates = candidates
