"""The journey legs on the real NMBS feed (autumn 2019): the itinerary arrives exactly when the
minutes query (the compiled connection scan) says, for many pairs and departure times."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import numpy as np
import pytest

from routing.transit import load_feeds
from routing.transit.journey import Ride, Transfer

FEED = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "gtfs" / "nmbs-2019-10.zip"
DAY = date(2019, 10, 15)  # a Tuesday inside the feed
MAX_MINUTES = 240

pytestmark = [
    pytest.mark.realdata,
    pytest.mark.slow,
    pytest.mark.skipif(not FEED.exists(), reason="the shared NMBS feed is not beside the project"),
]


@pytest.fixture(scope="module")
def router(tmp_path_factory):
    router, _report = load_feeds([FEED], cache_dir=tmp_path_factory.mktemp("nmbs-journey"))
    return router


def station(router, stop_id: str) -> tuple[float, float]:
    """A point 300 m north of the station, so the journey starts (or ends) with a walk."""
    lon, lat = router.timetable.stop_lon_lat[list(router.timetable.stop_ids).index(f"f0:{stop_id}")]
    return float(lon), float(lat) + 0.0027


def test_kortrijk_to_brussels_in_the_morning_names_the_train(router):
    itinerary = router.journey(station(router, "8896008"), station(router, "8814001"), service_date=DAY,
                               departure=time(8, 0), max_minutes=MAX_MINUTES)
    rides = itinerary.rides
    assert rides and rides[0].line.startswith("trein") and rides[0].trip_short_name
    assert rides[0].headsign  # NMBS gives each trip a headsign
    # Dutch names (translations.txt) and the platforms of stop_time_overrides.txt, looked up by hand:
    # IC 2306 leaves Kortrijk from platform 6 at 08:11 and reaches Brussel-Zuid on platform 10 at 09:20
    assert (rides[0].board_stop, rides[0].trip_short_name, rides[0].board_platform, rides[0].departure) == (
        "Kortrijk", "2306", "6", time(8, 11))
    assert (rides[-1].alight_stop, rides[-1].alight_platform, rides[-1].arrival) == ("Brussel-Zuid", "10", time(9, 20))
    assert rides[0].departure >= time(8, 0) and itinerary.arrival > rides[-1].arrival


@pytest.mark.parametrize("departure", [time(7, 3), time(8, 0), time(12, 31), time(17, 45), time(22, 10)])
def test_the_itinerary_arrives_when_the_minutes_query_does(router, departure):
    # Kortrijk, Brussel-Zuid, Gent-Sint-Pieters, Antwerpen-Centraal, Ieper, Turnhout, Namur, Arlon
    stations = ["8896008", "8814001", "8892007", "8821006", "8896503", "8821907", "8863008", "8866001"]
    points = np.array([station(router, stop) for stop in stations])
    start_s = departure.hour * 3600 + departure.minute * 60
    checked = 0
    for index, origin in enumerate(points):
        others = np.delete(points, index, axis=0)
        minutes = router.one_to_many(tuple(origin), others, service_date=DAY, window_start=departure,
                                     window_end=departure, max_minutes=MAX_MINUTES).minutes_median
        for destination, expected in zip(others, minutes, strict=True):
            itinerary = router.journey(tuple(origin), tuple(destination), service_date=DAY, departure=departure,
                                       max_minutes=MAX_MINUTES)
            if not np.isfinite(expected):
                assert itinerary is None
                continue
            assert itinerary.arrival_s == start_s + round(expected * 60)
            # the legs add up: each ride leaves after the previous one arrives
            rides = itinerary.rides
            for earlier, later in zip(rides[:-1], rides[1:], strict=True):
                assert later.departure_s >= earlier.arrival_s
            assert sum(isinstance(leg, Transfer) for leg in itinerary.legs) == max(0, len(rides) - 1)
            assert all(isinstance(leg, Ride) for leg in rides)
            checked += 1
    assert checked > 20
