"""Loading, validating, merging and caching GTFS feeds (local files only)."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import numpy as np
import pytest

from routing.transit import FeedError, TransitRouter, load_feeds
from routing.transit.__main__ import main as cli_main
from routing.transit.gtfs import parse_gtfs_times

TUESDAY = date(2026, 5, 12)


def a_to(router: TransitRouter, destination: str, *, tag: str = "f0", start=time(8), end=time(9), max_minutes=120):
    ids = list(router.timetable.stop_ids)
    points = router.timetable.stop_lon_lat
    return router.one_to_many(
        tuple(points[ids.index(f"{tag}:A")]), points[[ids.index(f"{tag}:{destination}")]],
        service_date=TUESDAY, window_start=start, window_end=end, max_minutes=max_minutes,
    )


def rewrite(path: Path, text: str) -> None:
    path.write_text(text.strip() + "\n")


def test_fixture_loads_clean_except_the_interpolated_time(fixture_zip, tmp_path):
    router, report = load_feeds([fixture_zip], cache_dir=tmp_path / "cache")
    assert report.errors == []
    assert report.codes() == {"interpolated_times"}
    summary = report.feeds[0]
    assert (summary.stops, summary.routes, summary.trips, summary.stop_times) == (7, 4, 7, 20)
    assert (summary.first_day, summary.last_day) == ("2026-05-04", "2026-05-31")
    assert router.timetable.n_connections == 20 - 7  # one per consecutive pair of stops


def test_parse_gtfs_times_accepts_past_midnight_and_flags_garbage():
    import pandas as pd

    seconds, malformed = parse_gtfs_times(pd.Series(["8:05:00", "24:30:00", "", "8:6O:00", "25:61:00"]))
    assert seconds[0] == 8 * 3600 + 300
    assert seconds[1] == 24 * 3600 + 1800
    assert np.isnan(seconds[2]) and not malformed[2]  # empty: allowed, interpolated later
    assert malformed[3] and malformed[4]


def test_cache_is_reused_and_gives_the_same_answers(fixture_zip, tmp_path):
    cache = tmp_path / "cache"
    first, first_report = load_feeds([fixture_zip], cache_dir=cache)
    second, second_report = load_feeds([fixture_zip], cache_dir=cache)
    assert not first_report.from_cache
    assert second_report.from_cache
    assert second_report.codes() == first_report.codes()
    cached = list(cache.glob("timetable-*.npz"))
    assert len(cached) == 1
    third = TransitRouter.from_cache(cached[0])
    for router in (second, third):
        assert a_to(router, "E").minutes_median[0] == a_to(first, "E").minutes_median[0] == 69.0


def test_changed_feed_gets_a_new_cache_entry(feed_copy, make_zip, tmp_path):
    cache = tmp_path / "cache"
    load_feeds([make_zip(feed_copy, "one.zip")], cache_dir=cache)
    rewrite(feed_copy / "transfers.txt", "from_stop_id,to_stop_id,transfer_type,min_transfer_time\nC,C2,2,360")
    router, report = load_feeds([make_zip(feed_copy, "two.zip")], cache_dir=cache)
    assert not report.from_cache
    assert len(list(cache.glob("timetable-*.npz"))) == 2


@pytest.mark.parametrize(
    ("transfers_txt", "expected"),
    [
        # 240 s (fixture): C 08:20 -> ready at C2 08:24, bus 2 08:25, E 08:40: 40 min
        ("C,C2,2,240", 40.0),
        # 360 s: ready 08:26, bus 2 08:25 missed; next bus 2 09:25 -> E 09:40: 100 min
        ("C,C2,2,360", 100.0),
        # type 3: no transfer C -> C2 at all; nothing else reaches E
        ("C,C2,3,", np.inf),
    ],
)
def test_transfers_txt_sets_or_forbids_the_transfer(feed_copy, make_zip, tmp_path, transfers_txt, expected):
    rewrite(feed_copy / "transfers.txt", f"from_stop_id,to_stop_id,transfer_type,min_transfer_time\n{transfers_txt}")
    router, _ = load_feeds([make_zip(feed_copy)], cache_dir=tmp_path / "cache")
    assert a_to(router, "E", start=time(8), end=time(8)).minutes_median[0] == expected


def test_without_transfers_txt_the_walk_is_straight_line(feed_copy, make_zip, tmp_path):
    # C -> C2 is 166.8 m: 166.8 x 1.3 / (4.8 km/h) = 163 s: ready 08:22:43, bus 2 08:25 caught.
    (feed_copy / "transfers.txt").unlink()
    router, _ = load_feeds([make_zip(feed_copy)], cache_dir=tmp_path / "cache")
    result = a_to(router, "E", start=time(8), end=time(8))
    assert result.minutes_median[0] == 40.0
    assert result.walk_minutes[0] == pytest.approx(163 / 60)


def test_two_feeds_are_merged_with_prefixed_ids(fixture_zip, feed_copy, make_zip, tmp_path):
    other = make_zip(feed_copy, "other.zip")
    router, report = load_feeds([fixture_zip, other], cache_dir=tmp_path / "cache")
    ids = set(router.timetable.stop_ids)
    assert {"f0:A", "f1:A"} <= ids
    assert router.timetable.n_stops == 14
    assert [summary.tag for summary in report.feeds] == ["f0", "f1"]
    # stops of both feeds coincide: either feed's bus and train serve A -> D
    assert a_to(router, "D", tag="f1", max_minutes=90).minutes_median[0] == 37.0


def test_row_level_problems_are_reported_and_dropped(feed_copy, make_zip, tmp_path):
    stop_times = (feed_copy / "stop_times.txt").read_text()
    stop_times += "T3a,8:6O:00,08:50:00,D,3\n"  # malformed time: T3a dropped
    stop_times += "GHOST,08:00:00,08:00:00,A,1\n"  # unknown trip
    stop_times += "T2a,08:50:00,08:50:00,NOWHERE,3\n"  # unknown stop: row dropped, trip kept
    (feed_copy / "stop_times.txt").write_text(stop_times)
    trips = (feed_copy / "trips.txt").read_text() + "R9,WK,T9\nR1,NOSERVICE,T10\n"
    (feed_copy / "trips.txt").write_text(trips)
    router, report = load_feeds([make_zip(feed_copy)], cache_dir=tmp_path / "cache")
    assert {"bad_time", "unknown_trip", "unknown_stop", "unknown_route", "unknown_service"} <= report.codes()
    assert all(issue.severity == "error" and not issue.fatal for issue in report.errors)
    bad_time = next(issue for issue in report.issues if issue.code == "bad_time")
    assert "T3a" in bad_time.examples[0]
    # without the train, A -> D leaving 08:01..08:59 waits for bus T1b (09:30)
    assert a_to(router, "D", start=time(8, 1), end=time(8, 1)).minutes_median[0] == 89.0
    # bus 2 still runs (its bad row only)
    assert a_to(router, "E", start=time(8), end=time(8)).minutes_median[0] == 40.0


def test_times_going_backwards_drop_the_trip(feed_copy, make_zip, tmp_path):
    text = (feed_copy / "stop_times.txt").read_text().replace("T3a,08:45:00,08:45:00,D,2", "T3a,08:15:00,08:15:00,D,2")
    (feed_copy / "stop_times.txt").write_text(text)
    _, report = load_feeds([make_zip(feed_copy)], cache_dir=tmp_path / "cache")
    issue = next(issue for issue in report.issues if issue.code == "time_travel")
    assert issue.examples == ("f0:T3a",)


@pytest.mark.parametrize(
    ("breakage", "code"),
    [
        (lambda folder: (folder / "stops.txt").unlink(), "missing_file"),
        (lambda folder: rewrite(folder / "stop_times.txt", "trip_id,arrival_time,stop_id,stop_sequence\nT1a,08:00:00,A,1"), "missing_column"),
        (lambda folder: (rewrite(folder / "calendar.txt", ""), rewrite(folder / "calendar_dates.txt", "")), "empty_calendar"),
        (lambda folder: ((folder / "calendar.txt").unlink(), (folder / "calendar_dates.txt").unlink()), "missing_file"),
    ],
)
def test_broken_required_parts_raise_feed_error_with_the_report(feed_copy, make_zip, tmp_path, breakage, code):
    breakage(feed_copy)
    with pytest.raises(FeedError) as caught:
        load_feeds([make_zip(feed_copy)], cache_dir=tmp_path / "cache")
    assert code in caught.value.report.codes()
    assert caught.value.report.fatal
    assert caught.value.code == "gtfs_feed_invalid"


def test_one_broken_feed_does_not_disable_the_others(fixture_zip, feed_copy, make_zip, tmp_path):
    (feed_copy / "trips.txt").unlink()
    sources = [make_zip(feed_copy, "broken.zip"), tmp_path / "absent.zip", fixture_zip]
    router, report = load_feeds(sources, cache_dir=tmp_path / "cache")
    summaries = {summary.tag: summary.usable for summary in report.feeds}
    assert summaries == {"f0": False, "f1": False, "f2": True}
    assert {"missing_file", "missing_feed"} <= {issue.code for issue in report.fatal}
    assert list(router.timetable.feed_tags) == ["f2"]
    assert router.timetable.n_trips == 7  # the fixture's trips, all of them
    # from the cache: the same feeds, the same report
    _router, cached = load_feeds(sources, cache_dir=tmp_path / "cache")
    assert cached.from_cache and {s.tag: s.usable for s in cached.feeds} == summaries


def test_no_usable_feed_at_all_raises(feed_copy, make_zip, tmp_path):
    (feed_copy / "trips.txt").unlink()
    with pytest.raises(FeedError) as caught:
        load_feeds([make_zip(feed_copy, "broken.zip"), tmp_path / "absent.zip"], cache_dir=tmp_path / "cache")
    assert {summary.usable for summary in caught.value.report.feeds} == {False}


def test_not_a_zip_is_reported(tmp_path):
    bogus = tmp_path / "bogus.zip"
    bogus.write_text("not a zip")
    with pytest.raises(FeedError) as caught:
        load_feeds([bogus], cache_dir=tmp_path / "cache")
    assert "unreadable" in caught.value.report.codes()


def test_cli_prints_the_report(fixture_zip, tmp_path, capsys):
    assert cli_main(["load", str(fixture_zip), "--cache-dir", str(tmp_path / "cache"), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "interpolated" in printed
    assert "0 errors, 1 warnings" in printed
    assert "13 connections" in printed


def test_cli_refuses_a_broken_feed(feed_copy, make_zip, tmp_path, capsys):
    (feed_copy / "routes.txt").unlink()
    assert cli_main(["load", str(make_zip(feed_copy)), "--cache-dir", str(tmp_path / "cache"), "--quiet"]) == 2
    assert "required file routes.txt is missing" in capsys.readouterr().out


def test_cli_loads_the_usable_feeds_and_exits_1_for_the_others(fixture_zip, tmp_path, capsys):
    absent = tmp_path / "absent.zip"
    code = cli_main(["load", str(fixture_zip), str(absent), "--cache-dir", str(tmp_path / "cache"), "--quiet"])
    assert code == 1
    captured = capsys.readouterr()
    assert "13 connections" in captured.out and "feed not found" in captured.out
    assert f"left out (unusable): {absent}" in captured.err
