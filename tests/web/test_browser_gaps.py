"""The coordinator's gap map in real Chromium: 44 coloured municipalities, tooltips, a sortable table."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import Session

from app.auth import create_user
from tests.browser import chromium_browser, live_server, screenshot_path, sign_in

pytestmark = pytest.mark.browser
PASSWORD = "een-lang-wachtwoord"


def test_the_choropleth_colours_every_municipality_and_the_table_sorts(app_state, loaded_engine):
    from app.main import create_app

    email = f"coord-map-{uuid.uuid4().hex[:6]}@example.org"
    with Session(loaded_engine) as session:
        create_user(session, email=email, password=PASSWORD, role="coordinator")
    with live_server(create_app(state=app_state)) as base, chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        sign_in(page, base, email, PASSWORD)
        page.goto(f"{base}/coordinator/hiaten?need=language&profile=walk&compare=bike")
        shapes = page.locator("#hiatenkaart path.leaflet-interactive")
        shapes.first.wait_for()
        assert shapes.count() == 44
        assert "Bronnen reistijden: © OpenStreetMap-bijdragers (ODbL)" in page.locator("main").inner_text()
        fills = {shapes.nth(i).get_attribute("fill") for i in range(shapes.count())}
        assert "#ccc" not in fills  # every municipality has a figure
        shapes.nth(0).hover()
        assert "binnen bereik" in page.locator(".leaflet-tooltip").inner_text()

        column = page.locator("#hiatentabel th button", has_text="Inwoners")
        column.click()
        populations = [int(cell) for cell in page.locator("#hiatentabel tbody tr td:nth-child(2)").evaluate_all(
            "cells => cells.map(c => c.dataset.value)")]
        assert populations == sorted(populations, reverse=True)
        page.screenshot(path=str(screenshot_path("gaps-map.png")), full_page=True)
        assert errors == []
