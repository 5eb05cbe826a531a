"""A service closed for the coming weeks is explained as closed in the API and on the page."""

from __future__ import annotations

import time as clock
import uuid
from datetime import time, timedelta

import pytest
from sqlmodel import Session, delete

from app.core import models
from app.domain.opening import today_in_brussels

WEEKDAY_MORNINGS = [{"weekday": day, "start": "09:00", "end": "12:00"} for day in range(1, 6)]


def _short(day) -> str:
    return f"{day.day}/{day.month}"


@pytest.fixture(scope="module")
def closed_and_open(loaded_engine):
    """Two services next door in Kortrijk: one closed for a month from today, one open with a closure next week."""
    tag = uuid.uuid4().hex[:6]
    today = today_in_brussels()
    with Session(loaded_engine) as session:
        organization = models.Organization(name=f"Sluitingstest {tag}")
        session.add(organization)
        session.flush()
        location = models.Location(organization_id=organization.id, name="Sluitingstest", address_1="Grote Markt 1",
                                   postcode="8500", city="Kortrijk", municipality_nis="34022", latitude=50.8280,
                                   longitude=3.2650)
        closed = models.Service(organization_id=organization.id, name=f"Gesloten dienst {tag}", assured_date=today,
                                closed_on_public_holidays=False)
        open_ = models.Service(organization_id=organization.id, name=f"Open dienst {tag}", assured_date=today,
                               closed_on_public_holidays=False)
        session.add_all([location, closed, open_])
        session.flush()
        for service in (closed, open_):
            session.add(models.ServiceNeed(service_id=service.id, need_code="housing"))
            session.add(models.ServiceAtLocation(service_id=service.id, location_id=location.id))
            session.add_all(models.Schedule(service_id=service.id, weekday=day, opens_at=time(9), closes_at=time(12))
                            for day in range(1, 6))
        month = (today, today + timedelta(days=30))
        later = (today + timedelta(days=8), today + timedelta(days=10))
        session.add(models.Closure(service_id=closed.id, starts_on=month[0], ends_on=month[1], reason="verbouwing"))
        session.add(models.Closure(service_id=open_.id, starts_on=later[0], ends_on=later[1], reason="opleiding"))
        session.commit()
        ids = {"closed": closed.id, "open": open_.id, "organization": organization.id, "location": location.id,
               "month": month, "later": later, "where": f"{location.latitude}, {location.longitude}"}
    yield ids
    with Session(loaded_engine) as session:
        services = [ids["closed"], ids["open"]]
        for table in (models.ServiceNeed, models.ServiceAtLocation, models.Schedule, models.Closure):
            session.exec(delete(table).where(table.service_id.in_(services)))
        session.exec(delete(models.Service).where(models.Service.id.in_(services)))
        session.exec(delete(models.Location).where(models.Location.id == ids["location"]))
        session.exec(delete(models.Organization).where(models.Organization.id == ids["organization"]))
        session.commit()


def _search(client, closed_and_open) -> dict:
    body = {"home": {"lat": 50.8281, "lon": 3.2651}, "needs": ["housing"], "mobility": {"profile": "walk"},
            "availability": WEEKDAY_MORNINGS, "limit": 100}
    for _attempt in range(40):  # the catalogue snapshot refreshes in the background
        response = client.post("/api/v1/search", json=body)
        assert response.status_code == 200
        result = response.json()
        if any(e["service_id"] == closed_and_open["closed"] for e in result["excluded"]):
            return result
        clock.sleep(0.25)
    raise AssertionError("the new services never reached the catalogue")


def test_the_api_explains_a_closed_service_and_lists_the_closures_of_an_open_one(client, closed_and_open):
    result = _search(client, closed_and_open)
    start, end = closed_and_open["month"]
    (closed,) = [e for e in result["excluded"] if e["service_id"] == closed_and_open["closed"]]
    assert closed["codes"] == ["closed"]
    assert closed["reasons"] == [f"Gesloten van {_short(start)} tot {_short(end)} (verbouwing)"]
    (open_,) = [r for r in result["results"] if r["service"]["id"] == closed_and_open["open"]]
    start, end = closed_and_open["later"]
    assert open_["upcoming_closures"] == [{
        "starts_on": start.isoformat(), "ends_on": end.isoformat(), "reason": "opleiding", "kind": "closure",
        "label": f"Gesloten van {_short(start)} tot {_short(end)} (opleiding)",
    }]


def test_the_search_page_shows_the_closure_in_why_not_and_on_the_card(client, closed_and_open):
    _search(client, closed_and_open)
    params = [("woonplaats", closed_and_open["where"]), ("noden", "housing"), ("vervoer", "walk")]
    params += [("beschikbaar", f"{day}-vm") for day in range(1, 6)]
    html = client.get("/zoeken", params=params).text
    start, end = closed_and_open["month"]
    why_not = html[html.index('class="why-not"'):]
    assert f"Gesloten van {_short(start)} tot {_short(end)} (verbouwing)" in why_not
    card = html[html.index(f'data-service-id="{closed_and_open["open"]}"'):]
    card = card[:card.index('class="sheet-link"')]  # each card ends with its referral-sheet link
    start, end = closed_and_open["later"]
    assert f"Gesloten van {_short(start)} tot {_short(end)} (opleiding)" in card
    sheet = client.get(f"/verwijsfiche/{closed_and_open['open']}").text
    assert f"Gesloten van {_short(start)} tot {_short(end)} (opleiding)" in sheet
