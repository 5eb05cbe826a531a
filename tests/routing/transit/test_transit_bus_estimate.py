"""Estimated De Lijn bus legs from real stop positions, alone and combined with the timetable,
and the service day picked for a feed that does not cover the query day."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import numpy as np
import pytest

from routing.config import RoutingConfig
from routing.geometry import haversine_m
from routing.transit import load_feeds
from routing.transit.bus_estimate import BUS_CIRCUITY, BUS_KMH, HEADWAY_MINUTES, MAX_STOP_WALK_M, BusEstimator
from routing.transit.legs import service_day
from tests.routing.transit.test_transit_stop_rules import MONDAY, point, write_feed

CONFIG = RoutingConfig()
WALK_M_PER_MIN = CONFIG.walk_kmh * 1000 / 60 / CONFIG.circuity["walk"]
RIDE_M_PER_MIN = BUS_KMH * 1000 / 60 / BUS_CIRCUITY


def stops_file(tmp_path: Path, rows: list[tuple[str, float, float]]) -> Path:
    path = tmp_path / "stops.txt"
    path.write_text(
        'stop_id,"stop_name","stop_lat","stop_lon","location_type"\n'
        + "".join(f'{stop_id},"{stop_id}","{lat}","{lon}",""\n' for stop_id, lon, lat in rows),
        encoding="utf-8",
    )
    return path


def test_a_bus_leg_is_walk_wait_ride_walk(tmp_path):
    # Two stops 10 km apart on a parallel; the home 300 m west of the first, the
    # destination on the second stop.
    first, second = (3.00, 50.80), (3.00 + 10_000 / (111_320 * np.cos(np.radians(50.8))), 50.80)
    bus = BusEstimator.from_stops_txt(stops_file(tmp_path, [("1", *first), ("2", *second), ("3", 3.3, 50.9)]), CONFIG)
    home = (first[0] - 300 / (111_320 * np.cos(np.radians(50.8))), 50.80)
    minutes = bus.one_to_many(home, np.array([second]))
    ride = haversine_m(first, np.array([second]))[0] / RIDE_M_PER_MIN
    walk = haversine_m(home, np.array([first]))[0] / WALK_M_PER_MIN
    assert minutes[0] == pytest.approx(walk + HEADWAY_MINUTES / 2 + ride)
    assert 76 < minutes[0] < 78  # 4.9 min walk, 30 min wait, 10 km x 1.4 at 20 km/h = 42 min ride
    # no stop within 750 m of the destination: no bus
    far = (3.15, 50.70)
    assert np.isinf(bus.one_to_many(home, np.array([far]))[0])
    # the same stop at both ends is not a bus ride
    assert np.isinf(bus.one_to_many(home, np.array([first]))[0])
    assert bus.reach_m == pytest.approx(25_000 + 2 * MAX_STOP_WALK_M)


def test_stops_file_without_coordinates_is_refused(tmp_path):
    path = tmp_path / "stops.txt"
    path.write_text("stop_id,stop_name\n1,x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="stop_lat"):
        BusEstimator.from_stops_txt(path, CONFIG)


def test_bus_to_the_station_then_the_timetabled_train_is_labelled_estimated(tmp_path):
    # The hand-made rail feed of test_transit_stop_rules (P ... T, 3.5 km apart) and bus
    # stops at the home (5 km west of P, too far to walk in time) and at P.
    router, _report = load_feeds([write_feed(tmp_path / "feed")], cache_dir=tmp_path / "cache")
    metres_per_degree = 111_320 * np.cos(np.radians(50.85))
    home = (point("P")[0] - 5_000 / metres_per_degree, 50.85)
    bus = BusEstimator.from_stops_txt(stops_file(tmp_path, [("h", *home), ("p", *point("P"))]), CONFIG)
    # bus leg home -> P: 0 walk + 30 wait + 5 km x 1.4 at 20 km/h (21 min) = 51 min
    bus_minutes = bus.one_to_many(home, np.array([point("P")]))[0]
    assert bus_minutes == pytest.approx(51.0, abs=0.1)
    leave = time(9, 9)  # at P by 10:00, X1 to S (10:30) and on as X2 to T (10:45): 96 min
    result = router.one_to_many(
        home, np.array([point("T"), point("S")]), service_date=MONDAY, window_start=leave, window_end=leave,
        max_minutes=180, feeder=bus,
    )
    assert result.minutes_median[0] == 96.0
    assert result.estimated.tolist() == [True, True]
    assert result.summaries[0] == "trein L1; bus van of naar het station geschat"
    # without the bus the only way is the 5 km walk (straight line x circuity), flagged too
    walked = router.one_to_many(
        home, np.array([point("T")]), service_date=MONDAY, window_start=leave, window_end=leave, max_minutes=180,
    )
    assert walked.minutes_median[0] > 96.0


def test_timetabled_journey_from_a_stop_is_not_estimated(tmp_path):
    router, _report = load_feeds([write_feed(tmp_path / "feed")], cache_dir=tmp_path / "cache")
    result = router.one_to_many(
        point("P"), np.array([point("T")]), service_date=MONDAY, window_start=time(10), window_end=time(10),
        max_minutes=90,
    )
    assert result.estimated.tolist() == [False]


@pytest.mark.parametrize(
    ("requested", "configured", "expected"),
    [
        (date(2026, 12, 1), None, date(2019, 10, 8)),   # a Tuesday: Tuesday of the first full week
        (date(2026, 12, 6), None, date(2019, 10, 13)),  # a Sunday
        (date(2019, 10, 24), None, date(2019, 10, 24)),  # inside the feed: that day itself
        (date(2026, 12, 1), date(2019, 10, 15), date(2019, 10, 15)),  # SK_TRANSIT_SERVICE_DATE
        (date(2026, 12, 1), date(2020, 1, 7), date(2019, 10, 8)),  # a setting outside the feed is not used
    ],
)
def test_service_day(requested, configured, expected):
    assert service_day(requested, date(2019, 10, 7), date(2019, 12, 14), configured=configured) == expected


def test_service_day_of_a_feed_starting_midweek():
    # first full week of a feed from Thursday 2026-05-07: Monday 11 to Sunday 17
    assert service_day(date(2030, 1, 1), date(2026, 5, 7), date(2026, 5, 31)) == date(2026, 5, 12)
    # a four-day feed (Thu-Sun): a Friday query gets its Friday, a Tuesday query its first day
    assert service_day(date(2030, 1, 4), date(2026, 5, 7), date(2026, 5, 10)) == date(2026, 5, 8)
    assert service_day(date(2030, 1, 1), date(2026, 5, 7), date(2026, 5, 10)) == date(2026, 5, 7)


def test_each_feed_runs_on_its_own_day(tmp_path):
    router, _report = load_feeds([write_feed(tmp_path / "feed")], cache_dir=tmp_path / "cache")
    days = router.feed_service_days(date(2030, 1, 1))  # a Tuesday long after the feed
    assert days == [date(2026, 5, 5)]
    answer = router.one_to_many(
        point("P"), np.array([point("T")]), service_date=date(2030, 1, 1), window_start=time(10),
        window_end=time(10), max_minutes=90, feed_days=days,
    )
    assert answer.minutes_median[0] == 45.0
