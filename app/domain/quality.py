"""Data quality per partnership, for coordinators: what is stale, missing or imprecise."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import Session, select

from app import models
from geo.regions import PARTNERSHIPS, RegionIndex


@dataclass
class QualityRow:
    service_id: str
    name: str
    organization: str
    detail: str = ""


@dataclass
class PartnershipQuality:
    slug: str
    name: str
    services: int = 0
    stale: list[QualityRow] = field(default_factory=list)
    without_hours: list[QualityRow] = field(default_factory=list)
    low_precision: list[QualityRow] = field(default_factory=list)
    without_languages: list[QualityRow] = field(default_factory=list)
    recent_changes: list[models.ChangeRecord] = field(default_factory=list)


def data_quality(
    session: Session, *, regions: RegionIndex, partnership: str | None, stale_after_days: int, today: date
) -> list[PartnershipQuality]:
    """One report per partnership in scope (all when ``partnership`` is None)."""
    slugs = [partnership] if partnership else list(PARTNERSHIPS)
    organizations = {org.id: org.name for org in session.exec(select(models.Organization)).all()}
    services = {s.id: s for s in session.exec(select(models.Service)).all()}
    locations = {loc.id: loc for loc in session.exec(select(models.Location)).all()}
    service_locations: dict[str, list[models.Location]] = {}
    for link in session.exec(select(models.ServiceAtLocation)).all():
        if link.location_id in locations:
            service_locations.setdefault(link.service_id, []).append(locations[link.location_id])
    areas: dict[str, set[str]] = {}
    for row in session.exec(select(models.ServiceArea)).all():
        areas.setdefault(row.service_id, set()).add(row.municipality_nis)
    with_hours = set(session.exec(select(models.Schedule.service_id)).all())
    cutoff = today - timedelta(days=stale_after_days)
    recent = list(
        session.exec(select(models.ChangeRecord).order_by(models.ChangeRecord.last_action_date.desc()).limit(400)).all()
    )
    reports = []
    for slug in slugs:
        municipalities = {m.nis for m in regions.in_partnership(slug)}
        report = PartnershipQuality(slug=slug, name=PARTNERSHIPS[slug].programme)
        in_scope = set()
        for service in services.values():
            nis = {loc.municipality_nis for loc in service_locations.get(service.id, [])} | areas.get(service.id, set())
            if not nis & municipalities or service.status != models.ServiceStatus.ACTIVE.value:
                continue
            in_scope.add(service.id)
            report.services += 1
            row = QualityRow(service.id, service.name, organizations.get(service.organization_id, ""))
            if service.assured_date is None or service.assured_date < cutoff:
                since = service.assured_date.strftime("%d/%m/%Y") if service.assured_date else "nooit"
                report.stale.append(QualityRow(**{**row.__dict__, "detail": f"gecontroleerd: {since}"}))
            if service.id not in with_hours:
                report.without_hours.append(row)
            if not service.languages:
                report.without_languages.append(row)
            imprecise = [loc for loc in service_locations.get(service.id, [])
                         if loc.geocode_precision in ("postcode", "municipality")]
            if imprecise:
                report.low_precision.append(QualityRow(**{**row.__dict__, "detail": imprecise[0].geocode_precision}))
        report.recent_changes = [c for c in recent if c.resource_id in in_scope][:30]
        reports.append(report)
    return reports
