"""The app's door to routing: timetable answers when a GTFS feed is loaded, labelled estimates otherwise."""

from __future__ import annotations

import zipfile
from datetime import date, time
from pathlib import Path

import numpy as np
import pytest

from app.domain.journey_wording import travel_detail
from app.domain.reach import Reach, TransitWindow, transit_window_for_gaps
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
    assert times.basis(0) == "timetabled"
    assert "trein" in travel_detail(times.details[0])


def test_a_date_outside_the_feed_uses_the_same_weekday_of_the_feed_and_says_so(reach_with_timetable):
    later = TransitWindow(service_date=date(2031, 1, 7), start=time(8), end=time(9))  # a Tuesday
    (times,) = reach_with_timetable.mode_times(
        STOP_A, np.array([STOP_D]), ["transit"], max_minutes_by_mode={"transit": 45}, window=later
    )
    # the Tuesday of the fixture feed's first full week (2026-05-05) answers: the same 37 min
    assert times.minutes[0] == pytest.approx(37, abs=0.01)
    assert times.basis(0) == "timetabled"
    notice = reach_with_timetable.timetable_notice(later, today=date(2031, 1, 6))
    assert notice.service_date == date(2026, 5, 5) and not notice.covers_today
    assert notice.to_dict()["covers_requested_date"] is False
    assert "dinsdag 5 mei 2026" in notice.label_nl and "niet op dinsdag 7 januari 2031" in notice.label_nl


def test_the_service_date_setting_picks_the_day(reach_with_timetable):
    reach = Reach(reach_with_timetable.engine, transit_router=reach_with_timetable.transit_router,
                  service_date=date(2026, 5, 13))  # the strike Wednesday: no WK service
    (times,) = reach.mode_times(STOP_A, np.array([STOP_D]), ["transit"], max_minutes_by_mode={"transit": 45},
                                window=TUESDAY)
    assert times.basis(0) != "timetabled"  # only the walk (estimated in a straight line) is left
    assert reach.timetable_notice(TUESDAY, today=date(2026, 5, 11)).service_date == date(2026, 5, 13)


def test_the_gap_window_names_the_timetable_day(reach_with_timetable):
    window = transit_window_for_gaps(reach_with_timetable, date(2031, 1, 6))  # Monday: next weekday Tuesday
    assert window.service_date == date(2026, 5, 5)
    assert (window.start, window.end) == (time(8), time(9))
    assert transit_window_for_gaps(Reach.estimates_only(), date(2031, 1, 6)).service_date == date(2031, 1, 7)


def test_without_any_public_transport_data_transit_is_walking_and_says_so():
    reach = Reach.estimates_only()
    (times,) = reach.mode_times(STOP_A, np.array([STOP_D]), ["transit"], max_minutes_by_mode={"transit": 45},
                                window=TUESDAY)
    assert times.estimated[0] and "te voet" in travel_detail(times.details[0])


def test_a_bus_timetable_replaces_the_bus_estimate(reach_with_timetable, tmp_path):
    from routing.transit import BusEstimator

    stops = tmp_path / "stops.txt"
    stops.write_text("stop_id,stop_lat,stop_lon\n1,50.85,2.80\n2,50.85,2.98\n", encoding="utf-8")
    bus = BusEstimator.from_stops_txt(stops, RoutingConfig())
    # the fixture feed is mostly buses (bus 1, 2, 4 and one train): its timetable answers for buses
    with_feed = Reach(reach_with_timetable.engine, transit_router=reach_with_timetable.transit_router,
                      bus_estimator=bus)
    assert with_feed.bus_estimator is None
    # without a timetable the estimate stays available
    assert Reach(reach_with_timetable.engine, bus_estimator=bus).bus_estimator is bus


class CountingWalkNetwork:
    """A stand-in walk network (80 m a minute in a straight line, all routed) that counts its queries."""

    source = "fixture-roads-2026.osm.pbf:abcd"

    def __init__(self) -> None:
        self.calls = 0

    def covers(self, lon: float, lat: float) -> bool:
        return True

    def one_to_many(self, origin, destinations, mode, *, cutoff_minutes=None):
        from routing.geometry import haversine_m

        self.calls += 1
        return haversine_m(origin, destinations) / 80.0, np.ones(len(destinations), dtype=bool), 0.0


def test_a_search_walks_once_for_the_walk_mode_and_the_transit_legs(reach_with_timetable):
    network = CountingWalkNetwork()
    reach = Reach(TravelTimeEngine(RoutingConfig(), {"walk": network}),
                  transit_router=reach_with_timetable.transit_router)
    destinations = np.array([STOP_D, (2.95, 50.86), (2.81, 50.851)])
    reach.prepare(destinations)  # per catalogue snapshot: one walk per destination with stops nearby
    assert network.calls == 2  # (2.95, 50.86) has no stop within 1,200 m
    reach.prepare(destinations.copy())  # the same locations again: nothing recomputed
    assert network.calls == 2
    network.calls = 0
    walk, transit = reach.mode_times(STOP_A, destinations, ["walk", "transit"],
                                     max_minutes_by_mode={"walk": 30, "transit": 45}, window=TUESDAY)
    assert network.calls == 1
    # the same answers as asking the network for each part separately
    separate = reach._transit(STOP_A, destinations, 45, TUESDAY)  # noqa: SLF001
    np.testing.assert_array_equal(transit.minutes, separate.minutes)
    assert transit.basis(0) == "timetabled"  # routed walks (of 0 m) and the timetable
    assert transit.legs[0] == (("walk", "routed"), ("timetable", "timetabled"))
    assert walk.basis(2) == "routed"
    from app.domain.travel_labels import basis_label

    assert basis_label("walk", "routed", reach=reach, timetable=None) == "berekend op het wegennet OpenStreetMap 2026"


def test_a_day_outside_the_feed_is_logged_without_the_day_asked_for(reach_with_timetable, caplog):
    reach = Reach(reach_with_timetable.engine, transit_router=reach_with_timetable.transit_router)
    later = TransitWindow(service_date=date(2031, 1, 7), start=time(8), end=time(9))
    with caplog.at_level("INFO", logger="app.domain.reach"):
        for _ in range(3):
            reach.mode_times(STOP_A, np.array([STOP_D]), ["transit"], max_minutes_by_mode={"transit": 45}, window=later)
    messages = [record.getMessage() for record in caplog.records if record.name == "app.domain.reach"]
    assert len(messages) == 1 and "2026-05-05" in messages[0] and "2031" not in messages[0]


def test_the_service_date_setting_is_read_from_the_environment(monkeypatch):
    from app.core.config import Settings

    monkeypatch.setenv("SK_TRANSIT_SERVICE_DATE", "2019-10-15")
    assert Settings().transit_service_date == date(2019, 10, 15)
    monkeypatch.setenv("SK_TRANSIT_SERVICE_DATE", "")
    assert Settings().transit_service_date is None
