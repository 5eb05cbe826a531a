"""The search's response models, and how a search outcome becomes one.

Shared by ``/api/v1/search``, the public API and the coach's pages (which render the same
answer), so neither ``app/api`` nor ``app/web`` has to import the other.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from app.domain.journey_wording import travel_detail
from app.domain.matching import Match, MatchResult
from app.domain.search import SearchOutcome


class HomeOut(BaseModel):
    label: str
    latitude: float
    longitude: float
    precision: str
    municipality: dict[str, str]


class LegOut(BaseModel):
    kind: str = Field(description="walk, bus (estimated from the De Lijn stops) or timetable (a vehicle on a timetable)")
    basis: str = Field(description="routed, timetabled or estimated")


class TravelOut(BaseModel):
    mode: str = Field(description="one of the person's modes, or at_home for outreach")
    minutes: float
    estimated: bool = Field(description="true: an estimate (straight line, station or bus estimate), not a routed or timetable time")
    detail: str | None = None
    basis: str = Field(
        default="routed",
        description="routed (road network), timetabled (public transport timetable; every other leg routed), "
        "estimated (the weakest leg is an estimate) or at_home",
    )
    legs: list[LegOut] = Field(
        default_factory=list,
        description="public transport: each kind of leg of the journey (walk, bus, timetable) and how it was found",
    )


class ModeBasisOut(BaseModel):
    mode: str
    basis: str = Field(description="the weakest of routed < timetabled < estimated among this mode's results")
    label: str = Field(description="the same in Dutch, with the data's age, e.g. 'berekend op het wegennet OpenStreetMap 2017'")


class TimetableFeedOut(BaseModel):
    source: str
    service_date: str
    first_day: str
    last_day: str
    covers_today: bool


class TimetableOut(BaseModel):
    source: str = Field(description="the timetable(s) used, e.g. NMBS")
    service_date: str = Field(description="the timetable day that answered (ISO date)")
    requested_date: str = Field(description="the day asked for (ISO date)")
    covers_today: bool = Field(description="false: the timetable does not cover today; the same weekday of the feed was used")
    covers_requested_date: bool
    feeds: list[TimetableFeedOut]
    label: str = Field(description="the same in Dutch, e.g. 'dienstregeling NMBS, dienstdag dinsdag 8 oktober 2019'")


class ClosedPeriodOut(BaseModel):
    starts_on: str = Field(description="first closed day (ISO date)")
    ends_on: str = Field(description="last closed day (ISO date)")
    reason: str
    kind: str = Field(description="closure (set by the organisation) or holiday (Belgian public holiday)")
    label: str = Field(description="the same in Dutch, e.g. 'Gesloten van 23/12 tot 2/1 (kerstvakantie)'")


class SearchResultOut(BaseModel):
    service: dict[str, Any]
    location: dict[str, Any] | None
    travel: TravelOut
    score: float
    reasons: list[str]
    warnings: list[str]
    covered_needs: list[str]
    stale: bool
    upcoming_closures: list[ClosedPeriodOut] = Field(
        default_factory=list, description="closures and public holidays in the coming days (the search horizon)"
    )


class ExcludedOut(BaseModel):
    service_id: str
    name: str
    codes: list[str]
    reasons: list[str]


class PlanStepOut(BaseModel):
    service_id: str
    name: str
    needs: list[str]
    travel: TravelOut


class PlanOut(BaseModel):
    steps: list[PlanStepOut]
    uncovered_needs: list[str]
    total_minutes: float


class SearchResponse(BaseModel):
    home: HomeOut
    mobility: dict[str, Any]
    results: list[SearchResultOut]
    excluded: list[ExcludedOut]
    plan: PlanOut
    considered: int
    travel_times_estimated: bool = Field(description="true when any travel time shown is an estimate")
    travel_bases: list[ModeBasisOut] = Field(default_factory=list, description="per mode: routed, timetabled or estimated")
    timetable: TimetableOut | None = Field(
        default=None, description="the timetable day used for public transport (absent without public transport or feed)"
    )
    demo: bool = Field(description="true when the services are demonstration data")
    attribution: list[str] = Field(
        default_factory=list,
        description="credits for the data behind the travel times, e.g. '© OpenStreetMap-bijdragers (ODbL)', "
                    "'dienstregeling NMBS'; show them with the times",
    )


def service_json(match_or_service, *, include_internal: bool) -> dict[str, Any]:
    service = getattr(match_or_service, "service", match_or_service)
    body = {
        "id": service.id,
        "name": service.name,
        "description": service.description,
        "organization": {"id": service.organization_id, "name": service.organization_name},
        "status": service.status,
        "url": service.url,
        "email": service.email,
        "phone": service.phone,
        "minimum_age": service.minimum_age,
        "maximum_age": service.maximum_age,
        "eligibility_description": service.eligibility_description,
        "application_process": service.application_process,
        "fees_description": service.fees_description,
        "assured_date": service.assured_date.isoformat() if service.assured_date else None,
        "languages": list(service.languages),
        "interpretation_available": service.interpretation_available,
        "needs": sorted(service.needs),
        "target_groups": sorted(service.target_groups),
        "referral_required_from": list(service.referral_required_from),
        "outreach": service.outreach,
        "waiting_list": service.waiting_list,
        "waiting_weeks": service.waiting_weeks,
        "what_to_bring": service.what_to_bring,
        "opening_hours": [
            {"weekday": s.weekday, "opens_at": s.opens_at.strftime("%H:%M"), "closes_at": s.closes_at.strftime("%H:%M"),
             "by_appointment": s.by_appointment}
            for s in service.opening_hours
        ],
        "demo": service.demo,
    }
    if include_internal:
        body["internal_phone"] = service.internal_phone
        body["internal_notes"] = service.internal_notes
    return body


def location_json(outcome: SearchOutcome, match: Match) -> dict[str, Any] | None:
    if match.location_index is None:
        return None
    location = outcome.catalog.locations[match.location_index]
    return {
        "id": location.id,
        "name": location.name,
        "address_1": location.address_1,
        "postcode": location.postcode,
        "city": location.city,
        "municipality_nis": location.municipality_nis,
        "latitude": location.latitude,
        "longitude": location.longitude,
        "wheelchair_level": location.wheelchair_level,
    }


def travel_out(travel) -> TravelOut:
    fields = {**travel.__dict__, "detail": travel_detail(travel.detail) if travel.detail is not None else None,
              "legs": [LegOut(kind=kind, basis=basis) for kind, basis in travel.legs]}
    return TravelOut(**fields)


def search_response(outcome: SearchOutcome, *, include_internal: bool, attribution: list[str] = ()) -> SearchResponse:
    result: MatchResult = outcome.result
    home = outcome.home
    mobility = outcome.participant.mobility
    return SearchResponse(
        home=HomeOut(
            label=home.label, latitude=home.latitude, longitude=home.longitude, precision=home.precision,
            municipality={"nis": home.municipality_nis, "name": home.municipality_name},
        ),
        mobility=mobility.model_dump(),
        results=[
            SearchResultOut(
                service=service_json(match, include_internal=include_internal),
                location=location_json(outcome, match),
                travel=travel_out(match.travel),
                score=match.score,
                reasons=list(match.reasons),
                warnings=list(match.warnings),
                covered_needs=list(match.covered_needs),
                stale=match.stale,
                upcoming_closures=[ClosedPeriodOut(**period.to_dict()) for period in match.closures],
            )
            for match in result.matches
        ],
        excluded=[
            ExcludedOut(service_id=e.service.id, name=e.service.name, codes=list(e.codes), reasons=list(e.reasons))
            for e in result.excluded
            # drafts and withdrawn services are the partners' own business, not the public's
            if include_internal or "inactive" not in e.codes
        ],
        plan=PlanOut(
            steps=[
                PlanStepOut(
                    service_id=step.match.service.id, name=step.match.service.name, needs=list(step.needs),
                    travel=travel_out(step.match.travel),
                )
                for step in result.plan.steps
            ],
            uncovered_needs=list(result.plan.uncovered),
            total_minutes=result.plan.total_minutes,
        ),
        considered=result.considered,
        travel_times_estimated=any(m.travel.estimated for m in result.matches),
        travel_bases=[ModeBasisOut(**basis.to_dict()) for basis in outcome.bases],
        timetable=TimetableOut(**outcome.timetable.to_dict()) if outcome.timetable is not None else None,
        demo=outcome.catalog.demo,
        attribution=list(attribution),
    )
