"""The legs of the earliest journey (routing.transit.journey) on a hand-made train feed: a
transfer between platforms, staying seated through a block, a stop where nobody boards."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import numpy as np
import pytest

from routing.transit import load_feeds
from routing.transit.journey import EstimatedBus, Ride, Transfer, Walk, clock
from tests.routing.transit.conftest import zip_feed

FEED = Path(__file__).resolve().parents[2] / "fixtures" / "gtfs_journey"
TUESDAY = date(2026, 5, 12)
NEAR_DEINZE = (3.5270, 50.9860)  # 222 m north of the station
NEAR_KORTRIJK = (3.2640, 50.8035)  # 167 m north of the station
NEAR_ANZEGEM = (3.4700, 50.8310)


@pytest.fixture(scope="module")
def router(tmp_path_factory):
    folder = tmp_path_factory.mktemp("journey")
    router, _report = load_feeds([zip_feed(FEED, folder / "feed.zip")], cache_dir=folder / "cache")
    return router


def minutes_arrival(router, origin, destination, departure: time) -> float:
    """The clock time (seconds) the minutes query arrives for a window of that one minute."""
    times = router.one_to_many(origin, np.array([destination]), service_date=TUESDAY, window_start=departure,
                               window_end=departure, max_minutes=120)
    return departure.hour * 3600 + departure.minute * 60 + times.minutes_median[0] * 60


def test_staying_seated_through_the_block_and_not_boarding_where_nobody_may(router):
    itinerary = router.journey(NEAR_DEINZE, NEAR_KORTRIJK, service_date=TUESDAY, departure=time(8, 40),
                               max_minutes=120)
    walk_there, ride, walk_on = itinerary.legs
    assert isinstance(walk_there, Walk) and walk_there.to_stop == "Deinze" and walk_there.from_stop is None
    assert walk_there.estimated  # no walk network here: a straight line
    assert isinstance(ride, Ride)
    # IC 512 leaves Deinze at 08:55 and is in Kortrijk at 09:20, but nobody boards it in Deinze
    assert (ride.line, ride.trip_short_name, ride.board_stop, ride.departure) == ("trein L", "1861", "Deinze",
                                                                                   time(8, 50))
    assert ride.board_platform == "1"
    # L 1861 goes on as P 7001 at Waregem: one ride, seated, to Kortrijk (a change would need a minute)
    assert ride.continues_as == ("7001",)
    # Tuesdays at platform 5 (stop_time_overrides.txt), the other days at the station's platform 3
    assert (ride.alight_stop, ride.arrival, ride.alight_platform) == ("Kortrijk", time(9, 25), "5")
    monday = router.journey(NEAR_DEINZE, NEAR_KORTRIJK, service_date=date(2026, 5, 11), departure=time(8, 40),
                            max_minutes=120)
    assert monday.rides[0].alight_platform == "3" and monday.rides[0].board_platform == "1"
    assert ride.headsign == "Kortrijk"
    assert isinstance(walk_on, Walk) and walk_on.from_stop == "Kortrijk" and walk_on.to_stop is None
    assert itinerary.arrival_s == pytest.approx(minutes_arrival(router, NEAR_DEINZE, NEAR_KORTRIJK, time(8, 40)))
    assert itinerary.leave == clock(ride.departure_s - walk_there.seconds)


def test_a_transfer_between_platforms_with_its_walk_and_wait(router):
    itinerary = router.journey(NEAR_DEINZE, NEAR_ANZEGEM, service_date=TUESDAY, departure=time(8, 40),
                               max_minutes=120)
    kinds = [type(leg) for leg in itinerary.legs]
    assert kinds == [Walk, Ride, Transfer, Ride, Walk]
    first, change, second = itinerary.legs[1:4]
    assert (first.trip_short_name, first.alight_stop, first.arrival, first.alight_platform) == (
        "1861", "Waregem", time(9, 5), "1")
    # platform 1 to 2 takes 240 s (transfers.txt): IC 512 at 09:08 is gone, S 3312 at 09:15 waits
    assert (change.at_stop, change.walk_seconds, change.walk_minutes, change.wait_minutes) == ("Waregem", 240, 4, 6)
    assert (second.line, second.trip_short_name, second.headsign, second.board_platform, second.departure) == (
        "trein S", "3312", "Anzegem", "2", time(9, 15))
    assert second.arrival == time(9, 24)
    assert itinerary.arrival_s == pytest.approx(minutes_arrival(router, NEAR_DEINZE, NEAR_ANZEGEM, time(8, 40)))


@pytest.mark.parametrize("departure", [time(8, 0), time(8, 40), time(8, 47), time(8, 55), time(9, 0)])
@pytest.mark.parametrize("destination", [NEAR_KORTRIJK, NEAR_ANZEGEM, (3.4240, 50.8930)])
def test_the_journey_arrives_when_the_minutes_query_does(router, departure, destination):
    itinerary = router.journey(NEAR_DEINZE, destination, service_date=TUESDAY, departure=departure, max_minutes=120)
    expected = minutes_arrival(router, NEAR_DEINZE, destination, departure)
    if not np.isfinite(expected):
        assert itinerary is None
    else:
        assert itinerary.arrival_s == pytest.approx(expected)
        assert itinerary.minutes == round((expected - itinerary.start_s) / 60)


def test_a_walk_only_answer_and_no_answer(router):
    walk = router.journey(NEAR_KORTRIJK, (3.2640, 50.8045), service_date=TUESDAY, departure=time(9, 0),
                          max_minutes=60)
    assert [type(leg) for leg in walk.legs] == [Walk] and walk.legs[0].to_stop is None and not walk.rides
    assert router.journey(NEAR_DEINZE, NEAR_KORTRIJK, service_date=TUESDAY, departure=time(9, 0),
                          max_minutes=60) is None  # the last train left


def test_an_estimated_bus_leg_has_no_clock_times(router):
    from routing.transit import BusEstimator

    feeder = BusEstimator(np.array([[3.5270, 50.9840], [3.60, 51.03]]), config=router.config)
    itinerary = router.journey((3.60, 51.03), NEAR_KORTRIJK, service_date=TUESDAY, departure=time(7, 0),
                               max_minutes=180, feeder=feeder)
    assert itinerary is not None and itinerary.estimated
    assert isinstance(itinerary.legs[0], EstimatedBus) and itinerary.legs[0].to_stop == "Deinze"
    bus = itinerary.legs[0]
    assert not hasattr(bus, "departure_s")  # an estimate: minutes, never a clock time
    assert itinerary.arrival_s == pytest.approx(
        7 * 3600 + router.one_to_many((3.60, 51.03), np.array([NEAR_KORTRIJK]), service_date=TUESDAY,
                                      window_start=time(7, 0), window_end=time(7, 0), max_minutes=180,
                                      feeder=feeder).minutes_median[0] * 60)
