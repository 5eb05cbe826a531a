"""Security headers on pages, the API, static files and errors; only the widget page may be framed."""

from __future__ import annotations

import pytest

from app.server.main import create_app

PAGES = ["/", "/over", "/zoeken", "/aanmelden", "/embed/configurator", "/partner"]
API = ["/api/v1/needs", "/api/v1/services", "/api/v1/public/needs", "/api/hsds/services", "/healthz", "/openapi.json"]
STATIC = ["/static/widget/widget.js", "/widget.js"]
ERRORS = ["/bestaat-niet", "/api/v1/bestaat-niet", "/static/bestaat-niet.js", "/api/v1/services?page=0"]


def assert_common(response) -> str:
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    policy = response.headers["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split("; ")}
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]  # no inline or remote scripts
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"] and directives["form-action"] == ["'self'"]
    return policy


@pytest.mark.parametrize("path", PAGES + API + STATIC + ERRORS)
def test_everything_but_the_widget_page_refuses_to_be_framed(client, path):
    response = client.get(path, headers={"Accept": "text/html"} if path in PAGES else {}, follow_redirects=False)
    assert response.status_code < 500
    policy = assert_common(response)
    assert policy.endswith("frame-ancestors 'none'")
    assert response.headers["X-Frame-Options"] == "DENY"


def test_the_widget_page_is_embeddable_and_keeps_the_rest_of_the_policy(client):
    response = client.get("/embed", params={"partnership": "westhoek"})
    assert response.status_code == 200
    policy = assert_common(response)
    assert policy.endswith("frame-ancestors *")
    assert "X-Frame-Options" not in response.headers


def test_the_embedding_sites_come_from_the_settings(app_state):
    from fastapi.testclient import TestClient

    narrow = app_state.settings.model_copy(update={"embed_frame_ancestors": "https://www.example.be"})
    with TestClient(create_app(narrow, state=app_state)) as client:
        assert client.get("/embed").headers["Content-Security-Policy"].endswith("frame-ancestors https://www.example.be")
        assert client.get("/").headers["X-Frame-Options"] == "DENY"


def test_the_public_api_is_readable_cross_origin_without_credentials(client):
    response = client.get("/api/v1/public/needs", headers={"Origin": "https://gemeente.example.be"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    # the rest of the API (used by the signed-in pages) is not
    assert "Access-Control-Allow-Origin" not in client.get("/api/v1/needs").headers
