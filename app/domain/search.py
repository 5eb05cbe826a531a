"""One search, end to end: resolve the home, compute travel times, match and rank.

Used by the coach pages, the JSON API and the public widget alike. Nothing about the
participant is stored or logged here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from app.domain.catalog import Catalog
from app.domain.matching import HomePoint, MatchResult, Participant, match_services
from app.domain.opening import DEFAULT_HORIZON_DAYS
from app.domain.profile import NeedsProfile
from app.domain.reach import Reach, TimetableNotice, TransitWindow, default_transit_window
from app.domain.travel_labels import ModeBasis, mode_bases
from geo.gazetteer import Gazetteer


@dataclass(frozen=True)
class SearchOutcome:
    home: HomePoint
    participant: Participant
    result: MatchResult
    window: TransitWindow
    catalog: Catalog
    #: the timetable day used, when the person travels by public transport and a feed is loaded
    timetable: TimetableNotice | None = None
    #: per mode: routed, timetabled or estimated, and the words for it
    bases: list[ModeBasis] = field(default_factory=list)


def resolve_home(profile: NeedsProfile, gazetteer: Gazetteer) -> HomePoint:
    home = profile.home
    if home.lat is not None and home.lon is not None:
        candidate = gazetteer.reverse(home.lon, home.lat)  # refuses points outside Belgium and the regions
    else:
        candidate = gazetteer.resolve(home.query or "")
    return HomePoint(
        longitude=candidate.longitude,
        latitude=candidate.latitude,
        municipality_nis=candidate.municipality_nis,
        municipality_name=candidate.municipality_name,
        label=candidate.label,
        precision=str(candidate.precision),
    )


def transit_window(profile: NeedsProfile, today: date) -> TransitWindow:
    """The first hour the person can travel: from their availability, else a weekday morning."""
    if profile.availability:
        first = min(profile.availability, key=lambda w: (w.weekday, w.start))
        start_day = profile.travel_date or today + timedelta(days=1)
        offset = (first.weekday - start_day.isoweekday()) % 7
        end = min(first.end, (datetime.combine(start_day, first.start) + timedelta(hours=1)).time())
        return TransitWindow(service_date=start_day + timedelta(days=offset), start=first.start, end=end)
    if profile.travel_date:
        return TransitWindow(service_date=profile.travel_date, start=time(8, 0), end=time(9, 0))
    return default_transit_window(today)


def participant_from(profile: NeedsProfile, home: HomePoint) -> Participant:
    return Participant(
        home=home,
        needs=profile.need_priorities(),
        mobility=profile.mobility.resolved(),
        age=profile.age,
        languages=tuple(profile.languages),
        interpreter_ok=profile.interpreter_ok,
        target_groups=frozenset(profile.target_groups),
        availability=tuple(profile.availability),
        referrer=profile.referrer,
    )


def run_search(
    profile: NeedsProfile,
    *,
    catalog: Catalog,
    gazetteer: Gazetteer,
    reach: Reach,
    today: date,
    stale_after_days: int = 365,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> SearchOutcome:
    home = resolve_home(profile, gazetteer)
    participant = participant_from(profile, home)
    window = transit_window(profile, today)
    mode_times = reach.mode_times(
        (home.longitude, home.latitude),
        catalog.lonlat,
        participant.mobility.modes,
        max_minutes_by_mode=participant.mobility.max_minutes_by_mode,
        window=window,
    )
    result = match_services(
        participant, catalog, mode_times, today=today, stale_after_days=stale_after_days, limit=profile.limit,
        horizon_days=horizon_days,
    )
    modes = participant.mobility.modes
    timetable = reach.timetable_notice(window, today=today) if "transit" in modes else None
    bases = mode_bases(modes, result.matches, mode_times, reach=reach, timetable=timetable)
    return SearchOutcome(home=home, participant=participant, result=result, window=window, catalog=catalog,
                         timetable=timetable, bases=bases)
