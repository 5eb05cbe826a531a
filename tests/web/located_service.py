"""A published service at one chosen point, added to the test database for one module and
removed afterwards: for the sheet tests that need the service at a known place."""

from __future__ import annotations

import time as clock
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import Session

from app.core import models
from tests.factories import remove_service_at_location


@contextmanager
def located_service(engine, client, *, name: str, service_name: str, address: str, latitude: float,
                    longitude: float) -> Iterator[str]:
    """Yield the id of a new housing service at (``latitude``, ``longitude``) in Kortrijk, once the
    catalogue snapshot (refreshed in the background) has it."""
    tag = uuid.uuid4().hex[:6]
    with Session(engine) as session:
        organization = models.Organization(name=f"{name} {tag}")
        session.add(organization)
        session.flush()
        location = models.Location(organization_id=organization.id, name=name, address_1=address,
                                   postcode="8500", city="Kortrijk", municipality_nis="34022", latitude=latitude,
                                   longitude=longitude)
        service = models.Service(organization_id=organization.id, name=f"{service_name} {tag}")
        session.add_all([location, service])
        session.flush()
        session.add(models.ServiceNeed(service_id=service.id, need_code="housing"))
        session.add(models.ServiceAtLocation(service_id=service.id, location_id=location.id))
        session.commit()
        ids = {"service": service.id, "location": location.id, "organization": organization.id}
    try:
        for _attempt in range(60):
            sheet = client.get(f"/verwijsfiche/{ids['service']}")
            if sheet.status_code == 200 and address in sheet.text:  # the service and its location
                break
            clock.sleep(0.25)
        else:
            raise AssertionError("the new service and its location never reached the catalogue")
        yield ids["service"]
    finally:
        remove_service_at_location(engine, ids)
