"""The public API the widget uses: no internal fields, CORS, limits, caching."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from app.core import i18n
from app.domain.journey_wording import AT_HOME
from app.domain.matching import Travel
from app.http.search_results import travel_out
from app.server.main import create_app
from routing.transit.detail import TIMETABLED, JourneyDetail, Line


def test_public_search_has_no_internal_fields_and_the_same_ranking(client):
    params = {"q": "8500", "needs": "housing,language/nt2", "profile": "no-licence", "limit": 10}
    public = client.get("/api/v1/public/search", params=params)
    assert public.status_code == 200
    body = public.json()
    assert "excluded" not in body
    assert body["demo"] is True
    for result in body["results"]:
        assert "internal_phone" not in result["service"]
        assert "internal_notes" not in result["service"]
    coach = client.get("/api/v1/search", params=params).json()
    assert [r["service"]["id"] for r in body["results"]] == [r["service"]["id"] for r in coach["results"]][:10]


def test_public_search_gives_the_reasons_in_the_asked_language(client):
    params = {"q": "8500", "needs": "housing,language/nt2", "profile": "bike", "limit": 10}
    coach = client.get("/api/v1/search", params=params).json()
    dutch = client.get("/api/v1/public/search", params=params).json()
    assert dutch["lang"] == "nl"
    # Dutch by default, word for word what the coach's search says
    assert [r["reasons"] for r in dutch["results"]] == [r["reasons"] for r in coach["results"]][:10]
    assert [r["warnings"] for r in dutch["results"]] == [r["warnings"] for r in coach["results"]][:10]
    assert any(r["reasons"][0].startswith("Helpt voor") for r in dutch["results"])
    for language, covers, travel, dutch_travel in [
        ("fr", "Répond à ", re.compile(r"^\d+ min (à pied|à vélo)"), "met de fiets"),
        ("en", "Helps with ", re.compile(r"^\d+ min (on foot|by bike)"), "te voet"),
    ]:
        body = client.get("/api/v1/public/search", params={**params, "lang": language}).json()
        assert body["lang"] == language
        # the same services in the same order, only the words differ
        assert [r["service"]["id"] for r in body["results"]] == [r["service"]["id"] for r in dutch["results"]]
        assert body["results"]
        for result in body["results"]:
            assert result["reasons"][0].startswith(covers), result["reasons"]
            if result["travel"]["mode"] != "at_home":
                assert travel.match(result["reasons"][1]), result["reasons"]
            assert not any(dutch_travel in reason or "Helpt voor" in reason for reason in result["reasons"])
            assert not any(warning.startswith(("Wachtlijst", "Niet gratis", "Niet meer gecontroleerd"))
                           for warning in result["warnings"])


def test_public_search_refuses_a_language_it_does_not_speak(client):
    response = client.get("/api/v1/public/search", params={"q": "8500", "needs": "housing", "lang": "de"})
    assert response.status_code == 422 and response.json()["message"]


def test_cors_for_any_origin_without_credentials(client):
    response = client.get(
        "/api/v1/public/search", params={"q": "8500", "needs": "housing"}, headers={"Origin": "https://gemeente.example"}
    )
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    preflight = client.options("/api/v1/public/search", headers={"Origin": "https://x.example", "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 204
    coach = client.get("/api/v1/search", params={"q": "8500", "needs": "housing"}, headers={"Origin": "https://x.example"})
    assert "Access-Control-Allow-Origin" not in coach.headers


def test_etag_and_cache_control(client):
    params = {"q": "8500", "needs": "housing"}
    first = client.get("/api/v1/public/search", params=params)
    assert "max-age" in first.headers["Cache-Control"]
    again = client.get("/api/v1/public/search", params=params, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert client.get("/widget.js", headers={"If-None-Match": client.get("/widget.js").headers["ETag"]}).status_code == 304


def test_free_text_is_matched_to_needs(client):
    body = client.get("/api/v1/public/search", params={"q": "Ieper", "text": "schulden", "profile": "bike"}).json()
    assert any(code.startswith("income-debt") for r in body["results"] for code in r["covered_needs"])
    response = client.get("/api/v1/public/search", params={"q": "Ieper", "text": "qwxz"})
    assert response.status_code == 422 and response.json()["code"] == "no_need"


@pytest.mark.parametrize(
    "params",
    [
        {"q": "8500", "needs": ",".join(["housing"] * 9)},
        {"lat": 48.85, "lon": 2.35, "needs": "housing"},
        {"q": "x" * 101, "needs": "housing"},
        {"q": "8500", "needs": "housing", "limit": 500},
        {"q": "8500"},
    ],
)
def test_public_input_limits_are_422(client, params):
    response = client.get("/api/v1/public/search", params=params)
    assert response.status_code == 422
    assert response.json()["message"]


def test_rate_limit_answers_429_with_retry_after(app_state):
    from app.core.config import Settings

    settings = app_state.settings.model_copy(update={"public_rate_limit": "3/minute"})
    assert isinstance(settings, Settings)
    with TestClient(create_app(settings, state=app_state)) as limited:
        statuses = [limited.get("/api/v1/public/needs").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        response = limited.get("/api/v1/public/needs")
        assert int(response.headers["Retry-After"]) > 0
        assert response.json()["code"] == "rate_limited"


def test_partnership_needs_and_frame_rules(client):
    body = client.get("/api/v1/public/needs", params={"partnership": "turnhout", "lang": "fr"}).json()
    assert body["needs"] and any(n["label"] == "Logement" for n in body["needs"])
    assert client.get("/api/v1/public/needs", params={"partnership": "gent"}).status_code == 422
    embed = client.get("/embed", params={"partnership": "westhoek", "lang": "nl"})
    assert embed.status_code == 200
    assert embed.headers["Content-Security-Policy"].endswith("frame-ancestors *")
    assert "script-src 'self'" in embed.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in embed.headers
    assert "frame-ancestors 'none'" in client.get("/embed/configurator").headers["Content-Security-Policy"]


def test_widget_is_small(client):
    import gzip

    response = client.get("/widget.js")
    assert response.headers["content-type"].startswith("application/javascript")
    assert len(gzip.compress(response.content)) < 30 * 1024


def test_the_public_geocode_is_the_coach_geocode_behind_the_public_door(client):
    coach = client.get("/api/v1/geocode", params={"q": "Grote Markt 3, Kortrijk", "limit": 5})
    public = client.get("/api/v1/public/geocode", params={"q": "Grote Markt 3, Kortrijk"})
    assert public.json() == coach.json()
    assert "ETag" in public.headers and "ETag" not in coach.headers
    operations = {path: item["get"] for path, item in client.get("/openapi.json").json()["paths"].items()
                  if path in ("/api/v1/geocode", "/api/v1/public/geocode")}

    def answer_schema(operation):
        return operation["responses"]["200"]["content"]["application/json"]["schema"]

    assert answer_schema(operations["/api/v1/geocode"]) == answer_schema(operations["/api/v1/public/geocode"])


@pytest.mark.parametrize(("path", "other"), [
    ("/api/v1/geocode", "/api/v1/public/geocode"), ("/api/v1/public/geocode", "/api/v1/geocode"),
    ("/api/v1/needs", "/api/v1/public/needs"), ("/api/v1/public/needs", "/api/v1/needs"),
])
def test_each_lookup_documents_its_answer_and_points_at_its_other_door(client, path, other):
    operation = client.get("/openapi.json").json()["paths"][path]["get"]
    assert f"`GET {other}`" in operation["description"]
    assert "$ref" in operation["responses"]["200"]["content"]["application/json"]["schema"]


def test_the_travel_detail_is_a_string_in_the_language_in_use():
    by_bus = Travel(mode="transit", minutes=25.0, estimated=False, basis="timetabled",
                    detail=JourneyDetail(TIMETABLED, lines=(Line(3, "45"),), headway_minutes=60.0))
    at_home = Travel(mode="at_home", minutes=0.0, estimated=False, detail=AT_HOME, basis="at_home")
    assert travel_out(by_bus).model_dump()["detail"] == "bus 45, elk uur"
    assert travel_out(at_home).model_dump()["detail"] == "komt aan huis"
    with i18n.language_in_use("en"):
        assert travel_out(by_bus).model_dump()["detail"] == "bus 45, every hour"
        assert travel_out(at_home).model_dump()["detail"] == "visits you at home"
