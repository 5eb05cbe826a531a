"""Small, explicit test data builders."""

from __future__ import annotations

from datetime import date, time

import numpy as np
from sqlmodel import Session, delete

from app.core import models
from app.domain.catalog import Catalog, CatalogLocation, CatalogService, OpeningSlot
from app.domain.matching import HomePoint, ModeTimes, Participant
from app.domain.profile import Mobility

OFFICE_HOURS = tuple(OpeningSlot(day, time(9), time(12)) for day in range(1, 6))


def make_location(index: int, *, nis: str = "34022", wheelchair: int | None = 2, demo: bool = False) -> CatalogLocation:
    return CatalogLocation(
        id=f"loc-{index}", name=f"Locatie {index}", address_1=f"Teststraat {index}", postcode="8500", city="Kortrijk",
        municipality_nis=nis, latitude=50.82 + index * 0.001, longitude=3.26 + index * 0.001,
        wheelchair_level=wheelchair, accessibility_description="", transportation="", geocode_precision="address",
        demo=demo,
    )


def make_service(service_id: str, needs: set[str], locations: tuple[int, ...] = (0,), **overrides) -> CatalogService:
    values = dict(
        id=service_id, name=f"Dienst {service_id}", description="", organization_id="org", organization_name="Org",
        needs=frozenset(needs), target_groups=frozenset(), minimum_age=None, maximum_age=None,
        eligibility_description="", referral_required_from=(), languages=("nl",), interpretation_available=False,
        outreach=False, service_area=frozenset(), waiting_list="none", waiting_weeks=None, status="active",
        published=True, assured_date=date(2026, 10, 1), opening_hours=OFFICE_HOURS, closures=(),
        closed_on_public_holidays=True, location_indices=locations, phone=None, email=None, url=None,
        application_process="", what_to_bring="", fees_description="", free_of_charge=True, internal_phone=None,
        internal_notes="", demo=True, version=1, last_modified=None,
    )
    values.update(overrides)
    return CatalogService(**values)


def make_catalog(
    services: list[CatalogService], n_locations: int, location_overrides: dict[int, dict] | None = None
) -> Catalog:
    overrides = location_overrides or {}
    locations = tuple(make_location(i, **overrides.get(i, {})) for i in range(n_locations))
    lonlat = np.array([[loc.longitude, loc.latitude] for loc in locations])
    return Catalog(services=tuple(services), locations=locations, key=("test",), lonlat=lonlat)


def make_participant(needs, *, profile: str = "bike", max_minutes: int | None = None, nis: str = "34022", **kw) -> Participant:
    mobility = Mobility(profile=profile, max_minutes=max_minutes, wheelchair=kw.pop("wheelchair", False)).resolved()
    home = HomePoint(longitude=3.26, latitude=50.82, municipality_nis=nis, municipality_name="Kortrijk",
                     label="8500 Kortrijk", precision="postcode")
    priorities = needs if isinstance(needs, dict) else {code: 1 for code in needs}
    return Participant(home=home, needs=priorities, mobility=mobility, **kw)


def mode_times(mode: str, minutes: list[float], *, estimated: bool = True) -> ModeTimes:
    values = np.array(minutes, dtype=float)
    return ModeTimes(mode=mode, minutes=values, estimated=np.full(values.shape, estimated))


def remove_service_at_location(engine, ids: dict[str, str]) -> None:
    """Delete what a test added: a service (its needs, its link), its location and organisation
    (``ids`` holds their ids under "service", "location" and "organization")."""
    with Session(engine) as session:
        for table in (models.ServiceNeed, models.ServiceAtLocation):
            session.exec(delete(table).where(table.service_id == ids["service"]))
        session.exec(delete(models.Service).where(models.Service.id == ids["service"]))
        session.exec(delete(models.Location).where(models.Location.id == ids["location"]))
        session.exec(delete(models.Organization).where(models.Organization.id == ids["organization"]))
        session.commit()
