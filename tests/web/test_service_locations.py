"""The service editor links a service to its organisation's locations: form, JSON API, HSDS."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from app.core import models
from tests.web.test_editing_api import signed_in
from tests.web.test_partner_pages import _form_fields, accounts, login, new_client  # noqa: F401  (accounts is a fixture)


@pytest.fixture
def sites(loaded_engine, accounts):  # noqa: F811
    """The partner's service, its organisation's active locations (one added here), another organisation's
    location; the service's links are put back afterwards."""
    with Session(loaded_engine) as session:
        service = session.get(models.Service, accounts["my_service"])
        other = session.get(models.Service, accounts["other_service"])
        first = session.exec(select(models.Location).where(
            models.Location.organization_id == service.organization_id)).first()
        extra = models.Location(organization_id=service.organization_id, name="Tweede loket (test)",
                                municipality_nis=first.municipality_nis, latitude=first.latitude + 0.001,
                                longitude=first.longitude)
        session.add(extra)
        session.commit()
        extra_id = extra.id
        mine = session.exec(select(models.Location.id).where(
            models.Location.organization_id == service.organization_id, models.Location.active == True  # noqa: E712
        ).order_by(models.Location.id)).all()
        foreign = session.exec(select(models.Location.id).where(
            models.Location.organization_id == other.organization_id).order_by(models.Location.id)).first()
        linked = _linked(session, service.id)
        outreach = service.outreach
    yield {"mine": list(mine), "foreign": foreign, "organization_id": service.organization_id, "linked": linked}
    with Session(loaded_engine) as session:
        rows = session.exec(select(models.ServiceAtLocation).where(
            models.ServiceAtLocation.service_id == accounts["my_service"])).all()
        for row in rows:
            if row.location_id not in linked:
                session.delete(row)
        present = {row.location_id for row in rows}
        session.add_all(models.ServiceAtLocation(service_id=accounts["my_service"], location_id=location_id)
                        for location_id in linked if location_id not in present)
        session.get(models.Service, accounts["my_service"]).outreach = outreach
        session.commit()
        for row in session.exec(select(models.ServiceAtLocation).where(models.ServiceAtLocation.location_id == extra_id)):
            session.delete(row)
        session.commit()
        session.delete(session.get(models.Location, extra_id))
        session.commit()


def _linked(session, service_id: str) -> list[str]:
    return sorted(session.exec(select(models.ServiceAtLocation.location_id).where(
        models.ServiceAtLocation.service_id == service_id)).all())


def _version(loaded_engine, service_id: str) -> int:
    with Session(loaded_engine) as session:
        return session.get(models.Service, service_id).version


def test_the_edit_form_lists_the_organisations_locations_and_saves_the_choice(app_state, accounts, sites,  # noqa: F811
                                                                            loaded_engine):
    assert len(sites["mine"]) >= 2, "the demo organisation's locations and the one added"
    with new_client(app_state) as client:
        login(client, accounts["partner"])
        page = client.get(f"/partner/diensten/{accounts['my_service']}")
        assert "<legend>Locaties</legend>" in page.text
        offered = set(re.findall(r'name="location_ids" value="([^"]+)"', page.text))
        assert set(sites["mine"]) <= offered and sites["foreign"] not in offered
        form = _form_fields(page.text)
        assert sorted(form["location_ids"]) == sites["linked"]  # the stored links are ticked
        new = next(location_id for location_id in sites["mine"] if location_id not in sites["linked"])
        form["location_ids"] = [new]
        saved = client.post(f"/partner/diensten/{accounts['my_service']}", data=form)
        assert saved.status_code == 303
        history = client.get(saved.headers["location"]).text.split('id="geschiedenis"')[1]
        with Session(loaded_engine) as session:
            name = session.get(models.Location, new).name
        assert re.search(rf"<td>Locaties</td><td[^>]*>[^<]*</td><td[^>]*>{re.escape(name)}</td>", history)
    with Session(loaded_engine) as session:
        assert _linked(session, accounts["my_service"]) == [new]


def test_the_form_needs_a_location_for_an_in_person_service_and_refuses_another_organisations(
    app_state, accounts, sites, loaded_engine,  # noqa: F811
):
    with Session(loaded_engine) as session:
        before = _linked(session, accounts["my_service"])
    version = _version(loaded_engine, accounts["my_service"])
    with new_client(app_state) as client:
        login(client, accounts["partner"])
        form = _form_fields(client.get(f"/partner/diensten/{accounts['my_service']}").text)
        form.pop("outreach", None)
        form["location_ids"] = []
        form["phone"] = "056 99 99 99"
        missing = client.post(f"/partner/diensten/{accounts['my_service']}", data=form)
        assert missing.status_code == 422
        assert 'id="fout-location_ids"' in missing.text and "Kies minstens één locatie" in missing.text
        form["location_ids"] = [sites["mine"][0], sites["foreign"]]
        foreign = client.post(f"/partner/diensten/{accounts['my_service']}", data=form, headers={"Accept": "text/html"})
        assert foreign.status_code == 403
    with Session(loaded_engine) as session:
        assert _linked(session, accounts["my_service"]) == before
        assert session.get(models.Service, accounts["my_service"]).phone != "056 99 99 99"
    assert _version(loaded_engine, accounts["my_service"]) == version


def test_a_new_service_gets_the_locations_chosen_in_the_form(app_state, accounts, sites, loaded_engine):  # noqa: F811
    chosen = sites["mine"][-1]
    with new_client(app_state) as client:
        login(client, accounts["partner"])
        page = client.get("/partner/nieuwe-dienst")
        assert f'name="location_ids" value="{chosen}"' in page.text
        csrf = _form_fields(page.text)["csrf"]
        base = {"csrf": csrf, "organization_id": sites["organization_id"], "description": "Test"}
        none = client.post("/partner/nieuwe-dienst", data={**base, "name": "Nieuwe testdienst zonder plek xq"})
        assert none.status_code == 422 and "Kies minstens één locatie" in none.text
        foreign = client.post("/partner/nieuwe-dienst", headers={"Accept": "text/html"},
                              data={**base, "name": "Nieuwe testdienst elders xq", "location_ids": sites["foreign"]})
        assert foreign.status_code == 403
        created = client.post("/partner/nieuwe-dienst",
                              data={**base, "name": "Nieuwe testdienst ter plaatse xq", "location_ids": chosen})
        assert created.status_code == 303
        service_id = created.headers["location"].rsplit("/", 1)[1]
    with Session(loaded_engine) as session:
        assert _linked(session, service_id) == [chosen]
        names = set(session.exec(select(models.Service.name).where(models.Service.name.like("Nieuwe testdienst%xq"))).all())
        assert names == {"Nieuwe testdienst ter plaatse xq"}
        for row in session.exec(select(models.ServiceAtLocation).where(models.ServiceAtLocation.service_id == service_id)):
            session.delete(row)
        for row in session.exec(select(models.ChangeRecord).where(models.ChangeRecord.resource_id == service_id)):
            session.delete(row)
        session.delete(session.get(models.Service, service_id))
        session.commit()


def test_the_editing_api_accepts_locations_with_the_same_rules(app_state, accounts, sites, loaded_engine):  # noqa: F811
    client, headers = signed_in(app_state, accounts["partner"])
    url = f"/api/v1/services/{accounts['my_service']}"
    service = client.get(f"{url}/edit").json()["service"]
    assert "location_ids" in service
    version = service["version"]
    for location_ids, status, code in (
        ([sites["foreign"]], 403, "forbidden"),
        (["no-such-location"], 422, "invalid_location"),
        ([], 422, "location_required"),
    ):
        changes = {"location_ids": location_ids, "outreach": False}
        refused = client.patch(url, headers=headers, json={"version": version, "changes": changes})
        assert (refused.status_code, refused.json()["code"]) == (status, code)
    assert client.get(f"{url}/edit").json()["service"] == service
    wanted = sorted(sites["mine"])
    ok = client.patch(url, headers=headers, json={"version": version, "changes": {"location_ids": wanted}})
    assert ok.status_code == 200
    body = ok.json()
    assert body["service"]["location_ids"] == wanted and body["service"]["version"] == version + 1
    assert "location_ids" in {entry["field"] for entry in body["history"]}
    # HSDS reads the same links
    hsds = client.get("/api/hsds/service_at_locations",
                      params={"organization_id": sites["organization_id"], "per_page": 100}).json()
    pairs = {(item["service_id"], item["location_id"]) for item in hsds["contents"]}
    assert {(accounts["my_service"], location_id) for location_id in wanted} <= pairs
    detail = client.get(f"/api/hsds/services/{accounts['my_service']}").json()
    assert sorted(link["location_id"] for link in detail["service_at_locations"]) == wanted
