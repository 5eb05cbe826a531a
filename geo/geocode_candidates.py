"""The gazetteer's answers: a labelled point with its precision and score, and how answers are
told apart (:func:`candidate_identity`) and ranked (:func:`ranked`)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum


class Precision(StrEnum):
    """How precisely a candidate's point stands for where the person or service is."""

    COORDINATES = "coordinates"
    ADDRESS = "address"
    STREET = "street"
    PLACE = "place"
    POSTCODE = "postcode"
    MUNICIPALITY = "municipality"


@dataclass(frozen=True)
class GeocodeCandidate:
    """One answer: a labelled WGS84 point in a municipality, with precision and score (0-100)."""

    label: str
    latitude: float
    longitude: float
    precision: Precision
    municipality_nis: str
    municipality_name: str
    postcode: str | None
    score: float
    #: what the point does not say (e.g. a house number that was not placed), in Dutch
    note: str | None = None

    def to_dict(self) -> dict:
        """The JSON shape of the geocode API."""
        return {
            "label": self.label,
            "latitude": round(self.latitude, 6),
            "longitude": round(self.longitude, 6),
            "precision": self.precision.value,
            "municipality": {"nis": self.municipality_nis, "name": self.municipality_name},
            "postcode": self.postcode,
            "score": round(self.score, 1),
            "note": self.note,
        }


def candidate_identity(candidate: GeocodeCandidate) -> tuple:
    """What makes two candidates different answers: their municipality; for streets also the village."""
    if candidate.precision is Precision.STREET:
        return (candidate.municipality_nis, candidate.postcode, round(candidate.latitude, 4),
                round(candidate.longitude, 4))
    return (candidate.municipality_nis,)


def with_note(candidate: GeocodeCandidate, note: str) -> GeocodeCandidate:
    return replace(candidate, label=f"{candidate.label} ({note})") if note else candidate


def ranked(candidates: list[GeocodeCandidate]) -> list[GeocodeCandidate]:
    """Best score first (stable, so the callers' order breaks ties); one per point and precision."""
    seen: set[tuple] = set()
    unique = []
    for candidate in sorted(candidates, key=lambda c: -c.score):
        identity = (candidate.municipality_nis, round(candidate.latitude, 5), round(candidate.longitude, 5))
        if identity in seen:
            continue
        seen.add(identity)
        unique.append(candidate)
    return unique
