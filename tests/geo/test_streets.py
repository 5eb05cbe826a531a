"""Street-level homes: the street index from OSM road names and the gazetteer placing a home on its street."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.errors import AmbiguousLocation
from geo.gazetteer import Gazetteer, Precision
from geo.streets import StreetIndex, build_streets, ensure_streets, load_streets, read_named_roads

FIXTURE = Path(__file__).parent.parent / "fixtures" / "osm" / "streets.osm"


@pytest.fixture(scope="module")
def streets(regions, places):
    return build_streets(read_named_roads(FIXTURE), regions, places)


@pytest.fixture(scope="module")
def street_gazetteer(geo_dir, streets) -> Gazetteer:
    plain = Gazetteer.from_geo_dir(geo_dir, streets=False)
    return Gazetteer(plain.regions, plain.places, [], streets=StreetIndex(streets))


def test_named_roads_become_streets_per_municipality_and_village(streets):
    found = {(s.name, s.municipality_nis, s.postcode, s.place) for s in streets}
    # the motorway, the unnamed road, the building and the street in Gent are not streets of the regions
    assert found == {
        ("Kerkstraat", "34022", "8501", "Heule"),
        ("Kerkstraat", "34022", "8510", "Marke"),
        ("Stationsstraat", "33021", "8970", "Poperinge"),  # two pieces 140 m apart: one street
        ("Stationsstraat", "33021", "8972", "Proven"),
        ("Kortrijkstraat", "34041", "8560", "Wevelgem"),
    }
    heule = next(s for s in streets if s.place == "Heule")
    # the two ways of the Heule Kerkstraat join at a node: one street, its point on the road
    assert heule.length_m == pytest.approx(220, abs=5)  # 3 segments of about 73 m
    assert 3.2380 <= heule.lon <= 3.2410 and 50.8515 <= heule.lat <= 50.8521


def test_a_street_with_its_municipality_is_placed_on_the_street(street_gazetteer):
    best = street_gazetteer.resolve("Kortrijkstraat Wevelgem")
    assert best.precision is Precision.STREET
    assert best.label == "Kortrijkstraat, 8560 Wevelgem"
    assert (best.longitude, best.latitude) == pytest.approx((3.1865, 50.81205))
    assert best.note is None and best.to_dict()["precision"] == "street"


def test_a_house_number_is_kept_and_the_answer_says_it_was_not_placed(street_gazetteer):
    best = street_gazetteer.resolve("Kerkstraat 12, 8501 Heule")
    assert best.precision is Precision.STREET
    assert best.label == "Kerkstraat 12, 8501 Heule (Kortrijk) (huisnummer niet geplaatst)"
    assert "huisnummer 12 niet geplaatst" in best.note and "adressenregister" in best.note
    assert best.to_dict()["note"] == best.note


def test_the_same_street_in_two_villages_offers_both(street_gazetteer):
    with pytest.raises(AmbiguousLocation) as excinfo:
        street_gazetteer.resolve("Stationsstraat 12 Poperinge")
    labels = [candidate.label for candidate in excinfo.value.candidates]
    assert labels[:2] == ["Stationsstraat 12, 8970 Poperinge (huisnummer niet geplaatst)",
                          "Stationsstraat 12, 8972 Proven (Poperinge) (huisnummer niet geplaatst)"]
    # the postcode (or the village) decides
    assert street_gazetteer.resolve("Stationsstraat 12, 8972 Proven").label.startswith("Stationsstraat 12, 8972 Proven")
    assert street_gazetteer.resolve("Kerkstraat, 8510 Kortrijk").label == "Kerkstraat, 8510 Marke (Kortrijk)"


def test_a_near_miss_asks_and_an_unknown_street_falls_back_to_the_place(street_gazetteer):
    # one letter off is still the street; a different name is only offered beside the place
    assert street_gazetteer.resolve("Kortrijkstrat Wevelgem").precision is Precision.STREET
    with pytest.raises(AmbiguousLocation) as excinfo:
        street_gazetteer.resolve("Kortrijksestraat Wevelgem")
    assert [c.precision for c in excinfo.value.candidates][:2] == [Precision.STREET, Precision.MUNICIPALITY]
    unknown = street_gazetteer.resolve("Bakkerstraat 3, Wevelgem")
    assert (unknown.label, unknown.precision) == ("Wevelgem (straat niet gekend)", Precision.MUNICIPALITY)
    # a village or a village with its municipality is still a place, not a street
    assert street_gazetteer.resolve("Marke Kortrijk").precision is Precision.PLACE
    assert street_gazetteer.resolve("Heule").precision is Precision.PLACE


def test_the_index_file_is_written_once_and_rebuilt_when_the_roads_change(tmp_path, geo_dir, regions, places):
    first = ensure_streets(FIXTURE, tmp_path, regions, places, osm_fingerprint="a")
    assert first["built"] and first["streets"] == 5
    assert ensure_streets(FIXTURE, tmp_path, regions, places, osm_fingerprint="a")["built"] is False
    assert ensure_streets(FIXTURE, tmp_path, regions, places, osm_fingerprint="b")["built"] is True
    assert len(load_streets(tmp_path)) == 5
