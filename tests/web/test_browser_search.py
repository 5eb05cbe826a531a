"""The coach's search in real headless Chromium: fill in, see results and map, open the sheet."""

from __future__ import annotations

import pytest

from tests.browser import chromium_browser, live_server, screenshot_path

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base_url(app_state):
    from app.server.main import create_app

    with live_server(create_app(state=app_state)) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium_browser() as browser:
        yield browser


def test_coach_fills_in_the_form_and_sees_results_map_and_sheet(base_url, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{base_url}/zoeken")
    page.fill("#woonplaats", "8930 Menen")
    page.fill("#noden-filter", "fietsles")
    assert page.is_visible("text=Fietslessen")
    assert not page.is_visible("text=Schuldbemiddeling")
    page.check("input[name=noden][value='mobility/bike-lessons']")
    page.fill("#noden-filter", "")
    page.locator("summary", has_text="Wonen").click()
    page.check("input[name=noden][value='housing']")
    page.check("input[name=vervoer][value='cannot-cycle']")
    page.click("button[type=submit]")
    page.wait_for_selector("#resultaten .result", timeout=15000)
    assert page.url.endswith("/zoeken")  # htmx swapped the results in place
    assert page.locator("#resultaten .result").count() >= 1
    # the home marker, the reachable area and the municipality outlines are drawn
    page.wait_for_selector("#kaart path.leaflet-interactive", timeout=10000)
    page.wait_for_function("document.querySelectorAll('#kaart svg path').length > 5", timeout=10000)
    located = page.locator("#resultaten .result .org", has_text=",").count()
    assert page.locator("#kaart .leaflet-marker-icon").count() == located
    page.screenshot(path=str(screenshot_path("coach-search-results.png")), full_page=True)

    with page.expect_popup() as popup_info:
        page.locator("#resultaten .result a.sheet-link").first.click()
    sheet = popup_info.value
    sheet.wait_for_load_state()
    assert "Wat neem je mee?" in sheet.content()
    sheet.screenshot(path=str(screenshot_path("referral-sheet.png")), full_page=True)
    assert errors == []


def test_the_basic_search_works_without_javascript(base_url, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{base_url}/zoeken")
    page.fill("#woonplaats", "Ieper")
    page.locator("summary", has_text="Justitie").click()
    page.check("input[name=noden][value='justice']")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "woonplaats=Ieper" in page.url
    assert "bereikbaar vanuit" in page.content()
    context.close()
