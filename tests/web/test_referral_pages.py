"""The referral pages over HTTP (#13): the coach's form and consent, the partner's inbox and answer, counts."""

from __future__ import annotations

import re
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.core import models
from app.core.auth import create_user
from app.server.main import create_app
from tests.conftest import separate_database
from tests.referral_world import SECRETS, build_world, client_for
from tests.web.test_partner_pages import PASSWORD, login

HTML = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def world(app_state, regions, tmp_path_factory):
    with separate_database(tmp_path_factory, regions, "referral_pages") as engine:
        yield build_world(engine, app_state, regions.in_partnership("westhoek")[0].nis)


def form_for(world, token: str, **overrides) -> dict:
    form = {"csrf": token, "dienst": world["service_a1"], "gemeente": world["nis"],
            "noden": ["income-debt/debt-mediation"], "talen": ["nl", "ar"], "beschikbaar": ["2-vm", "4-nm"],
            "contactwijze": "telefoon", "telefoon": SECRETS["phone"], "email": "", "voornaam": SECRETS["first_name"],
            "nota": SECRETS["note"], "toestemming": "ja"}
    return {**form, **overrides}


def count_referrals(world) -> int:
    with Session(world["engine"]) as session:
        return len(session.exec(select(models.Referral)).all())


def test_the_form_is_prefilled_from_the_search_and_warns_about_the_note(world):
    client, _token = client_for(world, "coach")
    with client:
        page = client.get(f"/verwijzingen/nieuw?dienst={world['service_a1']}&noden=income-debt/debt-mediation"
                          f"&talen=ar&beschikbaar=2-vm&gemeente={world['nis']}")
    assert page.status_code == 200
    assert 'value="income-debt/debt-mediation" checked' in page.text and 'value="ar" checked' in page.text
    assert 'value="2-vm" aria-label="dinsdag voormiddag" checked' in page.text
    assert "geen medische of gerechtelijke details" in page.text.lower() and 'name="toestemming"' in page.text
    for absent in ("rijksregisternummer\"", "geboortedatum\"", 'name="adres"'):
        assert absent not in page.text


def test_without_consent_nothing_is_sent_and_the_coach_reads_why(world):
    client, token = client_for(world, "coach")
    before = count_referrals(world)
    with client:
        refused = client.post("/verwijzingen/nieuw", data=form_for(world, token, toestemming=""))
        bad_phone = client.post("/verwijzingen/nieuw", data=form_for(world, token, telefoon="bel me"))
    assert refused.status_code == 422 and "Zonder toestemming van de deelnemer wordt er niets verstuurd" in refused.text
    assert SECRETS["first_name"] in refused.text, "what was typed stays in the form"
    assert bad_phone.status_code == 422 and "telefoonnummer" in bad_phone.text
    assert count_referrals(world) == before


def test_coach_sends_partner_answers_appointment_coach_sees_it(world):
    coach, coach_token = client_for(world, "coach")
    partner, partner_token = client_for(world, "partner")
    with coach, partner:
        sent = coach.post("/verwijzingen/nieuw", data=form_for(world, coach_token))
        assert sent.status_code == 303
        referral_url = sent.headers["location"].split("?")[0]
        referral_id = referral_url.rsplit("/", 1)[1]
        assert SECRETS["first_name"] in coach.get(sent.headers["location"]).text

        inbox = partner.get("/verwijzingen", headers=HTML)
        assert referral_id in inbox.text and SECRETS["first_name"] not in inbox.text, "the inbox shows no person"
        page = partner.get(referral_url, headers=HTML)
        assert SECRETS["first_name"] in page.text and SECRETS["phone"] in page.text and "dinsdag voormiddag" in page.text
        version = re.search(r'name="version" value="(\d+)"', page.text).group(1)
        missing_reason = partner.post(f"{referral_url}/status", data={"csrf": partner_token, "status": "not_started",
                                                                     "version": version}, headers=HTML)
        assert missing_reason.status_code == 422 and "een reden" in missing_reason.text
        answered = partner.post(f"{referral_url}/status", data={"csrf": partner_token, "status": "appointment",
                                                               "version": version})
        assert answered.status_code == 303
        stale = partner.post(f"{referral_url}/status", data={"csrf": partner_token, "status": "contacted",
                                                            "version": version}, headers=HTML)
        assert stale.status_code == 409 and "intussen gewijzigd" in stale.text

        assert coach.post(f"{referral_url}/bericht", data={"csrf": coach_token, "bericht": "Hij komt dinsdag"}).status_code == 303
        mine = coach.get("/verwijzingen", headers=HTML)
        assert "afspraak gepland" in mine.text
        detail = partner.get(referral_url, headers=HTML)
        assert "Hij komt dinsdag" in detail.text and "afspraak gepland" in detail.text


def test_others_get_a_404_page_and_the_coordinator_counts(world):
    coach, token = client_for(world, "coach")
    with coach:
        referral_url = coach.post("/verwijzingen/nieuw", data=form_for(world, token)).headers["location"].split("?")[0]
    for role in ("coach_other", "partner_other", "coordinator"):
        client, _token = client_for(world, role)
        with client:
            page = client.get(referral_url, headers=HTML)
        assert page.status_code == 404 and SECRETS["first_name"] not in page.text, role
    coordinator, _token = client_for(world, "coordinator")
    with coordinator:
        counts = coordinator.get("/coordinator/verwijzingen?nood=income-debt&partnerschap=westhoek", headers=HTML)
    assert counts.status_code == 200 and "Schuldbemiddeling" in counts.text
    total = int(re.search(r'<dd id="totaal">(\d+)</dd>', counts.text).group(1))
    assert total == count_referrals(world)
    assert SECRETS["first_name"] not in counts.text and world["emails"]["coach"] not in counts.text


def test_the_search_offers_doorverwijzen_to_coaches_only(app_state, loaded_engine):
    email = f"coach-{uuid.uuid4().hex[:6]}@example.org"
    with Session(loaded_engine) as session:
        create_user(session, email=email, password=PASSWORD, role="coach")
    url = "/zoeken?woonplaats=8500&noden=housing&talen=fr&beschikbaar=1-vm"
    with TestClient(create_app(state=app_state), follow_redirects=False) as client:
        anonymous = client.get(url)
        login(client, email)
        coach = client.get(url)
    assert "Doorverwijzen" not in anonymous.text
    links = re.findall(r'href="(/verwijzingen/nieuw\?[^"]+)"', coach.text)
    assert links and "noden=housing" in links[0] and "talen=fr" in links[0] and "beschikbaar=1-vm" in links[0]
    assert "gemeente=34022" in links[0]


def test_control_characters_in_the_form_are_a_dutch_message_never_a_500(world):
    client, token = client_for(world, "coach")
    before = count_referrals(world)
    with client:
        name = client.post("/verwijzingen/nieuw", data=form_for(world, token, voornaam="A\x00B"), headers=HTML)
        service = client.post("/verwijzingen/nieuw", data=form_for(world, token, dienst="ab\x00cd"), headers=HTML)
        referral = client.get("/verwijzingen/ab%00cd", headers=HTML)
    # refused at the edge (app.web.input_guard) with a Dutch page, before any route runs
    assert name.status_code == service.status_code == referral.status_code == 422
    assert name.headers["content-type"].startswith("text/html") and 'lang="nl"' in name.text
    assert count_referrals(world) == before


def test_the_coach_is_told_to_call_when_the_organisation_has_no_account(world):
    client, token = client_for(world, "coach")
    with client:
        untold = client.post("/verwijzingen/nieuw", data=form_for(world, token, dienst=world["service_c1"]))
        told = client.post("/verwijzingen/nieuw", data=form_for(world, token))
        assert 'id="geen-account"' in client.get(untold.headers["location"]).text
        assert 'id="geen-account"' not in client.get(told.headers["location"]).text
