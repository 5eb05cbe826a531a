"""Gap figures over HTTP: the JSON API, the coordinator page, PNG and CSV downloads."""

from __future__ import annotations

import uuid

from sqlmodel import Session

from app.auth import create_user
from tests.web.test_partner_pages import PASSWORD, login, new_client


def test_gaps_api_returns_one_row_per_municipality(client):
    response = client.get("/api/v1/gaps", params={"need": "housing", "profile": "walk"})
    assert response.status_code == 200
    body = response.json()
    assert len(body["rows"]) == 44
    row = body["rows"][0]
    assert {"nis", "name", "population", "population_within_reach", "share"} <= set(row)
    assert all(0 <= r["share"] <= 1 and r["population_within_reach"] <= r["population"] for r in body["rows"])
    out_of_reach = [r["population_out_of_reach"] for r in body["rows"]]
    assert out_of_reach == sorted(out_of_reach, reverse=True)
    assert body["demo"] is True and body["travel_times_estimated"] is True


def test_more_mobility_never_reaches_fewer_people(client):
    walk = {r["nis"]: r["population_within_reach"] for r in client.get("/api/v1/gaps", params={"need": "income-debt", "profile": "walk"}).json()["rows"]}
    bike = {r["nis"]: r["population_within_reach"] for r in client.get("/api/v1/gaps", params={"need": "income-debt", "profile": "bike"}).json()["rows"]}
    assert all(bike[nis] >= walk[nis] for nis in walk)
    assert sum(bike.values()) > sum(walk.values())


def test_gaps_api_rejects_bad_input(client):
    assert client.get("/api/v1/gaps", params={"need": "flying", "profile": "walk"}).status_code == 422
    assert client.get("/api/v1/gaps", params={"need": "housing", "profile": "teleport"}).status_code == 422


def test_coordinator_page_png_and_csv(app_state, loaded_engine):
    email = f"coord-{uuid.uuid4().hex[:6]}@example.org"
    with Session(loaded_engine) as session:
        create_user(session, email=email, password=PASSWORD, role="coordinator")
    with new_client(app_state) as client:
        assert client.get("/coordinator/hiaten").status_code == 401
        login(client, email)
        page = client.get("/coordinator/hiaten", params={"need": "language", "profile": "walk", "compare": "bike"})
        assert page.status_code == 200
        assert "Waar is hulp niet bereikbaar?" in page.text and "Buiten bereik" in page.text
        png = client.get("/coordinator/hiaten.png", params={"need": "language", "profile": "walk"})
        assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
        csv_response = client.get("/coordinator/hiaten.csv", params={"need": "language", "profile": "walk"})
        assert csv_response.text.splitlines()[0].startswith("need,profile,nis")
        assert len(csv_response.text.splitlines()) == 45
