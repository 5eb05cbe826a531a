"""Errors of the geo package.

Each error has a stable ``code`` (for the API's JSON), an English ``str()`` (for logs and
developers) and a plain-Dutch ``message_nl`` (for the people using the UI). The web layer
maps them to HTTP statuses in one place; nothing here knows about HTTP.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from geo.geocode_candidates import GeocodeCandidate


class GeoError(ValueError):
    """Base class: a location that cannot be used."""

    code = "geo_error"
    message_nl = "Deze plaats kunnen we niet gebruiken."

    def __init__(self, message: str, *, message_nl: str | None = None) -> None:
        super().__init__(message)
        if message_nl:
            self.message_nl = message_nl


class LocationNotFound(GeoError):
    """Nothing in the gazetteer looks like the query."""

    code = "location_not_found"
    message_nl = "We vinden deze plaats niet. Probeer een postcode of de naam van de gemeente of het dorp."


class InvalidQuery(GeoError):
    """The query cannot be a location at all (too long, control characters)."""

    code = "invalid_query"
    message_nl = "Dit is te lang of bevat vreemde tekens. Geef een postcode, een dorp of een gemeente."


class OutsideRegions(GeoError):
    """A real place or point, but not in one of the 44 municipalities of the partnerships."""

    code = "outside_regions"
    message_nl = "Deze plaats ligt buiten de vier regio's van de partnerschappen."


class InvalidCoordinates(GeoError):
    """Numbers that are not a latitude/longitude pair in Belgium."""

    code = "invalid_coordinates"
    message_nl = "Deze coördinaten zijn ongeldig of liggen niet in België. Geef ze als breedtegraad, lengtegraad."


class AmbiguousLocation(GeoError):
    """Several places fit the query about equally well; ``candidates`` holds them, best first."""

    code = "ambiguous_location"
    message_nl = "Deze naam past bij meerdere plaatsen. Kies de juiste of geef de postcode erbij."

    def __init__(
        self, message: str, candidates: Sequence[GeocodeCandidate], *, message_nl: str | None = None
    ) -> None:
        super().__init__(message, message_nl=message_nl)
        self.candidates = list(candidates)


class DataPreparationError(RuntimeError):
    """A reference file could not be obtained, or does not match its pinned SHA-256."""

    code = "data_preparation_failed"


class SourceUnavailable(DataPreparationError):
    """A reference file is in no shared folder and cannot be downloaded (no internet)."""

    code = "source_unavailable"

    def __init__(self, path: str, shared_dir: object) -> None:
        self.path = path
        msg = (f"{path} is missing: there is no reference data folder at {shared_dir} and it could not be "
               "downloaded (no internet?); either place the shared reference data there (or point SK_SHARED_DATA_DIR "
               "at it), or run `sk data` once with internet access")
        super().__init__(msg)
