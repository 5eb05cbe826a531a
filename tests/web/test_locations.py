"""Partners' locations: gazetteer or pin, inside the regions, precision stored, rules, conflicts."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from app.core import models
from tests.web.test_partner_pages import accounts, login, new_client  # noqa: F401  (accounts is a fixture)


def signed_in(app_state, email):
    client = new_client(app_state)
    login(client, email)
    return client, re.search(r'name="csrf" value="([^"]+)"', client.get("/partner").text).group(1)


def organization_of(loaded_engine, service_id: str) -> str:
    with Session(loaded_engine) as session:
        return session.get(models.Service, service_id).organization_id


def test_a_typed_address_resolves_and_a_pin_is_more_precise(app_state, accounts, loaded_engine):  # noqa: F811
    client, csrf = signed_in(app_state, accounts["partner"])
    organization_id = organization_of(loaded_engine, accounts["my_service"])
    form = {"csrf": csrf, "name": "Nieuwe antenne", "address_1": "Kerkstraat 1", "postcode": "8501", "city": "Heule",
            "active": "on"}
    created = client.post("/partner/locaties", data={**form, "organization_id": organization_id})
    assert created.status_code == 303
    location_id = created.headers["location"].split("/")[-1].split("?")[0]

    def stored() -> models.Location:
        with Session(loaded_engine) as session:
            return session.get(models.Location, location_id)

    def save(**changes: str):
        """Post the edit form as a browser would: the stored version and pin unless changed."""
        location = stored()
        pin = {"latitude": f"{location.latitude:.6f}", "longitude": f"{location.longitude:.6f}"}
        return client.post(f"/partner/locaties/{location_id}",
                           data={**form, "version": str(location.version), **pin, **changes})

    location = stored()
    assert (location.municipality_nis, location.geocode_precision) == ("34022", "place")
    version, point = location.version, (location.latitude, location.longitude)
    # the edit form sends the stored point back as its pin: re-saving changes no precision
    assert save(name="Nieuwe antenne (hernoemd)").status_code == 303
    assert (stored().name, stored().geocode_precision) == ("Nieuwe antenne (hernoemd)", "place")
    # a new place with the old pin still in the form: the address is geocoded again
    assert save(postcode="8511", city="Aalbeke").status_code == 303
    location = stored()
    assert location.geocode_precision == "place" and (location.latitude, location.longitude) != point
    assert save(latitude="50.8402", longitude="3.2301", wheelchair_level="3").status_code == 303
    location = stored()
    assert location.geocode_precision == "address" and location.wheelchair_level == 3
    with Session(loaded_engine) as session:
        history = session.exec(select(models.ChangeRecord).where(models.ChangeRecord.resource_id == location_id)).all()
    assert {"geocode_precision", "latitude", "wheelchair_level"} <= {c.field_name for c in history}
    stale = client.post(f"/partner/locaties/{location_id}", data={
        "csrf": csrf, "version": str(version), "name": "Oude versie", "postcode": "8501", "city": "Heule", "active": "on"})
    assert stale.status_code == 409 and "intussen gewijzigd" in stale.text
    # both versions, field by field: what is saved next to what the stale form sent
    table = stale.text.split('class="table conflict"')[1].split("</table>")[0]
    assert '<th scope="row">Naam</th><td>Nieuwe antenne</td><td class="mine">Oude versie</td>' in table
    assert '<th scope="row">Straat en nummer</th><td>Kerkstraat 1</td><td class="mine">(leeg)</td>' in table
    assert "drempelvrij met aangepast toilet" in table  # the saved wheelchair level; the stale form had none


def test_a_pin_outside_the_regions_is_refused_in_dutch(app_state, accounts, loaded_engine):  # noqa: F811
    client, csrf = signed_in(app_state, accounts["partner"])
    response = client.post("/partner/locaties", data={
        "csrf": csrf, "organization_id": organization_of(loaded_engine, accounts["my_service"]), "name": "In Gent",
        "latitude": "51.0543", "longitude": "3.7174", "active": "on"})
    assert response.status_code == 422 and "buiten de vier regio" in response.text
    nothing = client.post("/partner/locaties", data={
        "csrf": csrf, "organization_id": organization_of(loaded_engine, accounts["my_service"]), "name": "Nergens",
        "active": "on"})
    assert nothing.status_code == 422 and "zet de speld op de kaart" in nothing.text


def test_another_organisations_location_is_out_of_reach(app_state, accounts, loaded_engine):  # noqa: F811
    client, csrf = signed_in(app_state, accounts["partner"])
    with Session(loaded_engine) as session:
        other = session.exec(select(models.Location).where(
            models.Location.organization_id == organization_of(loaded_engine, accounts["other_service"]))).first()
    assert client.get(f"/partner/locaties/{other.id}").status_code == 403
    changed = client.post(f"/partner/locaties/{other.id}", data={"csrf": csrf, "version": "1", "name": "Gekaapt",
                                                                 "postcode": "8500", "active": "on"})
    assert changed.status_code == 403
    created = client.post("/partner/locaties", data={
        "csrf": csrf, "organization_id": other.organization_id, "name": "Bij de buren", "postcode": "8500", "active": "on"})
    assert created.status_code == 403


def test_a_deactivated_location_is_no_longer_searched(app_state, loaded_engine):
    from app.domain.catalog import load_catalog

    with Session(loaded_engine) as session:
        location = session.exec(select(models.Location).order_by(models.Location.id)).first()
        location.active = False
        session.add(location)
        session.commit()
        try:
            catalog = load_catalog(session)
            assert location.id not in {loc.id for loc in catalog.locations}
        finally:
            location.active = True
            session.add(location)
            session.commit()


def test_coordinators_add_organisations_and_see_near_duplicates_first(app_state, loaded_engine):
    import uuid

    from app.core.auth import create_user

    email = f"k-{uuid.uuid4().hex[:6]}@example.org"
    with Session(loaded_engine) as session:
        create_user(session, email=email, password="een-lang-wachtwoord", role="coordinator")
        existing = session.exec(select(models.Organization).order_by(models.Organization.name)).first().name
    client, csrf = signed_in(app_state, email)
    near = existing.replace(" ", "  ").upper()
    first = client.post("/coordinator/organisaties/nieuw", data={"csrf": csrf, "name": near, "organization_type": "ngo"})
    assert first.status_code == 409 and existing in first.text
    confirmed = client.post("/coordinator/organisaties/nieuw", data={
        "csrf": csrf, "name": near, "organization_type": "ngo", "toch_aanmaken": "1"})
    assert confirmed.status_code == 303
    assert client.post("/coordinator/organisaties/nieuw", data={"csrf": "wrong", "name": "X Y Z"}).status_code == 403
