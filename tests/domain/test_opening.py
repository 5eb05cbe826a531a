"""Opening hours on real dates: closures, Belgian public holidays, validity, the horizon."""

from __future__ import annotations

from datetime import date, datetime, time, timezone

import pytest

from app.domain.catalog import OpeningSlot
from app.domain.matching import match_services
from app.domain.opening import ClosedPeriod, open_during, today_in_brussels, upcoming_closures
from app.domain.profile import TimeWindow
from tests.factories import make_catalog, make_participant, make_service, mode_times

MONDAY = date(2026, 11, 23)


def window(weekday: int, start: int = 10, end: int = 11) -> TimeWindow:
    return TimeWindow(weekday=weekday, start=time(start), end=time(end))


def service(**overrides):
    return make_service("s", {"housing"}, **overrides)  # weekday mornings 9-12


def test_a_closure_covering_every_window_in_the_horizon_closes_with_its_dates_and_reason():
    christmas_break = service(closures=((date(2026, 12, 23), date(2027, 1, 2), "kerstvakantie"),))
    check = open_during(christmas_break, [window(3)], today=date(2026, 12, 23), horizon_days=14)  # 23/12 and 30/12
    assert check.is_open is False
    assert check.reason_nl == "Gesloten van 23/12 tot 2/1 (kerstvakantie)"
    # one window outside the closure is enough: Thursday 7 January falls in a 16-day horizon
    assert open_during(christmas_break, [window(4)], today=date(2026, 12, 23), horizon_days=16).is_open is True


def test_a_closure_now_that_ends_before_the_next_window_does_not_exclude():
    closed_now = service(closures=((date(2026, 11, 20), date(2026, 11, 24), "verhuis"),))
    assert open_during(closed_now, [window(3)], today=MONDAY).is_open is True  # Wednesday 25/11 is open
    assert open_during(closed_now, [window(2)], today=MONDAY).is_open is True  # Tuesday 1/12 is open
    # with a one-week horizon the only Tuesday is 24/11, still closed
    only_tuesday = open_during(closed_now, [window(2)], today=MONDAY, horizon_days=7)
    assert only_tuesday.is_open is False
    assert only_tuesday.reason_nl == "Gesloten van 20/11 tot 24/11 (verhuis)"


def test_public_holidays_close_a_service_that_closes_on_them():
    friday_only = [window(5)]
    check = open_during(service(), friday_only, today=date(2026, 12, 21), horizon_days=7)
    assert check.is_open is False
    assert check.reason_nl == "Gesloten op 25/12 (Kerstmis)"
    assert check.closed_by == (ClosedPeriod(date(2026, 12, 25), date(2026, 12, 25), "Kerstmis", "holiday"),)
    stays_open = service(closed_on_public_holidays=False)
    assert open_during(stays_open, friday_only, today=date(2026, 12, 21), horizon_days=7).is_open is True


def test_easter_monday_moves_every_year_and_the_horizon_edge_decides():
    mondays = [window(1)]
    easter_monday = date(2027, 3, 29)
    check = open_during(service(), mondays, today=easter_monday, horizon_days=7)
    assert check.is_open is False and check.reason_nl == "Gesloten op 29/3 (Paasmaandag)"
    # the next Monday (5/4) is the eighth day: just inside a horizon of 8, just outside one of 7
    assert open_during(service(), mondays, today=easter_monday, horizon_days=8).is_open is True
    # the Monday before Easter week is an ordinary working day
    assert open_during(service(), mondays, today=date(2027, 3, 22), horizon_days=7).is_open is True


def test_the_first_day_of_the_horizon_is_today():
    full_week = service(closures=((MONDAY, date(2026, 11, 29), ""),))
    assert open_during(full_week, [window(1)], today=MONDAY, horizon_days=7).is_open is False
    assert open_during(full_week, [window(1)], today=MONDAY, horizon_days=8).is_open is True
    assert open_during(full_week, [window(1)], today=MONDAY, horizon_days=7).reason_nl == "Gesloten van 23/11 tot 29/11"
    with pytest.raises(ValueError, match="at least one day"):
        open_during(full_week, [window(1)], today=MONDAY, horizon_days=0)


def test_slot_validity_is_checked_on_the_date_each_window_falls_on():
    from_next_week = service(opening_hours=(OpeningSlot(2, time(9), time(12), valid_from=date(2026, 11, 30)),))
    # Tuesday 24/11 is before the slot starts, Tuesday 1/12 is after: open within two weeks
    assert open_during(from_next_week, [window(2)], today=MONDAY, horizon_days=14).is_open is True
    check = open_during(from_next_week, [window(2)], today=MONDAY, horizon_days=7)
    assert check.is_open is False and check.closed_by == ()  # the weekly hours, not a closure
    until_tomorrow = service(opening_hours=(OpeningSlot(2, time(9), time(12), valid_to=date(2026, 11, 24)),))
    assert open_during(until_tomorrow, [window(2)], today=MONDAY, horizon_days=7).is_open is True
    assert open_during(until_tomorrow, [window(2)], today=date(2026, 11, 25), horizon_days=14).is_open is False


def test_unknown_hours_stay_unknown_unless_every_window_date_is_closed():
    no_hours = service(opening_hours=())
    assert open_during(no_hours, [window(1)], today=MONDAY).is_open is None
    closed = service(opening_hours=(), closures=((MONDAY, date(2026, 12, 31), "renovatie"),))
    check = open_during(closed, [window(1)], today=MONDAY)
    assert check.is_open is False and "renovatie" in check.reason_nl


def test_upcoming_closures_list_what_falls_in_the_horizon_on_days_the_service_opens():
    december = service(closures=((date(2026, 12, 23), date(2027, 1, 2), "kerstvakantie"),
                                 (date(2027, 2, 1), date(2027, 2, 5), "te laat")))
    periods = upcoming_closures(december, today=date(2026, 12, 14), horizon_days=14)  # 14/12 .. 27/12
    assert [p.label_nl for p in periods] == ["Gesloten van 23/12 tot 2/1 (kerstvakantie)"]  # Christmas inside it
    # Allerheiligen 2026 is a Sunday: a weekday service is closed then anyway
    assert upcoming_closures(service(), today=date(2026, 10, 26), horizon_days=7) == ()
    armistice = upcoming_closures(service(), today=date(2026, 11, 9), horizon_days=7)
    assert [p.label_nl for p in armistice] == ["Gesloten op 11/11 (Wapenstilstand)"]
    assert upcoming_closures(service(closed_on_public_holidays=False), today=date(2026, 11, 9), horizon_days=7) == ()


def test_today_is_the_date_in_brussels():
    assert today_in_brussels(datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc)) == date(2027, 1, 1)
    assert today_in_brussels(datetime(2026, 7, 1, 21, 59, tzinfo=timezone.utc)) == date(2026, 7, 1)
    assert today_in_brussels(datetime(2026, 7, 1, 22, 0, tzinfo=timezone.utc)) == date(2026, 7, 2)


def test_the_search_explains_a_closed_service_and_shows_closures_of_the_open_ones():
    catalog = make_catalog([
        make_service("closed", {"housing"}, (0,), closures=((date(2026, 12, 23), date(2027, 1, 2), "kerstvakantie"),)),
        make_service("open", {"housing"}, (1,)),
    ], 2)
    participant = make_participant(["housing"], availability=(window(3),))
    result = match_services(participant, catalog, [mode_times("bike", [5, 6])], today=date(2026, 12, 21),
                            horizon_days=14)
    assert [m.service.id for m in result.matches] == ["open"]
    (excluded,) = result.excluded
    assert excluded.codes == ("closed",)
    assert excluded.reasons == ("Gesloten van 23/12 tot 2/1 (kerstvakantie)",)
    assert [p.label_nl for p in result.matches[0].closures] == [
        "Gesloten op 25/12 (Kerstmis)", "Gesloten op 1/1 (Nieuwjaar)",
    ]
