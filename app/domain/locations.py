"""Partners' locations: addresses resolved through the gazetteer or a pin on the map,
inside the regions, with the geocode precision stored; edits recorded and version-checked."""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import update
from sqlmodel import Session, select

from app.core import models
from app.core.auth import PermissionDenied, now_utc
from app.domain.editing import VersionConflict
from app.domain.history import record_change
from app.domain.permissions import can_edit_organization
from app.core.db import committing
from app.domain.errors import DomainError, NotFoundError
from geo.errors import GeoError
from geo.gazetteer import BELGIUM_BOUNDS, Gazetteer
from geo.projection import to_metric

LOCATION_FIELDS = ("name", "address_1", "postcode", "city", "latitude", "longitude", "municipality_nis",
                   "geocode_precision", "wheelchair_level", "accessibility_description", "transportation", "active")


class LocationOutsideRegions(DomainError):
    code = "outside_regions"
    status_code = 422
    message_nl = "Dit adres of deze speld ligt buiten de vier regio's."


class LocationNotResolved(DomainError):
    code = "location_not_found"
    status_code = 422
    message_nl = "We vinden deze postcode of plaats niet. Controleer ze, of zet de speld op de kaart."


class LocationInput(BaseModel):
    """What an editor submits. A pin (latitude/longitude) wins over the typed address."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=2, max_length=200)
    address_1: str = Field(default="", max_length=200)
    postcode: str = Field(default="", max_length=4, pattern=r"^(\d{4})?$")
    city: str = Field(default="", max_length=80)
    latitude: float | None = Field(default=None, ge=BELGIUM_BOUNDS[1], le=BELGIUM_BOUNDS[3])
    longitude: float | None = Field(default=None, ge=BELGIUM_BOUNDS[0], le=BELGIUM_BOUNDS[2])
    wheelchair_level: int | None = Field(default=None, ge=0, le=3)
    accessibility_description: str = Field(default="", max_length=500)
    transportation: str = Field(default="", max_length=500)
    active: bool = True

    @model_validator(mode="after")
    def _pin_or_address(self) -> LocationInput:
        if (self.latitude is None) != (self.longitude is None):
            msg = "give both latitude and longitude for the pin"
            raise ValueError(msg)
        if self.latitude is None and not (self.postcode or self.city):
            msg = "give a postcode or a place, or put the pin on the map"
            raise ValueError(msg)
        return self


def geocode_location(data: LocationInput, gazetteer: Gazetteer) -> dict[str, Any]:
    """Point, municipality and precision for the input (pin: precision ``address``)."""
    if data.latitude is not None and data.longitude is not None:
        municipality = gazetteer.regions.locate(data.longitude, data.latitude)
        if municipality is None:
            raise LocationOutsideRegions(f"pin ({data.latitude}, {data.longitude}) lies outside the regions")
        return {"latitude": data.latitude, "longitude": data.longitude, "municipality_nis": municipality.nis,
                "geocode_precision": models.GeocodePrecision.ADDRESS.value}
    query = " ".join(part for part in (data.postcode, data.city) if part)
    try:
        found = gazetteer.resolve(query)
    except GeoError as exc:
        error = LocationOutsideRegions if exc.code == "outside_regions" else LocationNotResolved
        raise error(str(exc)) from exc
    return {"latitude": found.latitude, "longitude": found.longitude, "municipality_nis": found.municipality_nis,
            "geocode_precision": found.precision.value}


def _values(data: LocationInput, gazetteer: Gazetteer) -> dict[str, Any]:
    values = data.model_dump(exclude={"latitude", "longitude"})
    values.update(geocode_location(data, gazetteer))
    x, y = to_metric(np.array([values["longitude"]]), np.array([values["latitude"]]))
    values.update(x_metric=float(x[0]), y_metric=float(y[0]))
    return values


def get_editable_location(session: Session, *, user: models.User, location_id: str) -> models.Location:
    location = session.get(models.Location, location_id)
    if location is None:
        raise NotFoundError(f"location {location_id} not found")
    if not can_edit_organization(session, user, location.organization_id):
        raise PermissionDenied(f"user may not edit location {location_id}")
    return location


def create_location(session: Session, *, user: models.User, organization_id: str, data: LocationInput,
                    gazetteer: Gazetteer) -> models.Location:
    if session.get(models.Organization, organization_id) is None:
        raise NotFoundError(f"organization {organization_id} not found")
    if not can_edit_organization(session, user, organization_id):
        raise PermissionDenied(f"user may not add locations to organization {organization_id}")
    location = models.Location(organization_id=organization_id, **_values(data, gazetteer))
    with committing(session):
        session.add(location)
        session.flush()
        record_change(session, resource="location", resource_id=location.id, action="create", actor=user.email,
                changes={name: (None, getattr(location, name)) for name in LOCATION_FIELDS})
    session.refresh(location)
    return location


def _update_values(location: models.Location, data: LocationInput, gazetteer: Gazetteer) -> dict[str, Any]:
    """New values for an existing location.

    The edit form always carries the stored point as its pin, so an unmoved pin is no new
    evidence: with the address unchanged the point keeps its stored precision (re-saving a
    postcode-level location never turns it into "address"); with a new postcode or place
    the address is geocoded again. A moved pin is placed by hand: address precision.
    """
    pin_moved = data.latitude is not None and (
        round(data.latitude, 6) != round(location.latitude, 6) or round(data.longitude, 6) != round(location.longitude, 6)
    )
    if pin_moved or data.latitude is None:
        return _values(data, gazetteer)
    if (data.postcode, data.city) != (location.postcode or "", location.city or "") and (data.postcode or data.city):
        return _values(data.model_copy(update={"latitude": None, "longitude": None}), gazetteer)
    return {**_values(data, gazetteer), "geocode_precision": location.geocode_precision}


def update_location(session: Session, *, user: models.User, location_id: str, expected_version: int,
                    data: LocationInput, gazetteer: Gazetteer) -> models.Location:
    location = get_editable_location(session, user=user, location_id=location_id)
    values = _update_values(location, data, gazetteer)
    before = {name: getattr(location, name) for name in LOCATION_FIELDS}
    diff = {name: (before[name], values[name]) for name in LOCATION_FIELDS if before[name] != values[name]}
    if location.version != expected_version:
        raise VersionConflict(current={**before, "version": location.version}, attempted=values)
    if not diff:
        return location
    with committing(session):
        result = session.exec(
            update(models.Location)
            .where(models.Location.id == location_id, models.Location.version == expected_version)
            .values(**values, version=expected_version + 1, last_modified=now_utc())
        )
        if result.rowcount != 1:  # saved meanwhile: the conflict shows what is stored now (nothing is written)
            session.refresh(location)
            raise VersionConflict(current={n: getattr(location, n) for n in LOCATION_FIELDS} | {"version": location.version},
                                  attempted=values)
        record_change(session, resource="location", resource_id=location_id, action="update", actor=user.email, changes=diff)
    session.refresh(location)
    return location


def organisation_locations(session: Session, organization_ids: set[str]) -> list[models.Location]:
    return list(session.exec(
        select(models.Location).where(models.Location.organization_id.in_(organization_ids))
        .order_by(models.Location.active.desc(), models.Location.name)
    ).all())
