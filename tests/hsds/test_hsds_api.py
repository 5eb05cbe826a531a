"""The HSDS read API: envelope, filters that combine, published data only, nothing internal."""

from __future__ import annotations

import uuid

from sqlmodel import Session, select

from app.core import models
from app.operations.reference_data import taxonomy_term_id


def test_root_says_which_hsds(client):
    body = client.get("/api/hsds/").json()
    assert body["version"] == "3.0" and body["openapi_url"].endswith("/openapi.json")


def test_services_are_paginated_and_published_only(client, loaded_engine):
    first = client.get("/api/hsds/services", params={"per_page": 10}).json()
    assert {"total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty", "contents"} <= set(first)
    assert first["size"] == 10 and first["first_page"] and not first["last_page"]
    last = client.get("/api/hsds/services", params={"per_page": 10, "page": first["total_pages"]}).json()
    assert last["last_page"]
    with Session(loaded_engine) as session:
        hidden = session.exec(select(models.Service).where(
            (models.Service.status != "active") | (models.Service.published == False))).first()  # noqa: E712
    assert client.get(f"/api/hsds/services/{hidden.id}").status_code == 404
    everything = client.get("/api/hsds/services", params={"per_page": 100, "page": 1}).json()
    assert everything["total_items"] < 600


def test_filters_combine(client):
    nt2 = taxonomy_term_id("need", "language")
    by_need = client.get("/api/hsds/services", params={"taxonomy_term_id": nt2, "per_page": 100}).json()
    assert by_need["total_items"] > 0
    for service in by_need["contents"]:
        assert any(a.get("link_type") == "need" and a["value"].startswith("language") for a in service["attributes"])
    organization_id = by_need["contents"][0]["organization_id"]
    both = client.get("/api/hsds/services", params={"taxonomy_term_id": nt2, "organization_id": organization_id}).json()
    assert 0 < both["total_items"] <= by_need["total_items"]
    assert all(s["organization_id"] == organization_id for s in both["contents"])
    near = client.get("/api/hsds/service_at_locations", params={"postcode": "8500", "proximity": "3000"}).json()
    assert near["total_items"] > 0 and all(item["location"]["addresses"] for item in near["contents"])
    searched = client.get("/api/hsds/services", params={"search": "fietsschool"}).json()
    assert all("fietsschool" in s["name"].lower() or "fietsschool" in s.get("description", "").lower()
               for s in searched["contents"])
    future = client.get("/api/hsds/services", params={"modified_after": "2100-01-01T00:00:00"}).json()
    assert future["empty"]


def test_bad_parameters_are_clear_422s(client):
    for params in ({"modified_after": "yesterday"}, {"taxonomy_term_id": "nope"}, {"proximity": "5"},
                   {"postcode": "85", "proximity": "5"}, {"per_page": 1000}):
        response = client.get("/api/hsds/services", params=params)
        assert response.status_code == 422, params
        assert response.json()["message"]


def test_organizations_taxonomies_and_nothing_internal(client, loaded_engine):
    organizations = client.get("/api/hsds/organizations", params={"per_page": 5}).json()
    assert organizations["size"] == 5
    one = client.get(f"/api/hsds/organizations/{organizations['contents'][0]['id']}").json()
    assert one["id"] == organizations["contents"][0]["id"]
    assert client.get("/api/hsds/taxonomies").json()["total_items"] == 2
    terms = client.get("/api/hsds/taxonomy_terms", params={"per_page": 100}).json()
    assert terms["total_items"] >= 63
    child = next(t for t in terms["contents"] if t["code"] == "language/nt2")
    assert child["parent_id"] == taxonomy_term_id("need", "language")
    with Session(loaded_engine) as session:
        phones = [p for p in session.exec(select(models.Service.internal_phone)).all() if p]
    body = client.get("/api/hsds/services", params={"per_page": 100}).text
    assert "internal" not in body and not any(phone in body for phone in phones[:50])


def test_published_history_leaves_out_internal_fields_and_editors_addresses(client, loaded_engine):
    """An edit of coach-only fields is in the partner's history, never in HSDS output."""
    from app.core.auth import create_user
    from app.domain.editing import ServiceChanges, update_service, verify_service

    with Session(loaded_engine) as session:
        service = session.exec(
            select(models.Service).where(models.Service.published, models.Service.status == "active")
            .order_by(models.Service.name)
        ).first()
        email = f"hsds-history-{uuid.uuid4().hex[:6]}@example.org"
        editor = create_user(session, email=email, password="een-lang-wachtwoord", role="partner",
                             organization_ids=[service.organization_id])
        update_service(session, user=editor, service_id=service.id, expected_version=service.version,
                       changes=ServiceChanges(internal_phone="0499 11 22 33", internal_notes="GEHEIME NOTA",
                                              description=service.description + " Bijgewerkt."))
        verify_service(session, user=editor, service_id=service.id)
        service_id, organization_id = service.id, service.organization_id
        recorded = session.exec(select(models.ChangeRecord.field_name).where(
            models.ChangeRecord.resource_id == service_id)).all()
    assert {"internal_phone", "internal_notes", "description"} <= set(recorded)
    for url in (f"/api/hsds/services/{service_id}", f"/api/hsds/organizations/{organization_id}"):
        body = client.get(url).text
        for secret in ("GEHEIME NOTA", "0499 11 22 33", email):
            assert secret not in body, (url, secret, body[max(0, body.find(secret) - 300):body.find(secret) + 50])
    fields = {m["field_name"]: m for m in client.get(f"/api/hsds/services/{service_id}").json()["metadata"]}
    assert "description" in fields and fields["description"]["updated_by"] == "redacteur"
    assert not {"internal_phone", "internal_notes"} & set(fields)
