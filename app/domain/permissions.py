"""Who may edit what: partners their organisations' entries, a partnership's coordinator those
in its municipalities, a coordinator without a partnership everything."""

from __future__ import annotations

from sqlmodel import Session, select

from app.core import models
from app.core.auth import PermissionDenied, user_organization_ids
from app.domain.errors import NotFoundError


def service_partnerships(session: Session, service_id: str) -> set[str]:
    municipalities = set(
        session.exec(
            select(models.Location.municipality_nis)
            .join(models.ServiceAtLocation, models.ServiceAtLocation.location_id == models.Location.id)
            .where(models.ServiceAtLocation.service_id == service_id)
        ).all()
    )
    municipalities |= set(
        session.exec(select(models.ServiceArea.municipality_nis).where(models.ServiceArea.service_id == service_id)).all()
    )
    return _partnerships_of(municipalities, session)


def organization_partnerships(session: Session, organization_id: str) -> set[str]:
    """The partnerships whose municipalities hold one of the organisation's locations."""
    return _partnerships_of(set(session.exec(
        select(models.Location.municipality_nis).where(models.Location.organization_id == organization_id)
    ).all()), session)


def _partnerships_of(municipalities: set[str], session: Session) -> set[str]:
    if not municipalities:
        return set()
    return set(session.exec(
        select(models.MunicipalityPartnership.partnership_slug).where(
            models.MunicipalityPartnership.municipality_nis.in_(municipalities)
        )
    ).all())


def partnership_service_ids(session: Session, slug: str) -> set[str]:
    """Services with a location in, or coming to homes in, one of the partnership's municipalities."""
    in_partnership = select(models.MunicipalityPartnership.municipality_nis).where(
        models.MunicipalityPartnership.partnership_slug == slug
    )
    located = session.exec(
        select(models.ServiceAtLocation.service_id)
        .join(models.Location, models.Location.id == models.ServiceAtLocation.location_id)
        .where(models.Location.municipality_nis.in_(in_partnership))
    ).all()
    reaching = session.exec(
        select(models.ServiceArea.service_id).where(models.ServiceArea.municipality_nis.in_(in_partnership))
    ).all()
    return set(located) | set(reaching)


def can_edit_organization(session: Session, user: models.User, organization_id: str) -> bool:
    if not user.active:
        return False
    if user.role == models.Role.COORDINATOR.value:
        # a partnership's coordinator looks after the organisations that work in its municipalities
        return user.partnership_slug is None or user.partnership_slug in organization_partnerships(session, organization_id)
    if user.role == models.Role.PARTNER.value:
        return organization_id in user_organization_ids(session, user)
    return False


def can_edit_service(session: Session, user: models.User, service: models.Service) -> bool:
    if not user.active:
        return False
    if user.role == models.Role.COORDINATOR.value:
        return user.partnership_slug is None or user.partnership_slug in service_partnerships(session, service.id)
    if user.role == models.Role.PARTNER.value:
        return service.organization_id in user_organization_ids(session, user)
    return False


def get_editable_service(session: Session, *, user: models.User, service_id: str) -> models.Service:
    service = session.get(models.Service, service_id)
    if service is None:
        raise NotFoundError(f"service {service_id} not found")
    if not can_edit_service(session, user, service):
        raise PermissionDenied(f"user may not edit service {service_id}")
    return service
