"""Offline gazetteer: what a coach types -> a point, a municipality and a precision.

Understood input:

- a postcode ("8500"), with or without a place ("8510 Marke", "8500 Kortrijk");
- a village, deelgemeente or town ("Marke", "Heule", "Tielen"), a municipality in Dutch or
  French ("Kortrijk", "Courtrai"), a former municipality ("Galmaarden" -> Pajottegem), a
  place with its municipality ("Marke Kortrijk", "Heule (Kortrijk)");
- typos and old spellings ("Kortrjik", "Poperinghe", "Kortryk"), through rapidfuzz with a
  score cutoff, on the plain name and on a Dutch sound-alike key (ij = ei = y, gh = g ...);
- a street with its place ("Kortrijksestraat Wevelgem", "Kerkstraat 5, 8500 Kortrijk"): with a
  street index (:mod:`geo.streets`, from the OpenStreetMap road names) the home is placed on
  its street (precision ``street``); a house number stays in the label, which says it was not
  placed (no address register offline); the same street in several villages of a
  municipality gives one candidate per village. Without the index, or for a street it does
  not know, the postcode/place part is resolved and the label says the street is not known;
- coordinates, latitude and longitude in either order ("50.79, 3.12", "3.12 50.79"):
  in Belgium latitudes (49.4-51.6) and longitudes (2.5-6.5) cannot be mistaken.

Every Belgian place, municipality and postcode is known, so "Gent" or "9000" is answered
with :class:`~geo.errors.OutsideRegions` rather than "not found". A name that exists both
inside and outside the regions (Oostkerke: Diksmuide and Damme) answers the one inside,
labelled with its municipality. Ambiguous input (near-equal candidates in different
municipalities) gives ranked candidates from :meth:`Gazetteer.search` and
:class:`~geo.errors.AmbiguousLocation` from :meth:`Gazetteer.resolve`, never a guess.
"""

from __future__ import annotations

import csv
import math
import re
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

from geo.errors import (
    AmbiguousLocation,
    GeoError,
    InvalidCoordinates,
    LocationNotFound,
    OutsideRegions,
)
from geo.geocode_candidates import GeocodeCandidate, Precision, candidate_identity, ranked, with_note
from geo.geocode_query import (
    BELGIUM_BOUNDS,
    ParsedQuery,
    clean_query,
    coordinates_in,
    parse_query,
    split_street_number,
    street_note,
)
from geo.places import POSITION_POSTCODE, Place, load_places, municipality_names, postcode_main_places
from geo.regions import Municipality, RegionIndex, load_regions
from geo.streets import StreetIndex
from geo.text import normalise_name

#: rapidfuzz ratio (0-100) below which a name is not considered at all
FUZZY_CUTOFF = 80.0
#: a sound-alike match (Poperinghe ~ Poperinge) scores this fraction of its ratio, so it
#: never ties with the exact name
SOUND_ALIKE_WEIGHT = 0.95
#: candidates within this many points of the best, in another municipality, make the
#: query ambiguous for :meth:`Gazetteer.resolve`
AMBIGUITY_MARGIN = 5.0
#: the score of a name found after ignoring part of the query (a street, a word we do not know)
PARTIAL_MATCH_SCORE = 90.0
#: the score of the other villages listed after a postcode
POSTCODE_VILLAGE_SCORE = 90.0
#: at most this many village names in a postcode's label
LABEL_VILLAGES = 4



@dataclass(frozen=True)
class _Entry:
    """One indexed name. ``candidate`` is None for names outside the regions."""

    key: str
    candidate: GeocodeCandidate | None
    #: tie-break among equal scores: municipality names, then places, then former names
    rank: int
    #: for place-with-municipality queries: the entry is a place (not a municipality name)
    is_place: bool = False


def sound_alike_key(key: str) -> str:
    """A Dutch sound-alike key of a normalised name: ``poperinghe`` and ``poperinge`` agree.

    Folds ij/ei/y, gh/g, ck/c/k, ae/aa, ph/f, th/t, dt/t, uy/ui and doubled letters;
    only used for fuzzy matching, never shown.
    """
    for old, new in (("ij", "y"), ("ei", "y"), ("gh", "g"), ("ck", "k"), ("ph", "f"), ("th", "t"), ("dt", "t"),
                     ("uy", "ui"), ("ae", "a"), ("c", "k")):
        key = key.replace(old, new)
    return re.sub(r"(\w)\1+", r"\1", key)


class Gazetteer:
    """Resolves typed locations inside the 44 municipalities; knows every Belgian name.

    Parameters
    ----------
    regions
        The 44 municipalities.
    places
        Their place points (``places.csv``).
    outside_names
        ``(kind, name, postcode)`` for every Belgian place, municipality and postcode
        outside the regions (``outside_names.csv``); kind is place, municipality or postcode.
    """

    def __init__(
        self, regions: RegionIndex, places: list[Place], outside_names: list[tuple[str, str, str]],
        *, streets: StreetIndex | None = None,
    ) -> None:
        self.regions = regions
        self.streets = streets
        self.places = list(places)
        self._names_by_nis = municipality_names(regions)
        self._main_places = postcode_main_places(self.places, self._names_by_nis)
        entries: list[_Entry] = []
        for municipality in regions.municipalities:
            entries += self._municipality_entries(municipality)
        for place in self.places:
            entries += self._place_entries(place)
        self._places_by_postcode: dict[str, list[Place]] = defaultdict(list)
        for place in self.places:
            self._places_by_postcode[place.postcode].append(place)
        inside_keys = {entry.key for entry in entries}
        self._outside_postcodes: set[str] = set()
        outside_keys: set[str] = set()
        for kind, name, postcode in outside_names:
            if postcode and postcode not in self._places_by_postcode:
                self._outside_postcodes.add(postcode)
            key = normalise_name(name)
            if kind != "postcode" and key and key not in inside_keys and key not in outside_keys:
                outside_keys.add(key)
                entries.append(_Entry(key, None, rank=9))
        self._by_key: dict[str, list[_Entry]] = defaultdict(list)
        for entry in entries:
            self._by_key[entry.key].append(entry)
        self._keys = list(self._by_key)
        self._sound_alike_keys = [sound_alike_key(key) for key in self._keys]
        self._place_lon = np.array([place.lon for place in self.places])
        self._place_lat = np.array([place.lat for place in self.places])

    @classmethod
    def from_geo_dir(cls, geo_dir: Path, *, streets: bool = True) -> Gazetteer:
        """Build from the prepared ``data/geo`` (about 0.1 s; with its street index when
        ``streets`` and ``streets.csv`` is there)."""
        geo_dir = Path(geo_dir)
        with (geo_dir / "outside_names.csv").open(encoding="utf-8", newline="") as handle:
            outside = [(row["kind"], row["name"], row["postcode"]) for row in csv.DictReader(handle)]
        street_index = StreetIndex.from_geo_dir(geo_dir) if streets else None
        return cls(load_regions(geo_dir), load_places(geo_dir), outside, streets=street_index)

    # ---- public API -------------------------------------------------------------------

    def search(self, query: str, *, limit: int = 5) -> list[GeocodeCandidate]:
        """Candidates for what was typed, best first (at most ``limit``).

        Raises
        ------
        InvalidQuery
            Not text, longer than :data:`geo.geocode_query.MAX_QUERY_LENGTH`.
        LocationNotFound
            Empty, or nothing looks like it.
        OutsideRegions
            A known Belgian place, postcode or point outside the 44 municipalities.
        InvalidCoordinates
            Two numbers that are not a point in Belgium.
        """
        if limit < 1:
            msg = f"limit must be at least 1, not {limit}"
            raise ValueError(msg)
        text = clean_query(query)
        point = coordinates_in(text)
        if point is not None:
            return [self.reverse(*point)]
        parsed = parse_query(text)
        on_street = self._search_street(parsed) if self.streets is not None else []
        if on_street:
            return ranked(on_street)[:limit]
        if parsed.postcode is not None:
            candidates = self._search_postcode(parsed)
        else:
            candidates = self._search_name(parsed.place, ignored=parsed.ignored)
        return ranked(candidates)[:limit]

    def resolve(self, query: str) -> GeocodeCandidate:
        """The single best candidate.

        Raises
        ------
        AmbiguousLocation
            When candidates in different municipalities score within
            :data:`AMBIGUITY_MARGIN` of the best; ``candidates`` holds them, best first.
        LocationNotFound, OutsideRegions, InvalidCoordinates, InvalidQuery
            As :meth:`search`.
        """
        candidates = self.search(query, limit=10)
        best = candidates[0]
        close = [candidate for candidate in candidates if best.score - candidate.score <= AMBIGUITY_MARGIN]
        if len({candidate_identity(candidate) for candidate in close}) > 1:
            names = ", ".join(candidate.label for candidate in close)
            msg = f"{_quote(query)} fits several places: {names}"
            raise AmbiguousLocation(msg, close)
        return best

    def reverse(self, lon: float, lat: float) -> GeocodeCandidate:
        """The municipality of a point, as a candidate with precision ``coordinates``.

        Raises
        ------
        InvalidCoordinates
            Not finite, or not in Belgium.
        OutsideRegions
            In Belgium (or its bounding box) but not in the 44 municipalities.
        """
        try:
            lon, lat = float(lon), float(lat)
        except (TypeError, ValueError):
            msg = f"coordinates must be numbers, not {lon!r}, {lat!r}"
            raise InvalidCoordinates(msg) from None
        west, south, east, north = BELGIUM_BOUNDS
        if not (math.isfinite(lon) and math.isfinite(lat) and west <= lon <= east and south <= lat <= north):
            msg = f"latitude {lat}, longitude {lon} is not in Belgium"
            raise InvalidCoordinates(msg)
        municipality = self.regions.locate(lon, lat)
        if municipality is None:
            msg = f"latitude {lat:.5f}, longitude {lon:.5f} lies outside the four regions"
            raise OutsideRegions(msg, message_nl="Dit punt ligt buiten de vier regio's van de partnerschappen.")
        nearby = self._nearest_place(lon, lat, municipality.nis)
        near = f", bij {nearby.name}" if nearby is not None and nearby.name != municipality.name_nl else ""
        return GeocodeCandidate(
            label=f"{lat:.5f}, {lon:.5f} ({municipality.name_nl}{near})",
            latitude=lat, longitude=lon, precision=Precision.COORDINATES,
            municipality_nis=municipality.nis, municipality_name=municipality.name_nl, postcode=None, score=100.0,
        )

    # ---- index ------------------------------------------------------------------------

    def _municipality_entries(self, municipality: Municipality) -> list[_Entry]:
        main = next(
            (
                place for (postcode, nis), place in sorted(self._main_places.items())
                if nis == municipality.nis and normalise_name(place.name) == normalise_name(municipality.name_nl)
            ),
            None,
        )
        if main is not None:
            lon, lat, postcode = main.lon, main.lat, main.postcode
        else:  # Pajottegem: no place of that name; a point guaranteed inside
            point = municipality.geometry.representative_point()
            lon, lat, postcode = point.x, point.y, None
        base = GeocodeCandidate(
            label=municipality.name_nl, latitude=lat, longitude=lon, precision=Precision.MUNICIPALITY,
            municipality_nis=municipality.nis, municipality_name=municipality.name_nl, postcode=postcode, score=100.0,
        )
        entries = [_Entry(normalise_name(municipality.name_nl), base, rank=0)]
        if normalise_name(municipality.name_fr) != normalise_name(municipality.name_nl):
            french = replace(base, label=f"{municipality.name_nl} ({municipality.name_fr})")
            entries.append(_Entry(normalise_name(municipality.name_fr), french, rank=0))
        for former in municipality.merged_from:
            labelled = replace(base, label=f"{municipality.name_nl} (vroeger {former})")
            entries.append(_Entry(normalise_name(former), labelled, rank=2))
        return entries

    def _place_entries(self, place: Place) -> list[_Entry]:
        candidate = self._place_candidate(place)
        entries = [_Entry(normalise_name(place.name), candidate, rank=1, is_place=True)]
        if place.source_name and normalise_name(place.source_name) != normalise_name(place.name):
            both_names = f"{place.name} / {place.source_name}"
            labelled = replace(candidate, label=candidate.label.replace(place.name, both_names, 1))
            entries.append(_Entry(normalise_name(place.source_name), labelled, rank=1, is_place=True))
        return entries

    def _place_candidate(self, place: Place) -> GeocodeCandidate:
        municipality = self.regions.by_nis(place.municipality_nis)
        label = f"{place.postcode} {place.name}"
        if place.position == POSITION_POSTCODE:
            # the source's point for this village is wrong: say we only know its postcode
            label += f" ({municipality.name_nl}, punt van de postcode)"
            precision = Precision.POSTCODE
        else:
            if normalise_name(place.name) != normalise_name(municipality.name_nl):
                label += f" ({municipality.name_nl})"
            precision = Precision.PLACE
        return GeocodeCandidate(
            label=label, latitude=place.lat, longitude=place.lon, precision=precision,
            municipality_nis=municipality.nis, municipality_name=municipality.name_nl, postcode=place.postcode,
            score=100.0,
        )

    def _postcode_candidates(self, postcode: str) -> list[GeocodeCandidate]:
        """The postcode's main point per municipality (precision postcode), then its villages."""
        places = self._places_by_postcode[postcode]
        candidates = []
        for nis in sorted({place.municipality_nis for place in places}):
            municipality = self.regions.by_nis(nis)
            main = self._main_places[(postcode, nis)]
            villages = sorted({place.name for place in places if place.municipality_nis == nis})
            label = f"{postcode} {municipality.name_nl}"
            if villages != [municipality.name_nl]:
                shown = ", ".join(villages[:LABEL_VILLAGES]) + (", …" if len(villages) > LABEL_VILLAGES else "")
                label += f" ({shown})"
            candidates.append(GeocodeCandidate(
                label=label, latitude=main.lat, longitude=main.lon, precision=Precision.POSTCODE,
                municipality_nis=nis, municipality_name=municipality.name_nl, postcode=postcode, score=100.0,
            ))
        villages = [
            replace(self._place_candidate(place), score=POSTCODE_VILLAGE_SCORE)
            for place in sorted(places, key=lambda place: place.name)
            if place.position != POSITION_POSTCODE
        ]
        return candidates + villages

    # ---- lookups ----------------------------------------------------------------------

    def _search_street(self, parsed: ParsedQuery) -> list[GeocodeCandidate]:
        """The home on its street, or [] when the query names no street the index knows there."""
        street_text, area = self._street_and_area(parsed)
        street_name, house_number = split_street_number(street_text)
        if not normalise_name(street_name):
            return []
        try:
            areas = self._search_postcode(area) if area.postcode else self._search_name(area.place, ignored="")
        except GeoError:
            return []  # the ordinary search says what is wrong with the place
        best_area = max(candidate.score for candidate in areas)
        close = [candidate for candidate in areas if best_area - candidate.score <= AMBIGUITY_MARGIN]
        matches = self.streets.lookup(street_name, [candidate.municipality_nis for candidate in close])
        if not matches:
            return []
        note = (f"huisnummer {house_number} niet geplaatst: het punt ligt op de straat (zonder adressenregister)"
                if house_number else None)
        found = []
        for score, street in matches:
            municipality = self.regions.by_nis(street.municipality_nis)
            score = min(score, best_area)
            if area.postcode and street.postcode != area.postcode:
                score -= AMBIGUITY_MARGIN + 1  # the postcode typed points to another village
            village = "" if normalise_name(street.place) == normalise_name(municipality.name_nl) else f" ({municipality.name_nl})"
            number = f" {house_number}" if house_number else ""
            found.append(GeocodeCandidate(
                label=f"{street.name}{number}, {street.postcode} {street.place}{village}"
                      + (" (huisnummer niet geplaatst)" if house_number else ""),
                latitude=street.lat, longitude=street.lon, precision=Precision.STREET,
                municipality_nis=municipality.nis, municipality_name=municipality.name_nl, postcode=street.postcode,
                score=score, note=note,
            ))
        best_street = max(candidate.score for candidate in found)
        # the place itself stays on offer: equal when the street name was only a near match
        # (so resolve() asks), below the street when the name matched exactly
        place_score = best_street if best_street < 100 - AMBIGUITY_MARGIN else best_street - AMBIGUITY_MARGIN - 1
        return found + [replace(c, score=min(c.score, place_score)) for c in close]

    def _street_and_area(self, parsed: ParsedQuery) -> tuple[str, ParsedQuery]:
        """``("Kerkstraat 5", the place part)``; no street part: ``("", parsed)``."""
        if parsed.ignored and street_note(parsed.ignored):
            return parsed.ignored, ParsedQuery(parsed.postcode, parsed.place, "")
        words = parsed.place.split()
        key = normalise_name(parsed.place)
        if parsed.postcode is not None or len(words) < 2 or self._by_key.get(key) or self._place_with_municipality(key):
            return "", parsed
        # "Kortrijksestraat Wevelgem": a known place at the end, the street before it
        for split in range(1, len(words)):
            tail = " ".join(words[split:])
            tail_key = normalise_name(tail)
            known = any(entry.candidate is not None for entry in self._by_key.get(tail_key, []))
            if known or self._place_with_municipality(tail_key):
                return " ".join(words[:split]), ParsedQuery(None, tail, "")
        return "", parsed

    def _search_postcode(self, parsed: ParsedQuery) -> list[GeocodeCandidate]:
        postcode, place_text = parsed.postcode or "", parsed.place
        street = street_note(parsed.ignored)
        if postcode not in self._places_by_postcode:
            return self._search_postcode_elsewhere(postcode, place_text, ignored=parsed.ignored)
        postcode_candidates = self._postcode_candidates(postcode)
        if not place_text:
            return [with_note(c, street) for c in postcode_candidates]
        key = normalise_name(place_text)
        # a village of this postcode, by its Dutch or its source (French) name
        village_score, village = max(
            ((max(_similarity(key, normalise_name(name)) for name in (place.name, place.source_name) if name), place)
             for place in self._places_by_postcode[postcode]),
            key=lambda pair: pair[0],
        )
        municipality_score = max(
            _similarity(key, normalise_name(name))
            for nis in {place.municipality_nis for place in self._places_by_postcode[postcode]}
            for name in self._names_by_nis[nis]
        )
        if village_score >= FUZZY_CUTOFF and village_score >= municipality_score:
            found = replace(self._place_candidate(village), score=village_score)
            return [with_note(c, street) for c in [found, *postcode_candidates]]
        if municipality_score >= FUZZY_CUTOFF:  # "8510 Kortrijk": the postcode, confirmed by its municipality
            return [
                with_note(replace(c, score=municipality_score) if c.precision is Precision.POSTCODE else c, street)
                for c in postcode_candidates
            ]
        # The name is not of this postcode ("8500 Ieper"): offer both readings, equally scored,
        # so resolve() asks a person instead of choosing.
        try:
            elsewhere = self._search_name(place_text, ignored="")
        except (LocationNotFound, OutsideRegions):
            elsewhere = []
        postcode_points = [
            replace(c, score=PARTIAL_MATCH_SCORE) for c in postcode_candidates if c.precision is Precision.POSTCODE
        ]
        if elsewhere:
            return postcode_points + [replace(c, score=min(c.score, PARTIAL_MATCH_SCORE)) for c in elsewhere]
        note = street or f"{place_text.strip()} niet herkend"
        return [with_note(c, note) for c in postcode_points]

    def _search_postcode_elsewhere(self, postcode: str, place_text: str, *, ignored: str) -> list[GeocodeCandidate]:
        """A postcode that is not ours: outside, unknown, or contradicted by a name of ours."""
        if place_text:
            try:
                found = self._search_name(place_text, ignored=ignored)
            except (LocationNotFound, OutsideRegions):
                found = []
            if found:  # "9000 Kortrijk": the name is ours, the postcode is not; say so and score lower
                note = f"postcode {postcode} hoort hier niet bij"
                return [with_note(replace(c, score=c.score * 0.9), note) for c in found]
        if postcode in self._outside_postcodes:
            msg = f"postcode {postcode} lies outside the four regions"
            raise OutsideRegions(msg, message_nl=f"Postcode {postcode} ligt buiten de vier regio's van de partnerschappen.")
        msg = f"there is no Belgian postcode {postcode}"
        raise LocationNotFound(msg, message_nl=f"Postcode {postcode} bestaat niet. Controleer hem of geef de gemeente.")

    def _search_name(self, text: str, *, ignored: str) -> list[GeocodeCandidate]:
        key = normalise_name(text)
        if not key:
            if ignored:
                msg = f"{_quote(ignored)} has no postcode or place we can locate"
                raise LocationNotFound(msg, message_nl="Geef er een postcode of een gemeente bij; straten kennen we niet.")
            msg = "nothing to look up"
            raise LocationNotFound(msg)
        street = street_note(ignored)
        exact = self._by_key.get(key, [])
        inside = [entry.candidate for entry in sorted(exact, key=lambda e: e.rank) if entry.candidate is not None]
        if inside:
            return [with_note(c, street) for c in inside]
        combined = self._place_with_municipality(key)
        if combined:
            return [with_note(c, street) for c in combined]
        if exact:
            raise _outside(text)
        try:
            return [with_note(c, street) for c in self._fuzzy(key, text)]
        except LocationNotFound:
            pass
        # "Kerkstraat Kortrijk", "Nieuw Kortrjik": a known name at the end, after words we do not know
        words = text.split()
        for split in range(1, len(words)):
            tail, dropped = " ".join(words[split:]), " ".join(words[:split])
            try:
                found = self._fuzzy(normalise_name(tail), tail)
            except LocationNotFound:
                continue
            note = street or street_note(dropped) or f"{dropped} niet herkend"
            return [with_note(replace(c, score=min(c.score, PARTIAL_MATCH_SCORE)), note) for c in found]
        msg = f"no place like {_quote(text)} in Belgium"
        raise LocationNotFound(msg)

    def _place_with_municipality(self, key: str) -> list[GeocodeCandidate]:
        """``"marke kortrijk"``: a place and its own municipality, in either order."""
        words = key.split()
        found = []
        for split in range(1, len(words)):
            for place_key, municipality_key in ((" ".join(words[:split]), " ".join(words[split:])),
                                                (" ".join(words[split:]), " ".join(words[:split]))):
                municipality_nis = {
                    entry.candidate.municipality_nis for entry in self._by_key.get(municipality_key, [])
                    if entry.candidate is not None and entry.candidate.precision is Precision.MUNICIPALITY
                }
                found += [
                    entry.candidate for entry in self._by_key.get(place_key, [])
                    if entry.is_place and entry.candidate is not None
                    and entry.candidate.municipality_nis in municipality_nis
                ]
        return found

    def _fuzzy(self, key: str, text: str) -> list[GeocodeCandidate]:
        scores: dict[int, float] = {}
        for index_key, keys, weight in ((key, self._keys, 1.0),
                                        (sound_alike_key(key), self._sound_alike_keys, SOUND_ALIKE_WEIGHT)):
            for _match, score, index in process.extract(
                index_key, keys, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=50
            ):
                scores[index] = max(scores.get(index, 0.0), score * weight)
        scored = sorted(
            ((score, entry) for index, score in scores.items() if score >= FUZZY_CUTOFF
             for entry in self._by_key[self._keys[index]]),
            key=lambda pair: (-pair[0], pair[1].rank),
        )
        if not scored:
            msg = f"no place like {_quote(text)} in Belgium"
            raise LocationNotFound(msg)
        best_score, best_entry = scored[0]
        inside = [replace(entry.candidate, score=score) for score, entry in scored if entry.candidate is not None]
        if best_entry.candidate is None and not any(c.score >= best_score - AMBIGUITY_MARGIN for c in inside):
            raise _outside(text, looks_like=best_entry.key)
        return inside

    def _nearest_place(self, lon: float, lat: float, nis: str) -> Place | None:
        if not self.places:
            return None
        spread = ((self._place_lon - lon) * 0.64) ** 2 + (self._place_lat - lat) ** 2
        for index in np.argsort(spread)[:10]:
            place = self.places[int(index)]
            if place.municipality_nis == nis and place.position != POSITION_POSTCODE:
                return place
        return None


# ---- helpers ----------------------------------------------------------------------------


def _similarity(key: str, other: str) -> float:
    return max(fuzz.ratio(key, other), SOUND_ALIKE_WEIGHT * fuzz.ratio(sound_alike_key(key), sound_alike_key(other)))


def _outside(text: str, *, looks_like: str | None = None) -> OutsideRegions:
    like = f" (looks like {looks_like!r})" if looks_like and looks_like != normalise_name(text) else ""
    msg = f"{_quote(text)}{like} lies outside the four regions"
    return OutsideRegions(msg, message_nl=f"{text.strip()} ligt buiten de vier regio's van de partnerschappen.")


def _quote(text: str) -> str:
    text = text.strip()
    return repr(text if len(text) <= 60 else text[:57] + "...")
