"""The coordinator's gap map in real Chromium: population hexagons under the municipality
outlines, the services of the need, a click on a hexagon, sortable tables."""

from __future__ import annotations

import dataclasses
import uuid

import pytest
from sqlmodel import Session

from app.core.auth import create_user
from app.domain.gap_jobs import GapJobs
from tests.browser import chromium_browser, live_server, screenshot_path, sign_in

pytestmark = pytest.mark.browser
PASSWORD = "een-lang-wachtwoord"


@pytest.fixture(scope="module")
def computed_state(app_state, tmp_path_factory):
    from app.domain.gap_runs import start_gap_analysis

    state = dataclasses.replace(app_state, _gap_jobs=GapJobs(tmp_path_factory.mktemp("gaps-browser")))
    start_gap_analysis(state)
    assert state.gap_jobs.wait(300)
    return state


@pytest.fixture(scope="module")
def coordinator(loaded_engine) -> str:
    email = f"coord-map-{uuid.uuid4().hex[:6]}@example.org"
    with Session(loaded_engine) as session:
        create_user(session, email=email, password=PASSWORD, role="coordinator")
    return email


def test_the_hexagon_map_colours_people_under_the_outlines_and_the_tables_sort(computed_state, coordinator):
    from app.server.main import create_app

    with live_server(create_app(state=computed_state)) as base, chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        sign_in(page, base, coordinator, PASSWORD)
        page.goto(f"{base}/coordinator/hiaten?need=language&profile=walk&compare=bike")
        page.wait_for_selector("#hiatenkaart[data-ready]")
        hexagons = page.locator("#hiatenkaart path.hexagon")
        assert hexagons.count() > 2000
        outlines = page.locator("#hiatenkaart path.municipality-outline")
        assert outlines.count() == 44
        assert page.locator("#hiatenkaart path.service-point").count() > 0
        fills = set(hexagons.evaluate_all("paths => paths.slice(0, 400).map(p => p.getAttribute('fill'))"))
        assert len(fills) > 1  # not one colour everywhere
        # the outlines are drawn on top of the hexagons and let clicks through to them
        order = page.evaluate("""() => {
            const all = Array.from(document.querySelectorAll('#hiatenkaart path'));
            return [all.findIndex(p => p.classList.contains('hexagon')),
                    all.findIndex(p => p.classList.contains('municipality-outline'))];
        }""")
        assert order[0] < order[1]
        assert "schatting" in page.locator("#reistijden").inner_text()
        assert "Bronnen reistijden: © OpenStreetMap-bijdragers (ODbL)" in page.locator("main").inner_text()

        column = page.locator("#hiatentabel th button", has_text="Inwoners")
        column.click()
        populations = [int(cell) for cell in page.locator("#hiatentabel tbody tr td:nth-child(2)").evaluate_all(
            "cells => cells.map(c => c.dataset.value)")]
        assert populations == sorted(populations, reverse=True) and len(populations) == 44
        assert page.locator("#deelgemeententabel tbody tr").count() > 44
        page.screenshot(path=str(screenshot_path("gaps-map.png")), full_page=True)
        assert errors == []


def test_a_click_on_a_hexagon_tells_its_people_minutes_and_nearest_service(computed_state, coordinator):
    from app.server.main import create_app

    result = computed_state.gap_jobs.latest()
    records = result.hexagons(need="housing", profile="bike")
    # a hexagon whose nearest service lies beyond the hexagon (so no service marker covers its middle)
    reachable = max((r for r in records if r["minutes_to_nearest"] is not None and r["minutes_to_nearest"] >= 5),
                    key=lambda r: r["population"])
    names = {service.id: service.name for service in computed_state.catalog().services}
    with live_server(create_app(state=computed_state)) as base, chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        sign_in(page, base, coordinator, PASSWORD)
        page.goto(f"{base}/coordinator/hiaten?need=housing&profile=bike&compare=walk")
        page.wait_for_selector("#hiatenkaart[data-ready]")
        import h3

        lat, lon = h3.cell_to_latlng(reachable["h3"])
        page.locator("#hiatenkaart").scroll_into_view_if_needed()
        point = page.evaluate("""([lat, lon]) => {
            const map = document.getElementById('hiatenkaart')._leaflet_map;
            map.setView([lat, lon], 14, {animate: false});
            const p = map.latLngToContainerPoint([lat, lon]);
            return [p.x, p.y];
        }""", [lat, lon])
        # click the middle of that hexagon where the map draws it
        box = page.locator("#hiatenkaart").bounding_box()
        page.mouse.click(box["x"] + point[0], box["y"] + point[1])
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        text = popup.inner_text()
        assert f"{reachable['population']:,}".replace(",", ".") in text.replace("\u202f", ".").replace(" ", ".")
        assert names[reachable["nearest_service_id"]] in text
        minutes = f"{reachable['minutes_to_nearest']:.1f}".replace(".", ",").removesuffix(",0")
        assert f"{minutes} min" in text
        page.screenshot(path=str(screenshot_path("gaps-hexagon-click.png")))
