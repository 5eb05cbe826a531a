"""Matching and ranking: one scoring function used by the coach UI, the API, the widget
and the gap analysis.

Pure: a resolved profile, a :class:`~app.domain.catalog.Catalog` and travel times in;
ranked results with reasons (in the language in use, Dutch by default: see
:mod:`app.domain.reason_wording`), explained exclusions and a multi-need plan out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from app.domain import reason_wording as words
from app.domain.catalog import Catalog, CatalogService, OpeningSlot
from app.domain.journey_wording import AT_HOME
from app.domain.opening import (
    DEFAULT_HORIZON_DAYS,
    ClosedPeriod,
    open_during,
    slots_valid_in_horizon,
    upcoming_closures,
)
from app.domain.plan import Plan, make_plan
from app.domain.profile import MODE_LABELS_NL, ResolvedMobility, TimeWindow
from app.domain.reachability import can_enter, fastest_within_limits, homes_served, mode_limit
from app.domain.taxonomy import REFERRER_TYPES, expand_need, target_groups_by_code
from routing.transit.detail import JourneyDetail

WEEKDAYS_NL = ("ma", "di", "wo", "do", "vr", "za", "zo")


@dataclass(frozen=True)
class ScoringWeights:
    """All ranking weights in one place. Scores are in [0, 1]; weights sum to 1."""

    need_coverage: float = 0.50
    travel_time: float = 0.25
    language: float = 0.10
    waiting_list: float = 0.10
    freshness: float = 0.05
    #: travel-time decay: the time score is 1 / (1 + (minutes / (half_at * max_minutes))^2)
    travel_half_at: float = 0.5
    language_interpreter: float = 0.6
    language_none: float = 0.2
    waiting: dict[str, float] = field(
        default_factory=lambda: {"none": 1.0, "short": 0.7, "long": 0.35, "closed": 0.05}
    )
    stale_score: float = 0.5
    #: plan: minutes a coach would trade for one visit fewer
    plan_minutes_per_visit: float = 15.0


WEIGHTS = ScoringWeights()


@dataclass(frozen=True)
class ModeTimes:
    """Travel minutes from home to every catalog location by one mode."""

    mode: str
    minutes: np.ndarray  # (n_locations,), inf where unreachable
    estimated: np.ndarray  # (n_locations,) bool
    #: per location, what the journey is (worded by app.domain.journey_wording: "bus 45, elk uur")
    details: Sequence[JourneyDetail | None] | None = None
    #: times beyond this were not computed (inf): "more than ... minutes"
    cutoff: float | None = None
    #: (n_locations,) bool: from a timetable (public transport, every leg timetabled or routed)
    timetabled: np.ndarray | None = None
    #: per location, the kinds of legs and how each was found, e.g. (("walk", "routed"),
    #: ("bus", "estimated"), ("train", "timetabled")); None when the mode is one leg
    legs: Sequence[tuple[tuple[str, str], ...] | None] | None = None

    def basis(self, index: int) -> str:
        """``estimated``, ``timetabled`` or ``routed``: how the time to location ``index`` was found."""
        if self.estimated[index]:
            return "estimated"
        if self.timetabled is not None and self.timetabled[index]:
            return "timetabled"
        return "routed"


@dataclass(frozen=True)
class HomePoint:
    longitude: float
    latitude: float
    municipality_nis: str
    municipality_name: str
    label: str
    precision: str


@dataclass(frozen=True)
class Participant:
    """What the matching needs to know, already validated and resolved."""

    home: HomePoint
    needs: dict[str, int]  # code -> priority
    mobility: ResolvedMobility
    age: int | None = None
    languages: tuple[str, ...] = ()
    interpreter_ok: bool = True
    target_groups: frozenset[str] = frozenset()
    availability: tuple[TimeWindow, ...] = ()
    referrer: str | None = None


@dataclass(frozen=True)
class Travel:
    mode: str  # one of the person's modes, or "at_home"
    minutes: float
    estimated: bool
    #: what the journey is (public transport, or AT_HOME); app.domain.journey_wording words it
    detail: JourneyDetail | None = None
    #: routed (road network), timetabled (public transport timetable), estimated, or at_home
    basis: str = "routed"
    #: public transport: the kinds of legs and their basis (see ModeTimes.legs)
    legs: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Match:
    service: CatalogService
    location_index: int | None
    travel: Travel
    covered_needs: tuple[str, ...]
    score: float
    reasons: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    stale: bool = False
    #: closures and public holidays in the horizon (the service is open at other times)
    closures: tuple[ClosedPeriod, ...] = ()


@dataclass(frozen=True)
class Exclusion:
    service: CatalogService
    codes: tuple[str, ...]
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class MatchResult:
    matches: tuple[Match, ...]
    excluded: tuple[Exclusion, ...]
    plan: Plan
    considered: int


def effective_target_groups(participant: Participant) -> frozenset[str]:
    """Declared groups plus what follows from the age."""
    groups = set(participant.target_groups)
    if participant.age is not None:
        if 18 <= participant.age <= 30:
            groups.add("young-adults")
        if participant.age < 18:
            groups.add("minors")
        if participant.age >= 55:
            groups.add("over-55")
    return frozenset(groups)


def _fmt_minutes(minutes: float) -> str:
    return f"{max(1, round(minutes))} min"


def _format_slot(slot: OpeningSlot) -> str:
    return f"{WEEKDAYS_NL[slot.weekday - 1]} {slot.opens_at:%H:%M}-{slot.closes_at:%H:%M}"


def time_score(minutes: float, max_minutes: float, weights: ScoringWeights = WEIGHTS) -> float:
    """Smooth decay against the person's maximum: 1 at the door, 0.5 at half, 0.2 at the max."""
    scale = max(weights.travel_half_at * max_minutes, 1e-9)
    return 1.0 / (1.0 + (minutes / scale) ** 2)


def _eligibility_failures(
    service: CatalogService, participant: Participant, groups: frozenset[str], *, today: date, horizon_days: int
) -> list[tuple[str, str]]:
    failures: list[tuple[str, str]] = []
    if not service.is_active:
        failures.append(("inactive", "Niet actief of niet gepubliceerd"))
    age = participant.age
    if age is not None and service.minimum_age is not None and age < service.minimum_age:
        failures.append(("age", f"Pas vanaf {service.minimum_age} jaar"))
    if age is not None and service.maximum_age is not None and age > service.maximum_age:
        failures.append(("age", f"Tot {service.maximum_age} jaar"))
    if service.referral_required_from and participant.referrer not in service.referral_required_from:
        names = " of ".join(REFERRER_TYPES.get(code, code) for code in service.referral_required_from)
        failures.append(("referral", f"Enkel na doorverwijzing door {names}"))
    if service.target_groups and not (service.target_groups & groups):
        names = ", ".join(
            target_groups_by_code()[code].label_nl.lower() if code in target_groups_by_code() else code
            for code in sorted(service.target_groups)
        )
        failures.append(("target_group", f"Enkel voor {names}"))
    if participant.availability:
        check = open_during(service, participant.availability, today=today, horizon_days=horizon_days)
        if check.is_open is False and check.closed_by:
            failures.append(("closed", check.reason_nl))
        elif check.is_open is False:
            slots = slots_valid_in_horizon(service, today=today, horizon_days=horizon_days)
            hours = ", ".join(_format_slot(slot) for slot in slots[:4])
            failures.append((
                "closed",
                f"Gesloten wanneer de deelnemer kan (open: {hours})" if hours
                else f"Geen openingsuren in de komende {horizon_days} dagen",
            ))
    return failures


def _best_travel(
    service: CatalogService,
    catalog: Catalog,
    participant: Participant,
    mode_times: Sequence[ModeTimes],
    fastest: tuple[tuple[list[float], list[int]], tuple[list[float], list[int]]],
) -> tuple[int | None, Travel | None, list[tuple[str, str]]]:
    """The fastest allowed way to the service, or why none is within reach (the rule:
    :mod:`app.domain.reachability`). ``fastest``: per location, the minutes and the mode (its
    position in ``mode_times``, -1: none) within the limits, and regardless of them (for the
    reason "too far"); see :func:`_fastest_per_location`."""
    home_nis = participant.home.municipality_nis
    if home_nis in homes_served(service):
        return None, Travel(mode="at_home", minutes=0.0, estimated=False, detail=AT_HOME, basis="at_home"), []
    failures: list[tuple[str, str]] = []
    if not service.location_indices:
        if service.outreach:
            failures.append(("outside_area", f"Komt niet aan huis in {participant.home.municipality_name}"))
        else:
            failures.append(("no_location", "Geen adres gekend"))
        return None, None, failures

    candidates = list(service.location_indices)
    if participant.mobility.wheelchair:
        accessible = [i for i in candidates if can_enter(catalog.locations[i], participant.mobility)]
        if not accessible:
            unknown = all(catalog.locations[i].wheelchair_level is None for i in candidates)
            failures.append((
                "wheelchair",
                "Rolstoeltoegankelijkheid niet gekend" if unknown else "Niet rolstoeltoegankelijk",
            ))
            return None, None, failures
        candidates = accessible

    (minutes_within, mode_of), (minutes_any, mode_any) = fastest
    reachable = [i for i in candidates if mode_of[i] >= 0]
    if not reachable:
        # nothing within a limit: every finite time is beyond one; the nearest says how far
        beyond = [i for i in candidates if mode_any[i] >= 0]
        if beyond:
            nearest = min(beyond, key=lambda i: (minutes_any[i], mode_any[i]))
            times = mode_times[mode_any[nearest]]
            minutes, mode, estimated = minutes_any[nearest], times.mode, bool(times.estimated[nearest])
            limit = mode_limit(participant.mobility, mode)
            label = "geschat " if estimated else ""
            failures.append((
                "too_far",
                f"Te ver: {label}{_fmt_minutes(minutes)} {MODE_LABELS_NL[mode]} (max. {limit} min)",
            ))
        else:
            cut = [times for times in mode_times if times.cutoff is not None]
            if cut:
                fastest_cut = max(cut, key=lambda times: times.cutoff)
                failures.append((
                    "too_far", f"Te ver: meer dan {_fmt_minutes(fastest_cut.cutoff)} {MODE_LABELS_NL[fastest_cut.mode]}",
                ))
            else:
                modes = ", ".join(MODE_LABELS_NL[m] for m in participant.mobility.modes)
                failures.append(("unreachable", f"Niet bereikbaar {modes}"))
        if service.outreach:
            failures.append(("outside_area", f"Komt niet aan huis in {participant.home.municipality_name}"))
        return None, None, failures
    # the fewest minutes; on a tie the earlier mode, then the earlier location
    index = min(reachable, key=lambda i: (minutes_within[i], mode_of[i]))
    times = mode_times[mode_of[index]]
    minutes = minutes_within[index]
    detail = times.details[index] if times.details is not None else None
    legs = times.legs[index] if times.legs is not None and times.legs[index] is not None else ()
    travel = Travel(mode=times.mode, minutes=minutes, estimated=bool(times.estimated[index]), detail=detail,
                    basis=times.basis(index), legs=legs)
    return index, travel, []


def _fastest_per_location(mobility: ResolvedMobility, mode_times: Sequence[ModeTimes], n_locations: int):
    """Once per search, as lists (quicker than arrays to read per service): the fastest minutes to
    each location and their mode within the person's limits, and regardless of the limits."""
    by_mode = [(times.mode, times.minutes) for times in mode_times]
    within, within_mode = fastest_within_limits(by_mode, mobility, shape=(n_locations,), which_mode=True)
    anyhow, anyhow_mode = fastest_within_limits(by_mode, mobility, shape=(n_locations,), which_mode=True,
                                                limited=False)
    return (within.tolist(), within_mode.tolist()), (anyhow.tolist(), anyhow_mode.tolist())


def _score_and_reasons(
    service: CatalogService,
    catalog: Catalog,
    location_index: int | None,
    travel: Travel,
    covered: list[str],
    participant: Participant,
    *,
    today: date,
    stale_after_days: int,
    weights: ScoringWeights,
) -> tuple[float, list[str], list[str], bool]:
    reasons: list[str] = []
    warnings: list[str] = []
    total_priority = sum(participant.needs.values())
    coverage = sum(participant.needs[code] for code in covered) / total_priority
    reasons.append(words.covers(covered, len(participant.needs)))

    if travel.mode == "at_home":
        reasons.append(words.comes_home(participant.home.municipality_name))
        travel_component = 1.0
    else:
        limit = participant.mobility.max_minutes_by_mode.get(travel.mode, participant.mobility.max_minutes)
        reasons.append(words.travel(travel.mode, travel.minutes, detail=travel.detail, estimated=travel.estimated))
        travel_component = time_score(travel.minutes, limit, weights)
        if location_index is not None and participant.mobility.wheelchair:
            reasons.append(words.wheelchair_accessible())

    if participant.languages:
        spoken = [code for code in participant.languages if code in service.languages]
        if spoken:
            language_component = 1.0
            non_dutch = [code for code in spoken if code != "nl"]
            if non_dutch:
                reasons.append(words.speaks(non_dutch))
        elif service.interpretation_available and participant.interpreter_ok:
            language_component = weights.language_interpreter
            reasons.append(words.with_interpreter())
        else:
            language_component = weights.language_none
            warnings.append(words.speaks_none())
    else:
        language_component = 1.0

    waiting_component = weights.waiting.get(service.waiting_list, 1.0)
    if service.waiting_list == "short" or service.waiting_list == "long":
        warnings.append(words.waiting_list(service.waiting_weeks))
    elif service.waiting_list == "closed":
        warnings.append(words.waiting_list_closed())
    else:
        reasons.append(words.no_waiting_list())

    stale = service.assured_date is None or (today - service.assured_date).days > stale_after_days
    if service.assured_date is None:
        warnings.append(words.never_checked())
    elif stale:
        warnings.append(words.checked_long_ago(service.assured_date))
    freshness_component = weights.stale_score if stale else 1.0
    if not service.free_of_charge:
        warnings.append(words.not_free(service.fees_description))

    score = (
        weights.need_coverage * coverage
        + weights.travel_time * travel_component
        + weights.language * language_component
        + weights.waiting_list * waiting_component
        + weights.freshness * freshness_component
    )
    return round(score, 4), reasons, warnings, stale


def match_services(
    participant: Participant,
    catalog: Catalog,
    mode_times: Sequence[ModeTimes],
    *,
    today: date,
    stale_after_days: int = 365,
    limit: int = 20,
    weights: ScoringWeights = WEIGHTS,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> MatchResult:
    """Filter, rank and explain; the single scoring function of the application.

    ``today`` is the first date (in Belgium) of the ``horizon_days`` in which the
    participant's weekly availability is checked against hours, closures and holidays.
    """
    groups = effective_target_groups(participant)
    matches: list[Match] = []
    excluded: list[Exclusion] = []
    considered = 0
    wanted = {code: expand_need(code) for code in participant.needs}
    fastest = _fastest_per_location(participant.mobility, mode_times, len(catalog.locations))
    for service in catalog.offering(frozenset().union(*wanted.values())):
        covered = [code for code, codes in wanted.items() if not codes.isdisjoint(service.needs)]
        if not covered:
            continue
        considered += 1
        failures = _eligibility_failures(service, participant, groups, today=today, horizon_days=horizon_days)
        location_index, travel, travel_failures = _best_travel(service, catalog, participant, mode_times, fastest)
        failures += travel_failures
        if failures or travel is None:
            excluded.append(
                Exclusion(service=service, codes=tuple(c for c, _ in failures), reasons=tuple(r for _, r in failures))
            )
            continue
        score, reasons, warnings, stale = _score_and_reasons(
            service, catalog, location_index, travel, covered, participant,
            today=today, stale_after_days=stale_after_days, weights=weights,
        )
        matches.append(
            Match(
                service=service, location_index=location_index, travel=travel, covered_needs=tuple(covered),
                score=score, reasons=tuple(reasons), warnings=tuple(warnings), stale=stale,
                closures=upcoming_closures(service, today=today, horizon_days=horizon_days),
            )
        )
    matches.sort(key=lambda m: (-m.score, m.travel.minutes, m.service.name, m.service.id))
    plan = make_plan(participant, matches, weights=weights)
    excluded.sort(key=lambda e: (e.service.name, e.service.id))
    return MatchResult(matches=tuple(matches[:limit]), excluded=tuple(excluded), plan=plan, considered=considered)
