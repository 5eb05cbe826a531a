"""Is a service open when the participant can come? Weekly hours checked on real dates.

The participant's availability is weekly (weekday and times). Each window is evaluated on
the dates it falls on in a horizon of days starting today (Europe/Brussels). A date counts
as open when a weekly slot that is valid on that date overlaps the window and the service
is not closed that day: not inside one of its closures and, when it closes on public
holidays, not a Belgian public holiday.

Pure: a :class:`~app.domain.catalog.CatalogService` and dates in, a verdict with Dutch
explanations out. Used by the matching (coach search, API, widget) and the referral sheet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from app.domain.catalog import CatalogService, OpeningSlot
from app.domain.profile import TimeWindow

BRUSSELS = ZoneInfo("Europe/Brussels")
#: days, starting today, in which the participant's weekly windows are looked at
DEFAULT_HORIZON_DAYS = 14


def today_in_brussels(now: datetime | None = None) -> date:
    """The date in Belgium (the server may run in UTC: at 23:30 UTC it is already tomorrow here)."""
    moment = now or datetime.now(BRUSSELS)
    if moment.tzinfo is None:
        msg = "give an aware datetime"
        raise ValueError(msg)
    return moment.astimezone(BRUSSELS).date()


@lru_cache(maxsize=32)
def _holidays_of(year: int) -> dict[date, str]:
    return dict(holidays.Belgium(years=year, language="nl"))


def public_holiday(day: date) -> str | None:
    """The Dutch name of the Belgian public holiday on ``day``, or ``None``."""
    return _holidays_of(day.year).get(day)


def _short(day: date) -> str:
    return f"{day.day}/{day.month}"


@dataclass(frozen=True)
class ClosedPeriod:
    """A stretch of days a service is closed: one of its closures, or a public holiday."""

    starts_on: date
    ends_on: date
    reason: str
    kind: str  # "closure" or "holiday"

    @property
    def label_nl(self) -> str:
        """``Gesloten van 23/12 tot 2/1 (kerstvakantie)`` or ``Gesloten op 25/12 (Kerstmis)``."""
        when = (
            f"op {_short(self.starts_on)}" if self.starts_on == self.ends_on
            else f"van {_short(self.starts_on)} tot {_short(self.ends_on)}"
        )
        reason = self.reason.strip()
        return f"Gesloten {when}" + (f" ({reason})" if reason else "")

    def to_dict(self) -> dict:
        return {"starts_on": self.starts_on.isoformat(), "ends_on": self.ends_on.isoformat(), "reason": self.reason,
                "kind": self.kind, "label": self.label_nl}


@dataclass(frozen=True)
class OpeningCheck:
    """The verdict for a participant's windows.

    ``is_open`` is ``True`` when at least one window falls on an open day in the horizon,
    ``False`` when none does, ``None`` when the hours are unknown (and no closure rules it
    out). ``closed_by`` holds the closures and holidays that closed the windows that the
    weekly hours would otherwise have allowed; empty when the hours simply do not match.
    """

    is_open: bool | None
    closed_by: tuple[ClosedPeriod, ...] = ()

    @property
    def reason_nl(self) -> str:
        return "; ".join(period.label_nl for period in self.closed_by)


def slot_overlaps(slot: OpeningSlot, window: TimeWindow, on: date) -> bool:
    """Does ``slot``, valid on the date ``on``, overlap the window (which falls on that date)?"""
    if slot.weekday != window.weekday or on.isoweekday() != window.weekday:
        return False
    if slot.valid_from and on < slot.valid_from:
        return False
    if slot.valid_to and on > slot.valid_to:
        return False
    return slot.opens_at < window.end and window.start < slot.closes_at


def horizon_dates(today: date, horizon_days: int) -> list[date]:
    """``today`` and the following days: ``horizon_days`` dates in all."""
    if horizon_days < 1:
        msg = "the horizon must be at least one day"
        raise ValueError(msg)
    return [today + timedelta(days=offset) for offset in range(horizon_days)]


def closed_on(service: CatalogService, day: date) -> ClosedPeriod | None:
    """Why the service is closed on ``day`` (a closure wins over a holiday), or ``None``."""
    for starts_on, ends_on, reason in service.closures:
        if starts_on <= day <= ends_on:
            return ClosedPeriod(starts_on, ends_on, reason, "closure")
    if service.closed_on_public_holidays:
        name = public_holiday(day)
        if name:
            return ClosedPeriod(day, day, name, "holiday")
    return None


def open_during(
    service: CatalogService,
    windows: Sequence[TimeWindow],
    *,
    today: date,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> OpeningCheck:
    """Is the service open in at least one of the windows on a date in the horizon?

    Unknown weekly hours count every window date as possible, so only closures and
    holidays can rule such a service out.
    """
    hours_known = bool(service.opening_hours)
    closed_by: list[ClosedPeriod] = []
    for day in horizon_dates(today, horizon_days):
        for window in windows:
            if window.weekday != day.isoweekday():
                continue
            if hours_known and not any(slot_overlaps(slot, window, day) for slot in service.opening_hours):
                continue
            period = closed_on(service, day)
            if period is None:
                return OpeningCheck(True if hours_known else None)
            if period not in closed_by:
                closed_by.append(period)
    if closed_by:
        return OpeningCheck(False, tuple(closed_by))
    return OpeningCheck(False) if hours_known else OpeningCheck(None)


def upcoming_closures(service: CatalogService, *, today: date, horizon_days: int = DEFAULT_HORIZON_DAYS) -> tuple[ClosedPeriod, ...]:
    """Closures overlapping the horizon, and public holidays in it on days the service would open."""
    days = horizon_dates(today, horizon_days)
    first, last = days[0], days[-1]
    periods = [
        ClosedPeriod(starts_on, ends_on, reason, "closure")
        for starts_on, ends_on, reason in service.closures
        if starts_on <= last and ends_on >= first
    ]
    if service.closed_on_public_holidays:
        for day in days:
            name = public_holiday(day)
            if not name or any(p.starts_on <= day <= p.ends_on for p in periods):
                continue
            opens_that_day = not service.opening_hours or any(
                slot.weekday == day.isoweekday()
                and not (slot.valid_from and day < slot.valid_from)
                and not (slot.valid_to and day > slot.valid_to)
                for slot in service.opening_hours
            )
            if opens_that_day:
                periods.append(ClosedPeriod(day, day, name, "holiday"))
    return tuple(sorted(periods, key=lambda p: (p.starts_on, p.ends_on)))


def slots_valid_in_horizon(service: CatalogService, *, today: date, horizon_days: int) -> tuple[OpeningSlot, ...]:
    """The weekly slots that apply on at least one date of the horizon."""
    last = today + timedelta(days=horizon_days - 1)
    return tuple(
        slot for slot in service.opening_hours
        if not (slot.valid_from and slot.valid_from > last) and not (slot.valid_to and slot.valid_to < today)
    )
