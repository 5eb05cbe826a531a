"""The 44 municipalities: partnerships, point-in-polygon membership, metric geometry."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geo.projection import METRIC_CRS, to_metric, to_wgs84
from geo.regions import PARTNERSHIPS, RegionIndex, partnership_slug

#: the partnerships as ../shared/data/README.md lists them (written out here, not taken from the code)
EXPECTED_MEMBERS = {
    "zuid-west-vlaanderen": {
        "Anzegem", "Avelgem", "Deerlijk", "Harelbeke", "Kortrijk", "Kuurne", "Lendelede", "Menen",
        "Spiere-Helkijn", "Waregem", "Wervik", "Wevelgem", "Zwevegem",
    },
    "westhoek": {
        "Alveringem", "De Panne", "Diksmuide", "Heuvelland", "Houthulst", "Ieper", "Koekelare", "Kortemark",
        "Koksijde", "Langemark-Poelkapelle", "Lo-Reninge", "Mesen", "Nieuwpoort", "Poperinge", "Veurne",
        "Vleteren", "Wervik", "Zonnebeke",
    },
    "pajotarl": {"Affligem", "Bever", "Lennik", "Liedekerke", "Pajottegem", "Pepingen", "Roosdaal", "Ternat"},
    "turnhout": {"Beerse", "Kasterlee", "Lille", "Oud-Turnhout", "Turnhout", "Vosselaar"},
}


def test_the_four_partnerships_have_their_44_municipalities(regions: RegionIndex):
    assert len(regions.municipalities) == 44
    members = {slug: {m.name_nl for m in regions.in_partnership(slug)} for slug in PARTNERSHIPS}
    assert members == EXPECTED_MEMBERS
    assert [m.nis for m in regions.municipalities] == sorted(m.nis for m in regions.municipalities)


def test_partnership_slugs_and_programmes():
    assert {slug: (p.name, p.programme) for slug, p in PARTNERSHIPS.items()} == {
        "zuid-west-vlaanderen": ("Zuid-West-Vlaanderen", "'T PACT"),
        "westhoek": ("Westhoek", "WestUp"),
        "pajotarl": ("PajoTARL", "PajoTARL"),
        "turnhout": ("Turnhout", "PAKT"),
    }
    assert partnership_slug("Zuid-West-Vlaanderen") == partnership_slug("zuid-west-vlaanderen") == "zuid-west-vlaanderen"
    with pytest.raises(ValueError, match="unknown partnership"):
        partnership_slug("Gent")


def test_wervik_belongs_to_two_partnerships(regions: RegionIndex):
    wervik = regions.by_nis("33029")
    assert wervik.name_nl == "Wervik"
    assert wervik.partnerships == ("zuid-west-vlaanderen", "westhoek")
    assert wervik in regions.in_partnership("westhoek") and wervik in regions.in_partnership("zuid-west-vlaanderen")
    only_wervik = {m.nis for m in regions.municipalities if len(m.partnerships) > 1}
    assert only_wervik == {"33029"}


def test_pajottegem_replaces_galmaarden_gooik_and_herne(regions: RegionIndex):
    pajottegem = regions.by_nis("23106")
    assert pajottegem.merged_from == ("Galmaarden", "Gooik", "Herne")
    assert pajottegem.merged_from_nis == ("23023", "23024", "23032")
    assert pajottegem.population == 24724  # the three former municipalities' 2020 populations summed
    for former in ("23023", "23024", "23032"):
        with pytest.raises(KeyError, match="no municipality"):
            regions.by_nis(former)


def test_unknown_slug_is_a_key_error(regions: RegionIndex):
    with pytest.raises(KeyError):
        regions.in_partnership("gent")


@pytest.mark.parametrize("nis_index", range(44))
def test_each_municipality_locates_its_own_points(regions: RegionIndex, nis_index: int):
    municipality = regions.municipalities[nis_index]
    inside = municipality.geometry.representative_point()
    assert regions.locate(inside.x, inside.y) is municipality
    random_points = regions.random_points_in(municipality.nis, 25, rng=np.random.default_rng(nis_index))
    assert random_points.shape == (25, 2)
    assert set(regions.locate_many(random_points[:, 0], random_points[:, 1]).tolist()) == {municipality.nis}


def test_geometries_are_valid_and_do_not_overlap(regions: RegionIndex):
    geometries = [m.geometry_metric for m in regions.municipalities]
    assert all(geometry.is_valid for geometry in geometries)
    summed = sum(geometry.area for geometry in geometries)
    assert summed == pytest.approx(regions.union_metric.area, rel=1e-4)  # shared borders, no overlaps


def test_points_outside_the_regions_locate_to_nothing(regions: RegionIndex):
    gent, brussels, kortrijk_station = (3.7174, 51.0543), (4.3517, 50.8503), (3.2647, 50.8245)
    assert regions.locate(*gent) is None
    found = regions.locate_many(
        np.array([gent[0], brussels[0], kortrijk_station[0], np.nan]),
        np.array([gent[1], brussels[1], kortrijk_station[1], 51.0]),
    )
    assert found.tolist() == ["", "", "34022", ""]


def test_a_point_on_a_shared_border_goes_to_the_lowest_nis(regions: RegionIndex):
    kortrijk, kuurne = regions.by_nis("34022").geometry, regions.by_nis("34023").geometry
    shared_vertices = shapely.get_coordinates(kortrijk.boundary.intersection(kuurne.boundary))
    lon, lat = shared_vertices[len(shared_vertices) // 2]
    assert kortrijk.intersects(shapely.Point(lon, lat)) and kuurne.intersects(shapely.Point(lon, lat))
    assert regions.locate(lon, lat).nis == "34022"


def test_random_points_are_reproducible(regions: RegionIndex):
    first = regions.random_points_in("38025", 5, rng=np.random.default_rng(7))
    again = regions.random_points_in("38025", 5, rng=np.random.default_rng(7))
    assert np.array_equal(first, again)
    assert regions.random_points_in("38025", 0, rng=np.random.default_rng(7)).shape == (0, 2)


def test_bounds_cover_the_four_regions(regions: RegionIndex):
    west, south, east, north = regions.bounds
    assert 2.5 < west < 2.6 and 50.6 < south < 50.7  # De Panne, the Pajottenland
    assert 5.0 < east < 5.1 and 51.3 < north < 51.5  # Turnhout region


def test_metric_geometry_is_belgian_lambert_2008(regions: RegionIndex):
    assert METRIC_CRS == "EPSG:3812"
    kortrijk = regions.by_nis("34022")
    # Kortrijk measures 80.0 km²; the source borders are simplified (~25 m), which adds a few %
    assert kortrijk.area_km2 == pytest.approx(80.0, rel=0.1)
    # the projection's origin: 50°47'52.134" N 4°21'33.177" E is (649328, 665262)
    x, y = to_metric(4.359215833, 50.797815)
    assert (float(x), float(y)) == pytest.approx((649328.0, 665262.0), abs=1.0)


def test_projection_round_trip_is_vectorised():
    lon, lat = np.array([2.6, 3.27, 4.95]), np.array([51.1, 50.83, 51.32])
    x, y = to_metric(lon, lat)
    assert x.shape == (3,)
    back_lon, back_lat = to_wgs84(x, y)
    assert np.allclose(back_lon, lon, atol=1e-9) and np.allclose(back_lat, lat, atol=1e-9)
