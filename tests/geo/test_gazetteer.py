"""The offline gazetteer: what a coach types -> a point, a municipality and a precision."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.errors import AmbiguousLocation, GeoError, InvalidCoordinates, InvalidQuery, LocationNotFound, OutsideRegions
from geo.gazetteer import Gazetteer, Precision, sound_alike_key
from geo.geocode_query import MAX_QUERY_LENGTH
from geo.places import POSITION_POSTCODE, Place
from geo.regions import RegionIndex
from geo.text import normalise_name

P = Precision


@pytest.mark.parametrize(
    ("typed", "municipality", "precision"),
    [
        # postcodes: the postcode's main point
        ("8500", "Kortrijk", P.POSTCODE),
        ("8580", "Avelgem", P.POSTCODE),
        ("8510", "Kortrijk", P.POSTCODE),
        ("1570", "Pajottegem", P.POSTCODE),
        ("2460", "Kasterlee", P.POSTCODE),
        # villages and deelgemeenten
        ("Marke", "Kortrijk", P.PLACE),
        ("Heule", "Kortrijk", P.PLACE),
        ("Tielen", "Kasterlee", P.PLACE),
        ("Dikkebus", "Ieper", P.PLACE),
        ("Lo", "Lo-Reninge", P.PLACE),
        ("Sint-Jan", "Ieper", P.PLACE),
        # municipalities, in Dutch and French
        ("Kortrijk", "Kortrijk", P.MUNICIPALITY),
        ("Courtrai", "Kortrijk", P.MUNICIPALITY),
        ("Ypres", "Ieper", P.MUNICIPALITY),
        ("Furnes", "Veurne", P.MUNICIPALITY),
        ("La Panne", "De Panne", P.MUNICIPALITY),
        ("Espierres-Helchin", "Spiere-Helkijn", P.MUNICIPALITY),
        ("Biévène", "Bever", P.MUNICIPALITY),
        ("Wervik", "Wervik", P.MUNICIPALITY),
        ("Pajottegem", "Pajottegem", P.MUNICIPALITY),
        # French village names from the source
        ("Espierres", "Spiere-Helkijn", P.PLACE),
        ("Helchin", "Spiere-Helkijn", P.PLACE),
        # former municipalities and their villages -> Pajottegem
        ("Galmaarden", "Pajottegem", P.PLACE),
        ("Gooik", "Pajottegem", P.PLACE),
        ("Herne", "Pajottegem", P.PLACE),
        ("Tollembeek", "Pajottegem", P.PLACE),
        ("Vollezele", "Pajottegem", P.PLACE),
        # typos and old spellings
        ("Kortrjik", "Kortrijk", P.MUNICIPALITY),
        ("Kortryk", "Kortrijk", P.MUNICIPALITY),
        ("Poperinghe", "Poperinge", P.MUNICIPALITY),
        ("Waereghem", "Waregem", P.MUNICIPALITY),
        ("Zonebeke", "Zonnebeke", P.MUNICIPALITY),
        ("Tiellen", "Kasterlee", P.PLACE),
        # spelling variants that normalise away
        ("lo-reninge", "Lo-Reninge", P.MUNICIPALITY),
        ("OUD TURNHOUT", "Oud-Turnhout", P.MUNICIPALITY),
        ("St-Eloois-Vijve", "Waregem", P.PLACE),
        ("O.L.V.-Lombeek", "Roosdaal", P.PLACE),
        # a place with its municipality, or with a postcode
        ("Marke Kortrijk", "Kortrijk", P.PLACE),
        ("Heule (Kortrijk)", "Kortrijk", P.PLACE),
        ("8930 Lauwe", "Menen", P.PLACE),
        ("8930 Menen", "Menen", P.PLACE),
        ("Kortrijk 8500", "Kortrijk", P.PLACE),
        ("8510 Kortrijk", "Kortrijk", P.POSTCODE),
        ("8587 Espierres", "Spiere-Helkijn", P.PLACE),
    ],
)
def test_what_a_coach_types_resolves_to_the_right_municipality(
    gazetteer: Gazetteer, regions: RegionIndex, typed: str, municipality: str, precision: Precision
):
    best = gazetteer.resolve(typed)
    assert (best.municipality_name, best.precision) == (municipality, precision)
    assert regions.by_nis(best.municipality_nis).name_nl == municipality
    assert regions.locate(best.longitude, best.latitude).nis == best.municipality_nis
    assert gazetteer.search(typed)[0] == best


def test_the_candidate_json_shape(gazetteer: Gazetteer):
    payload = gazetteer.resolve("Marke").to_dict()
    assert payload == {
        "label": "8510 Marke (Kortrijk)",
        "latitude": pytest.approx(50.80, abs=0.02),
        "longitude": pytest.approx(3.23, abs=0.02),
        "precision": "place",
        "municipality": {"nis": "34022", "name": "Kortrijk"},
        "postcode": "8510",
        "score": 100.0,
        "note": None,
    }


def test_every_place_resolves_by_postcode_and_name(gazetteer: Gazetteer, places: list[Place]):
    for place in places:
        best = gazetteer.resolve(f"{place.postcode} {place.name}")
        assert best.municipality_nis == place.municipality_nis, place
        assert best.postcode == place.postcode
        expected = P.POSTCODE if place.position == POSITION_POSTCODE else P.PLACE
        assert best.precision == expected, place


def test_every_municipality_resolves_by_its_dutch_and_french_name(gazetteer: Gazetteer, regions: RegionIndex):
    for municipality in regions.municipalities:
        for name in {municipality.name_nl, municipality.name_fr}:
            best = gazetteer.resolve(name)
            assert (best.municipality_nis, best.precision) == (municipality.nis, P.MUNICIPALITY), name
            assert regions.locate(best.longitude, best.latitude) is municipality


def test_municipality_labels_say_which_name_matched(gazetteer: Gazetteer):
    assert gazetteer.resolve("Courtrai").label == "Kortrijk (Courtrai)"
    assert gazetteer.resolve("Kortrijk").label == "Kortrijk"
    assert gazetteer.resolve("Espierres").label == "8587 Spiere / Espierres (Spiere-Helkijn)"
    assert "Pajottegem (vroeger Gooik)" in [c.label for c in gazetteer.search("Gooik")]


def test_a_postcode_label_names_its_villages(gazetteer: Gazetteer):
    candidates = gazetteer.search("8510")
    assert candidates[0].label == "8510 Kortrijk (Bellegem, Kooigem, Marke, Rollegem)"
    # the villages follow, so a person can choose the precise one
    assert {c.label for c in candidates[1:]} <= {"8510 Bellegem (Kortrijk)", "8510 Kooigem (Kortrijk)",
                                                 "8510 Marke (Kortrijk)", "8510 Rollegem (Kortrijk)"}
    assert all(c.precision == P.PLACE and c.score < candidates[0].score for c in candidates[1:])


def test_typos_score_lower_than_exact_names(gazetteer: Gazetteer):
    exact = gazetteer.search("Kortrijk")[0].score
    assert exact == 100
    for typo in ("Kortrjik", "Kortryk", "Kortrik"):
        assert 80 <= gazetteer.search(typo)[0].score < exact


def test_misplaced_driekapellen_says_it_is_only_the_postcode_point(gazetteer: Gazetteer):
    best = gazetteer.resolve("Driekapellen")
    assert (best.municipality_name, best.precision, best.postcode) == ("Diksmuide", P.POSTCODE, "8600")
    assert "punt van de postcode" in best.label


@pytest.mark.parametrize(
    ("typed", "label", "precision"),
    [
        ("Kerkstraat 5, 8500 Kortrijk", "8500 Kortrijk (straat niet gekend)", P.PLACE),
        ("Kerkstraat 5 8500 Kortrijk", "8500 Kortrijk (straat niet gekend)", P.PLACE),
        ("Nergensstraat 12, 8900 Ieper, België", "8900 Ieper (straat niet gekend)", P.PLACE),
        ("Kerkstraat 5, 8510 Kortrijk", "8510 Kortrijk (Bellegem, Kooigem, Marke, Rollegem) (straat niet gekend)",
         P.POSTCODE),
        ("Kerkstraat 5, Kortrijk", "Kortrijk (straat niet gekend)", P.MUNICIPALITY),
        ("Stationsstraat 3 Tielen", "2460 Tielen (Kasterlee) (straat niet gekend)", P.PLACE),
    ],
)
def test_an_address_resolves_honestly_to_its_postcode_or_place(
    gazetteer: Gazetteer, typed: str, label: str, precision: Precision
):
    best = gazetteer.resolve(typed)
    assert (best.label, best.precision) == (label, precision)


def test_a_street_without_a_place_is_not_found(gazetteer: Gazetteer):
    with pytest.raises(LocationNotFound) as excinfo:
        gazetteer.search("Kerkstraat 5")
    assert "straten kennen we niet" in excinfo.value.message_nl


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("50.79, 3.12", "Menen"),
        ("3.12 50.79", "Menen"),
        ("50,79; 3,12", "Menen"),
        ("50.79,3.12", "Menen"),
        ("50.79°N 3.12°E", "Menen"),
        ("51.3225, 4.9486", "Turnhout"),
        ("50.7167 4.0333", "Pajottegem"),
    ],
)
def test_raw_coordinates_in_either_order(gazetteer: Gazetteer, typed: str, expected: str):
    best = gazetteer.resolve(typed)
    assert best.precision == P.COORDINATES and best.municipality_name == expected
    assert best.postcode is None
    if expected == "Menen":
        assert (round(best.latitude, 2), round(best.longitude, 2)) == (50.79, 3.12)


def test_reverse_gives_the_municipality_of_a_point(gazetteer: Gazetteer):
    found = gazetteer.reverse(3.2647, 50.8245)  # Kortrijk station
    assert (found.municipality_nis, found.precision, found.score) == ("34022", P.COORDINATES, 100.0)
    assert found.label.startswith("50.82450, 3.26470 (Kortrijk")
    with pytest.raises(OutsideRegions):
        gazetteer.reverse(3.7174, 51.0543)  # Gent


@pytest.mark.parametrize(
    "typed",
    ["Gent", "gent", "9000", "Brussel", "Bruxelles", "Antwerpen", "Bruges", "Moeskroen", "Mouscron", "Bevere",
     "Gentt", "Kerkstraat 5, 9000 Gent", "Sluizen", "Escanaffles", "Lombardsijde", "Middelkerke", "Meulebeke",
     "51.05, 3.72", "50.63, 3.06"],
)
def test_known_places_outside_the_regions_get_a_clear_error(gazetteer: Gazetteer, typed: str):
    with pytest.raises(OutsideRegions) as excinfo:
        gazetteer.search(typed)
    assert "buiten de vier regio's" in excinfo.value.message_nl
    assert excinfo.value.code == "outside_regions"


@pytest.mark.parametrize("typed", ["48.85, 2.35", "91, 3", "0, 0", "12 3", "50.8, 7.5", "-50.8, 3.2"])
def test_coordinates_outside_belgium_are_invalid(gazetteer: Gazetteer, typed: str):
    with pytest.raises(InvalidCoordinates) as excinfo:
        gazetteer.search(typed)
    assert excinfo.value.code == "invalid_coordinates"


@pytest.mark.parametrize("values", [(float("nan"), 50.8), (3.2, float("inf")), ("x", 50.8), (200.0, 50.8)])
def test_reverse_refuses_invalid_numbers(gazetteer: Gazetteer, values):
    with pytest.raises(InvalidCoordinates):
        gazetteer.reverse(*values)


@pytest.mark.parametrize("typed", ["", "   ", "\x00\x01", "xyzzy", "qqqqqq wwwww", "0000", "1234"])
def test_nonsense_is_not_found(gazetteer: Gazetteer, typed: str):
    with pytest.raises(LocationNotFound) as excinfo:
        gazetteer.search(typed)
    assert excinfo.value.code == "location_not_found" and excinfo.value.message_nl


def test_oversize_or_non_text_input_is_refused(gazetteer: Gazetteer):
    with pytest.raises(InvalidQuery) as excinfo:
        gazetteer.search("Kortrijk " * 100)
    assert str(MAX_QUERY_LENGTH) in excinfo.value.message_nl
    assert gazetteer.search(("Kortrijk" + " " * MAX_QUERY_LENGTH)[:MAX_QUERY_LENGTH])[0].municipality_name == "Kortrijk"
    with pytest.raises(InvalidQuery):
        gazetteer.search(8500)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="limit"):
        gazetteer.search("Kortrijk", limit=0)


def test_ambiguous_input_returns_ranked_candidates_not_a_guess(gazetteer: Gazetteer):
    # "Beers": Beerse (the Turnhout region) or Beerst (a village of Diksmuide)?
    with pytest.raises(AmbiguousLocation) as excinfo:
        gazetteer.resolve("Beers")
    assert {c.municipality_name for c in excinfo.value.candidates} == {"Beerse", "Diksmuide"}
    assert excinfo.value.code == "ambiguous_location"
    scores = [c.score for c in gazetteer.search("Beers")]
    assert scores == sorted(scores, reverse=True)


def test_a_postcode_contradicted_by_the_name_is_ambiguous(gazetteer: Gazetteer):
    with pytest.raises(AmbiguousLocation) as excinfo:
        gazetteer.resolve("8500 Ieper")
    assert [c.municipality_name for c in excinfo.value.candidates] == ["Kortrijk", "Ieper"]


def test_a_name_of_ours_with_a_postcode_from_elsewhere_is_answered_with_a_warning(gazetteer: Gazetteer):
    best = gazetteer.resolve("9000 Kortrijk")
    assert best.municipality_name == "Kortrijk" and best.score < 100
    assert "postcode 9000 hoort hier niet bij" in best.label


def test_a_name_inside_and_outside_the_regions_answers_the_one_inside(gazetteer: Gazetteer):
    # Oostkerke: a village of Diksmuide and one of Damme; Beveren: Waregem and Roeselare
    assert gazetteer.resolve("Oostkerke").label == "8600 Oostkerke (Diksmuide)"
    assert gazetteer.resolve("Beveren").label == "8791 Beveren (Waregem)"


def test_building_is_cheap_and_repeatable(geo_dir):
    first, second = Gazetteer.from_geo_dir(geo_dir), Gazetteer.from_geo_dir(geo_dir)
    assert first.search("Heule") == second.search("Heule")


def test_name_normalisation():
    assert normalise_name("Sint-Eloois-Vijve") == normalise_name("st. eloois vijve") == "sint eloois vijve"
    assert normalise_name("Biévène") == "bievene"
    assert normalise_name("O.L.V.-Lombeek") == "onze lieve vrouw lombeek"
    assert sound_alike_key("poperinghe") == sound_alike_key("poperinge")
    assert sound_alike_key("kortryk") == sound_alike_key("kortrijk")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_text_gives_candidates_or_a_geo_error(gazetteer: Gazetteer, typed: str):
    try:
        candidates = gazetteer.search(typed)
    except GeoError as error:
        assert error.code and error.message_nl
    else:
        assert candidates and all(0 <= c.score <= 100 for c in candidates)
