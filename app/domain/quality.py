"""Data quality per partnership, for coordinators: what is stale, missing or imprecise.

A service belongs to a partnership when one of its active locations lies in, or its outreach
area covers, one of the partnership's municipalities; a deactivated location counts nowhere.
Every row links to the page where it is put right (the service, or the location).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import Session, select

from app.core import models
from geo.regions import PARTNERSHIPS, RegionIndex

#: geocodes coarser than an address: the pin may stand streets away from the door
LOW_PRECISION = {"street": "straat (geen huisnummer)", "place": "plaats", "postcode": "postcode", "municipality": "gemeente"}
RECENT_CHANGES = 30


@dataclass
class QualityRow:
    id: str
    name: str
    organization: str
    href: str
    detail: str = ""


@dataclass
class RecentChange:
    change: models.ChangeRecord
    title: str
    href: str


@dataclass
class PartnershipQuality:
    slug: str
    name: str
    services: int = 0
    stale: list[QualityRow] = field(default_factory=list)
    without_hours: list[QualityRow] = field(default_factory=list)
    low_precision: list[QualityRow] = field(default_factory=list)
    without_languages: list[QualityRow] = field(default_factory=list)
    recent_changes: list[RecentChange] = field(default_factory=list)


def service_href(service_id: str) -> str:
    return f"/partner/diensten/{service_id}"


def location_href(location_id: str) -> str:
    return f"/partner/locaties/{location_id}"


def data_quality(
    session: Session, *, regions: RegionIndex, partnership: str | None, stale_after_days: int, today: date
) -> list[PartnershipQuality]:
    """One report per partnership in scope (all when ``partnership`` is None)."""
    slugs = [partnership] if partnership else list(PARTNERSHIPS)
    organizations = {org.id: org.name for org in session.exec(select(models.Organization)).all()}
    services = {s.id: s for s in session.exec(select(models.Service).order_by(models.Service.name, models.Service.id)).all()}
    locations = {loc.id: loc for loc in session.exec(
        select(models.Location).where(models.Location.active == True).order_by(models.Location.name, models.Location.id)  # noqa: E712
    ).all()}
    service_locations: dict[str, list[models.Location]] = {}
    for link in session.exec(select(models.ServiceAtLocation)).all():
        if link.location_id in locations:
            service_locations.setdefault(link.service_id, []).append(locations[link.location_id])
    areas: dict[str, set[str]] = {}
    for row in session.exec(select(models.ServiceArea)).all():
        areas.setdefault(row.service_id, set()).add(row.municipality_nis)
    # hours that ended before today no longer tell anyone when to come
    with_hours = set(session.exec(select(models.Schedule.service_id).where(
        (models.Schedule.valid_to == None) | (models.Schedule.valid_to >= today))).all())  # noqa: E711
    cutoff = today - timedelta(days=stale_after_days)
    reports = []
    for slug in slugs:
        municipalities = {m.nis for m in regions.in_partnership(slug)}
        report = PartnershipQuality(slug=slug, name=PARTNERSHIPS[slug].programme)
        in_scope: set[str] = set()
        for service in services.values():
            nis = {loc.municipality_nis for loc in service_locations.get(service.id, [])} | areas.get(service.id, set())
            if not nis & municipalities or service.status != models.ServiceStatus.ACTIVE.value:
                continue
            in_scope.add(service.id)
            report.services += 1
            row = QualityRow(service.id, service.name, organizations.get(service.organization_id, ""),
                             service_href(service.id))
            if service.assured_date is None or service.assured_date < cutoff:
                since = service.assured_date.strftime("%d/%m/%Y") if service.assured_date else "nooit"
                report.stale.append(QualityRow(**{**row.__dict__, "detail": f"gecontroleerd: {since}"}))
            if service.id not in with_hours:
                report.without_hours.append(row)
            if not service.languages:
                report.without_languages.append(row)
        local = [loc for loc in locations.values() if loc.municipality_nis in municipalities]
        report.low_precision = [
            QualityRow(loc.id, loc.name, organizations.get(loc.organization_id, ""), location_href(loc.id),
                       f"punt op {LOW_PRECISION[loc.geocode_precision]}")
            for loc in local if loc.geocode_precision in LOW_PRECISION
        ]
        report.recent_changes = _recent_changes(session, services, {loc.id: loc for loc in local}, in_scope)
        reports.append(report)
    return reports


def _recent_changes(session: Session, services: dict[str, models.Service], locations: dict[str, models.Location],
                    service_ids: set[str]) -> list[RecentChange]:
    """The partnership's newest changes to its services and locations, newest first."""
    ids = sorted(service_ids | set(locations))
    if not ids:
        return []
    rows = session.exec(
        select(models.ChangeRecord).where(models.ChangeRecord.resource_id.in_(ids))
        .order_by(models.ChangeRecord.last_action_date.desc(), models.ChangeRecord.id).limit(RECENT_CHANGES)
    ).all()
    changes = []
    for row in rows:
        if row.resource_id in service_ids:
            changes.append(RecentChange(row, services[row.resource_id].name, service_href(row.resource_id)))
        else:
            changes.append(RecentChange(row, locations[row.resource_id].name, location_href(row.resource_id)))
    return changes
