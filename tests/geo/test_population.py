"""People spread over their streets (dasymetric mapping) and summed per H3 hexagon.

A hand-made world of two square municipalities with streets of known length and type
proves each rule; the real four-regions roads prove the totals per municipality.
"""

from __future__ import annotations

from dataclasses import dataclass

import h3
import numpy as np
import pytest
from shapely.geometry import box

from geo.population import (
    HIGHWAY_WEIGHTS,
    PIECE_M,
    StreetPieces,
    cut_segments,
    highway_weight,
    municipality_totals,
    spread_population,
)


@dataclass(frozen=True)
class Town:
    nis: str
    name_nl: str
    population: int
    geometry: object


WEST = Town("10001", "Westdorp", 1000, box(3.00, 50.00, 3.05, 50.05))
EAST = Town("10002", "Oostdorp", 600, box(3.05, 50.00, 3.10, 50.05))


def pieces(*rows) -> StreetPieces:
    lon, lat, length, highway = zip(*rows, strict=True)
    return StreetPieces(lon=np.array(lon, dtype=float), lat=np.array(lat, dtype=float),
                        length_m=np.array(length, dtype=float), highway=np.array(highway, dtype=object))


def people_by_cell(cells) -> dict[tuple[str, str], float]:
    return {(c, n): round(float(p), 6) for c, n, p in zip(cells.h3, cells.nis, cells.population, strict=True)}


def test_people_follow_the_weighted_street_length_and_no_one_lives_on_a_motorway():
    streets = pieces(
        (3.01, 50.01, 300, "residential"),  # weight 1.0 x 300 = 300
        (3.04, 50.04, 400, "unclassified"),  # 0.5 x 400 = 200
        (3.02, 50.03, 5000, "motorway"),  # 0
        (3.03, 50.02, 900, "track"),  # 0
        (3.02, 50.02, 100, "service"),  # 0
        (3.07, 50.02, 50, "living_street;residential"),  # first value counts: 1.0 x 50
        (3.20, 50.02, 999, "residential"),  # outside both municipalities: dropped
    )
    cells = spread_population(streets, [WEST, EAST])
    got = people_by_cell(cells)
    residential = (h3.latlng_to_cell(50.01, 3.01, 8), "10001")
    unclassified = (h3.latlng_to_cell(50.04, 3.04, 8), "10001")
    living = (h3.latlng_to_cell(50.02, 3.07, 8), "10002")
    assert got == {residential: 600.0, unclassified: 400.0, living: 600.0}  # 1000 x 300/500, 1000 x 200/500
    assert [row["difference"] for row in municipality_totals(cells, [WEST, EAST])] == [0.0, 0.0]


def test_pieces_in_one_hexagon_are_summed_at_their_people_weighted_centre():
    streets = pieces((3.010, 50.010, 100, "residential"), (3.011, 50.010, 300, "residential"))
    cells = spread_population(streets, [WEST])
    assert len(cells) == 1 and cells.population[0] == pytest.approx(1000)
    assert cells.lon[0] == pytest.approx((3.010 * 100 + 3.011 * 300) / 400)


def test_a_municipality_without_residential_streets_keeps_its_people_at_one_point():
    streets = pieces((3.01, 50.01, 300, "residential"), (3.07, 50.02, 800, "motorway"))
    cells = spread_population(streets, [WEST, EAST])
    east = cells.nis == "10002"
    assert cells.population[east].sum() == pytest.approx(600)
    assert EAST.geometry.contains(__import__("shapely").Point(cells.lon[east][0], cells.lat[east][0]))


def test_finer_zones_replace_the_municipal_totals_inside_the_municipality():
    # two "statistical sectors" in Westdorp: north 900 people, south 100
    north, south = box(3.00, 50.025, 3.05, 50.05), box(3.00, 50.00, 3.05, 50.025)
    streets = pieces((3.01, 50.01, 300, "residential"), (3.04, 50.04, 400, "unclassified"),
                     (3.02, 50.04, 200, "residential"))
    cells = spread_population(streets, [WEST, EAST], zones=([north, south], [900, 100]), source="statbel-zones")
    got = people_by_cell(cells)
    assert got[(h3.latlng_to_cell(50.01, 3.01, 8), "10001")] == 100.0  # alone in the south sector
    north_total = got[(h3.latlng_to_cell(50.04, 3.04, 8), "10001")] + got[(h3.latlng_to_cell(50.04, 3.02, 8), "10001")]
    assert north_total == pytest.approx(900)
    assert cells.source == "statbel-zones"


def test_long_segments_are_cut_into_equal_pieces_along_the_line():
    cut = cut_segments([3.0, 3.0], [50.0, 50.0], [3.0, 3.004], [50.0, 50.0], [100.0, 400.0],
                       ["residential", "tertiary"])
    assert len(cut.lon) == 1 + 3  # 400 m > 2 x PIECE_M: three pieces of 133 m
    assert cut.length_m.tolist() == pytest.approx([100.0, 400 / 3, 400 / 3, 400 / 3])
    assert cut.lon[1:].tolist() == pytest.approx([3.0 + 0.004 * f for f in (1 / 6, 3 / 6, 5 / 6)])
    assert PIECE_M == 150.0
    assert highway_weight(np.array(["residential", None, "motorway", "tertiary"])).tolist() == [1.0, 0.0, 0.0, 0.5]
    assert HIGHWAY_WEIGHTS.get("service", 0.0) == 0.0 and HIGHWAY_WEIGHTS.get("track", 0.0) == 0.0


def test_the_real_roads_place_every_municipality_within_one_percent(settings, regions):
    from geo.population import load_or_build

    roads = settings.data_dir / "source" / "osm" / "four-regions-roads-2017.osm.pbf"
    if not roads.exists():
        roads = settings.shared_data_dir / "osm" / "four-regions-roads-2017.osm.pbf"
    if not roads.exists():
        pytest.skip("the four-regions OSM roads are not available")
    cells = load_or_build(settings.geo_dir, roads, regions.municipalities)
    totals = municipality_totals(cells, regions.municipalities)
    assert len(totals) == 44
    assert max(abs(row["difference"]) for row in totals) <= 0.01
    assert len(set(cells.h3)) > 2000  # hexagons, not a handful of points per municipality
    assert {h3.get_resolution(cell) for cell in cells.h3[:50]} == {8}
    assert (cells.population > 0).all()
