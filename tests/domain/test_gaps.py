"""Gap analysis on a tiny hand-computed world: two square municipalities, four people points.

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
    label=("a1", "a2", "b1", "b2"),
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
    csv_text = to_csv(result.rows)
    assert csv_text.count("\n") == 1 + len(result.rows)
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
        return analysis_key(catalog, ORIGINS, reach, ("work",), ("walk",), window=window)

    routed = Reach(TravelTimeEngine(estimates.config, {"walk": network("regions.osm.pbf:aaaa")}))
    rerouted = Reach(TravelTimeEngine(estimates.config, {"walk": network("regions.osm.pbf:bbbb")}))
    keys = {key(estimates), key(routed), key(rerouted), key(estimates, replace(WINDOW, service_date=date(2026, 11, 25)))}
    assert len(keys) == 4
    assert key(routed) == key(Reach(TravelTimeEngine(estimates.config, {"walk": network("regions.osm.pbf:aaaa")})))
