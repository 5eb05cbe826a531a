"""The offline gazetteer: postcodes, villages, municipalities, French and old names, typos."""

from __future__ import annotations

import pytest

from geo.errors import AmbiguousLocation, InvalidCoordinates, LocationNotFound, OutsideRegions
from geo.gazetteer import Gazetteer, Precision


@pytest.fixture(scope="module")
def gazetteer(data_dir) -> Gazetteer:
    return Gazetteer.from_geo_dir(data_dir / "geo")


@pytest.mark.parametrize(
    ("typed", "municipality", "precision"),
    [
        ("8500", "Kortrijk", Precision.POSTCODE),
        ("8930", "Menen", Precision.POSTCODE),
        ("Marke", "Kortrijk", Precision.PLACE),
        ("Heule", "Kortrijk", Precision.PLACE),
        ("Tielen", "Kasterlee", Precision.PLACE),
        ("Kortrijk", "Kortrijk", Precision.MUNICIPALITY),
        ("Courtrai", "Kortrijk", Precision.MUNICIPALITY),
        ("Ypres", "Ieper", Precision.MUNICIPALITY),
        ("Espierres", "Spiere-Helkijn", Precision.PLACE),
        ("Espierres-Helchin", "Spiere-Helkijn", Precision.MUNICIPALITY),
        ("Galmaarden", "Pajottegem", Precision.MUNICIPALITY),
        ("Gooik", "Pajottegem", Precision.MUNICIPALITY),
        ("Tollembeek", "Pajottegem", Precision.PLACE),
        ("Kortrjik", "Kortrijk", Precision.MUNICIPALITY),
        ("Poperinghe", "Poperinge", Precision.MUNICIPALITY),
        ("lo-reninge", "Lo-Reninge", Precision.MUNICIPALITY),
        ("8930 Lauwe", "Menen", Precision.PLACE),
        ("Biévène", "Bever", Precision.MUNICIPALITY),
    ],
)
def test_what_a_coach_types_resolves_to_the_right_municipality(gazetteer, typed, municipality, precision):
    best = gazetteer.resolve(typed)
    assert best.municipality_name == municipality
    assert best.precision == precision
    payload = best.to_dict()
    assert {"label", "latitude", "longitude", "precision", "municipality"} <= set(payload)
    assert gazetteer.regions.locate(best.longitude, best.latitude).name_nl == municipality


def test_typos_score_lower_than_exact_names(gazetteer):
    assert gazetteer.search("Kortrjik")[0].score < gazetteer.search("Kortrijk")[0].score == 100


@pytest.mark.parametrize("typed", ["50.79, 3.12", "3.12 50.79", "50,79; 3,12"])
def test_raw_coordinates_in_either_order(gazetteer, typed):
    best = gazetteer.resolve(typed)
    assert best.precision == Precision.COORDINATES
    assert (round(best.latitude, 2), round(best.longitude, 2)) == (50.79, 3.12)
    assert best.municipality_name == "Menen"


def test_an_address_resolves_honestly_to_its_postcode(gazetteer):
    best = gazetteer.resolve("Kerkstraat 5, 8500 Kortrijk")
    assert best.municipality_name == "Kortrijk"
    assert best.precision in (Precision.PLACE, Precision.POSTCODE)
    assert "straat niet gekend" in best.label


@pytest.mark.parametrize("typed", ["Gent", "9000", "Brussel", "Antwerpen", "Bruges", "Bevere", "51.05, 3.72"])
def test_known_places_outside_the_regions_get_a_clear_error(gazetteer, typed):
    with pytest.raises(OutsideRegions) as excinfo:
        gazetteer.search(typed)
    assert "buiten de vier regio" in excinfo.value.message_nl


@pytest.mark.parametrize("typed", ["48.85, 2.35", "91, 3", "0, 0"])
def test_coordinates_outside_belgium_are_invalid(gazetteer, typed):
    with pytest.raises(InvalidCoordinates):
        gazetteer.search(typed)


@pytest.mark.parametrize("typed", ["", "   ", "xyzzy", "x" * 500, "0000"])
def test_nonsense_is_not_found(gazetteer, typed):
    with pytest.raises(LocationNotFound):
        gazetteer.search(typed)


def test_ambiguous_input_returns_ranked_candidates_not_a_guess(gazetteer):
    # "Beers": Beerse (Turnhout region) or Beerst (a village of Diksmuide)?
    with pytest.raises(AmbiguousLocation) as excinfo:
        gazetteer.resolve("Beers")
    names = {candidate.municipality_name for candidate in excinfo.value.candidates}
    assert {"Beerse", "Diksmuide"} <= names
    scores = [candidate.score for candidate in gazetteer.search("Beers")]
    assert scores == sorted(scores, reverse=True)
