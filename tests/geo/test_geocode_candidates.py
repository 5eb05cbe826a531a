"""The gazetteer's answers: how candidates are told apart, noted and ranked."""

from __future__ import annotations

from geo.geocode_candidates import GeocodeCandidate, Precision, candidate_identity, ranked, with_note


def _candidate(label: str, score: float, *, precision=Precision.PLACE, nis="34022", lat=50.8, lon=3.27,
               postcode="8500") -> GeocodeCandidate:
    return GeocodeCandidate(label, lat, lon, precision, nis, "Kortrijk", postcode, score)


def test_ranked_is_best_first_one_per_point_and_stable_on_ties():
    first, same_point, tie, best = (_candidate("a", 80), _candidate("b", 70), _candidate("c", 80, lat=50.9),
                                    _candidate("d", 95, lat=51.0))
    assert [c.label for c in ranked([first, same_point, tie, best])] == ["d", "a", "c"]


def test_streets_in_two_villages_are_two_answers_places_in_one_municipality_are_one():
    street = _candidate("Kerkstraat", 90, precision=Precision.STREET)
    other_village = _candidate("Kerkstraat", 90, precision=Precision.STREET, postcode="8510", lat=50.78)
    assert candidate_identity(street) != candidate_identity(other_village)
    assert candidate_identity(_candidate("Marke", 90, lat=50.78)) == candidate_identity(_candidate("Heule", 90))


def test_with_note_adds_the_note_to_the_label_only_when_there_is_one():
    candidate = _candidate("8500 Kortrijk", 90)
    assert with_note(candidate, "straat niet gekend").label == "8500 Kortrijk (straat niet gekend)"
    assert with_note(candidate, "") is candidate
