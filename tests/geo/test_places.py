"""Postcode/place points and stations derived for the 44 municipalities."""

from __future__ import annotations

import json

import numpy as np
import pytest

from geo.places import (
    POSITION_POSTCODE,
    POSITION_SNAPPED,
    POSITION_SOURCE,
    Place,
    load_stations,
    municipality_names,
    postcode_main_places,
)
from geo.regions import RegionIndex


def test_every_place_point_lies_in_its_own_municipality(regions: RegionIndex, places: list[Place]):
    located = regions.locate_many(np.array([p.lon for p in places]), np.array([p.lat for p in places]))
    wrong = [(p.postcode, p.name, p.municipality_nis, found) for p, found in zip(places, located) if found != p.municipality_nis]
    assert wrong == []
    assert {p.municipality_nis for p in places} == {m.nis for m in regions.municipalities}  # every one has places
    assert len(places) > 180


def test_places_follow_statbel_postcodes(shared_data, places: list[Place]):
    """Every kept place's municipality is the one Statbel gives its postcode."""
    table = json.loads((shared_data / "statbel/postal-codes.json").read_text(encoding="utf-8"))
    municipality_of = {row["postalCode"]: row["municipality"] for row in table}
    assert all(municipality_of[p.postcode] == p.municipality_nis for p in places)


def test_misplaced_driekapellen_is_answered_with_its_postcode_point(places: list[Place]):
    driekapellen = next(p for p in places if p.name == "Driekapellen")
    diksmuide = next(p for p in places if p.postcode == "8600" and p.name == "Diksmuide")
    assert driekapellen.municipality_nis == "32003"
    assert driekapellen.position == POSITION_POSTCODE
    assert (driekapellen.lon, driekapellen.lat) == (diksmuide.lon, diksmuide.lat)


def test_points_just_across_simplified_borders_are_snapped_inside(places: list[Place]):
    snapped = {p.name: p.municipality_nis for p in places if p.position == POSITION_SNAPPED}
    assert snapped == {"Vlimmeren": "13004", "Sint-Eloois-Vijve": "34040", "Bikschote": "33040"}
    assert sum(p.position == POSITION_SOURCE for p in places) == len(places) - 4


def test_points_of_postcodes_outside_the_regions_are_not_kept(places: list[Place]):
    # 3700 Sluizen (Tongeren) falls in Nieuwpoort, 7760 Escanaffles (Celles) in Avelgem,
    # 8434 Lombardsijde (Middelkerke) in Nieuwpoort: the postcode decides, not the point.
    names = {p.name for p in places}
    assert not names & {"Sluizen", "Escanaffles", "Lombardsijde"}


def test_french_source_names_are_shown_in_dutch(places: list[Place]):
    renamed = {p.source_name: p.name for p in places if p.source_name}
    assert renamed == {
        "Biévène": "Bever", "Espierres": "Spiere", "Espierres-Helchin": "Spiere-Helkijn", "Helchin": "Helkijn",
        "Messines": "Mesen",
    }


def test_postcode_main_place_is_the_one_named_like_the_municipality(regions: RegionIndex, places: list[Place]):
    main = postcode_main_places(places, municipality_names(regions))
    assert main[("8500", "34022")].name == "Kortrijk"
    assert main[("1570", "23106")].name == "Galmaarden"  # a former municipality's name counts
    assert main[("8600", "32003")].name == "Diksmuide"
    # no village named like the municipality: the medoid, never the untrusted Driekapellen point
    assert main[("8510", "34022")].name in {"Bellegem", "Kooigem", "Marke", "Rollegem"}
    assert all(place.position != POSITION_POSTCODE for place in main.values())


def test_stations_in_and_near_the_regions_with_facilities(geo_dir, regions: RegionIndex):
    stations = {station.name: station for station in load_stations(geo_dir)}
    assert {"Kortrijk", "Ieper", "Poperinge", "Turnhout", "Liedekerke", "Diksmuide", "Tielen", "Galmaarden"} <= set(stations)
    assert {"Denderleeuw", "Roeselare", "Herentals", "Mouscron"} <= set(stations)  # within 10 km
    assert not {"Brugge", "Gent-Sint-Pieters", "Antwerpen-Centraal", "Leuven"} & set(stations)
    assert all(station.distance_to_regions_km <= 10.0 for station in stations.values())
    kortrijk = stations["Kortrijk"]
    assert kortrijk.municipality_nis == "34022" and kortrijk.distance_to_regions_km == 0
    assert kortrijk.ramp is True and kortrijk.bus is True and kortrijk.avg_stop_times > 100
    assert stations["Roeselare"].municipality_nis == ""
    # the station's address decides its municipality (Enghien's station is just inside Pajottegem's outline)
    assert stations["Enghien"].municipality_nis == ""
    inside = [s for s in stations.values() if s.municipality_nis]
    assert all(s.municipality_nis in {m.nis for m in regions.municipalities} for s in inside)


@pytest.mark.parametrize("flag", ["wheelchair", "ramp", "elevated_platform", "bus"])
def test_station_facility_flags_are_booleans_or_unknown(geo_dir, flag: str):
    values = {getattr(station, flag) for station in load_stations(geo_dir)}
    assert values <= {True, False, None}
    assert True in values and False in values
