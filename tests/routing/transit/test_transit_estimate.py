"""The station-based rail estimate: hand-computed on a tiny station list, sane on the real one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from routing.config import RoutingConfig
from routing.transit import RailEstimator
from routing.geometry import haversine_m

STATIONS_CSV = Path(__file__).resolve().parents[4] / "shared" / "data" / "rail" / "stations.csv"
ONE_TENTH_DEGREE_AT_EQUATOR_M = 11_119.508  # 2 pi R / 3600, R = 6 371 008.8 m


def hundred_metres_a_minute(origin, points):
    return haversine_m(origin, points) / 100.0, np.zeros(len(points), dtype=bool)


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "stations.csv"
    path.write_text(
        "name,longitude,latitude,avg_stop_times\n"
        "Oost,0.0,0.0,36\n"
        "West,0.1,0.0,36\n"
        "Gesloten,0.05,0.0,0\n"  # no trains stop: never used
        "Druk,0.0,1.0,200\n"
    )
    return RailEstimator.from_stations_csv(path, RoutingConfig(rail_kmh=60.0))


def test_hand_computed_estimate(tiny):
    # Oost -> West: 11 119.5 m at 60 km/h = 11.12 min; both stations 36 stops a day:
    # headway 1080 / (36 / 2) = 60 min, typical wait 30 min. Walks 0 (at the stations).
    result = tiny.one_to_many((0.0, 0.0), np.array([[0.1, 0.0]]), max_minutes=120, walk_minutes=hundred_metres_a_minute)
    ride = ONE_TENTH_DEGREE_AT_EQUATOR_M / 1000
    assert result.minutes_median[0] == pytest.approx(30 + ride, abs=1e-3)
    assert result.minutes_worst[0] == pytest.approx(60 + ride, abs=1e-3)
    assert result.headway_minutes[0] == pytest.approx(60.0)
    assert result.transfers[0] == 0
    assert result.walk_minutes[0] == pytest.approx(0.0)
    assert result.estimated.all()
    assert result.summaries == ["trein Oost - West, geschat"]
    assert len(tiny) == 3  # "Gesloten" has no stops


def test_walking_wins_when_faster_and_stays_estimated(tiny):
    # 0.005 degree = 556 m = 5.6 min at 100 m/min: faster than any train.
    result = tiny.one_to_many((0.0, 0.0), np.array([[0.005, 0.0]]), max_minutes=60, walk_minutes=hundred_metres_a_minute)
    assert result.minutes_median[0] == pytest.approx(5.56, abs=0.01)
    assert result.minutes_worst[0] == result.minutes_median[0]
    assert result.transfers[0] == -1
    assert result.estimated[0]
    assert result.summaries == ["te voet"]
    assert np.isnan(result.headway_minutes[0])


def test_beyond_max_minutes_is_unreachable(tiny):
    result = tiny.one_to_many((0.0, 0.0), np.array([[0.1, 0.0]]), max_minutes=30, walk_minutes=hundred_metres_a_minute)
    assert np.isinf(result.minutes_median[0])
    assert result.summaries == [None]
    assert result.transfers[0] == -1


def test_headway_follows_the_less_served_station(tiny):
    oost, west, druk = 0, 1, 2
    headway = tiny.headway_minutes(np.array([oost, oost]), np.array([west, druk]))
    np.testing.assert_allclose(headway, [60.0, 60.0])  # min(36, 200) = 36 both times


@pytest.mark.skipif(not STATIONS_CSV.exists(), reason="shared rail data not present")
def test_real_stations_ieper_to_kortrijk():
    estimator = RailEstimator.from_stations_csv(STATIONS_CSV, RoutingConfig())
    near_ieper_station = (2.8800, 50.8490)
    kortrijk_centre = np.array([[3.2650, 50.8280]])
    result = estimator.one_to_many(near_ieper_station, kortrijk_centre, max_minutes=150)
    assert result.estimated.all()
    assert result.summaries[0] == "trein Ieper - Kortrijk, geschat"
    # about 27 km at 50 km/h (32 min) + half of a 52 min headway + short walks
    assert 55 < result.minutes_median[0] < 90
    assert result.minutes_worst[0] > result.minutes_median[0]


@pytest.mark.skipif(not STATIONS_CSV.exists(), reason="shared rail data not present")
def test_bbox_keeps_only_the_stations_inside():
    westhoek = (2.5, 50.7, 3.0, 51.2)
    estimator = RailEstimator.from_stations_csv(STATIONS_CSV, RoutingConfig(), bbox=westhoek)
    assert "Ieper" in set(estimator.names)
    assert "Kortrijk" not in set(estimator.names)
    assert ((estimator.lon_lat[:, 0] >= 2.5) & (estimator.lon_lat[:, 0] <= 3.0)).all()
