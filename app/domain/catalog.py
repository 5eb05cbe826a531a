"""An in-memory snapshot of the services, built from the database for fast matching.

The matching code reads only this snapshot (plain, frozen data), so it can be tested and
benchmarked without a database or a server. The snapshot is rebuilt when the data
changes (see :func:`catalog_key`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from datetime import date, datetime, time, timedelta
from itertools import chain

import numpy as np
from sqlalchemy import func
from sqlmodel import Session, select

from app.core import models
from app.domain.demo_data import is_demonstration


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
    demo: bool = False


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
    #: location links per service (inactive locations included): lets a refresh check itself
    link_counts: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    # Derived once per snapshot (a snapshot never changes; a refresh makes a new one).
    @cached_property
    def demo(self) -> bool:
        """Whether anything this snapshot shows is demonstration data (services or locations)."""
        return is_demonstration(chain(self.services, self.locations))

    @cached_property
    def services_by_id(self) -> dict[str, CatalogService]:
        return {service.id: service for service in self.services}

    @cached_property
    def _positions_by_need(self) -> dict[str, list[int]]:
        index: dict[str, list[int]] = defaultdict(list)
        for position, service in enumerate(self.services):
            for code in service.needs:
                index[code].append(position)
        return index

    def by_id(self, service_id: str) -> CatalogService | None:
        return self.services_by_id.get(service_id)

    def offering(self, codes) -> list[CatalogService]:
        """The services tagged with any of ``codes``, in catalogue order (an inverted index:
        a search looks at the few services offering a need, not at all of them)."""
        index = self._positions_by_need
        positions = sorted({position for code in codes for position in index.get(code, ())})
        return [self.services[position] for position in positions]


#: the tables a snapshot is read from: a committed write to any of them may change it
SNAPSHOT_TABLES = frozenset(model.__tablename__ for model in (
    models.Organization, models.Service, models.ServiceNeed, models.ServiceTargetGroup, models.ServiceArea,
    models.ServiceAtLocation, models.Schedule, models.Closure, models.Location,
))


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


#: an edit is picked up incrementally when its timestamp is at most this much older than the
#: snapshot's newest (a transaction stamped before another one committed after it)
COMMIT_MARGIN = timedelta(seconds=5)


def _location_of(row: models.Location) -> CatalogLocation:
    return CatalogLocation(
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
        demo=row.demo,
    )


class _ServiceParts:
    """What the catalogue keeps of a service besides its own row: needs, groups, areas, the
    locations it is served at, its hours and closures (read for all services, or a few)."""

    def __init__(self, session: Session, location_index: dict[str, int], only: list[str] | None) -> None:
        self._session, self._only = session, only
        self.needs = self._grouped(models.ServiceNeed, lambda row: row.need_code)
        self.groups = self._grouped(models.ServiceTargetGroup, lambda row: row.target_group_code)
        self.areas = self._grouped(models.ServiceArea, lambda row: row.municipality_nis)
        self.hours = self._grouped(models.Schedule, lambda row: OpeningSlot(
            row.weekday, row.opens_at, row.closes_at, row.valid_from, row.valid_to, row.by_appointment))
        self.closures = self._grouped(models.Closure, lambda row: (row.starts_on, row.ends_on, row.reason))
        self.served_at: dict[str, list[int]] = defaultdict(list)
        #: location links per service, inactive locations included (the refresh checks their sum)
        self.link_counts: dict[str, int] = defaultdict(int)
        for row in self._rows(models.ServiceAtLocation):
            self.link_counts[row.service_id] += 1
            if row.location_id in location_index:
                self.served_at[row.service_id].append(location_index[row.location_id])

    def _rows(self, model) -> list:
        statement = select(model)
        if self._only is not None:
            statement = statement.where(model.service_id.in_(self._only))
        return self._session.exec(statement).all()

    def _grouped(self, model, value) -> dict[str, list]:
        grouped: dict[str, list] = defaultdict(list)
        for row in self._rows(model):
            grouped[row.service_id].append(value(row))
        return grouped


def _service_of(row: models.Service, parts: _ServiceParts, organization_name: str) -> CatalogService:
    return CatalogService(
        id=row.id,
        name=row.name,
        description=row.description,
        organization_id=row.organization_id,
        organization_name=organization_name,
        needs=frozenset(parts.needs[row.id]),
        target_groups=frozenset(parts.groups[row.id]),
        minimum_age=row.minimum_age,
        maximum_age=row.maximum_age,
        eligibility_description=row.eligibility_description,
        referral_required_from=tuple(row.referral_required_from or ()),
        languages=tuple(row.languages or ()),
        interpretation_available=row.interpretation_available,
        outreach=row.outreach,
        service_area=frozenset(parts.areas[row.id]),
        waiting_list=row.waiting_list,
        waiting_weeks=row.waiting_weeks,
        status=row.status,
        published=row.published,
        assured_date=row.assured_date,
        opening_hours=tuple(sorted(parts.hours[row.id], key=lambda s: (s.weekday, s.opens_at))),
        closures=tuple(sorted(parts.closures[row.id])),
        closed_on_public_holidays=row.closed_on_public_holidays,
        location_indices=tuple(sorted(parts.served_at[row.id])),
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


def _load_services(
    session: Session, location_index: dict[str, int], *, only: list[str] | None = None
) -> tuple[list[CatalogService], dict[str, int]]:
    """Services (all, or the ids in ``only``) with their needs, groups, areas, links and hours.

    Also returns each service's number of location links (inactive locations included), which
    the incremental refresh uses to check that it saw every change.
    """
    organizations = {org.id: org.name for org in session.exec(select(models.Organization)).all()}
    parts = _ServiceParts(session, location_index, only)
    statement = select(models.Service).order_by(models.Service.id)
    if only is not None:
        statement = statement.where(models.Service.id.in_(only))
    services = [_service_of(row, parts, organizations.get(row.organization_id, ""))
                for row in session.exec(statement).all()]
    return services, {service.id: parts.link_counts[service.id] for service in services}


#: how often a snapshot is read again when a commit landed between its queries
CONSISTENT_READ_ATTEMPTS = 3


def _consistent(session: Session, read: Callable[[tuple], Catalog]) -> Catalog:
    """``read(key)`` with the fingerprint taken before it, read again until the fingerprint
    after it is still the one the snapshot carries.

    The queries of one read are separate statements: a commit landing between them (a new
    service and its new location, say) would otherwise give a snapshot with the service but
    not its location, under the fingerprint of before (nothing re-reads it for a second).
    """
    for _attempt in range(CONSISTENT_READ_ATTEMPTS):
        catalog = read(catalog_key(session))
        if catalog_key(session) == catalog.key:
            return catalog
    # Still changing: the snapshot carries the fingerprint from before its reads, so the next
    # check reads it again.
    return catalog


def load_catalog(session: Session) -> Catalog:
    """Read every service with its locations, needs, areas and hours (a handful of queries)."""
    return _consistent(session, lambda key: _read_catalog(session, key))


def _read_catalog(session: Session, key: tuple) -> Catalog:
    location_rows = session.exec(
        select(models.Location).where(models.Location.active == True).order_by(models.Location.id)  # noqa: E712
    ).all()
    locations = tuple(_location_of(row) for row in location_rows)
    location_index = {location.id: i for i, location in enumerate(locations)}
    services, link_counts = _load_services(session, location_index)
    lonlat = np.array([[loc.longitude, loc.latitude] for loc in locations], dtype=np.float64).reshape(-1, 2)
    return Catalog(services=tuple(services), locations=locations, key=key, lonlat=lonlat, link_counts=link_counts)


def refresh_catalog(session: Session, current: Catalog) -> Catalog:
    """The snapshot brought up to date, re-reading only the services edited since ``current``.

    A full rebuild costs about 0.1-0.3 s of CPU (holding the interpreter lock, so every search
    in the process waits); an edit re-reads one service in a few milliseconds. Falls back to a
    full rebuild whenever it cannot prove it saw every change: locations changed, services
    removed, or the version sum / link count of the result does not match the database's.
    """
    if catalog_key(session) == current.key:
        return current
    return _consistent(session, lambda key: _refreshed(session, current, key))


def _refreshed(session: Session, current: Catalog, key: tuple) -> Catalog:
    if key == current.key:
        return current
    (count, newest, version_sum), location_stats, links = key
    old_count, old_newest, _ = current.key[0] if current.key else (None, None, None)
    if location_stats != current.key[1] or old_count is None or count < old_count or old_newest is None:
        return load_catalog(session)
    changed_ids = session.exec(
        select(models.Service.id).where(models.Service.last_modified >= old_newest - COMMIT_MARGIN)
    ).all()
    location_index = {location.id: i for i, location in enumerate(current.locations)}
    changed, changed_links = _load_services(session, location_index, only=list(changed_ids))
    if sum(len(service.location_indices) for service in changed) != sum(changed_links.values()):
        # a changed service links to a location this snapshot does not hold: new (a location
        # removed and another added can leave the location fingerprint as it was) or inactive;
        # only a full read can tell, so do it
        return load_catalog(session)
    merged = dict(current.services_by_id)
    merged.update({service.id: service for service in changed})
    link_counts = {**current.link_counts, **changed_links}
    services = tuple(merged[service_id] for service_id in sorted(merged))
    if (
        len(services) != count
        or sum(service.version for service in services) != version_sum
        or sum(link_counts.values()) != links
    ):
        return load_catalog(session)
    return Catalog(services=services, locations=current.locations, key=key, lonlat=current.lonlat,
                   link_counts=link_counts)
