"""Partners keep their own entries right: edits with history, no lost updates.

Every rule is enforced here, not in the web layer, so the form, the JSON API and any
future client go through the same checks. Who may edit what: :mod:`app.domain.permissions`;
the change history: :mod:`app.domain.history`; duplicate detection: :mod:`app.domain.duplicates`;
entries nobody confirmed lately: :mod:`app.domain.staleness`.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, time
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import update
from sqlmodel import Session, delete, select

from app.core import models
from app.core.auth import PermissionDenied, now_utc
from app.core.db import committing
from app.domain.duplicates import PossibleDuplicates, similar_organizations, similar_services
from app.domain.errors import DomainError, NotFoundError
from app.domain.history import jsonable, record_change
from app.domain.permissions import can_edit_organization, get_editable_service
from app.domain.taxonomy import REFERRER_TYPES, target_groups_by_code, validate_need_codes


class VersionConflict(DomainError):
    code = "version_conflict"
    status_code = 409
    message_nl = "Iemand anders heeft deze dienst intussen gewijzigd. Bekijk beide versies."

    def __init__(self, current: dict[str, Any], attempted: dict[str, Any]) -> None:
        self.current = current
        self.attempted = attempted
        super().__init__(f"the service changed meanwhile (now version {current.get('version')})")

    @property
    def detail(self) -> dict[str, Any]:
        return {"current": self.current, "attempted": self.attempted}


class LocationRequired(DomainError):
    code = "location_required"
    status_code = 422
    message_nl = "Kies minstens één locatie: mensen komen naar deze dienst toe (of vink 'aan huis' aan)."


class InvalidLocations(DomainError):
    code = "invalid_location"
    status_code = 422
    message_nl = "Kies enkel actieve locaties van de organisatie van deze dienst."


class UnknownMunicipalities(DomainError):
    code = "unknown_municipality"
    status_code = 422
    message_nl = "Kies gemeenten uit de lijst."


class OpeningSlotIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    weekday: int = Field(ge=1, le=7)
    opens_at: time
    closes_at: time
    by_appointment: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> OpeningSlotIn:
        if self.closes_at <= self.opens_at:
            msg = "closing time must be after opening time"
            raise ValueError(msg)
        return self


class ClosureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    starts_on: date
    ends_on: date
    reason: str = Field(default="", max_length=200)

    @model_validator(mode="after")
    def _ordered(self) -> ClosureIn:
        if self.ends_on < self.starts_on:
            msg = "a closure must end on or after its first day"
            raise ValueError(msg)
        return self


#: plain columns of Service an editor may change
SERVICE_FIELDS = (
    "name", "description", "url", "email", "phone", "internal_phone", "internal_notes", "status", "published",
    "minimum_age", "maximum_age", "eligibility_description", "referral_required_from", "application_process",
    "what_to_bring", "fees_description", "free_of_charge", "languages", "interpretation_available", "outreach",
    "waiting_list", "waiting_weeks", "closed_on_public_holidays",
)
#: related rows edited as a whole (location_ids: the service_at_location links)
RELATED_FIELDS = ("needs", "target_groups", "service_area", "opening_hours", "closures", "location_ids")
#: related fields whose order carries no meaning (compared and recorded sorted)
_SET_FIELDS = ("needs", "target_groups", "service_area", "location_ids")


def _known(value: list[str] | None, known, label: str) -> list[str] | None:
    unknown = [code for code in value or () if code not in known]
    if unknown:
        msg = f"unknown {label}(s): {', '.join(unknown)}"
        raise ValueError(msg)
    return value


#: fields a change may empty with null; any other field is left out to keep its value, never set to null
NULLABLE_CHANGES = frozenset({"url", "email", "phone", "internal_phone", "minimum_age", "maximum_age", "waiting_weeks"})


class ServiceChanges(BaseModel):
    """A partial update: only the fields that are set are changed."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=2, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    url: str | None = Field(default=None, max_length=300, pattern=r"^(https?://\S+)?$")
    email: str | None = Field(default=None, max_length=200, pattern=r"^([^@\s]+@[^@\s]+\.[^@\s]+)?$")
    phone: str | None = Field(default=None, max_length=40)
    internal_phone: str | None = Field(default=None, max_length=40)
    internal_notes: str | None = Field(default=None, max_length=5000)
    status: models.ServiceStatus | None = None
    published: bool | None = None
    minimum_age: int | None = Field(default=None, ge=0, le=120)
    maximum_age: int | None = Field(default=None, ge=0, le=120)
    eligibility_description: str | None = Field(default=None, max_length=2000)
    referral_required_from: list[str] | None = Field(default=None, max_length=10)
    application_process: str | None = Field(default=None, max_length=2000)
    what_to_bring: str | None = Field(default=None, max_length=1000)
    fees_description: str | None = Field(default=None, max_length=1000)
    free_of_charge: bool | None = None
    languages: list[str] | None = Field(default=None, max_length=20)
    interpretation_available: bool | None = None
    outreach: bool | None = None
    waiting_list: models.WaitingList | None = None
    waiting_weeks: int | None = Field(default=None, ge=0, le=260)
    closed_on_public_holidays: bool | None = None
    needs: list[str] | None = Field(default=None, max_length=20)
    target_groups: list[str] | None = Field(default=None, max_length=12)
    service_area: list[str] | None = Field(default=None, max_length=60)
    opening_hours: list[OpeningSlotIn] | None = Field(default=None, max_length=60)
    closures: list[ClosureIn] | None = Field(default=None, max_length=30)
    #: the organisation's locations where the service is given (HSDS service_at_location)
    location_ids: list[Annotated[str, Field(min_length=1, max_length=36)]] | None = Field(default=None, max_length=50)

    @field_validator("location_ids")
    @classmethod
    def _distinct_locations(cls, value):
        return None if value is None else list(dict.fromkeys(value))

    @field_validator("needs")
    @classmethod
    def _needs(cls, value):
        return None if value is None else validate_need_codes(value)

    @field_validator("target_groups")
    @classmethod
    def _groups(cls, value):
        return _known(value, target_groups_by_code(), "target group")

    @field_validator("referral_required_from")
    @classmethod
    def _referrers(cls, value):
        return _known(value, REFERRER_TYPES, "referrer type")

    @field_validator("languages")
    @classmethod
    def _languages(cls, value):
        if value is not None:
            bad = [code for code in value if not (2 <= len(code) <= 3 and code.isalpha() and code.islower())]
            if bad:
                msg = f"language codes must be ISO 639 (e.g. nl, ar, prs): {', '.join(bad)}"
                raise ValueError(msg)
        return value

    @model_validator(mode="after")
    def _no_null_where_a_value_is_required(self) -> ServiceChanges:
        nulled = sorted(name for name in self.model_fields_set - NULLABLE_CHANGES if getattr(self, name) is None)
        if nulled:
            msg = f"these fields cannot be null (leave them out to keep their value): {', '.join(nulled)}"
            raise ValueError(msg)
        return self

    @model_validator(mode="after")
    def _ages(self) -> ServiceChanges:
        if self.minimum_age is not None and self.maximum_age is not None and self.minimum_age > self.maximum_age:
            msg = "minimum age is above maximum age"
            raise ValueError(msg)
        return self


def related_values(session: Session, service_id: str) -> dict[str, Any]:
    """The related rows of a service in the shape :class:`ServiceChanges` uses."""
    needs = session.exec(select(models.ServiceNeed.need_code).where(models.ServiceNeed.service_id == service_id)).all()
    groups = session.exec(
        select(models.ServiceTargetGroup.target_group_code).where(models.ServiceTargetGroup.service_id == service_id)
    ).all()
    area = session.exec(select(models.ServiceArea.municipality_nis).where(models.ServiceArea.service_id == service_id)).all()
    hours = session.exec(
        select(models.Schedule).where(models.Schedule.service_id == service_id).order_by(models.Schedule.weekday, models.Schedule.opens_at)
    ).all()
    closures = session.exec(
        select(models.Closure).where(models.Closure.service_id == service_id).order_by(models.Closure.starts_on)
    ).all()
    return {
        "location_ids": linked_location_ids(session, service_id),
        "needs": sorted(needs),
        "target_groups": sorted(groups),
        "service_area": sorted(area),
        "opening_hours": [
            {"weekday": h.weekday, "opens_at": h.opens_at.isoformat(), "closes_at": h.closes_at.isoformat(),
             "by_appointment": h.by_appointment}
            for h in hours
        ],
        "closures": [
            {"starts_on": c.starts_on.isoformat(), "ends_on": c.ends_on.isoformat(), "reason": c.reason} for c in closures
        ],
    }


def linked_location_ids(session: Session, service_id: str) -> list[str]:
    return sorted(session.exec(
        select(models.ServiceAtLocation.location_id).where(models.ServiceAtLocation.service_id == service_id)
    ).all())


def check_locations(
    session: Session, *, user: models.User, organization_id: str, location_ids: list[str], outreach: bool,
    already_linked: Collection[str] = (),
) -> None:
    """The locations a service will be linked to: its organisation's own, active when newly linked.

    A service people go to (not outreach) needs at least one. A location of an organisation
    the user may not edit is refused as forbidden; an unknown or inactive one, or one of
    another organisation the user does edit (a wrong tick), as invalid input.
    """
    if not outreach and not location_ids:
        raise LocationRequired("an in-person service needs at least one location")
    for location_id in location_ids:
        if location_id in already_linked:
            continue  # kept as it is, even if the location was deactivated since
        location = session.get(models.Location, location_id)
        if location is None:
            raise InvalidLocations(f"location {location_id} not found")
        if location.organization_id != organization_id:
            if not can_edit_organization(session, user, location.organization_id):
                raise PermissionDenied(f"location {location_id} belongs to an organisation the user may not edit")
            raise InvalidLocations(f"location {location_id} belongs to another organisation")
        if not location.active:
            raise InvalidLocations(f"location {location_id} is not active")


def service_snapshot(session: Session, service: models.Service) -> dict[str, Any]:
    snapshot = {name: jsonable(getattr(service, name)) for name in SERVICE_FIELDS}
    snapshot.update(related_values(session, service.id))
    snapshot.update(id=service.id, version=service.version, organization_id=service.organization_id)
    return snapshot


def _replace_related(session: Session, service_id: str, field_name: str, value: list) -> None:
    if field_name == "needs":
        session.exec(delete(models.ServiceNeed).where(models.ServiceNeed.service_id == service_id))
        session.add_all(models.ServiceNeed(service_id=service_id, need_code=code) for code in value)
    elif field_name == "target_groups":
        session.exec(delete(models.ServiceTargetGroup).where(models.ServiceTargetGroup.service_id == service_id))
        session.add_all(models.ServiceTargetGroup(service_id=service_id, target_group_code=code) for code in value)
    elif field_name == "service_area":
        session.exec(delete(models.ServiceArea).where(models.ServiceArea.service_id == service_id))
        session.add_all(models.ServiceArea(service_id=service_id, municipality_nis=nis) for nis in dict.fromkeys(value))
    elif field_name == "opening_hours":
        session.exec(delete(models.Schedule).where(models.Schedule.service_id == service_id))
        session.add_all(
            models.Schedule(service_id=service_id, weekday=slot.weekday, opens_at=slot.opens_at,
                            closes_at=slot.closes_at, by_appointment=slot.by_appointment)
            for slot in value
        )
    elif field_name == "closures":
        session.exec(delete(models.Closure).where(models.Closure.service_id == service_id))
        session.add_all(
            models.Closure(service_id=service_id, starts_on=c.starts_on, ends_on=c.ends_on, reason=c.reason) for c in value
        )
    elif field_name == "location_ids":
        # remove and add only what changed: kept links keep their (HSDS) identifiers
        wanted = set(value)
        session.exec(delete(models.ServiceAtLocation).where(
            models.ServiceAtLocation.service_id == service_id, models.ServiceAtLocation.location_id.not_in(wanted)
        ))
        kept = set(linked_location_ids(session, service_id))
        session.add_all(
            models.ServiceAtLocation(service_id=service_id, location_id=location_id)
            for location_id in value if location_id not in kept
        )


def update_service(
    session: Session,
    *,
    user: models.User,
    service_id: str,
    expected_version: int,
    changes: ServiceChanges,
) -> models.Service:
    """Apply ``changes`` if nobody saved since ``expected_version``; record every field.

    The version check and the write are one conditional UPDATE, so two concurrent saves
    can never both succeed: the second gets :class:`VersionConflict` with both versions.
    """
    service = get_editable_service(session, user=user, service_id=service_id)
    before = service_snapshot(session, service)
    requested = changes.model_dump(exclude_unset=True)
    if "service_area" in requested:
        known = set(session.exec(select(models.Municipality.nis)).all())
        unknown = [nis for nis in requested["service_area"] if nis not in known]
        if unknown:
            msg = f"unknown municipality code(s) in service area: {', '.join(unknown)}"
            raise UnknownMunicipalities(msg)
    if "location_ids" in requested or "outreach" in requested:
        check_locations(
            session, user=user, organization_id=service.organization_id,
            location_ids=requested.get("location_ids", before["location_ids"]),
            outreach=bool(requested.get("outreach", service.outreach)), already_linked=before["location_ids"],
        )
    diff: dict[str, tuple[Any, Any]] = {}
    for name in requested:
        after = jsonable(getattr(changes, name))
        if name in ("opening_hours", "closures"):
            after = [item.model_dump(mode="json") for item in getattr(changes, name)]
        if name in _SET_FIELDS:
            after = sorted(after)
        if before[name] != after:
            diff[name] = (before[name], after)
    if service.version != expected_version:  # nothing written yet
        raise VersionConflict(current=before, attempted={**before, **{k: v[1] for k, v in diff.items()}})
    if not diff:
        return service
    columns = {name: getattr(changes, name) for name in diff if name in SERVICE_FIELDS}
    columns = {name: (value.value if hasattr(value, "value") else value) for name, value in columns.items()}
    with committing(session):
        result = session.exec(
            update(models.Service)
            .where(models.Service.id == service_id, models.Service.version == expected_version)
            .values(**columns, version=expected_version + 1, last_modified=now_utc())
        )
        if result.rowcount != 1:  # saved meanwhile: the conflict shows what is stored now (nothing is written)
            fresh = session.get(models.Service, service_id)
            session.refresh(fresh)
            current = service_snapshot(session, fresh)
            raise VersionConflict(current=current, attempted={**before, **{k: v[1] for k, v in diff.items()}})
        for name in diff:
            if name in RELATED_FIELDS:
                _replace_related(session, service_id, name, getattr(changes, name))
        record_change(session, resource="service", resource_id=service_id, action="update", actor=user.email, changes=diff)
    session.refresh(service)
    return service


def verify_service(session: Session, *, user: models.User, service_id: str, today: date | None = None) -> models.Service:
    """'Klopt nog': set assured_date/assured_by and nothing else."""
    service = get_editable_service(session, user=user, service_id=service_id)
    day = today or date.today()
    diff = {"assured_date": (service.assured_date, day), "assured_by": (service.assured_by, user.email)}
    with committing(session):
        session.exec(
            update(models.Service)
            .where(models.Service.id == service_id)
            .values(assured_date=day, assured_by=user.email, last_modified=now_utc())
        )
        record_change(session, resource="service", resource_id=service_id, action="verify", actor=user.email, changes=diff)
    session.refresh(service)
    return service


class OrganizationInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=2, max_length=200)
    description: str = Field(default="", max_length=2000)
    email: str | None = Field(default=None, max_length=200, pattern=r"^([^@\s]+@[^@\s]+\.[^@\s]+)?$")
    website: str | None = Field(default=None, max_length=300, pattern=r"^(https?://\S+)?$")
    organization_type: str = Field(default="other", pattern=r"^(ocmw|caw|vdab|cgg|municipality|ngo|education|health|work|other)$")


def create_organization(
    session: Session, *, user: models.User, data: OrganizationInput, allow_duplicate: bool = False
) -> models.Organization:
    """Coordinators add organisations; a close match shows the candidates first."""
    if user.role != models.Role.COORDINATOR.value:
        raise PermissionDenied("only coordinators add organisations")
    if not allow_duplicate:
        candidates = similar_organizations(session, name=data.name)
        if candidates:
            raise PossibleDuplicates(candidates)
    organization = models.Organization(**data.model_dump())
    with committing(session):
        session.add(organization)
        session.flush()
        record_change(session, resource="organization", resource_id=organization.id, action="create",
                      actor=user.email, changes={k: (None, v) for k, v in data.model_dump().items()})
    session.refresh(organization)
    return organization


def create_service(
    session: Session,
    *,
    user: models.User,
    organization_id: str,
    changes: ServiceChanges,
    allow_duplicate: bool = False,
) -> models.Service:
    """A new service of an organisation the user edits, at the locations in ``changes.location_ids``."""
    if not changes.name:
        msg = "a new service needs a name"
        raise DomainError(msg)
    if session.get(models.Organization, organization_id) is None:
        raise NotFoundError(f"organization {organization_id} not found")
    if not can_edit_organization(session, user, organization_id):
        raise PermissionDenied(f"user may not add services to organization {organization_id}")
    location_ids = changes.location_ids or []
    check_locations(session, user=user, organization_id=organization_id, location_ids=location_ids,
                    outreach=bool(changes.outreach))
    if not allow_duplicate:
        candidates = similar_services(session, name=changes.name, organization_id=organization_id,
                                      location_ids=location_ids)
        if candidates:
            raise PossibleDuplicates(candidates)
    values = changes.model_dump(exclude_unset=True, include=set(SERVICE_FIELDS))
    values = {k: (v.value if hasattr(v, "value") else v) for k, v in values.items()}
    service = models.Service(organization_id=organization_id, **values)
    with committing(session):
        session.add(service)
        session.flush()
        related = {name: getattr(changes, name) for name in RELATED_FIELDS if getattr(changes, name)}
        for name, value in related.items():
            _replace_related(session, service.id, name, value)
        recorded = {name: (None, jsonable(value)) for name, value in values.items()}
        recorded |= {name: (None, sorted(value) if name in _SET_FIELDS else jsonable(value))
                     for name, value in related.items()}
        record_change(session, resource="service", resource_id=service.id, action="create", actor=user.email,
                      changes=recorded)
    session.refresh(service)
    return service


