"""Timetable answers on the hand-made fixture; every expected time is worked out by hand
in the comments from tests/fixtures/gtfs (see its README for the timetable)."""

from __future__ import annotations

from datetime import date, time

import numpy as np
import pytest

from routing.transit import ServiceDateError, TransitRouter, is_belgian_public_holiday
from routing.geometry import haversine_m

TUESDAY = date(2026, 5, 12)
STRIKE_WEDNESDAY = date(2026, 5, 13)  # calendar_dates: WK removed
ASCENSION = date(2026, 5, 14)  # public holiday, not mentioned by the feed
WHIT_MONDAY = date(2026, 5, 25)  # public holiday, WK explicitly added by the feed


def stop_point(router: TransitRouter, stop: str) -> np.ndarray:
    index = list(router.timetable.stop_ids).index(f"f0:{stop}")
    return router.timetable.stop_lon_lat[index]


def query(router, origin: str, destinations: list[str], day: date, start: time, end: time, max_minutes: float):
    return router.one_to_many(
        tuple(stop_point(router, origin)),
        np.array([stop_point(router, name) for name in destinations]),
        service_date=day, window_start=start, window_end=end, max_minutes=max_minutes,
    )


def test_window_median_and_worst_mix_bus_and_train(fixture_router):
    # A -> D, leaving home (at stop A) each minute 08:00..09:00:
    #   08:00 takes bus T1a (arr 08:30): 30 min
    #   08:01..08:30 take train T3a (08:30 -> 08:45): 44 .. 15 min
    #   08:31..09:00 take bus T1b (09:00 -> 09:30): 59 .. 30 min
    # 61 values; sorted: 15..29, 30 x3, then 31..44 twice each, 45..59; the 31st is 37.
    result = query(fixture_router, "A", ["D"], TUESDAY, time(8), time(9), 90)
    assert result.minutes_median[0] == 37.0
    assert result.minutes_worst[0] == 59.0
    # the median journey (stable order: 08:08 by train before 08:53 by bus) is the train
    assert result.transfers[0] == 0
    assert result.walk_minutes[0] == 0.0
    assert not result.estimated[0]
    # useful arrivals 08:30, 08:45, 09:30: gaps 15 and 45, median 30
    assert result.headway_minutes[0] == 30.0
    assert result.summaries == ["trein IC, elk half uur"]


def test_transfer_with_transfers_txt_time(fixture_router):
    # A -> E: bus 1 to C (08:20), 240 s walk to C2 by transfers.txt (ready 08:24), bus 2 at
    # 08:25, E 08:40. Leaving at 08:00: 40 min; leaving 08:01..09:00 waits for T1b/T2b,
    # E 09:40: 99 .. 40 min. Sorted: 40, 40, 41, ..., 99; the 31st is 69.
    result = query(fixture_router, "A", ["E"], TUESDAY, time(8), time(9), 120)
    assert result.minutes_median[0] == 69.0
    assert result.minutes_worst[0] == 99.0
    assert result.transfers[0] == 1
    assert result.walk_minutes[0] == 4.0
    assert result.headway_minutes[0] == 60.0
    assert result.summaries == ["bus 1 en bus 2, elk uur"]


def test_worst_is_inf_when_some_minute_cannot_make_it(fixture_router):
    # Same trip with max 90: leaving 08:01..08:10 needs 99..90 min; 08:01..08:09 exceed 90.
    result = query(fixture_router, "A", ["E"], TUESDAY, time(8), time(9), 90)
    assert np.isinf(result.minutes_worst[0])
    assert result.minutes_median[0] == 69.0


def test_interpolated_stop_time_is_used(fixture_router):
    # T1b has no time at B; interpolated halfway between A 09:00 and C 09:20: 09:10.
    # B -> C leaving 09:05..09:10: 15, 14, 13, 12, 11, 10 min: median 12.5, worst 15.
    result = query(fixture_router, "B", ["C"], TUESDAY, time(9, 5), time(9, 10), 60)
    assert result.minutes_median[0] == 12.5
    assert result.minutes_worst[0] == 15.0


def test_calendar_exception_removes_the_service(fixture_router):
    result = query(fixture_router, "A", ["D", "E"], STRIKE_WEDNESDAY, time(8), time(9), 120)
    assert np.isinf(result.minutes_median).all()
    assert np.isinf(result.minutes_worst).all()
    assert list(result.transfers) == [-1, -1]
    assert result.summaries == [None, None]
    assert np.isnan(result.walk_minutes).all()


def test_unmentioned_public_holiday_runs_the_sunday_service(fixture_router):
    assert is_belgian_public_holiday(ASCENSION)
    # Sunday trip T1sun: A 08:40 -> D 09:10. Leaving 08:00..08:40: 70..30 min (41 values),
    # 08:41..09:00 nothing within 90 min (20 x inf). The 31st sorted value is 60.
    result = query(fixture_router, "A", ["D"], ASCENSION, time(8), time(9), 90)
    assert result.minutes_median[0] == 60.0
    assert np.isinf(result.minutes_worst[0])
    assert result.summaries == ["bus 1"]


def test_holiday_rule_can_be_switched_off(fixture_router):
    as_published = TransitRouter(fixture_router.timetable, holiday_service="as_published")
    result = query(as_published, "A", ["D"], ASCENSION, time(8), time(9), 90)
    assert result.minutes_median[0] == 37.0  # the ordinary Thursday


def test_holiday_mentioned_by_the_feed_is_taken_as_published(fixture_router):
    assert is_belgian_public_holiday(WHIT_MONDAY)
    result = query(fixture_router, "A", ["D"], WHIT_MONDAY, time(8), time(9), 90)
    assert result.minutes_median[0] == 37.0


@pytest.mark.parametrize(
    ("day", "expected_median"),
    [
        (date(2026, 5, 12), 30.0),  # Tuesday 00:30 is Monday's 24:30 trip
        (date(2026, 5, 16), 30.0),  # Saturday 00:30 is Friday's trip
        (date(2026, 5, 11), np.inf),  # Monday 00:30 would be Sunday's: WK does not run
    ],
)
def test_trip_after_midnight_belongs_to_the_previous_service_day(fixture_router, day, expected_median):
    # F 24:30 -> A 24:50. Leaving 00:20..00:30: 30..20 min; 00:31..00:40: none (10 x inf).
    # 21 values, the 11th sorted is 30.
    result = query(fixture_router, "F", ["A"], day, time(0, 20), time(0, 40), 60)
    assert result.minutes_median[0] == expected_median


def test_walk_function_is_used_for_access_and_egress(fixture_router):
    a, d = stop_point(fixture_router, "A"), stop_point(fixture_router, "D")
    origin = (a[0] - 0.004, a[1])  # about 280 m west of A
    destination = np.array([[d[0] + 0.007, d[1]]])  # about 490 m east of D
    calls = []

    def six_minutes_nearby(start, points):
        calls.append(len(points))
        metres = haversine_m(start, points)
        return np.where(metres < 1500, 6.0, np.inf), np.zeros(len(points), dtype=bool)

    # Leaving 07:50..07:54, 6 min to A, bus T1a 08:00 -> D 08:30, 6 min on: 08:36.
    # 46, 45, 44, 43, 42 min.
    result = fixture_router.one_to_many(
        origin, destination, service_date=TUESDAY, window_start=time(7, 50), window_end=time(7, 54),
        max_minutes=90, walk_minutes=six_minutes_nearby,
    )
    assert result.minutes_median[0] == 44.0
    assert result.minutes_worst[0] == 46.0
    assert result.walk_minutes[0] == 12.0
    assert result.transfers[0] == 0
    assert result.summaries == ["bus 1"]
    assert calls  # the function was asked, not the straight line


def test_walking_wins_when_faster(fixture_router):
    c = stop_point(fixture_router, "C")
    near_c = np.array([[c[0], c[1] + 0.003]])  # about 330 m north
    result = fixture_router.one_to_many(
        tuple(c), near_c, service_date=TUESDAY, window_start=time(8), window_end=time(8, 10), max_minutes=30,
    )
    expected = 333.6 * 1.3 / (4.8 / 3.6) / 60  # straight line x circuity at walking speed
    assert result.minutes_median[0] == pytest.approx(expected, abs=0.1)
    assert result.transfers[0] == -1
    assert result.summaries == ["te voet"]


def test_one_to_all_stops_matches_one_to_many(fixture_router):
    all_stops = fixture_router.one_to_all_stops(
        tuple(stop_point(fixture_router, "A")), service_date=TUESDAY, window_start=time(8),
        window_end=time(9), max_minutes=120,
    )
    listed = fixture_router.one_to_many(
        tuple(stop_point(fixture_router, "A")), fixture_router.timetable.stop_lon_lat,
        service_date=TUESDAY, window_start=time(8), window_end=time(9), max_minutes=120,
    )
    assert len(all_stops) == fixture_router.timetable.n_stops
    # At a stop, one_to_all_stops counts the transfer walk (C -> C2: 240 s by transfers.txt);
    # as a destination point, C2 is also an ordinary 167 m walk from C. Elsewhere they agree.
    ids = list(fixture_router.timetable.stop_ids)
    same = [ids.index(f"f0:{name}") for name in ("A", "B", "C", "D", "E", "F")]
    np.testing.assert_array_equal(all_stops.minutes_median[same], listed.minutes_median[same])
    c2 = ids.index("f0:C2")
    assert listed.minutes_median[c2] < all_stops.minutes_median[c2]
    d = list(fixture_router.timetable.stop_ids).index("f0:D")
    assert all_stops.minutes_median[d] == 37.0


def test_date_outside_the_feed_is_refused(fixture_router):
    with pytest.raises(ServiceDateError) as caught:
        query(fixture_router, "A", ["D"], date(2026, 7, 1), time(8), time(9), 90)
    assert caught.value.code == "transit_date_not_covered"


def test_window_must_not_end_before_it_starts(fixture_router):
    with pytest.raises(ValueError, match="before window_start"):
        query(fixture_router, "A", ["D"], TUESDAY, time(9), time(8), 90)


def test_no_destinations_and_no_stops_nearby(fixture_router):
    empty = fixture_router.one_to_many(
        (2.80, 50.85), np.empty((0, 2)), service_date=TUESDAY, window_start=time(8), window_end=time(9), max_minutes=60,
    )
    assert len(empty) == 0 and empty.summaries == []
    # far from every stop: only the walk of about 70 m remains
    far = fixture_router.one_to_many(
        (4.5, 51.0), np.array([[4.501, 51.0]]), service_date=TUESDAY, window_start=time(8), window_end=time(9), max_minutes=60,
    )
    assert far.transfers[0] == -1
    assert far.summaries == ["te voet"]
    assert far.minutes_median[0] == far.minutes_worst[0] < 2
