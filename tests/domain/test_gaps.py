"""Gap analysis on a tiny hand-computed world: two square municipalities, four people points
(each in its own hexagon, named after a deelgemeente).

Walking 30 min reaches 30/60 h x 4.8 km/h / 1.3 circuity = 1.846 km in a straight line.
"""

from __future__ import annotations

from datetime import date, time

import numpy as np
import pytest
from shapely.geometry import box

from app.domain.catalog import Catalog, CatalogLocation
from app.domain.gaps import Origins, run_gap_analysis, to_csv, to_geojson
from app.domain.reach import Reach, TransitWindow
from geo.projection import to_metric
from geo.regions import Municipality, RegionIndex
from tests.factories import make_service

KM_LAT = 1 / 111.2  # degrees of latitude per km
WINDOW = TransitWindow(service_date=date(2026, 11, 24), start=time(8), end=time(9))


def municipality(nis: str, name: str, west: float, population: int) -> Municipality:
    geometry = box(west, 50.0, west + 0.2, 50.2)
    x, y = to_metric(np.array(geometry.exterior.xy[0]), np.array(geometry.exterior.xy[1]))
    return Municipality(nis=nis, name_nl=name, name_fr=name, partnerships=("westhoek",), population=population,
                        merged_from=(), geometry=geometry, geometry_metric=box(x.min(), y.min(), x.max(), y.max()))


REGIONS = RegionIndex([municipality("10001", "Aadorp", 3.0, 1000), municipality("10002", "Bedorp", 3.2, 3000)])
# two points per municipality, straight north of a common meridian for easy distances
ORIGINS = Origins(
    lonlat=np.array([[3.1, 50.05], [3.1, 50.05 + 3.0 * KM_LAT], [3.3, 50.05], [3.3, 50.05 + 5.0 * KM_LAT]]),
    municipality_nis=np.array(["10001", "10001", "10002", "10002"]),
    weight=np.array([500.0, 500.0, 1500.0, 1500.0]),
    label=("8000 Anorth", "8001 Asouth", "8002 Bnorth", "8002 Bnorth"),
    h3=("881949a337fffff", "881949a305fffff", "881949b55dfffff", "881949b767fffff"),
)


def location(index: int, lon: float, lat: float, nis: str) -> CatalogLocation:
    return CatalogLocation(id=f"loc-{index}", name="", address_1="", postcode="", city="", municipality_nis=nis,
                           latitude=lat, longitude=lon, wheelchair_level=None, accessibility_description="",
                           transportation="", geocode_precision="address")


LOCATIONS = (
    location(0, 3.1, 50.05 + 0.5 * KM_LAT, "10001"),  # 0.5 km from a1, 2.5 km from a2
    location(1, 3.3, 50.05 + 1.0 * KM_LAT, "10002"),  # 1 km from b1, 4 km from b2
    location(2, 3.1, 50.05 + 3.2 * KM_LAT, "10001"),  # 0.2 km from a2
)


def catalog(*services) -> Catalog:
    return Catalog(services=tuple(services), locations=LOCATIONS, key=(len(services),),
                   lonlat=np.array([[loc.longitude, loc.latitude] for loc in LOCATIONS]))


def shares(*services, need: str = "housing") -> dict[str, tuple[int, float]]:
    result = run_gap_analysis(catalog=catalog(*services), regions=REGIONS, origins=ORIGINS,
                              reach=Reach.estimates_only(), window=WINDOW, needs=[need], profiles=("walk",))
    return {row.nis: (row.population_within_reach, row.share_within_reach) for row in result.select(need=need, profile="walk")}


def test_hand_computed_baseline():
    housing_a = make_service("ha", {"housing/support"}, (0,))
    assert shares(housing_a) == {"10001": (500, 0.5), "10002": (0, 0.0)}


def test_adding_a_service_changes_exactly_the_expected_cells():
    housing_a = make_service("ha", {"housing"}, (0,))
    housing_b = make_service("hb", {"housing"}, (1,))
    before = shares(housing_a)
    after = shares(housing_a, housing_b)
    assert after["10001"] == before["10001"]
    assert after["10002"] == (1500, 0.5)  # b1 (1 km) reached, b2 (4 km) not
    closer = make_service("hc", {"housing"}, (2,))
    assert shares(housing_a, housing_b, closer)["10001"] == (1000, 1.0)


def test_removing_a_service_and_other_needs_and_inactive_services():
    housing_a = make_service("ha", {"housing"}, (0,))
    housing_b = make_service("hb", {"housing"}, (1,))
    both = shares(housing_a, housing_b)
    without_a = shares(housing_b)
    # removing a (near a1 in 10001) empties 10001's cell and leaves 10002's exactly as it was
    assert {nis for nis in both if both[nis] != without_a[nis]} == {"10001"}
    assert without_a == {"10001": (0, 0.0), "10002": (1500, 0.5)}
    assert shares(housing_b, need="language") == {"10001": (0, 0.0), "10002": (0, 0.0)}
    inactive = make_service("x", {"housing"}, (0,), status="inactive")
    assert shares(housing_b, inactive)["10001"] == (0, 0.0)


def test_outreach_counts_where_its_area_covers_the_origin():
    home_visits = make_service("out", {"housing"}, (), outreach=True, service_area=frozenset({"10002"}))
    assert shares(home_visits) == {"10001": (0, 0.0), "10002": (3000, 1.0)}


def test_bike_reaches_further_than_walking_and_exports_are_complete():
    housing_a = make_service("ha", {"housing"}, (0,))
    result = run_gap_analysis(catalog=catalog(housing_a), regions=REGIONS, origins=ORIGINS,
                              reach=Reach.estimates_only(), window=WINDOW, needs=["housing"], profiles=("walk", "bike"))
    walk = {r.nis: r for r in result.select(need="housing", profile="walk")}
    bike = {r.nis: r for r in result.select(need="housing", profile="bike")}
    # by bike, 30 min reaches 5.77 km: a2 (2.5 km) too
    assert (walk["10001"].share_within_reach, bike["10001"].share_within_reach) == (0.5, 1.0)
    assert bike["10001"].median_minutes_to_nearest == pytest.approx(
        np.median([0.5 * 1.3 / 15 * 60, 2.5 * 1.3 / 15 * 60]), abs=0.1
    )
    assert result.estimated
    rows = result.select(need="housing", profile="walk") + result.place_rows(need="housing", profile="walk")
    csv_text = to_csv(rows)
    assert csv_text.count("\n") == 1 + len(rows) == 1 + 2 + 3
    geojson = to_geojson(result.select(need="housing", profile="bike"), REGIONS)
    assert {f["properties"]["nis"] for f in geojson["features"]} == {"10001", "10002"}


def test_the_cached_analysis_is_keyed_by_the_routing_data_and_the_day():
    from dataclasses import replace

    from app.domain.gaps import analysis_key
    from routing.network import RoadNetwork
    from routing.travel import TravelTimeEngine

    catalog = Catalog(services=(), locations=(), key=("services", 1))
    estimates = Reach.estimates_only()

    def network(source: str) -> RoadNetwork:
        two = np.array([0.0, 1.0])
        return RoadNetwork(network_type="walk", source=source, crs="EPSG:3812", node_ids=np.array([1, 2]), lon=two,
                           lat=two, x=two, y=two, indptr=np.array([0, 1, 1]), indices=np.array([1], dtype=np.int32),
                           weights=np.array([1.0]))

    def key(reach: Reach, window: TransitWindow = WINDOW) -> str:
        return analysis_key(catalog, "population-h3r8-aaaa.csv", reach, ("work",), ("walk",), window=window)

    routed = Reach(TravelTimeEngine(estimates.config, {"walk": network("regions.osm.pbf:aaaa")}))
    rerouted = Reach(TravelTimeEngine(estimates.config, {"walk": network("regions.osm.pbf:bbbb")}))
    keys = {key(estimates), key(routed), key(rerouted), key(estimates, replace(WINDOW, service_date=date(2026, 11, 25)))}
    assert len(keys) == 4
    assert key(routed) == key(Reach(TravelTimeEngine(estimates.config, {"walk": network("regions.osm.pbf:aaaa")})))
    other_people = analysis_key(catalog, "population-h3r8-bbbb.csv", estimates, ("work",), ("walk",), window=WINDOW)
    assert other_people != key(estimates)  # another population file: another analysis


def test_each_hexagon_knows_its_nearest_service_and_minutes():
    housing_a = make_service("ha", {"housing"}, (0,))
    housing_c = make_service("hc", {"housing/support"}, (2,))
    result = run_gap_analysis(catalog=catalog(housing_a, housing_c), regions=REGIONS, origins=ORIGINS,
                              reach=Reach.estimates_only(), window=WINDOW, needs=["housing"], profiles=("walk",))
    cells = {c["h3"]: c for c in result.hexagons(need="housing", profile="walk")}
    walk = lambda km: round(km * 1.3 / 4.8 * 60, 1)  # noqa: E731 - the straight-line estimate
    a1, a2, b1, b2 = (cells[h] for h in ORIGINS.h3)
    assert (a1["nearest_service_id"], a1["minutes_to_nearest"]) == ("ha", walk(0.5))
    assert (a2["nearest_service_id"], a2["minutes_to_nearest"]) == ("hc", walk(0.2))  # the closer one wins
    assert (b1["minutes_to_nearest"], b1["nearest_service_id"], b1["population_within_reach"]) == (None, None, 0)
    assert (a1["population"], a1["population_within_reach"], a1["nis"]) == (500, 500, "10001")
    # the municipality rows are the sums of their hexagons
    rows = {r.nis: r for r in result.select(need="housing", profile="walk")}
    assert rows["10001"].population_within_reach == a1["population_within_reach"] + a2["population_within_reach"]
    # people-weighted median: 500 people at 3.25 min, 500 at 8.1 min
    assert rows["10001"].median_minutes_to_nearest == round((0.2 + 0.5) / 2 * 1.3 / 4.8 * 60, 1)


def test_deelgemeente_rows_and_outreach_is_named_as_the_nearest_service():
    home_visits = make_service("out", {"housing"}, (), outreach=True, service_area=frozenset({"10002"}))
    result = run_gap_analysis(catalog=catalog(home_visits), regions=REGIONS, origins=ORIGINS,
                              reach=Reach.estimates_only(), window=WINDOW, needs=["housing"], profiles=("walk",))
    places = {(r.nis, r.place): (r.population, r.population_within_reach)
              for r in result.place_rows(need="housing", profile="walk")}
    assert places == {("10001", "8000 Anorth"): (500, 0), ("10001", "8001 Asouth"): (500, 0),
                      ("10002", "8002 Bnorth"): (3000, 3000)}
    b1 = next(c for c in result.hexagons(need="housing", profile="walk") if c["h3"] == ORIGINS.h3[2])
    assert (b1["nearest_service_id"], b1["minutes_to_nearest"]) == ("out", 0.0)


def test_a_hexagon_on_a_border_is_one_feature_with_the_people_of_both_parts():
    from app.domain.gaps import hexagons_geojson

    shared = Origins(lonlat=ORIGINS.lonlat[:2], municipality_nis=np.array(["10001", "10002"]),
                     weight=np.array([100.0, 300.0]), label=("8000 Anorth", "8002 Bnorth"),
                     h3=("881949a337fffff", "881949a337fffff"))
    result = run_gap_analysis(catalog=catalog(make_service("ha", {"housing"}, (0,))), regions=REGIONS,
                              origins=shared, reach=Reach.estimates_only(), window=WINDOW, needs=["housing"],
                              profiles=("walk",))
    collection = hexagons_geojson(result, need="housing", profile="walk")
    assert len(collection["features"]) == 1
    feature = collection["features"][0]
    assert feature["properties"]["population"] == 400 and feature["properties"]["nis"] == "10002"
    # the parts are 0.5 and 2.5 km from the service: only the first (100 people) walks there in 30 min
    assert feature["properties"]["population_within_reach"] == 100
    assert feature["properties"]["minutes_to_nearest"] == round(0.5 * 1.3 / 4.8 * 60, 1)
    ring = feature["geometry"]["coordinates"][0]
    assert len(ring) == 7 and ring[0] == ring[-1] and -180 <= ring[0][0] <= 180


def test_the_gap_profiles_are_the_search_presets_one_list():
    from typing import get_args

    from app.domain.gaps import GAP_PROFILES
    from app.domain.profile import PRESETS, PresetName

    assert GAP_PROFILES == get_args(PresetName) == tuple(PRESETS)
    assert all(PRESETS[name].name == name for name in GAP_PROFILES)
