"""The app's door to routing: timetable answers when a GTFS feed is loaded, labelled estimates otherwise."""

from __future__ import annotations

import zipfile
from datetime import date, time
from pathlib import Path

import numpy as np
import pytest

from app.domain.reach import Reach, TransitWindow
from routing.config import RoutingConfig
from routing.transit import RailEstimator, load_feeds
from routing.travel import TravelTimeEngine

GTFS_FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "gtfs"
STOP_A, STOP_D = (2.80, 50.85), (2.98, 50.85)
TUESDAY = TransitWindow(service_date=date(2026, 5, 12), start=time(8), end=time(9))


@pytest.fixture(scope="module")
def feed_zip(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("gtfs") / "fixture.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for file in GTFS_FIXTURE.glob("*.txt"):
            archive.write(file, file.name)
    return path


@pytest.fixture(scope="module")
def reach_with_timetable(feed_zip, tmp_path_factory) -> Reach:
    config = RoutingConfig()
    router, _report = load_feeds([feed_zip], cache_dir=tmp_path_factory.mktemp("transit"), config=config)
    return Reach(TravelTimeEngine(config), transit_router=router)


def test_timetable_answers_are_not_estimates(reach_with_timetable):
    (times,) = reach_with_timetable.mode_times(
        STOP_A, np.array([STOP_D]), ["transit"], max_minutes_by_mode={"transit": 45}, window=TUESDAY
    )
    # hand-computed in the fixture's README: A->D leaving each minute 08:00-09:00, median 37 min
    assert times.minutes[0] == pytest.approx(37, abs=0.01)
    assert not times.estimated[0]
    assert "trein" in times.details[0]


def test_a_date_outside_the_feed_falls_back_to_the_labelled_estimate(reach_with_timetable, tmp_path):
    stations = tmp_path / "stations.csv"
    stations.write_text("name,longitude,latitude,avg_stop_times\nIeper,2.8768,50.8486,80\nPoperinge,2.7360,50.8546,60\n")
    reach = Reach(reach_with_timetable.engine, transit_router=reach_with_timetable.transit_router,
                  rail_estimator=RailEstimator.from_stations_csv(stations, RoutingConfig()))
    later = TransitWindow(service_date=date(2031, 1, 7), start=time(8), end=time(9))
    (times,) = reach.mode_times(STOP_A, np.array([STOP_D]), ["transit"], max_minutes_by_mode={"transit": 45}, window=later)
    assert times.estimated[0]


def test_without_any_public_transport_data_transit_is_walking_and_says_so():
    reach = Reach.estimates_only()
    (times,) = reach.mode_times(STOP_A, np.array([STOP_D]), ["transit"], max_minutes_by_mode={"transit": 45},
                                window=TUESDAY)
    assert times.estimated[0] and "te voet" in times.details[0]
