"""A partner, in real Chromium: sign in, edit a service, verify it, and a coach sees the change."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import Session

from app.core.auth import create_user
from tests.browser import chromium_browser, live_server, open_located_service, screenshot_path, sign_in

pytestmark = pytest.mark.browser
PASSWORD = "een-lang-wachtwoord"


@pytest.fixture(scope="module")
def partner(loaded_engine):
    """A partner of an organisation with an open, located, active service."""
    with Session(loaded_engine) as session:
        service, location, need = open_located_service(session)
        email = f"browser-{uuid.uuid4().hex[:6]}@example.org"
        create_user(session, email=email, password=PASSWORD, role="partner", organization_ids=[service.organization_id])
        return {"email": email, "service_id": service.id, "name": service.name, "need": need,
                "where": f"{location.latitude}, {location.longitude}"}


def test_partner_edits_and_verifies_then_the_coach_search_shows_it(app_state, partner):
    from app.server.main import create_app

    with live_server(create_app(state=app_state)) as base, chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        sign_in(page, base, partner["email"], PASSWORD, landing="/partner")
        page.click(f"a[href='/partner/diensten/{partner['service_id']}']")
        page.select_option("#f-waiting_list", "short")
        page.fill("#f-waiting_weeks", "3")
        page.click("button.primary")
        page.wait_for_selector("text=Je wijzigingen zijn bewaard.")
        assert page.locator("table.history").inner_text().count("Wachttijd (weken)") >= 1
        page.goto(f"{base}/partner")
        page.click(f"button[aria-label='{partner['name']}: klopt nog']")
        page.wait_for_selector("text=Bedankt: de dienst staat als gecontroleerd.")
        page.screenshot(path=str(screenshot_path("partner-verified.png")), full_page=True)

        coach = browser.new_page(viewport={"width": 1280, "height": 900})
        url = f"{base}/zoeken?woonplaats={partner['where']}&noden={partner['need']}&vervoer=walk"
        for _attempt in range(20):  # the catalogue refreshes in the background right after an edit
            coach.goto(url)
            card = coach.locator(f"li.result[data-service-id='{partner['service_id']}']")
            shown = card.inner_text() if card.count() else ""
            if "Wachtlijst ± 3 weken" in shown and "Niet meer gecontroleerd" not in shown:
                break
            coach.wait_for_timeout(250)
        text = card.inner_text()
        assert "Wachtlijst ± 3 weken" in text
        assert "Niet meer gecontroleerd" not in text
