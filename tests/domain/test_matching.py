"""The scoring function on small hand-made catalogs: filters, ranking, reasons, plan."""

from __future__ import annotations

from datetime import date, time

import pytest

from app.domain.matching import match_services, time_score
from app.domain.profile import Mobility, TimeWindow
from tests.factories import make_catalog, make_participant, make_service, mode_times

TODAY = date(2026, 11, 2)


def run(participant, catalog, times):
    return match_services(participant, catalog, times, today=TODAY, stale_after_days=365)


def test_a_service_covering_two_needs_beats_two_that_cover_one_each():
    catalog = make_catalog(
        [
            make_service("both", {"housing", "language/nt2"}, (0,)),
            make_service("housing-only", {"housing"}, (1,)),
            make_service("nt2-only", {"language/nt2"}, (2,)),
        ],
        3,
    )
    participant = make_participant(["housing", "language/nt2"])
    result = run(participant, catalog, [mode_times("bike", [10, 10, 10])])
    assert [m.service.id for m in result.matches][0] == "both"
    assert result.plan.steps[0].match.service.id == "both"
    assert len(result.plan.steps) == 1


def test_closer_is_better_and_beyond_the_maximum_is_excluded_with_the_reason():
    catalog = make_catalog([make_service(s, {"housing"}, (i,)) for i, s in enumerate("abc")], 3)
    participant = make_participant(["housing"], profile="bike", max_minutes=30)
    result = run(participant, catalog, [mode_times("bike", [25, 5, 45])])
    assert [m.service.id for m in result.matches] == ["b", "a"]
    (excluded,) = result.excluded
    assert excluded.service.id == "c"
    assert excluded.codes == ("too_far",)
    assert "45 min met de fiets (max. 30 min)" in excluded.reasons[0]


def test_time_decay_is_smooth_and_monotonic():
    scores = [time_score(m, 30) for m in (0, 5, 15, 30, 60)]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] == 1.0 and scores[2] == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("overrides", "participant_kw", "code", "reason_part"),
    [
        ({"minimum_age": 18}, {"age": 16}, "age", "Pas vanaf 18 jaar"),
        ({"maximum_age": 30}, {"age": 45}, "age", "Tot 30 jaar"),
        ({"referral_required_from": ("ocmw", "vdab")}, {"referrer": "caw"}, "referral", "OCMW"),
        ({"status": "inactive"}, {}, "inactive", "Niet actief"),
        ({"target_groups": frozenset({"after-detention"})}, {}, "target_group", "na detentie"),
    ],
)
def test_hard_filters_are_recorded_with_a_dutch_reason(overrides, participant_kw, code, reason_part):
    catalog = make_catalog([make_service("s", {"housing"}, **overrides)], 1)
    participant = make_participant(["housing"], **participant_kw)
    result = run(participant, catalog, [mode_times("bike", [5])])
    assert result.matches == ()
    assert code in result.excluded[0].codes
    assert any(reason_part in reason for reason in result.excluded[0].reasons)


def test_referral_from_the_right_organisation_passes():
    catalog = make_catalog([make_service("s", {"housing"}, referral_required_from=("ocmw",))], 1)
    result = run(make_participant(["housing"], referrer="ocmw"), catalog, [mode_times("bike", [5])])
    assert [m.service.id for m in result.matches] == ["s"]


def test_young_adult_services_follow_from_the_age():
    catalog = make_catalog([make_service("s", {"work"}, target_groups=frozenset({"young-adults"}))], 1)
    assert run(make_participant(["work"], age=24), catalog, [mode_times("bike", [5])]).matches
    assert not run(make_participant(["work"], age=40), catalog, [mode_times("bike", [5])]).matches


def test_closed_during_all_of_the_persons_availability_is_excluded():
    catalog = make_catalog([make_service("s", {"housing"})], 1)  # weekday mornings
    evenings = (TimeWindow(weekday=2, start=time(18), end=time(20)),)
    result = run(make_participant(["housing"], availability=evenings), catalog, [mode_times("bike", [5])])
    assert result.excluded[0].codes == ("closed",)
    mornings = (TimeWindow(weekday=2, start=time(10), end=time(11)),)
    assert run(make_participant(["housing"], availability=mornings), catalog, [mode_times("bike", [5])]).matches


def test_wheelchair_needs_a_step_free_location():
    catalog = make_catalog(
        [make_service("steps", {"housing"}, (0,)), make_service("free", {"housing"}, (1,))],
        2,
        {0: {"wheelchair": 0}, 1: {"wheelchair": 3}},
    )
    result = run(make_participant(["housing"], wheelchair=True), catalog, [mode_times("bike", [5, 20])])
    assert [m.service.id for m in result.matches] == ["free"]
    assert result.excluded[0].codes == ("wheelchair",)


def test_outreach_in_the_home_municipality_counts_as_at_home():
    catalog = make_catalog(
        [
            make_service("home-visits", {"housing/support"}, (), outreach=True, service_area=frozenset({"34022"})),
            make_service("elsewhere", {"housing/support"}, (), outreach=True, service_area=frozenset({"34027"})),
        ],
        1,
    )
    result = run(make_participant(["housing"]), catalog, [mode_times("bike", [5])])
    assert [m.service.id for m in result.matches] == ["home-visits"]
    assert result.matches[0].travel.mode == "at_home"
    assert "Komt aan huis in Kortrijk" in result.matches[0].reasons
    assert result.excluded[0].codes == ("outside_area",)


def test_reasons_speak_plain_dutch():
    catalog = make_catalog(
        [make_service("s", {"language/nt2"}, languages=("nl", "ar"), waiting_list="short", waiting_weeks=6,
                      assured_date=date(2025, 3, 10))],
        1,
    )
    result = run(make_participant(["language/nt2"], languages=("ar",)), catalog, [mode_times("bike", [12])])
    match = result.matches[0]
    assert "12 min met de fiets (geschatte reistijd)" in match.reasons
    assert "Spreekt Arabisch" in match.reasons
    assert "Wachtlijst ± 6 weken" in match.warnings
    assert "Niet meer gecontroleerd sinds maart 2025" in match.warnings
    assert match.stale


def test_best_mode_is_chosen_among_the_persons_modes():
    catalog = make_catalog([make_service("s", {"housing"})], 1)
    participant = make_participant(["housing"], profile="no-licence", max_minutes=45)
    result = run(participant, catalog, [mode_times("walk", [40]), mode_times("bike", [14]), mode_times("transit", [30])])
    assert result.matches[0].travel.mode == "bike"
    assert result.matches[0].travel.minutes == 14


def test_presets_remove_modes_the_person_lacks():
    assert Mobility(profile="no-licence").resolved().modes == ("walk", "bike", "transit")
    assert Mobility(profile="cannot-cycle").resolved().modes == ("walk", "transit")
    assert Mobility(modes=["walk", "car", "bike"], no_driving_licence=True, cannot_cycle=True).resolved().modes == ("walk",)
    with pytest.raises(ValueError, match="no mode"):
        Mobility(modes=["car"], no_driving_licence=True).resolved()


def test_plan_prefers_one_place_over_two_slightly_closer_ones():
    catalog = make_catalog(
        [
            make_service("one-stop", {"housing", "income-debt"}, (0,)),
            make_service("housing", {"housing"}, (1,)),
            make_service("debt", {"income-debt"}, (2,)),
        ],
        3,
    )
    participant = make_participant(["housing", "income-debt"])
    result = run(participant, catalog, [mode_times("bike", [14, 10, 10])])
    assert [s.match.service.id for s in result.plan.steps] == ["one-stop"]
    # but two much closer places beat one far away
    result = run(participant, catalog, [mode_times("bike", [29, 2, 2])])
    assert sorted(s.match.service.id for s in result.plan.steps) == ["debt", "housing"]


def test_plan_reports_needs_nobody_covers():
    catalog = make_catalog([make_service("s", {"housing"})], 1)
    result = run(make_participant(["housing", "childcare"]), catalog, [mode_times("bike", [5])])
    assert result.plan.uncovered == ("childcare",)


def test_plan_covers_more_needs_than_the_exact_search_can_visit():
    """Six needs, one service each: more than the exact search's four visits, still a full plan."""
    needs = ["housing", "income-debt", "childcare", "language", "work", "medical"]
    catalog = make_catalog([make_service(code, {code}, (i,)) for i, code in enumerate(needs)], len(needs))
    result = run(make_participant(needs), catalog, [mode_times("bike", [5, 6, 7, 8, 9, 10])])
    assert result.plan.uncovered == ()
    assert sorted(need for step in result.plan.steps for need in step.needs) == sorted(needs)
    assert result.plan.total_minutes == 45.0
