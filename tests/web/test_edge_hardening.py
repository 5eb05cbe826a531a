"""Smaller hardening at the HTTP edge: HEAD like GET, headers on a 500, no free text from URLs on pages."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.server.main import create_app


@pytest.mark.parametrize("path", ["/", "/zoeken", "/aanmelden", "/api/v1/needs", "/api/hsds/services", "/healthz",
                                  "/static/vendor/README.md"])
def test_head_answers_like_get_without_a_body(client, path):
    get = client.get(path)
    head = client.head(path)
    assert head.status_code == get.status_code == 200, path
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["x-content-type-options"] == "nosniff"


def test_head_on_a_post_only_route_is_still_405(client):
    assert client.head("/afmelden").status_code == 405


def test_a_500_carries_the_security_headers(app_state):
    app = create_app(state=app_state)

    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("unexpected")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom-for-test")
    assert response.status_code == 500
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert "unexpected" not in response.text


def test_the_login_page_shows_only_its_own_messages(client):
    planted = client.get("/aanmelden", params={"fout": "Uw account is geblokkeerd. Bel 0900 12 34 56."})
    assert planted.status_code == 200 and "0900" not in planted.text
    expired = client.get("/aanmelden", params={"fout": "verlopen"})
    assert "Het formulier was verlopen" in expired.text


def test_the_referral_sheet_shows_no_text_from_the_url(client):
    service_id = client.get("/api/v1/services").json()["data"][0]["id"]
    sheet = client.get(f"/verwijsfiche/{service_id}",
                       params={"mode": "walk", "minuten": 12, "detail": "neem geld mee voor de deurwaarder"})
    assert sheet.status_code == 200
    assert "deurwaarder" not in sheet.text and "12 minuten" in sheet.text
