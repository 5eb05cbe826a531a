"""Hostile text at the edge: NUL and other control characters, lone surrogates, extreme dates.

Every URL of issue #16 item 1 answers a 4xx (these were 500s on PostgreSQL), with JSON and a
code for the API and a Dutch page for pages; nothing is written.
"""

from __future__ import annotations

import pytest
from sqlmodel import Session

from app.core import models
from tests.web.test_editing_api import signed_in
from tests.web.test_partner_pages import accounts, login, new_client  # noqa: F401  (accounts is a fixture)

ANONYMOUS_GETS = [
    "/api/hsds/services?search=%00",
    "/api/hsds/services/%00",
    "/api/hsds/organizations/%00",
    "/api/hsds/services?organization_id=%00",
    "/api/hsds/services?taxonomy_term_id=%00",
    "/api/hsds/organizations?search=%00",
    "/api/hsds/taxonomy_terms?search=%00",
    "/api/hsds/service_at_locations?search=%00",
    "/api/v1/search?q=8500%00&needs=housing",
    "/api/v1/public/search?q=8500&needs=housing%1F",
]


@pytest.mark.parametrize("url", ANONYMOUS_GETS)
def test_nul_in_query_or_path_is_a_422_with_a_code(client, url):
    response = client.get(url)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid_characters"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_nul_in_the_login_form_is_a_dutch_page(app_state):
    with new_client(app_state) as client:
        client.get("/aanmelden")
        response = client.post("/aanmelden", data={"email": "a\x00@x.test", "password": "x" * 12, "csrf": "x"},
                               headers={"Accept": "text/html"})
        assert response.status_code == 422
        assert "stuurteken" in response.text and "<html" in response.text.lower()


def test_nul_in_the_editing_api_and_forms_writes_nothing(app_state, accounts, loaded_engine):  # noqa: F811
    client, headers = signed_in(app_state, accounts["partner"])
    service_id = accounts["my_service"]
    before = client.get(f"/api/v1/services/{service_id}/edit").json()["service"]
    version = before["version"]
    for changes in ({"description": "nieuw\x00"}, {"location_ids": ["\x00"]},
                    {"closures": [{"start": "2026-12-24", "end": "2026-12-26", "reason": "kerst\x00"}]}):
        response = client.patch(f"/api/v1/services/{service_id}", headers=headers,
                                json={"version": version, "changes": changes})
        assert response.status_code == 422 and response.json()["code"] == "invalid_characters", response.text
    assert client.get("/api/v1/services/%00/edit").status_code == 422
    page = client.post(f"/partner/diensten/{service_id}", data={"name": "x\x00", "csrf": headers["X-CSRF-Token"]},
                       headers={"Accept": "text/html"})
    assert page.status_code == 422 and "stuurteken" in page.text
    assert client.get("/partner/locaties/%00", headers={"Accept": "text/html"}).status_code == 422
    with Session(loaded_engine) as session:
        assert session.get(models.Service, service_id).version == version


def test_lone_surrogate_in_a_need_code_is_a_422():
    from app.web.input_guard import InvalidText, check_body

    body = b'{"home":{"query":"2350"},"needs":["\\udfff"]}'
    with pytest.raises(InvalidText):
        check_body("application/json", body)
    # a surrogate pair is one valid character (an emoji) and passes
    check_body("application/json", b'{"needs":["\\ud83d\\ude00"]}')


@pytest.mark.parametrize("content_type", ["application/json", None])
def test_lone_surrogate_over_http(client, content_type):
    """Also without a Content-Type header: FastAPI then reads the body as JSON all the same."""
    response = client.post("/api/v1/search", content=b'{"home":{"query":"2350"},"needs":["\\udfff"]}',
                           headers={"Content-Type": content_type} if content_type else {})
    assert response.status_code == 422 and response.json()["code"] == "invalid_characters"


def test_line_breaks_and_tabs_are_allowed():
    from app.web.input_guard import InvalidText, check_body, check_query

    check_query(b"q=a%09b%0Ac%0D")
    check_body("application/x-www-form-urlencoded", b"description=regel+1%0D%0Aregel+2%09x")
    with pytest.raises(InvalidText):
        check_body("application/x-www-form-urlencoded", b"description=x%07")


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00%2B23:59", "9999-12-31T23:59:59-23:59"])
def test_extreme_time_zone_offsets_are_a_400_not_a_500(client, moment):
    response = client.get(f"/api/hsds/services?modified_after={moment}")
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["code"]
