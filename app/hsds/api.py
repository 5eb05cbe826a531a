"""The HSDS 3.0 read API (``/api/hsds/...``): active, published data only, paginated."""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Path, Query
from sqlalchemy import func, or_
from sqlmodel import Session, select

from app.core import models
from app.http.deps import SessionDep, StateDep
from app.domain.taxonomy import expand_need
from app.domain.errors import DomainError, NotFoundError
from app.http.errors import ERROR_RESPONSES
from app.hsds.serialize import (
    TAXONOMY_IDS,
    load_related,
    location_json,
    organization_json,
    service_json,
    taxonomies_json,
    taxonomy_term_json,
)
from routing.geometry import haversine_m

router = APIRouter(prefix="/api/hsds", tags=["hsds"], responses=ERROR_RESPONSES)

Page = Annotated[int, Query(ge=1, le=100_000)]
PerPage = Annotated[int, Query(ge=1, le=100)]
Text = Annotated[str | None, Query(max_length=200)]
Id = Annotated[str, Path(max_length=36)]


class BadHsdsQuery(DomainError):
    code = "bad_query"
    status_code = 422
    message_nl = "Deze zoekvraag klopt niet."


def _page(items_total: int, page: int, per_page: int, contents: list[Any]) -> dict:
    total_pages = max(1, math.ceil(items_total / per_page))
    return {"total_items": items_total, "total_pages": total_pages, "page_number": page, "size": len(contents),
            "first_page": page == 1, "last_page": page >= total_pages, "empty": items_total == 0, "contents": contents}


def _published():
    return (models.Service.status == models.ServiceStatus.ACTIVE.value) & (models.Service.published == True)  # noqa: E712


def filtered_service_ids(
    session: Session, state, *, search: str | None, taxonomy_term_id: str | None, organization_id: str | None,
    modified_after: str | None, postcode: str | None, proximity: str | None,
) -> list[str]:
    """Service ids matching every given filter (they combine), in a stable order."""
    query = select(models.Service.id).where(_published())
    if search:
        pattern = f"%{search.strip().lower()}%"
        query = query.where(or_(func.lower(models.Service.name).like(pattern),
                                func.lower(models.Service.description).like(pattern)))
    if organization_id:
        query = query.where(models.Service.organization_id == organization_id)
    if modified_after:
        try:
            moment = datetime.fromisoformat(modified_after.replace("Z", "+00:00"))
        except ValueError:
            raise BadHsdsQuery(f"modified_after must be an ISO datetime, got {modified_after!r}") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)  # times without a zone are UTC
        try:
            moment = moment.astimezone(timezone.utc)  # 0001-01-01T00:00+23:59 lies before year 1
        except OverflowError:
            raise BadHsdsQuery(f"modified_after is outside the years 1 to 9999 in UTC: {modified_after!r}") from None
        query = query.where(models.Service.last_modified >= moment)
    if taxonomy_term_id:
        term = session.get(models.TaxonomyTerm, taxonomy_term_id)
        if term is None:
            raise BadHsdsQuery(f"unknown taxonomy_term_id {taxonomy_term_id!r}")
        if term.taxonomy == "need":
            codes = expand_need(term.code)
            query = query.where(models.Service.id.in_(
                select(models.ServiceNeed.service_id).where(models.ServiceNeed.need_code.in_(codes))))
        else:
            query = query.where(models.Service.id.in_(
                select(models.ServiceTargetGroup.service_id).where(
                    models.ServiceTargetGroup.target_group_code == term.code.removeprefix("target-group:"))))
    ids = list(session.exec(query.order_by(models.Service.name, models.Service.id)).all())
    if postcode or proximity:
        ids = _near_postcode(session, state, ids, postcode=postcode, proximity=proximity)
    return ids


def _near_postcode(session: Session, state, ids: list[str], *, postcode: str | None, proximity: str | None) -> list[str]:
    if not postcode:
        raise BadHsdsQuery("proximity needs a postcode")
    if not (postcode.isdigit() and len(postcode) == 4):
        raise BadHsdsQuery(f"postcode must be 4 digits, got {postcode!r}")
    try:
        centre = state.gazetteer.search(postcode, limit=1)[0]
    except ValueError as exc:
        raise BadHsdsQuery(str(exc)) from exc
    rows = session.exec(
        select(models.ServiceAtLocation.service_id, models.Location.postcode, models.Location.latitude,
               models.Location.longitude)
        .join(models.Location, models.Location.id == models.ServiceAtLocation.location_id)
        .where(models.ServiceAtLocation.service_id.in_(ids), models.Location.active == True)  # noqa: E712
    ).all()
    keep: set[str] = set()
    if proximity:
        try:
            metres = float(proximity)
        except ValueError:
            raise BadHsdsQuery(f"proximity is a distance in metres, got {proximity!r}") from None
        if rows:
            distances = haversine_m((centre.longitude, centre.latitude), np.array([[r[3], r[2]] for r in rows]))
            keep = {row[0] for row, distance in zip(rows, distances) if distance <= metres}
    else:
        keep = {row[0] for row in rows if row[1] == postcode}
        # outreach: the postcode lies in the service area
        keep |= set(session.exec(select(models.ServiceArea.service_id).where(
            models.ServiceArea.service_id.in_(ids), models.ServiceArea.municipality_nis == centre.municipality_nis)).all())
    return [service_id for service_id in ids if service_id in keep]


def _services(session: Session, ids: list[str]) -> list[dict]:
    services = list(session.exec(select(models.Service).where(models.Service.id.in_(ids))).all())
    order = {service_id: i for i, service_id in enumerate(ids)}
    services.sort(key=lambda s: order[s.id])
    related = load_related(session, services)
    return [service_json(service, related) for service in services]


@router.get("/", summary="About this HSDS API")
def api_root(state: StateDep) -> dict:
    base = state.settings.public_base_url.rstrip("/")
    return {"version": "3.0", "profile": "https://docs.openreferral.org/en/latest/hsds/profiles.html",
            "openapi_url": f"{base}/openapi.json"}


@router.get("/services", summary="Services (paginated; filters combine)")
def list_services(
    session: SessionDep, state: StateDep, search: Text = None, taxonomy_term_id: Text = None,
    organization_id: Text = None, modified_after: Text = None, postcode: Text = None, proximity: Text = None,
    page: Page = 1, per_page: PerPage = 50,
) -> dict:
    ids = filtered_service_ids(session, state, search=search, taxonomy_term_id=taxonomy_term_id,
                               organization_id=organization_id, modified_after=modified_after, postcode=postcode,
                               proximity=proximity)
    window = ids[(page - 1) * per_page: page * per_page]
    return _page(len(ids), page, per_page, _services(session, window))


@router.get("/services/{service_id}", summary="One service, fully nested")
def get_service(session: SessionDep, service_id: Id) -> dict:
    service = session.get(models.Service, service_id)
    if service is None or not (service.status == models.ServiceStatus.ACTIVE.value and service.published):
        raise NotFoundError(f"service {service_id} not found")
    return _services(session, [service_id])[0]


def _organization(session: Session, organization: models.Organization) -> dict:
    ids = list(session.exec(select(models.Service.id).where(
        models.Service.organization_id == organization.id, _published()).order_by(models.Service.name)).all())
    locations = list(session.exec(select(models.Location).where(
        models.Location.organization_id == organization.id, models.Location.active == True)).all())  # noqa: E712
    history = session.exec(select(models.ChangeRecord).where(models.ChangeRecord.resource_id == organization.id)).all()
    return organization_json(organization, _services(session, ids), locations, history)


@router.get("/organizations", summary="Organisations (paginated)")
def list_organizations(session: SessionDep, search: Text = None, page: Page = 1, per_page: PerPage = 50) -> dict:
    query = select(models.Organization)
    if search:
        query = query.where(func.lower(models.Organization.name).like(f"%{search.strip().lower()}%"))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(models.Organization.name, models.Organization.id)
                        .offset((page - 1) * per_page).limit(per_page)).all()
    return _page(total, page, per_page, [_organization(session, row) for row in rows])


@router.get("/organizations/{organization_id}", summary="One organisation with its services and locations")
def get_organization(session: SessionDep, organization_id: Id) -> dict:
    organization = session.get(models.Organization, organization_id)
    if organization is None:
        raise NotFoundError(f"organization {organization_id} not found")
    return _organization(session, organization)


@router.get("/taxonomies", summary="The taxonomies (needs, target groups)")
def list_taxonomies(page: Page = 1, per_page: PerPage = 50) -> dict:
    items = taxonomies_json()
    return _page(len(items), page, per_page, items[(page - 1) * per_page: page * per_page])


@router.get("/taxonomy_terms", summary="Taxonomy terms (paginated)")
def list_taxonomy_terms(session: SessionDep, taxonomy_id: Text = None, search: Text = None, page: Page = 1,
                        per_page: PerPage = 50) -> dict:
    query = select(models.TaxonomyTerm)
    if taxonomy_id:
        kind = next((name for name, value in TAXONOMY_IDS.items() if value == taxonomy_id), None)
        query = query.where(models.TaxonomyTerm.taxonomy == (kind or "none"))
    if search:
        query = query.where(func.lower(models.TaxonomyTerm.name).like(f"%{search.strip().lower()}%"))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(models.TaxonomyTerm.code).offset((page - 1) * per_page).limit(per_page)).all()
    return _page(total, page, per_page, [taxonomy_term_json(row) for row in rows])


@router.get("/service_at_locations", summary="Services at their locations (paginated; filters combine)")
def list_service_at_locations(
    session: SessionDep, state: StateDep, search: Text = None, taxonomy_term_id: Text = None,
    organization_id: Text = None, modified_after: Text = None, postcode: Text = None, proximity: Text = None,
    page: Page = 1, per_page: PerPage = 50,
) -> dict:
    ids = filtered_service_ids(session, state, search=search, taxonomy_term_id=taxonomy_term_id,
                               organization_id=organization_id, modified_after=modified_after, postcode=postcode,
                               proximity=proximity)
    links = session.exec(
        select(models.ServiceAtLocation).join(models.Location, models.Location.id == models.ServiceAtLocation.location_id)
        .where(models.ServiceAtLocation.service_id.in_(ids), models.Location.active == True)  # noqa: E712
        .order_by(models.ServiceAtLocation.id)
    ).all()
    window = links[(page - 1) * per_page: page * per_page]
    services = {s["id"]: s for s in _services(session, list({link.service_id for link in window}))}
    locations = {loc.id: loc for loc in session.exec(
        select(models.Location).where(models.Location.id.in_([link.location_id for link in window]))).all()}
    contents = [{"id": link.id, "service_id": link.service_id, "location_id": link.location_id,
                 "service": {k: v for k, v in services[link.service_id].items() if k != "service_at_locations"},
                 "location": location_json(locations[link.location_id])} for link in window]
    return _page(len(links), page, per_page, contents)
