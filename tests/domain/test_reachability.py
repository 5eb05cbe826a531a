"""Who reaches which service: the one rule of the search and the gap analysis."""

from __future__ import annotations

from datetime import date

import numpy as np

from app.domain.matching import match_services
from app.domain.profile import Mobility
from app.domain.reachability import enterable, fastest_within_limits, homes_served, mode_limit, within_limit
from tests.factories import make_catalog, make_location, make_participant, make_service, mode_times

WALK_AND_BIKE = Mobility(profile="bike", max_minutes_by_mode={"walk": 10, "bike": 30}).resolved()


def test_outreach_comes_only_to_its_area():
    assert homes_served(make_service("o", {"food"}, outreach=True, service_area=frozenset({"34022"}))) == {"34022"}
    assert homes_served(make_service("n", {"food"}, outreach=False, service_area=frozenset({"34022"}))) == frozenset()


def test_a_wheelchair_user_enters_only_locations_known_to_be_accessible():
    locations = [make_location(0, wheelchair=None), make_location(1, wheelchair=1), make_location(2, wheelchair=2)]
    wheelchair = Mobility(profile="walk", wheelchair=True).resolved()
    assert enterable(locations, wheelchair).tolist() == [False, False, True]
    assert enterable(locations, Mobility(profile="walk").resolved()).tolist() == [True, True, True]


def test_each_mode_has_its_own_limit():
    assert (mode_limit(WALK_AND_BIKE, "walk"), mode_limit(WALK_AND_BIKE, "bike")) == (10, 30)
    assert within_limit(np.array([10.0, 10.5, np.inf, np.nan]), WALK_AND_BIKE, "walk").tolist() == [True, False, False, False]


def test_the_fastest_within_the_limits_and_its_mode():
    walk = np.array([[5.0, 12.0, np.inf], [9.0, 8.0, 40.0]])
    bike = np.array([[5.0, 11.0, 35.0], [3.0, 25.0, 31.0]])
    best, mode = fastest_within_limits([("walk", walk), ("bike", bike)], WALK_AND_BIKE, shape=walk.shape,
                                       which_mode=True)
    assert best.tolist() == [[5.0, 11.0, np.inf], [3.0, 8.0, np.inf]]
    assert mode.tolist() == [[0, 1, -1], [1, 0, -1]]  # a tie goes to the first mode


def test_one_home_is_one_row_of_many():
    rng = np.random.default_rng(14)
    walk, bike = rng.uniform(0, 40, (6, 5)), rng.uniform(0, 40, (6, 5))
    many, _ = fastest_within_limits([("walk", walk), ("bike", bike)], WALK_AND_BIKE, shape=walk.shape)
    for row in range(6):
        one, _ = fastest_within_limits([("walk", walk[row]), ("bike", bike[row])], WALK_AND_BIKE, shape=(5,))
        assert one.tolist() == many[row].tolist()


def test_the_search_takes_the_fastest_and_on_a_tie_the_earlier_mode():
    catalog = make_catalog([make_service("a", {"housing"}, (0, 1))], 2)
    participant = make_participant(["housing"], profile="no-licence")
    result = match_services(participant, catalog, [mode_times("bike", [20, 10]), mode_times("walk", [10, 30])],
                            today=date(2026, 11, 2))
    (match,) = result.matches
    assert (match.location_index, match.travel.mode, match.travel.minutes) == (1, "bike", 10.0)
