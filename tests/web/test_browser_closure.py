"""In real Chromium: a partner creates a service at a chosen location and closes it for the coming
week; a coach searching with availability in that week sees it marked closed."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlmodel import Session, delete, select

from app.core import models
from app.core.auth import create_user
from app.domain.opening import today_in_brussels
from tests.browser import chromium_browser, live_server, screenshot_path, sign_in

pytestmark = pytest.mark.browser
PASSWORD = "een-lang-wachtwoord"


@pytest.fixture(scope="module")
def partner(loaded_engine):
    """A partner of a demo organisation with an active location; the service they create is removed after."""
    tag = uuid.uuid4().hex[:6]
    with Session(loaded_engine) as session:
        location = session.exec(
            select(models.Location).where(models.Location.active == True).order_by(models.Location.id)  # noqa: E712
        ).first()
        email = f"sluiting-{tag}@example.org"
        user = create_user(session, email=email, password=PASSWORD, role="partner",
                           organization_ids=[location.organization_id])
        info = {"email": email, "user_id": user.id, "location_id": location.id, "name": f"Browsertest sluiting {tag}",
                "where": f"{location.latitude}, {location.longitude}"}
    yield info
    with Session(loaded_engine) as session:
        ids = session.exec(select(models.Service.id).where(models.Service.name == info["name"])).all()
        for table in (models.ServiceNeed, models.ServiceAtLocation, models.Schedule, models.Closure):
            session.exec(delete(table).where(table.service_id.in_(ids)))
        session.exec(delete(models.ChangeRecord).where(models.ChangeRecord.resource_id.in_(ids)))
        session.exec(delete(models.Service).where(models.Service.id.in_(ids)))
        session.commit()


def test_a_closure_for_the_coming_week_shows_the_service_as_closed_in_the_coach_search(app_state, partner):
    from app.server.main import create_app

    # A one-week horizon: a closure covering the coming week closes every window in it.
    week = app_state.derive(settings=app_state.settings.model_copy(update={"opening_horizon_days": 7}))
    today = today_in_brussels()
    last = today + timedelta(days=6)
    expected = f"Gesloten van {today.day}/{today.month} tot {last.day}/{last.month} (teamweek)"
    with live_server(create_app(state=week)) as base, chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        sign_in(page, base, partner["email"], PASSWORD, landing="/partner")

        page.goto(f"{base}/partner/nieuwe-dienst")
        page.fill("#name", partner["name"])
        page.check(f"input[name=location_ids][value='{partner['location_id']}']")
        page.click("button.primary")
        page.wait_for_url(f"{base}/partner/diensten/*")
        assert page.locator(f"input[name=location_ids][value='{partner['location_id']}']").is_checked()

        page.click("details:has(input[name=needs][value=housing]) > summary")
        page.check("input[name=needs][value=housing]")
        for day in range(1, 6):
            page.fill(f"input[name=uren-{day}-0-van]", "09:00")
            page.fill(f"input[name=uren-{day}-0-tot]", "12:00")
        page.fill("input[name=sluiting-0-van]", today.isoformat())
        page.fill("input[name=sluiting-0-tot]", last.isoformat())
        page.fill("input[name=sluiting-0-reden]", "teamweek")
        page.click("button.primary")
        page.wait_for_selector("text=Je wijzigingen zijn bewaard.")
        assert "Sluitingsdagen" in page.locator("table.history").inner_text()

        coach = browser.new_page(viewport={"width": 1280, "height": 900})
        days = "&".join(f"beschikbaar={day}-vm" for day in range(1, 6))
        url = f"{base}/zoeken?woonplaats={partner['where']}&noden=housing&vervoer=walk&{days}"
        for _attempt in range(20):  # the catalogue refreshes in the background right after an edit
            coach.goto(url)
            excluded = coach.locator(f".why-not li:has-text('{partner['name']}')")
            if excluded.count():
                break
            coach.wait_for_timeout(250)
        coach.click(".why-not summary")
        text = excluded.inner_text()
        assert expected in text
        assert not coach.locator(f"li.result:has-text('{partner['name']}')").count()
        coach.screenshot(path=str(screenshot_path("closure-coach-search.png")), full_page=True)
