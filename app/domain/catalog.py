"""An in-memory snapshot of the services, built from the database for fast matching.

The matching code reads only this snapshot (plain, frozen data), so it can be tested and
benchmarked without a database or a server. The snapshot is rebuilt when the data
changes (see :func:`catalog_key`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time

import numpy as np
from sqlalchemy import func
from sqlmodel import Session, select

from app import models


@dataclass(frozen=True)
class CatalogLocation:
    id: str
    name: str
    address_1: str
    postcode: str
    city: str
    municipality_nis: str
    latitude: float
    longitude: float
    wheelchair_level: int | None
    accessibility_description: str
    transportation: str
    geocode_precision: str


@dataclass(frozen=True)
class OpeningSlot:
    weekday: int  # ISO, 1 = Monday
    opens_at: time
    closes_at: time
    valid_from: date | None = None
    valid_to: date | None = None
    by_appointment: bool = False


@dataclass(frozen=True)
class CatalogService:
    id: str
    name: str
    description: str
    organization_id: str
    organization_name: str
    needs: frozenset[str]
    target_groups: frozenset[str]
    minimum_age: int | None
    maximum_age: int | None
    eligibility_description: str
    referral_required_from: tuple[str, ...]
    languages: tuple[str, ...]
    interpretation_available: bool
    outreach: bool
    service_area: frozenset[str]
    waiting_list: str
    waiting_weeks: int | None
    status: str
    published: bool
    assured_date: date | None
    opening_hours: tuple[OpeningSlot, ...]
    closures: tuple[tuple[date, date, str], ...]
    closed_on_public_holidays: bool
    location_indices: tuple[int, ...]
    phone: str | None
    email: str | None
    url: str | None
    application_process: str
    what_to_bring: str
    fees_description: str
    free_of_charge: bool
    internal_phone: str | None
    internal_notes: str
    demo: bool
    version: int
    last_modified: datetime | None

    @property
    def is_active(self) -> bool:
        return self.status == models.ServiceStatus.ACTIVE.value and self.published


@dataclass(frozen=True)
class Catalog:
    services: tuple[CatalogService, ...]
    locations: tuple[CatalogLocation, ...]
    key: tuple = ()
    #: (n_locations, 2) longitude/latitude, aligned with ``locations``
    lonlat: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))

    @property
    def demo(self) -> bool:
        return any(service.demo for service in self.services)

    def by_id(self, service_id: str) -> CatalogService | None:
        return self._index.get(service_id)

    @property
    def _index(self) -> dict[str, CatalogService]:
        index = self.__dict__.get("_by_id")
        if index is None:
            index = {service.id: service for service in self.services}
            object.__setattr__(self, "_by_id", index)
        return index


def catalog_key(session: Session) -> tuple:
    """A cheap fingerprint that changes whenever a service or location changes."""
    service_stats = session.exec(
        select(func.count(), func.max(models.Service.last_modified), func.sum(models.Service.version))
    ).one()
    location_stats = session.exec(
        select(func.count(), func.max(models.Location.last_modified), func.sum(models.Location.version))
    ).one()
    links = session.exec(select(func.count()).select_from(models.ServiceAtLocation)).one()
    return (tuple(service_stats), tuple(location_stats), links)


def load_catalog(session: Session) -> Catalog:
    """Read every service with its locations, needs, areas and hours (a handful of queries)."""
    key = catalog_key(session)
    organizations = {org.id: org.name for org in session.exec(select(models.Organization)).all()}
    location_rows = session.exec(
        select(models.Location).where(models.Location.active == True).order_by(models.Location.id)  # noqa: E712
    ).all()
    locations = tuple(
        CatalogLocation(
            id=row.id,
            name=row.name,
            address_1=row.address_1,
            postcode=row.postcode,
            city=row.city,
            municipality_nis=row.municipality_nis,
            latitude=row.latitude,
            longitude=row.longitude,
            wheelchair_level=row.wheelchair_level,
            accessibility_description=row.accessibility_description,
            transportation=row.transportation,
            geocode_precision=row.geocode_precision,
        )
        for row in location_rows
    )
    location_index = {location.id: i for i, location in enumerate(locations)}

    needs: dict[str, set[str]] = defaultdict(set)
    for row in session.exec(select(models.ServiceNeed)).all():
        needs[row.service_id].add(row.need_code)
    groups: dict[str, set[str]] = defaultdict(set)
    for row in session.exec(select(models.ServiceTargetGroup)).all():
        groups[row.service_id].add(row.target_group_code)
    areas: dict[str, set[str]] = defaultdict(set)
    for row in session.exec(select(models.ServiceArea)).all():
        areas[row.service_id].add(row.municipality_nis)
    served_at: dict[str, list[int]] = defaultdict(list)
    for row in session.exec(select(models.ServiceAtLocation)).all():
        if row.location_id in location_index:
            served_at[row.service_id].append(location_index[row.location_id])
    hours: dict[str, list[OpeningSlot]] = defaultdict(list)
    for row in session.exec(select(models.Schedule)).all():
        hours[row.service_id].append(
            OpeningSlot(row.weekday, row.opens_at, row.closes_at, row.valid_from, row.valid_to, row.by_appointment)
        )
    closures: dict[str, list[tuple[date, date, str]]] = defaultdict(list)
    for row in session.exec(select(models.Closure)).all():
        closures[row.service_id].append((row.starts_on, row.ends_on, row.reason))

    services = tuple(
        CatalogService(
            id=row.id,
            name=row.name,
            description=row.description,
            organization_id=row.organization_id,
            organization_name=organizations.get(row.organization_id, ""),
            needs=frozenset(needs[row.id]),
            target_groups=frozenset(groups[row.id]),
            minimum_age=row.minimum_age,
            maximum_age=row.maximum_age,
            eligibility_description=row.eligibility_description,
            referral_required_from=tuple(row.referral_required_from or ()),
            languages=tuple(row.languages or ()),
            interpretation_available=row.interpretation_available,
            outreach=row.outreach,
            service_area=frozenset(areas[row.id]),
            waiting_list=row.waiting_list,
            waiting_weeks=row.waiting_weeks,
            status=row.status,
            published=row.published,
            assured_date=row.assured_date,
            opening_hours=tuple(sorted(hours[row.id], key=lambda s: (s.weekday, s.opens_at))),
            closures=tuple(sorted(closures[row.id])),
            closed_on_public_holidays=row.closed_on_public_holidays,
            location_indices=tuple(sorted(served_at[row.id])),
            phone=row.phone,
            email=row.email,
            url=row.url,
            application_process=row.application_process,
            what_to_bring=row.what_to_bring,
            fees_description=row.fees_description,
            free_of_charge=row.free_of_charge,
            internal_phone=row.internal_phone,
            internal_notes=row.internal_notes,
            demo=row.demo,
            version=row.version,
            last_modified=row.last_modified,
        )
        for row in session.exec(select(models.Service).order_by(models.Service.id)).all()
    )
    lonlat = np.array([[loc.longitude, loc.latitude] for loc in locations], dtype=np.float64).reshape(-1, 2)
    return Catalog(services=services, locations=locations, key=key, lonlat=lonlat)
