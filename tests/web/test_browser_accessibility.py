"""Every page, in every role and every shipped language, scanned with axe-core in real Chromium.

axe-core comes bundled with ``axe-playwright-python`` (no download). A new violation of any
rule axe checks by default (WCAG 2.0/2.1 A and AA and best practices) fails the suite. One
browser, one context per role, pages visited one after the other.
"""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import Session, select

from app.core import models
from app.core.auth import create_user
from app.core.i18n import SHEET_LANGUAGES, WIDGET_LANGUAGES
from tests.browser import chromium_browser, live_server, sign_in

pytestmark = pytest.mark.browser
PASSWORD = "een-lang-wachtwoord"


@pytest.fixture(scope="module")
def world(loaded_engine):
    """A coach, a partner of an organisation with an active located service, a coordinator."""
    tag = uuid.uuid4().hex[:6]
    with Session(loaded_engine) as session:
        link, service = session.exec(
            select(models.ServiceAtLocation, models.Service)
            .where(models.ServiceAtLocation.service_id == models.Service.id)
            .where(models.Service.status == "active", models.Service.published)
            .order_by(models.Service.name)
        ).first()
        emails = {role: f"axe-{role}-{tag}@example.org" for role in ("coach", "partner", "coordinator")}
        create_user(session, email=emails["coach"], password=PASSWORD, role="coach")
        create_user(session, email=emails["partner"], password=PASSWORD, role="partner",
                    organization_ids=[service.organization_id])
        create_user(session, email=emails["coordinator"], password=PASSWORD, role="coordinator")
        return {"emails": emails, "service": service.id, "location": link.location_id}


@pytest.fixture(scope="module")
def journey_sheets(app_state) -> list[str]:
    """Sheets with train legs (NMBS, autumn 2019): a service near a station, from 300 m beside
    Gent-Sint-Pieters, leaving at 08:00 on a Tuesday of the feed; in Dutch and in Arabic."""
    router = app_state.reach.transit_router
    if router is None:
        return []
    catalog = app_state.catalog()
    for service in catalog.services:
        if service.is_active and service.location_indices:
            location = catalog.locations[service.location_indices[0]]
            if len(router.stop_index.within((location.longitude, location.latitude), 600)[0]):
                break
    else:
        return []
    gent = router.timetable.stop_lon_lat[list(router.timetable.stop_ids).index("f0:8892007")]
    sheet = (f"/verwijsfiche/{service.id}?mode=transit&minuten=60&bron=timetabled&dienstdag=2019-10-15"
             f"&vertrek=08:00&van={gent[1] + 0.0027:.4f},{gent[0]:.4f}")
    return [f"{sheet}&taal={code}" for code in ("nl", "ar")]


SEARCH = "/zoeken?woonplaats=8500&noden=housing&noden=work&vervoer=bike&talen=fr&beschikbaar=1-vm"


#: (a part of the path, what to wait for before scanning, how long at most in ms)
READY = (("/zoeken?", ".leaflet-marker-icon", 30_000),
         # the gap map waits for the gap analysis itself, which in a fresh data folder runs here first
         # (about 35 s on the real networks and timetable, longer on a busy machine)
         ("/coordinator/hiaten", "#hiatenkaart path.leaflet-interactive", 180_000),
         ("/embed?", "sociale-kaart-zoeker >> form", 30_000),
         ("/embed/configurator", "#cfg-preview sociale-kaart-zoeker >> form", 30_000))


def pages_for(role: str, world: dict, journey_sheets: list[str]) -> list[str]:
    service, location = world["service"], world["location"]
    common = ["/", "/over", "/zoeken", SEARCH, "/embed/configurator"]
    if role == "anonymous":
        sheet = f"/verwijsfiche/{service}?mode=bike&minuten=12&bron=routed"
        return [*common, "/aanmelden", "/uitnodiging/onbekend-token", "/verwijsfiche/onbekend",
                *(f"{sheet}&taal={code}" for code in SHEET_LANGUAGES),
                f"/verwijsfiche/{service}?mode=transit&minuten=40&geschat=true&taal=ar", *journey_sheets,
                *(f"/embed?lang={code}" for code in WIDGET_LANGUAGES)]
    if role == "partner":
        return [*common, "/partner", f"/partner/diensten/{service}", "/partner/nieuwe-dienst", "/partner/locaties",
                "/partner/locaties/nieuw", f"/partner/locaties/{location}"]
    if role == "coordinator":
        return [*common, "/coordinator", "/coordinator/organisaties/nieuw", "/coordinator/hiaten?need=housing"]
    return common


def test_every_page_passes_the_axe_scan_in_every_role_and_language(app_state, world, journey_sheets):
    from axe_playwright_python.sync_playwright import Axe

    from app.server.main import create_app

    axe = Axe()
    found: dict[str, list[str]] = {}
    with live_server(create_app(state=app_state)) as base, chromium_browser() as browser:
        for role in ("anonymous", "coach", "partner", "coordinator"):
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            if role != "anonymous":
                sign_in(page, base, world["emails"][role], PASSWORD)
            for path in pages_for(role, world, journey_sheets):
                response = page.goto(base + path)
                assert response.status < 500 if "onbekend" in path else response.status == 200, path
                if path in journey_sheets:  # the legs themselves are scanned
                    assert page.locator("ol.journey li").count() >= 3, path
                for part, drawn, timeout in READY:  # what the page's scripts draw, scanned too
                    if part in path:
                        page.locator(drawn).first.wait_for(timeout=timeout)
                violations = axe.run(page).response["violations"]
                for violation in violations:
                    targets = [f'{" ".join(map(str, node["target"]))} {node["html"][:100]}'
                               for node in violation["nodes"][:3]]
                    found.setdefault(f"{role} {path}", []).append(
                        f"{violation['id']} ({violation['impact']}): {targets}")
            if role == "anonymous":  # the widget's answer too, drawn by its script, in each of its languages
                for code in WIDGET_LANGUAGES:
                    page.goto(f"{base}/embed?lang={code}&needs=housing")
                    page.locator("sociale-kaart-zoeker input[id$='-place']").fill("8500")
                    page.locator("sociale-kaart-zoeker button[type=submit]").click()
                    page.locator("sociale-kaart-zoeker li.r").first.wait_for()
                    for violation in axe.run(page).response["violations"]:
                        found.setdefault(f"{role} /embed?lang={code} answered", []).append(violation["id"])
            context.close()
    assert not found, "axe-core violations:\n" + "\n".join(f"{page}: {items}" for page, items in found.items())
