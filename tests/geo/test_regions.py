"""The 44 municipalities: membership, point-in-polygon, partnerships."""

from __future__ import annotations

import numpy as np
import pytest

from geo.places import load_places, load_stations
from geo.regions import PARTNERSHIPS, load_regions


@pytest.fixture(scope="module")
def regions(data_dir):
    return load_regions(data_dir / "geo")


def test_there_are_44_municipalities_in_four_partnerships(regions):
    assert len(regions.municipalities) == 44
    counts = {slug: len(regions.in_partnership(slug)) for slug in PARTNERSHIPS}
    assert counts == {"zuid-west-vlaanderen": 13, "westhoek": 18, "pajotarl": 8, "turnhout": 6}


def test_wervik_is_in_two_partnerships_and_pajottegem_replaces_its_parts(regions):
    assert set(regions.by_nis("33029").partnerships) == {"zuid-west-vlaanderen", "westhoek"}
    pajottegem = regions.by_nis("23106")
    assert set(pajottegem.merged_from) == {"Galmaarden", "Gooik", "Herne"}
    with pytest.raises(KeyError):
        regions.by_nis("23023")  # Galmaarden no longer exists as a municipality


def test_every_municipality_locates_its_own_interior_points(regions):
    rng = np.random.default_rng(1)
    for municipality in regions.municipalities:
        inside = municipality.geometry.representative_point()
        assert regions.locate(inside.x, inside.y).nis == municipality.nis
        points = regions.random_points_in(municipality.nis, 20, rng=rng)
        assert (regions.locate_many(points[:, 0], points[:, 1]) == municipality.nis).all()


def test_points_outside_the_regions_locate_to_nothing(regions):
    assert regions.locate(3.7174, 51.0543) is None  # Gent
    assert regions.locate_many(np.array([4.35, 3.26]), np.array([50.85, 50.82])).tolist() == ["", "34022"]


def test_places_lie_in_their_municipality(data_dir, regions):
    places = load_places(data_dir / "geo")
    assert len(places) > 150
    located = regions.locate_many(np.array([p.lon for p in places]), np.array([p.lat for p in places]))
    assert all(found == place.municipality_nis for found, place in zip(located, places))
    driekapellen = next(place for place in places if place.name == "Driekapellen")
    assert driekapellen.municipality_nis == "32003"  # moved from its misplaced source point to Diksmuide
    assert {place.municipality_nis for place in places} == {m.nis for m in regions.municipalities}


def test_stations_near_the_regions_are_kept(data_dir):
    names = {station.name for station in load_stations(data_dir / "geo")}
    assert {"Kortrijk", "Ieper", "Turnhout", "Poperinge", "Liedekerke"} <= names


def test_metric_geometry_is_belgian_lambert(regions):
    kortrijk = regions.by_nis("34022")
    assert 70 < kortrijk.geometry_metric.area / 1e6 < 90  # Kortrijk is about 80 km2
