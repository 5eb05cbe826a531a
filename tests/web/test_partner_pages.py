"""The partner portal over HTTP: sign-in, CSRF, role boundaries, edit, conflict, verify."""

from __future__ import annotations

import re
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.core import models
from app.core.auth import create_invite, create_user, token_hash
from app.server.main import create_app

PASSWORD = "een-lang-wachtwoord"


@pytest.fixture(scope="module")
def accounts(loaded_engine):
    """A partner bound to one demo organisation, a coach, a coordinator (all partnerships)."""
    tag = uuid.uuid4().hex[:6]
    with Session(loaded_engine) as session:
        organizations = session.exec(select(models.Organization).order_by(models.Organization.id).limit(2)).all()
        mine, other = organizations
        my_service = session.exec(select(models.Service).where(models.Service.organization_id == mine.id)).first()
        other_service = session.exec(select(models.Service).where(models.Service.organization_id == other.id)).first()
        partner = create_user(session, email=f"p-{tag}@example.org", password=PASSWORD, role="partner", organization_ids=[mine.id])
        coach = create_user(session, email=f"c-{tag}@example.org", password=PASSWORD, role="coach")
        coordinator = create_user(session, email=f"k-{tag}@example.org", password=PASSWORD, role="coordinator")
        return {"partner": partner.email, "coach": coach.email, "coordinator": coordinator.email,
                "my_service": my_service.id, "other_service": other_service.id}


def new_client(app_state) -> TestClient:
    return TestClient(create_app(state=app_state), follow_redirects=False)


def login(client: TestClient, email: str, password: str = PASSWORD):
    page = client.get("/aanmelden")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    return client.post("/aanmelden", data={"email": email, "password": password, "csrf": csrf})


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def test_login_without_the_csrf_token_is_refused(app_state, accounts):
    with new_client(app_state) as client:
        response = client.post("/aanmelden", data={"email": accounts["partner"], "password": PASSWORD})
        assert response.status_code == 303 and "fout=" in response.headers["location"]
        assert "sk_session" not in response.cookies


def test_wrong_password_is_a_dutch_message_and_attempts_are_limited(app_state, accounts):
    with new_client(app_state) as client:
        statuses = [login(client, accounts["coach"], "fout-wachtwoord-123").status_code for _ in range(6)]
        assert statuses[0] == 400
        assert statuses[-1] == 429
        response = login(client, accounts["coach"], "fout-wachtwoord-123")
        assert "Te veel pogingen" in response.text


def test_session_cookie_flags_and_no_fixation(app_state, accounts, loaded_engine):
    with new_client(app_state) as client:
        client.cookies.set("sk_session", "planted-by-an-attacker")
        response = login(client, accounts["partner"])
        assert response.status_code == 303
        cookie = response.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie
        assert "planted-by-an-attacker" not in cookie
    # The real attack: a *valid* session id (the attacker's own) planted in the victim's browser.
    with new_client(app_state) as attacker:
        login(attacker, accounts["coach"])
        planted = attacker.cookies.get("sk_session")
        assert attacker.get("/zoeken").status_code == 200 and accounts["coach"] in attacker.get("/zoeken").text
    with new_client(app_state) as victim:
        victim.cookies.set("sk_session", planted)
        response = login(victim, accounts["partner"])
        assert response.status_code == 303
        fresh = response.cookies.get("sk_session")
        assert fresh and fresh != planted
        assert accounts["partner"] in victim.get("/partner").text
    with Session(loaded_engine) as session:
        assert session.get(models.UserSession, token_hash(planted)) is None
        assert session.get(models.UserSession, token_hash(fresh)) is not None
    # the planted id is worth nothing after the login: neither the victim's session nor the old one
    with new_client(app_state) as attacker:
        attacker.cookies.set("sk_session", planted)
        assert attacker.get("/partner").status_code == 401
        assert attacker.get(f"/api/v1/services/{accounts['my_service']}/edit").status_code == 401
        assert accounts["partner"] not in attacker.get("/zoeken").text


def test_partner_edits_own_service_and_sees_the_change_in_history(app_state, accounts):
    with new_client(app_state) as client:
        login(client, accounts["partner"])
        page = client.get(f"/partner/diensten/{accounts['my_service']}")
        assert page.status_code == 200
        form = _form_fields(page.text)
        form["waiting_weeks"] = "7"
        form["waiting_list"] = "short"
        saved = client.post(f"/partner/diensten/{accounts['my_service']}", data=form)
        assert saved.status_code == 303
        again = client.get(saved.headers["location"])
        assert "Je wijzigingen zijn bewaard." in again.text
        assert "Wachttijd (weken)" in again.text  # the history names the field in Dutch


def test_partner_cannot_open_or_save_another_organisations_service(app_state, accounts):
    with new_client(app_state) as client:
        login(client, accounts["partner"])
        assert client.get(f"/partner/diensten/{accounts['other_service']}").status_code == 403
        mine = client.get(f"/partner/diensten/{accounts['my_service']}")
        form = _form_fields(mine.text)
        form["name"] = "Gekaapt"
        assert client.post(f"/partner/diensten/{accounts['other_service']}", data=form).status_code == 403
        verify = client.post(f"/partner/diensten/{accounts['other_service']}/klopt-nog", data={"csrf": form["csrf"]})
        assert verify.status_code == 403


def test_coach_and_anonymous_are_kept_out_of_partner_pages(app_state, accounts):
    with new_client(app_state) as client:
        anonymous = client.get("/partner", headers={"Accept": "text/html"})
        assert anonymous.status_code == 303 and anonymous.headers["location"] == "/aanmelden"
        assert client.get("/partner").status_code == 401
        login(client, accounts["coach"])
        assert client.get("/partner").status_code == 403
        assert client.get("/coordinator").status_code == 403


def test_saving_without_csrf_is_rejected_and_changes_nothing(app_state, accounts, loaded_engine):
    with new_client(app_state) as client:
        login(client, accounts["partner"])
        form = _form_fields(client.get(f"/partner/diensten/{accounts['my_service']}").text)
        form.pop("csrf")
        form["name"] = "Zonder token"
        response = client.post(f"/partner/diensten/{accounts['my_service']}", data=form)
        assert response.status_code == 403
    with Session(loaded_engine) as session:
        assert session.get(models.Service, accounts["my_service"]).name != "Zonder token"


def test_two_editors_second_save_gets_the_conflict_page(app_state, accounts):
    with new_client(app_state) as first, new_client(app_state) as second:
        login(first, accounts["partner"])
        login(second, accounts["partner"])
        form_one = _form_fields(first.get(f"/partner/diensten/{accounts['my_service']}").text)
        form_two = _form_fields(second.get(f"/partner/diensten/{accounts['my_service']}").text)
        form_one["phone"] = "056 10 10 10"
        form_two["phone"] = "056 20 20 20"
        assert first.post(f"/partner/diensten/{accounts['my_service']}", data=form_one).status_code == 303
        conflict = second.post(f"/partner/diensten/{accounts['my_service']}", data=form_two)
        assert conflict.status_code == 409
        assert "056 10 10 10" in conflict.text and "056 20 20 20" in conflict.text


def test_invalid_input_shows_dutch_messages_next_to_the_field(app_state, accounts):
    with new_client(app_state) as client:
        login(client, accounts["partner"])
        form = _form_fields(client.get(f"/partner/diensten/{accounts['my_service']}").text)
        form["minimum_age"] = "300"
        response = client.post(f"/partner/diensten/{accounts['my_service']}", data=form)
        assert response.status_code == 422
        assert "Dit getal is te groot." in response.text


def test_logout_invalidates_the_session(app_state, accounts, loaded_engine):
    with new_client(app_state) as client, new_client(app_state) as other_device:
        login(client, accounts["partner"])
        login(other_device, accounts["partner"])
        token = client.cookies.get("sk_session")
        home = client.get("/partner")
        csrf = csrf_of(home.text)
        signed_out = client.post("/afmelden", data={"csrf": csrf})
        assert signed_out.status_code == 303 and signed_out.headers["location"] == "/aanmelden"
        assert 'sk_session=""' in signed_out.headers["set-cookie"] or "Max-Age=0" in signed_out.headers["set-cookie"]
        with Session(loaded_engine) as session:
            assert session.get(models.UserSession, token_hash(token)) is None
        # the old cookie replayed (a copy kept by someone else) is refused everywhere
        with new_client(app_state) as replay:
            replay.cookies.set("sk_session", token)
            assert replay.get("/partner").status_code == 401
            assert replay.get("/partner", headers={"Accept": "text/html"}).headers["location"] == "/aanmelden"
            assert replay.get(f"/api/v1/services/{accounts['my_service']}/edit").status_code == 401
            patch = replay.patch(f"/api/v1/services/{accounts['my_service']}", headers={"X-CSRF-Token": csrf},
                                 json={"version": 1, "changes": {"name": "Na afmelden"}})
            assert patch.status_code == 401
            verify = replay.post(f"/partner/diensten/{accounts['my_service']}/klopt-nog", data={"csrf": csrf})
            assert verify.status_code == 401
        # signing out on one device leaves the other signed in
        assert other_device.get("/partner").status_code == 200
        # a new sign-in gets a new CSRF token: the old one no longer works
        login(client, accounts["partner"])
        assert csrf_of(client.get("/partner").text) != csrf
        stale = client.post(f"/partner/diensten/{accounts['my_service']}/klopt-nog", data={"csrf": csrf})
        assert stale.status_code == 403
    with Session(loaded_engine) as session:
        assert session.get(models.Service, accounts["my_service"]).name != "Na afmelden"


def test_invite_links_work_once(app_state, accounts, loaded_engine):
    with Session(loaded_engine) as session:
        organization = session.exec(select(models.Organization)).first()
        token = create_invite(session, email=f"new-{uuid.uuid4().hex[:6]}@example.org", role="partner",
                              organization_ids=[organization.id])
        expired = create_invite(session, email=f"late-{uuid.uuid4().hex[:6]}@example.org", role="partner",
                                organization_ids=[organization.id], days=-1)
    with new_client(app_state) as client:
        forged = client.post(f"/uitnodiging/{token}", data={"password": PASSWORD, "name": "Zonder formulier"})
        assert forged.status_code == 303 and forged.headers["location"] == f"/uitnodiging/{token}"
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get(f"/uitnodiging/{token}").text).group(1)
        accepted = client.post(f"/uitnodiging/{token}", data={"password": PASSWORD, "name": "Nieuwe partner", "csrf": csrf})
        assert accepted.status_code == 303 and accepted.headers["location"] == "/partner"
        assert client.get("/partner").status_code == 200
    with new_client(app_state) as client:
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get(f"/uitnodiging/{token}").text).group(1)
        again = client.post(f"/uitnodiging/{token}", data={"password": PASSWORD, "csrf": csrf})
        assert again.status_code == 400 and "ongeldig" in again.text
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get(f"/uitnodiging/{expired}").text).group(1)
        late = client.post(f"/uitnodiging/{expired}", data={"password": PASSWORD, "csrf": csrf})
        assert late.status_code == 400 and "verlopen" in late.text


def _form_fields(html: str) -> dict:
    """Read the edit form back the way a browser would submit it (checked boxes, selects, inputs)."""
    multi = ("needs", "languages", "target_groups", "service_area", "referral_required_from", "location_ids")
    form: dict = {}
    for match in re.finditer(r"<input([^>]*)>", html):
        attrs = match.group(1)
        name = re.search(r'name="([^"]+)"', attrs)
        if not name:
            continue
        name = name.group(1)
        kind = (re.search(r'type="([^"]+)"', attrs) or [None, "text"])[1]
        value = (re.search(r'value="([^"]*)"', attrs) or [None, "on"])[1]
        if kind in ("checkbox", "radio"):
            if " checked" not in attrs:
                continue
            if name in multi:
                form.setdefault(name, []).append(value)
            else:
                form[name] = value
        else:
            form[name] = value
    for select_match in re.finditer(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        selected = re.search(r'<option value="([^"]*)" selected', select_match.group(2))
        form[select_match.group(1)] = selected.group(1) if selected else ""
    for area in re.finditer(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        form[area.group(1)] = area.group(2)
    return form
