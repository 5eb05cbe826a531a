"""The pipeline on the real files (``make test-realdata``; CI runs it after the suite).

The four-regions OpenStreetMap roads (2017), the NMBS timetable (autumn 2019) and the
street index built from the roads, as ``sk data`` and ``make run`` prepare them: the
networks are built into the app's network folder the first time (about 1-2 minutes on
two cores; later runs find the cache), a few known trips must come out with sane times,
one train query goes through the app's :class:`~app.domain.reach.Reach`, and a few real
streets are placed.
"""

from __future__ import annotations

import time
from datetime import date, time as clock

import numpy as np
import pytest

from app.core.config import Settings
from app.domain.reach import Reach, TransitWindow
from app.server.app_state import routing_config
from geo.errors import AmbiguousLocation
from geo.gazetteer import Gazetteer, Precision
from geo.sources import NMBS_GTFS_PATH, OSM_ROADS_PATH
from routing.ensure_networks import ensure_networks
from routing.network import load_cached_networks
from routing.travel import TravelTimeEngine

pytestmark = pytest.mark.realdata

#: (lon, lat) of places everybody knows
KORTRIJK_STATION = (3.26445, 50.82442)
KORTRIJK_GROTE_MARKT = (3.26510, 50.82790)
IEPER_GROTE_MARKT = (2.88520, 50.85140)
IEPER_STATION = (2.87650, 50.84850)
POPERINGE_GROTE_MARKT = (2.72650, 50.85450)
TURNHOUT_GROTE_MARKT = (4.94830, 51.32270)
BEERSE_CENTRE = (4.85780, 51.31920)


def _km(a, b) -> float:
    scale = np.cos(np.radians((a[1] + b[1]) / 2))
    return float(np.hypot((a[0] - b[0]) * 111.32 * scale, (a[1] - b[1]) * 110.57))


@pytest.fixture(scope="module")
def app_settings(data_dir) -> Settings:
    """The settings ``make run`` uses (its network folder), not the suite's fixture-only ones."""
    return Settings(data_dir=data_dir)


@pytest.fixture(scope="module")
def networks(app_settings):
    config = routing_config(app_settings)
    started = time.perf_counter()
    report = ensure_networks(app_settings.data_dir / "source" / OSM_ROADS_PATH, cache_dir=app_settings.network_dir,
                             config=config, progress=False)
    print(f"\nnetworks {'built' if report['built'] else 'cached'} in {time.perf_counter() - started:.1f} s")
    return load_cached_networks(app_settings.network_dir, config)


@pytest.fixture(scope="module")
def engine(app_settings, networks) -> TravelTimeEngine:
    return TravelTimeEngine(routing_config(app_settings), networks)


def test_the_four_regions_networks_are_built_from_the_real_file(networks):
    assert set(networks) == {"walk", "bike", "drive"}
    # 822k nodes in the file (shape points included), simplified to intersections: about 150k per mode
    assert all(network.n_nodes > 50_000 for network in networks.values())
    assert all(network.source.startswith("four-regions-roads-2017.osm.pbf:") for network in networks.values())


@pytest.mark.parametrize(
    ("origin", "destination", "mode", "low", "high"),
    [
        (KORTRIJK_STATION, KORTRIJK_GROTE_MARKT, "walk", 4, 12),   # 400 m as the crow flies
        (IEPER_GROTE_MARKT, POPERINGE_GROTE_MARKT, "bike", 40, 70),  # 11 km
        (IEPER_GROTE_MARKT, POPERINGE_GROTE_MARKT, "ebike", 30, 52),
        (IEPER_GROTE_MARKT, POPERINGE_GROTE_MARKT, "car", 12, 30),  # 3 min parking included
        (TURNHOUT_GROTE_MARKT, BEERSE_CENTRE, "car", 8, 25),       # 6 km
        (KORTRIJK_GROTE_MARKT, IEPER_GROTE_MARKT, "car", 25, 50),  # 27 km, partly on the A19
    ],
)
def test_known_trips_are_routed_with_sane_times(engine, origin, destination, mode, low, high):
    times = engine.one_to_many(origin, np.array([destination]), mode)
    assert not times.estimated[0], f"{mode} from {origin} should be routed on the real network"
    minutes = float(times.minutes[0])
    assert low <= minutes <= high, f"{mode} {_km(origin, destination):.1f} km took {minutes:.1f} min"
    # a route is never shorter than the straight line at the mode's speed
    assert minutes >= _km(origin, destination) / engine.config.speed_kmh(mode) * 60 * 0.95 or mode == "car"


def test_a_train_query_on_the_nmbs_timetable_through_the_apps_reach(app_settings, engine):
    from routing.transit import load_feeds

    feed = app_settings.data_dir / "source" / NMBS_GTFS_PATH
    router, _report = load_feeds([str(feed)], cache_dir=app_settings.data_dir / "transit", config=engine.config)
    reach = Reach(engine, transit_router=router)
    window = TransitWindow(service_date=date(2019, 10, 15), start=clock(8, 0), end=clock(9, 0))
    [transit] = reach.mode_times(KORTRIJK_STATION, np.array([IEPER_STATION]), ["transit"],
                                 max_minutes_by_mode={"transit": 90}, window=window)
    # Kortrijk-Ieper is about 30 minutes by the hourly train, plus the walks and the wait
    assert not transit.estimated[0]
    assert 25 <= float(transit.minutes[0]) <= 80, transit.details
    # and the credits beside these times name the timetable
    from app.domain.attribution import travel_credits

    assert travel_credits(reach)[-1] == "dienstregeling NMBS"


@pytest.fixture(scope="module")
def gazetteer(data_dir) -> Gazetteer:
    return Gazetteer.from_geo_dir(data_dir / "geo")


def test_real_streets_are_placed_on_their_street(gazetteer):
    assert len(gazetteer.streets) > 10_000
    market = gazetteer.resolve("Grote Markt Kortrijk")
    assert market.precision is Precision.STREET and market.label == "Grote Markt, 8500 Kortrijk"
    assert _km((market.longitude, market.latitude), KORTRIJK_GROTE_MARKT) < 0.3
    numbered = gazetteer.resolve("Rijselstraat 12, 8900 Ieper")
    assert numbered.precision is Precision.STREET and numbered.label.startswith("Rijselstraat 12, 8900 Ieper")
    assert "huisnummer 12 niet geplaatst" in numbered.note
    assert _km((numbered.longitude, numbered.latitude), IEPER_GROTE_MARKT) < 1.5


def test_a_street_in_two_villages_of_one_municipality_offers_both(gazetteer):
    with pytest.raises(AmbiguousLocation) as excinfo:
        gazetteer.resolve("Kortrijksestraat Wevelgem")
    streets = [c for c in excinfo.value.candidates if c.precision is Precision.STREET]
    assert len(streets) >= 2 and {c.municipality_name for c in streets} == {"Wevelgem"}
    assert len({c.label for c in streets}) == len(streets)  # each names its village


def test_the_street_index_is_built_from_the_real_file(tmp_path, data_dir, regions, places):
    # (its speed is measured by `make bench-streets`, beside pyrosm)
    from geo.streets import ensure_streets, load_streets

    report = ensure_streets(data_dir / "source" / OSM_ROADS_PATH, tmp_path, regions, places, osm_fingerprint="x")
    assert report["built"] and report["streets"] > 10_000
    streets = load_streets(tmp_path)
    assert {street.municipality_nis for street in streets} == {m.nis for m in regions.municipalities}
