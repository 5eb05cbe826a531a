"""The JSON editing API: access rules, CSRF header, optimistic concurrency with a 409."""

from __future__ import annotations

import re

from tests.web.test_partner_pages import accounts, login, new_client  # noqa: F401  (accounts is a fixture)


def signed_in(app_state, email):
    client = new_client(app_state)
    login(client, email)
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/partner").text).group(1)
    return client, {"X-CSRF-Token": token}


def test_partner_patches_own_service_and_a_stale_version_is_a_409(app_state, accounts):  # noqa: F811
    first, first_headers = signed_in(app_state, accounts["partner"])
    second, second_headers = signed_in(app_state, accounts["partner"])
    service = first.get(f"/api/v1/services/{accounts['my_service']}/edit").json()["service"]
    version = service["version"]
    ok = first.patch(f"/api/v1/services/{accounts['my_service']}", headers=first_headers,
                     json={"version": version, "changes": {"waiting_weeks": 9, "waiting_list": "long"}})
    assert ok.status_code == 200
    body = ok.json()
    assert body["service"]["version"] == version + 1 and body["service"]["waiting_weeks"] == 9
    assert {"waiting_weeks", "waiting_list"} <= {entry["field"] for entry in body["history"]}
    stale = second.patch(f"/api/v1/services/{accounts['my_service']}", headers=second_headers,
                         json={"version": version, "changes": {"waiting_weeks": 2}})
    assert stale.status_code == 409
    conflict = stale.json()
    assert conflict["code"] == "version_conflict"
    assert conflict["detail"]["current"]["waiting_weeks"] == 9
    assert conflict["detail"]["attempted"]["waiting_weeks"] == 2


def test_other_organisations_csrf_and_anonymous_are_refused(app_state, accounts):  # noqa: F811
    client, headers = signed_in(app_state, accounts["partner"])
    other = client.patch(f"/api/v1/services/{accounts['other_service']}", headers=headers,
                         json={"version": 1, "changes": {"name": "Overgenomen"}})
    assert other.status_code == 403 and other.json()["code"] == "forbidden"
    assert client.get(f"/api/v1/services/{accounts['other_service']}/edit").status_code == 403
    no_token = client.patch(f"/api/v1/services/{accounts['my_service']}", json={"version": 1, "changes": {}})
    assert no_token.status_code == 403 and no_token.json()["code"] == "csrf_rejected"
    verify = client.post(f"/api/v1/services/{accounts['other_service']}/verify", headers=headers)
    assert verify.status_code == 403
    anonymous = new_client(app_state).patch(f"/api/v1/services/{accounts['my_service']}", json={"version": 1, "changes": {}})
    assert anonymous.status_code == 401
    coach = new_client(app_state)
    login(coach, accounts["coach"])
    assert coach.get(f"/api/v1/services/{accounts['my_service']}/edit").status_code == 403


def test_invalid_changes_are_422_and_change_nothing(app_state, accounts):  # noqa: F811
    client, headers = signed_in(app_state, accounts["partner"])
    before = client.get(f"/api/v1/services/{accounts['my_service']}/edit").json()["service"]
    bad = client.patch(f"/api/v1/services/{accounts['my_service']}", headers=headers,
                       json={"version": before["version"], "changes": {"needs": ["flying"], "minimum_age": 500}})
    assert bad.status_code == 422
    after = client.get(f"/api/v1/services/{accounts['my_service']}/edit").json()["service"]
    assert after == before


def test_null_for_a_field_that_needs_a_value_is_a_422_not_a_500(app_state, accounts):  # noqa: F811
    """Found by the signed-in fuzz: ``{"closures": null}`` crashed the save, ``{"name": null}`` hit NOT NULL."""
    client, headers = signed_in(app_state, accounts["partner"])
    before = client.get(f"/api/v1/services/{accounts['my_service']}/edit").json()["service"]
    for changes in ({"closures": None}, {"name": None}, {"needs": None, "waiting_list": None}, {"published": None}):
        response = client.patch(f"/api/v1/services/{accounts['my_service']}", headers=headers,
                                json={"version": before["version"], "changes": changes})
        assert response.status_code == 422, (changes, response.text[:300])
        assert response.json()["code"] == "validation_error"
        assert "cannot be null" in response.json()["message"]
    # the nullable ones may still be emptied
    emptied = client.patch(f"/api/v1/services/{accounts['my_service']}", headers=headers,
                           json={"version": before["version"], "changes": {"waiting_weeks": None, "url": None}})
    assert emptied.status_code == 200
    assert emptied.json()["service"]["waiting_weeks"] is None
