"""The warm referral end to end in real Chromium (#13): the coach sends from a search result with
consent, the receiving partner opens it and answers "afspraak gepland", the coach sees it."""

from __future__ import annotations

import dataclasses
import uuid

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlmodel import Session

from app.core.auth import create_user
from tests.browser import chromium_browser, live_server, open_located_service, screenshot_path, sign_in

pytestmark = pytest.mark.browser
PASSWORD = "een-lang-wachtwoord"
FIRST_NAME = "Rania-Browser"


@pytest.fixture(scope="module")
def people(loaded_engine):
    """A coach, and a partner of an organisation with an open, located, active service."""
    with Session(loaded_engine) as session:
        service, location, need = open_located_service(session)
        tag = uuid.uuid4().hex[:6]
        coach = create_user(session, email=f"coach-{tag}@example.org", password=PASSWORD, role="coach")
        partner = create_user(session, email=f"partner-{tag}@example.org", password=PASSWORD, role="partner",
                              organization_ids=[service.organization_id])
        return {"coach": coach.email, "partner": partner.email, "service_id": service.id, "need": need,
                "where": f"{location.latitude}, {location.longitude}"}


def test_coach_sends_with_consent_partner_answers_appointment_coach_sees_it(app_state, people):
    from app.server.main import create_app

    settings = app_state.settings.model_copy(update={"referral_key": SecretStr(Fernet.generate_key().decode())})
    state = dataclasses.replace(app_state, settings=settings)
    with live_server(create_app(state=state)) as base, chromium_browser() as browser:
        coach = browser.new_page(viewport={"width": 1280, "height": 900})
        sign_in(coach, base, people["coach"], PASSWORD, landing="/zoeken")
        coach.goto(f"{base}/zoeken?woonplaats={people['where']}&noden={people['need']}&vervoer=walk")
        card = coach.locator(f"li.result[data-service-id='{people['service_id']}']")
        card.locator("a.refer-link").click()
        coach.wait_for_selector("h1:has-text('Doorverwijzen naar')")
        assert coach.locator(f"input[name=noden][value='{people['need']}']").is_checked(), "needs come from the search"
        coach.fill("#f-telefoon", "0470 11 22 33")
        coach.fill("#f-voornaam", FIRST_NAME)
        coach.fill("#f-nota", "Komt graag in de voormiddag")
        coach.click("button:has-text('Verwijzing versturen')")  # no consent yet: nothing is sent
        coach.wait_for_selector("text=Zonder toestemming van de deelnemer wordt er niets verstuurd")
        coach.check("#f-toestemming")
        coach.screenshot(path=str(screenshot_path("referral-coach-form.png")), full_page=True)
        coach.click("button:has-text('Verwijzing versturen')")
        coach.wait_for_selector("text=De verwijzing is verstuurd")
        assert coach.locator("#status").inner_text().strip() == "verstuurd"

        partner = browser.new_page(viewport={"width": 1280, "height": 900})
        sign_in(partner, base, people["partner"], PASSWORD, landing="/partner")
        partner.click("a[href='/verwijzingen']")
        row = partner.locator("table.referrals tbody tr").first
        assert FIRST_NAME not in row.inner_text(), "the inbox shows no person"
        row.locator("a:has-text('Openen')").click()
        partner.wait_for_selector(f"#voornaam:has-text('{FIRST_NAME}')")
        partner.select_option("#f-status", "appointment")
        partner.click("button:has-text('Status bewaren')")
        partner.wait_for_selector("text=Bewaard.")
        assert partner.locator("#status").inner_text().strip() == "afspraak gepland"
        partner.screenshot(path=str(screenshot_path("referral-partner-answered.png")), full_page=True)

        coach.goto(f"{base}/verwijzingen")
        status = coach.locator("table.referrals tbody tr td.status").first.inner_text()
        assert status.strip() == "afspraak gepland"
        coach.screenshot(path=str(screenshot_path("referral-coach-sees-status.png")), full_page=True)
