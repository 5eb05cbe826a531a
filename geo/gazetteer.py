"""Offline gazetteer: what a coach types -> a point, a municipality and a precision.

Postcodes ("8500"), villages and deelgemeenten ("Heule", "Tielen"), municipalities in
Dutch, French or their old names ("Courtrai", "Galmaarden" -> Pajottegem), typos
("Kortrjik", "Poperinghe") through rapidfuzz with a score cutoff, and raw coordinates.
Every Belgian name is known, so "Gent" is answered with "outside the four regions"
rather than "not found". Ambiguous input returns ranked candidates, never a guess.
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from rapidfuzz import fuzz, process

from geo.errors import AmbiguousLocation, InvalidCoordinates, LocationNotFound, OutsideRegions
from geo.places import Place, load_places
from geo.regions import RegionIndex, load_regions

#: Belgium (WGS84), generous: what "coordinates in Belgium" means for input checks
BELGIUM_BOUNDS = (2.5, 49.45, 6.45, 51.55)
FUZZY_CUTOFF = 82.0
#: candidates within this many points of the best are "equally good": ambiguous
AMBIGUITY_MARGIN = 3.0
MAX_QUERY_LENGTH = 200

_COORDINATES = re.compile(r"^\s*(-?\d{1,3}(?:[.,]\d+)?)\s*[,;\s]\s*(-?\d{1,3}(?:[.,]\d+)?)\s*$")
_POSTCODE = re.compile(r"\b(\d{4})\b")


class Precision(StrEnum):
    COORDINATES = "coordinates"
    ADDRESS = "address"
    PLACE = "place"
    POSTCODE = "postcode"
    MUNICIPALITY = "municipality"


@dataclass(frozen=True)
class GeocodeCandidate:
    label: str
    latitude: float
    longitude: float
    precision: Precision
    municipality_nis: str
    municipality_name: str
    postcode: str | None
    score: float

    def to_dict(self) -> dict:
        return {
            "label": self.label,
            "latitude": round(self.latitude, 6),
            "longitude": round(self.longitude, 6),
            "precision": self.precision.value,
            "municipality": {"nis": self.municipality_nis, "name": self.municipality_name},
            "postcode": self.postcode,
            "score": round(self.score, 1),
        }


@dataclass(frozen=True)
class _Entry:
    key: str  # normalised name
    inside: bool
    candidate: GeocodeCandidate | None  # None for names outside the regions


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", " ", text.lower())
    return re.sub(r"\s+", " ", text).strip()


class Gazetteer:
    def __init__(self, regions: RegionIndex, places: list[Place], outside_names: list[tuple[str, str]]) -> None:
        self.regions = regions
        self._outside_postcodes: set[str] = set()
        entries: list[_Entry] = []
        self._by_postcode: dict[str, list[GeocodeCandidate]] = {}
        main_place_of: dict[str, Place] = {}
        for place in places:
            municipality = regions.by_nis(place.municipality_nis)
            if normalise(place.name) == normalise(municipality.name_nl):
                main_place_of.setdefault(municipality.nis, place)
        for place in places:
            municipality = regions.by_nis(place.municipality_nis)
            candidate = GeocodeCandidate(
                label=f"{place.postcode} {place.name}", latitude=place.lat, longitude=place.lon,
                precision=Precision.PLACE, municipality_nis=municipality.nis, municipality_name=municipality.name_nl,
                postcode=place.postcode, score=100.0,
            )
            for name in {place.name, place.alias} - {""}:
                entries.append(_Entry(normalise(name), True, candidate))
            self._by_postcode.setdefault(place.postcode, []).append(candidate)
        for municipality in regions.municipalities:
            main = main_place_of.get(municipality.nis)
            if main is not None:
                lon, lat, postcode = main.lon, main.lat, main.postcode
            else:
                point = municipality.geometry.representative_point()
                lon, lat, postcode = point.x, point.y, None
            candidate = GeocodeCandidate(
                label=municipality.name_nl, latitude=lat, longitude=lon, precision=Precision.MUNICIPALITY,
                municipality_nis=municipality.nis, municipality_name=municipality.name_nl, postcode=postcode,
                score=100.0,
            )
            for name in {municipality.name_nl, municipality.name_fr, *municipality.merged_from}:
                entries.append(_Entry(normalise(name), True, candidate))
        inside_keys = {entry.key for entry in entries}
        for name, postcode in outside_names:
            key = normalise(name)
            if key and key not in inside_keys:
                entries.append(_Entry(key, False, None))
            if postcode and postcode not in self._by_postcode:
                self._outside_postcodes.add(postcode)
        self._entries = entries
        self._keys = [entry.key for entry in entries]

    @classmethod
    def from_geo_dir(cls, geo_dir: Path) -> Gazetteer:
        geo_dir = Path(geo_dir)
        regions = load_regions(geo_dir)
        places = load_places(geo_dir)
        outside: list[tuple[str, str]] = []
        all_places = geo_dir / "all_places.csv"
        if all_places.exists():
            with all_places.open(encoding="utf-8", newline="") as handle:
                outside += [(row["name"], row["postcode"]) for row in csv.DictReader(handle) if row["inside"] != "True"]
        statbel = geo_dir / "statbel_municipalities.json"
        if statbel.exists():
            inside_nis = {m.nis for m in regions.municipalities}
            for municipality in json.loads(statbel.read_text(encoding="utf-8")):
                if municipality["id"] not in inside_nis:
                    outside += [(municipality["name"]["nl"], ""), (municipality["name"]["fr"], "")]
        return cls(regions, places, outside)

    # ---- public API -------------------------------------------------------------------

    def search(self, query: str, *, limit: int = 5) -> list[GeocodeCandidate]:
        """Candidates for ``query``, best first. Raises a :class:`~geo.errors.GeoError`."""
        query = (query or "").strip()
        if not query:
            raise LocationNotFound("empty query")
        if len(query) > MAX_QUERY_LENGTH:
            raise LocationNotFound(f"query longer than {MAX_QUERY_LENGTH} characters")
        coordinates = _COORDINATES.match(query)
        if coordinates:
            first, second = (float(part.replace(",", ".")) for part in coordinates.groups())
            lon, lat = _order_lon_lat(first, second)
            return [self.reverse(lon, lat)]
        postcode_match = _POSTCODE.search(query)
        text = query
        if "," in query and postcode_match is None:
            # "Kerkstraat 5, Kortrijk": no street data offline; resolve the place part.
            text = query.rsplit(",", 1)[1]
        if postcode_match:
            return self._by_postcode_and_name(postcode_match.group(1), query, limit=limit)
        return self._by_name(text, limit=limit, had_street="," in query)

    def resolve(self, query: str) -> GeocodeCandidate:
        """The single best candidate, or :class:`AmbiguousLocation` when several are as good."""
        candidates = self.search(query, limit=5)
        best = candidates[0]
        rivals = [
            c for c in candidates[1:]
            if best.score - c.score <= AMBIGUITY_MARGIN and c.municipality_nis != best.municipality_nis
        ]
        if rivals:
            raise AmbiguousLocation(f"{query!r} matches several places", [best, *rivals])
        return best

    def reverse(self, lon: float, lat: float) -> GeocodeCandidate:
        west, south, east, north = BELGIUM_BOUNDS
        if not (-180 <= lon <= 180 and -90 <= lat <= 90) or not (west <= lon <= east and south <= lat <= north):
            raise InvalidCoordinates(f"coordinates ({lat}, {lon}) are not in Belgium")
        municipality = self.regions.locate(lon, lat)
        if municipality is None:
            raise OutsideRegions(f"({lat:.5f}, {lon:.5f}) lies outside the four regions")
        return GeocodeCandidate(
            label=f"{lat:.5f}, {lon:.5f} ({municipality.name_nl})", latitude=lat, longitude=lon,
            precision=Precision.COORDINATES, municipality_nis=municipality.nis,
            municipality_name=municipality.name_nl, postcode=None, score=100.0,
        )

    # ---- internals --------------------------------------------------------------------

    def _by_postcode_and_name(self, postcode: str, query: str, *, limit: int) -> list[GeocodeCandidate]:
        places = self._by_postcode.get(postcode)
        if not places:
            if postcode in self._outside_postcodes:
                raise OutsideRegions(f"postcode {postcode} lies outside the four regions")
            raise LocationNotFound(f"unknown postcode {postcode}")
        name = normalise(_POSTCODE.sub(" ", query.rsplit(",", 1)[-1]))
        if name:
            scored = sorted(
                ((fuzz.ratio(name, normalise(c.label.split(" ", 1)[1])), c) for c in places),
                key=lambda pair: -pair[0],
            )
            best_score, best = scored[0]
            municipality_score = max(fuzz.ratio(name, normalise(c.municipality_name)) for c in places)
            if best_score >= FUZZY_CUTOFF and best_score >= municipality_score:
                suffix = " (straat niet gekend)" if "," in query else ""
                return [_with(best, score=best_score, label=best.label + suffix)] + [
                    _with(c, score=s) for s, c in scored[1:limit]
                ]
        # the postcode itself: its main place (the one named like the municipality) first
        ordered = sorted(places, key=lambda c: (normalise(c.label.split(" ", 1)[1]) != normalise(c.municipality_name), c.label))
        main = ordered[0]
        label = f"{postcode} {main.municipality_name}"
        if "," in query:
            label += " (straat niet gekend, op postcode)"
        return [_with(main, precision=Precision.POSTCODE, label=label, score=100.0)] + [
            _with(c, score=90.0) for c in ordered[1:limit]
        ]

    def _by_name(self, text: str, *, limit: int, had_street: bool) -> list[GeocodeCandidate]:
        key = normalise(text)
        if not key:
            raise LocationNotFound("nothing to look up")
        exact = [entry for entry in self._entries if entry.key == key]
        if exact:
            inside = [entry.candidate for entry in exact if entry.inside]
            if not inside:
                raise OutsideRegions(f"{text.strip()!r} lies outside the four regions")
            return _dedupe(inside, limit, had_street)
        matches = process.extract(key, self._keys, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=40)
        if not matches:
            raise LocationNotFound(f"no place like {text.strip()!r} in the four regions")
        best_score = matches[0][1]
        best_entries = [self._entries[index] for _key, score, index in matches if score >= best_score - 0.01]
        if not any(entry.inside for entry in best_entries):
            raise OutsideRegions(f"{text.strip()!r} looks like a place outside the four regions")
        candidates = [
            _with(self._entries[index].candidate, score=score)
            for _key, score, index in matches if self._entries[index].inside
        ]
        return _dedupe(candidates, limit, had_street)


def _with(candidate: GeocodeCandidate, **changes) -> GeocodeCandidate:
    values = {**candidate.__dict__, **changes}
    return GeocodeCandidate(**values)


def _dedupe(candidates: list[GeocodeCandidate], limit: int, had_street: bool) -> list[GeocodeCandidate]:
    seen, unique = set(), []
    # municipalities before places of the same name and score
    order = {Precision.MUNICIPALITY: 0, Precision.PLACE: 1, Precision.POSTCODE: 2}
    for candidate in sorted(candidates, key=lambda c: (-c.score, order.get(c.precision, 3), c.label)):
        identity = (candidate.municipality_nis, round(candidate.latitude, 4), round(candidate.longitude, 4))
        if identity in seen:
            continue
        seen.add(identity)
        if had_street:
            candidate = _with(candidate, label=candidate.label + " (straat niet gekend)")
        unique.append(candidate)
    return unique[:limit]


def _order_lon_lat(first: float, second: float) -> tuple[float, float]:
    """Belgium makes the order unambiguous: latitudes 49.4-51.6, longitudes 2.5-6.5."""
    if 49.0 <= first <= 52.0 and 2.0 <= second <= 7.0:
        return second, first
    if 49.0 <= second <= 52.0 and 2.0 <= first <= 7.0:
        return first, second
    raise InvalidCoordinates(f"({first}, {second}) are not coordinates in Belgium")
