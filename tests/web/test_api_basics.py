"""The app's foundation over HTTP: health, pages, taxonomy, geocoding, bad input."""

from __future__ import annotations

import pytest


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_home_page_is_dutch_and_says_it_shows_demo_data(client):
    response = client.get("/")
    assert response.status_code == 200
    assert 'lang="nl"' in response.text
    assert "Demonstratiedata" in response.text
    assert "PajoTARL" in response.text and "Pajottegem" in response.text


def test_about_page_shows_every_source_attribution(client, app_state):
    response = client.get("/over")
    assert response.status_code == 200
    assert app_state.attribution, "data preparation must provide attribution lines"
    for line in app_state.attribution:
        assert line.replace("'", "&#39;") in response.text or line in response.text


def test_needs_endpoint_lists_the_taxonomy(client):
    body = client.get("/api/v1/needs").json()
    codes = {node["code"] for node in body["needs"]}
    assert {"housing", "language", "mobility", "administration"} <= codes


def test_geocode_answers_candidates_with_precision_and_municipality(client):
    body = client.get("/api/v1/geocode", params={"q": "8500"}).json()
    best = body["candidates"][0]
    assert best["municipality"] == {"nis": "34022", "name": "Kortrijk"}
    assert best["precision"] == "postcode"
    assert {"label", "latitude", "longitude"} <= set(best)


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"q": "x" * 500}, "validation_error"),
        ({}, "validation_error"),
        ({"q": "Gent"}, "outside_regions"),
    ],
)
def test_geocode_bad_input_is_a_clear_422(client, params, code):
    response = client.get("/api/v1/geocode", params=params)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == code
    assert body["message"]


def test_services_filter_by_parent_need_includes_children(client):
    body = client.get("/api/v1/services", params={"need": "language", "per_page": 200}).json()
    assert body["demo"] is True
    assert body["count"] > 0
    assert all(any(code.split("/")[0] == "language" for code in item["needs"]) for item in body["data"])
    assert any("/" in code for item in body["data"] for code in item["needs"])


def test_unknown_need_and_bad_municipality_are_422(client):
    response = client.get("/api/v1/services", params={"need": "flying"})
    assert response.status_code == 422
    assert response.json()["code"] == "unknown_need"
    response = client.get("/api/v1/services", params={"municipality": "Kortrijk"})
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_unknown_route_is_a_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_security_headers_and_no_framing_outside_embed(client):
    response = client.get("/")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_partnerships_include_wervik_twice(client):
    body = client.get("/api/v1/partnerships").json()
    by_slug = {p["slug"]: p for p in body["partnerships"]}
    assert "33029" in by_slug["zuid-west-vlaanderen"]["municipalities"]
    assert "33029" in by_slug["westhoek"]["municipalities"]
    assert len({nis for p in body["partnerships"] for nis in p["municipalities"]}) == 44


PROTECTED = [
    ("GET", "/partner"), ("GET", "/partner/nieuwe-dienst"), ("POST", "/partner/nieuwe-dienst"),
    ("GET", "/partner/diensten/x"), ("POST", "/partner/diensten/x"), ("POST", "/partner/diensten/x/klopt-nog"),
    ("GET", "/coordinator"), ("GET", "/coordinator/hiaten"), ("GET", "/coordinator/hiaten.csv"),
    ("GET", "/coordinator/hiaten.png"), ("GET", "/coordinator/hiaten.gpkg"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_anonymous_visitors_reach_no_protected_page(client, method, path):
    response = client.request(method, path, follow_redirects=False)
    assert response.status_code in (401, 403), (method, path, response.status_code)
    page = client.request(method, path, headers={"Accept": "text/html"}, follow_redirects=False)
    assert page.status_code in (303, 403) and (page.status_code != 303 or page.headers["location"] == "/aanmelden")


def test_content_security_policy_allows_only_our_own_scripts(client):
    policy = client.get("/zoeken").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-eval" not in policy and "object-src 'none'" in policy
    for path in ("/", "/zoeken", "/over", "/embed/configurator", "/aanmelden"):
        html = client.get(path).text
        assert "onclick=" not in html and "<script>" not in html, path
