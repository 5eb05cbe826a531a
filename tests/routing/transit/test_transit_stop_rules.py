"""Passing without stopping and staying seated, on a hand-made GTFS written below.

Five stops on a line east of Ieper, about 3.5 km apart (farther than any access or
transfer walk). Every expected time is worked out by hand from the tables here.

| trip | block | times |
|---|---|---|
| X1 trein L1 | B1 | P 10:00, Q 10:10 (passes: pickup 1, drop_off 1), R 10:20 (drop_off 1: boarding only), S 10:30 |
| X2 trein L1 | B1 | S 10:32, T 10:45 (the same train goes on under a new trip_id) |
| X3 trein L2 | -  | S 11:00, T 11:15 |
| Y bus 9     | -  | P 10:05, Q 10:40 (slow, but it stops at Q; boarding at P on request: pickup 2) |

transfers.txt: changing at S takes 300 s (as NMBS states for its stations).
"""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import numpy as np
import pytest

from routing.transit import load_feeds

MONDAY = date(2026, 5, 11)
STOPS = {"P": 2.90, "Q": 2.95, "R": 3.00, "S": 3.05, "T": 3.10}

FEED = {
    "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\nA,Test,https://example.invalid,Europe/Brussels\n",
    "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\n"
    + "".join(f"{name},{name},50.85,{lon}\n" for name, lon in STOPS.items()),
    "routes.txt": "route_id,agency_id,route_short_name,route_type\nL1,A,L1,2\nL2,A,L2,2\nB9,A,9,3\n",
    "trips.txt": "route_id,service_id,trip_id,block_id\nL1,WK,X1,B1\nL1,WK,X2,B1\nL2,WK,X3,\nB9,WK,Y,\n",
    "stop_times.txt": (
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence,pickup_type,drop_off_type\n"
        "X1,10:00:00,10:00:00,P,1,0,1\n"
        "X1,10:10:00,10:10:00,Q,2,1,1\n"
        "X1,10:20:00,10:20:00,R,3,0,1\n"
        "X1,10:30:00,10:30:00,S,4,1,0\n"
        "X2,10:32:00,10:32:00,S,1,0,1\n"
        "X2,10:45:00,10:45:00,T,2,1,0\n"
        "X3,11:00:00,11:00:00,S,1,0,1\n"
        "X3,11:15:00,11:15:00,T,2,1,0\n"
        "Y,10:05:00,10:05:00,P,1,2,1\n"
        "Y,10:40:00,10:40:00,Q,2,1,0\n"
    ),
    "calendar.txt": (
        "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
        "WK,1,1,1,1,1,0,0,20260501,20260531\n"
    ),
    "transfers.txt": "from_stop_id,to_stop_id,transfer_type,min_transfer_time\nS,S,2,300\n",
}


def write_feed(folder: Path, **replace: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in {**FEED, **replace}.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def router_and_report(tmp_path: Path):
    return load_feeds([write_feed(tmp_path / "feed")], cache_dir=tmp_path / "cache")


def point(name: str) -> tuple[float, float]:
    return (STOPS[name], 50.85)


def leave_at(router, origin: str, destinations: list[str], moment: time, max_minutes: float = 90):
    """Door-to-door minutes leaving ``origin`` at exactly ``moment`` (a one-minute window)."""
    return router.one_to_many(
        point(origin), np.array([point(name) for name in destinations]), service_date=MONDAY,
        window_start=moment, window_end=moment, max_minutes=max_minutes,
    )


def test_a_stop_passed_without_stopping_is_neither_boarding_nor_alighting(router_and_report):
    router, _report = router_and_report
    # X1 passes Q at 10:10 without stopping; bus Y reaches Q at 10:40: 40 min, not 10.
    result = leave_at(router, "P", ["Q"], time(10, 0))
    assert result.minutes_median[0] == 40.0
    # boarding Y at P is on request (pickup_type 2): allowed, timetabled, and said
    assert result.summaries == ["bus 9; halte op aanvraag (vooraf bellen of de chauffeur verwittigen)"]
    assert not result.estimated[0]
    # Boarding at Q is impossible too: from Q nothing leaves by train, and walking 3.5 km
    # takes longer than 30 min.
    assert np.isinf(leave_at(router, "Q", ["R", "S"], time(10, 5), max_minutes=30).minutes_median).all()


def test_boarding_only_and_alighting_only_stops(router_and_report):
    router, _report = router_and_report
    # R is drop_off 1: nobody gets off X1 there (walking 7 km takes far longer than 40 min) ...
    assert np.isinf(leave_at(router, "P", ["R"], time(10, 0), max_minutes=40).minutes_median[0])
    # ... but people board there: R 10:20, S 10:30.
    assert leave_at(router, "R", ["S"], time(10, 15)).minutes_median[0] == 15.0


def test_staying_seated_through_a_block_needs_no_change_time(router_and_report):
    router, _report = router_and_report
    # X1 reaches S at 10:30 and goes on as X2 (same block) at 10:32: T at 10:45. Changing
    # would take 300 s (ready 10:35) and miss it, leaving X3 (T 11:15).
    result = leave_at(router, "P", ["T"], time(10, 0))
    assert result.minutes_median[0] == 45.0
    assert result.transfers[0] == 0
    assert result.summaries == ["trein L1"]  # no stop on request on this journey
    # Boarding X1 at R continues the same way.
    assert leave_at(router, "R", ["T"], time(10, 20)).minutes_median[0] == 25.0


def test_without_a_block_the_change_time_applies(tmp_path: Path):
    trips = "route_id,service_id,trip_id,block_id\nL1,WK,X1,B1\nL1,WK,X2,B2\nL2,WK,X3,\nB9,WK,Y,\n"
    router, _report = load_feeds([write_feed(tmp_path / "feed", **{"trips.txt": trips})], cache_dir=tmp_path / "c")
    result = leave_at(router, "P", ["T"], time(10, 0))
    assert result.minutes_median[0] == 75.0  # X1 to S 10:30, change, X3 at 11:00, T 11:15
    assert result.transfers[0] == 1


def test_block_continuation_needs_the_same_stop_and_no_time_travel(tmp_path: Path):
    # X2 leaving S before X1 arrives cannot be the same vehicle.
    times = FEED["stop_times.txt"].replace("X2,10:32:00,10:32:00,S", "X2,10:29:00,10:29:00,S")
    router, _report = load_feeds(
        [write_feed(tmp_path / "feed", **{"stop_times.txt": times})], cache_dir=tmp_path / "c"
    )
    assert leave_at(router, "P", ["T"], time(10, 0)).minutes_median[0] == 75.0


def test_the_report_counts_the_stop_rules(router_and_report):
    _router, report = router_and_report
    counts = {issue.code: issue.count for issue in report.notes}
    # Q on X1 passes (1 row); no pickup: X1 S, X2 T, X3 T, Y Q; no drop-off: X1 P, R, X2 S, X3 S, Y P
    assert counts == {"passing_through": 1, "no_pickup": 4, "no_drop_off": 5, "on_request": 1}
    assert "0 errors, 0 warnings, 4 notes" in report.to_text()
