"""Persona searches from DOMAIN.md, asserting properties rather than fixed lists."""

from __future__ import annotations

import pytest

PERSONAS = {
    "saled-menen": {
        "home": {"query": "8930 Menen"},
        "needs": ["administration/paperwork", "housing", "mental-health/trauma", "language/nt2", "mobility/bike-lessons"],
        "mobility": {"modes": ["walk"], "cannot_cycle": True, "max_minutes": 30},
        "age": 34, "languages": ["ar"], "target_groups": ["newcomers"], "referrer": "ocmw",
    },
    "chadia-kortrijk": {
        "home": {"query": "Kortrijk"},
        "needs": ["childcare", "mental-health/first-line", "language/nt2", "work/job-search"],
        "mobility": {"profile": "no-licence"},
        "age": 29, "languages": ["ar", "fr"], "target_groups": ["single-parents"], "referrer": "vdab",
    },
    "marc-ieper": {
        "home": {"query": "Ieper"},
        "needs": ["addiction", "income-debt/budget", "justice/after-detention", "housing/support"],
        "mobility": {"profile": "bike", "max_minutes": 40},
        "age": 41, "target_groups": ["after-detention", "addiction"], "referrer": "caw",
    },
    "young-adult-poperinge": {
        "home": {"query": "Poperinge"},
        "needs": ["work", "social-network"],
        # 45 min: since the demo's home visits are a minority, nothing for these needs is
        # within 30 min by bike of Poperinge (a gap the gap map shows)
        "mobility": {"modes": ["bike"], "max_minutes": 45},
        "age": 22,
    },
    "car-lo-reninge": {
        "home": {"query": "Lo-Reninge"},
        "needs": ["medical", "administration", "income-debt"],
        "mobility": {"profile": "car", "max_minutes": 30},
        "age": 58, "referrer": "ocmw",
    },
}


def search(client, profile: dict, **changes) -> dict:
    body = {**profile, "limit": 100, **changes}
    response = client.post("/api/v1/search", json=body)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("name", list(PERSONAS))
def test_results_respect_the_persons_limits_and_eligibility(client, name):
    profile = PERSONAS[name]
    body = search(client, profile)
    modes = set(body["mobility"]["modes"])
    limits = body["mobility"]["max_minutes_by_mode"]
    assert "car" not in modes or name == "car-lo-reninge"
    assert body["results"], f"{name}: expected at least one reachable service"
    scores = [result["score"] for result in body["results"]]
    assert scores == sorted(scores, reverse=True)
    for result in body["results"]:
        travel = result["travel"]
        assert travel["mode"] in modes | {"at_home"}
        if travel["mode"] != "at_home":
            assert travel["minutes"] <= limits[travel["mode"]]
        if travel["mode"] != "at_home":
            assert travel["estimated"] is True  # no road network or timetable is loaded on these machines
        service = result["service"]
        age = profile.get("age")
        if service["minimum_age"] is not None:
            assert age >= service["minimum_age"]
        if service["maximum_age"] is not None:
            assert age <= service["maximum_age"]
        if service["referral_required_from"]:
            assert profile.get("referrer") in service["referral_required_from"]
        assert result["reasons"]
        assert "internal_phone" not in service and "internal_notes" not in service
    for excluded in body["excluded"]:
        assert excluded["reasons"] and len(excluded["reasons"]) == len(excluded["codes"])
    assert body["demo"] is True
    assert body["travel_times_estimated"] == any(r["travel"]["estimated"] for r in body["results"])


@pytest.mark.parametrize("name", list(PERSONAS))
def test_more_minutes_never_yields_fewer_results(client, name):
    profile = PERSONAS[name]
    counts = []
    for minutes in (10, 20, 40, 80):
        mobility = {**profile["mobility"], "max_minutes": minutes}
        body = search(client, profile, mobility=mobility)
        counts.append({r["service"]["id"] for r in body["results"]})
    for smaller, larger in zip(counts, counts[1:]):
        assert smaller <= larger


def test_walking_only_never_returns_bike_or_car(client):
    body = search(client, PERSONAS["saled-menen"])
    assert {r["travel"]["mode"] for r in body["results"]} <= {"walk", "at_home"}


@pytest.mark.parametrize("name", ["chadia-kortrijk", "saled-menen"])
def test_the_plan_covers_needs_with_reachable_services(client, name):
    body = search(client, PERSONAS[name])
    result_ids = {r["service"]["id"] for r in body["results"]}
    planned = [step["service_id"] for step in body["plan"]["steps"]]
    assert planned
    covered = {need for step in body["plan"]["steps"] for need in step["needs"]}
    assert covered | set(body["plan"]["uncovered_needs"]) == set(PERSONAS[name]["needs"])
    assert not covered & set(body["plan"]["uncovered_needs"])
    # every planned service is one of the reachable results, and each need is planned once
    assert set(planned) <= result_ids
    assert sum(len(step["needs"]) for step in body["plan"]["steps"]) == len(covered)
    for need in body["plan"]["uncovered_needs"]:
        assert not any(need in r["service"]["needs"] or any(n.startswith(need + "/") for n in r["service"]["needs"])
                       for r in body["results"]), need


def test_get_search_takes_the_common_fields(client):
    response = client.get(
        "/api/v1/search",
        params={"q": "8500", "needs": "housing,language/nt2", "profile": "no-licence", "age": 24, "languages": "ar,nl"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["home"]["municipality"]["nis"] == "34022"
    assert set(body["mobility"]["modes"]) == {"walk", "bike", "transit"}


@pytest.mark.parametrize(
    "body",
    [
        {"home": {"lat": 95, "lon": 3}, "needs": ["housing"]},
        {"home": {"lat": 48.85, "lon": 2.35}, "needs": ["housing"]},
        {"home": {"query": "8500"}, "needs": ["flying-lessons"]},
        {"home": {"query": "8500"}, "needs": []},
        {"home": {"query": "x" * 1000}, "needs": ["housing"]},
        {"home": {"query": "8500"}, "needs": ["housing"], "mobility": {"modes": ["car"], "no_driving_licence": True}},
        {"home": {"query": "8500"}, "needs": ["housing"], "mobility": {"profile": "teleport"}},
        {"home": {"query": "8500"}, "needs": ["housing"], "age": -3},
    ],
)
def test_bad_search_input_is_a_422_with_a_message(client, body):
    response = client.post("/api/v1/search", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["message"]


def test_malformed_json_is_a_422(client):
    response = client.post("/api/v1/search", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_outside_the_regions_is_a_clear_error(client):
    response = client.post("/api/v1/search", json={"home": {"query": "Gent"}, "needs": ["housing"]})
    assert response.status_code == 422
    assert response.json()["code"] == "outside_regions"
