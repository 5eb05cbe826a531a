"""The widget embedded on a page from another origin, in real headless Chromium."""

from __future__ import annotations

import re

import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from tests.browser import chromium_browser, live_server, screenshot_path

pytestmark = pytest.mark.browser

AGGRESSIVE_CSS = """
<style>
  * { font-family: 'Comic Sans MS', cursive !important; color: #f0f !important; background: #ff0 !important; }
  button { display: none !important; }
  input { border: 5px dashed red !important; }
  h2, h3 { font-size: 60px !important; }
</style>
"""


def host_app(widget_origin: str) -> Starlette:
    """A partner's website on another port: one page per embed variant."""

    def script_page(_request):
        return HTMLResponse(
            f"<!doctype html><html><head><title>Gemeente</title>{AGGRESSIVE_CSS}</head><body>"
            f"<h1>Gemeente Turnhout</h1><p>Hulp nodig?</p>"
            f'<script src="{widget_origin}/widget.js" data-partnership="turnhout" data-needs="housing,income-debt" async></script>'
            "</body></html>"
        )

    def iframe_page(_request):
        return HTMLResponse(
            f"<!doctype html><html><head><title>Partner</title>{AGGRESSIVE_CSS}</head><body>"
            f'<iframe id="sk" title="Sociale kaart" src="{widget_origin}/embed?partnership=westhoek&lang=nl" '
            'style="width:100%;height:900px;border:0"></iframe></body></html>'
        )

    def french_page(_request):
        return HTMLResponse(
            f'<!doctype html><html lang="fr-BE"><head><title>Commune</title></head><body>'
            f"<h1>Commune de Comines-Warneton</h1>"
            f'<script src="{widget_origin}/widget.js" data-partnership="turnhout" data-needs="housing,income-debt" async></script>'
            "</body></html>"
        )

    return Starlette(routes=[Route("/script", script_page), Route("/iframe", iframe_page), Route("/fr", french_page)])


@pytest.fixture(scope="module")
def origins(app_state):
    from app.server.main import create_app

    with live_server(create_app(state=app_state)) as widget_origin:
        with live_server(host_app(widget_origin)) as host_origin:
            yield widget_origin, host_origin


@pytest.fixture(scope="module")
def browser():
    with chromium_browser() as browser:
        yield browser


def _search_in(root, place: str) -> None:
    root.locator("input[type=text]").nth(1).fill(place)
    root.get_by_role("button").click()


@pytest.mark.parametrize("width", [375, 1280])
def test_script_variant_on_another_origin_searches_and_keeps_its_look(origins, browser, width, app_state):
    widget_origin, host_origin = origins
    assert widget_origin.rsplit(":", 1)[1] != host_origin.rsplit(":", 1)[1]
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{host_origin}/script")
    widget = page.locator("sociale-kaart-zoeker")
    widget.locator("input[type=checkbox]").first.wait_for(timeout=10000)
    # preset needs are checked
    assert widget.locator("input[value=housing]").is_checked()
    # the host's aggressive CSS does not reach into the widget
    button = widget.get_by_role("button")
    assert button.is_visible()
    styles = button.evaluate("b => { const s = getComputedStyle(b); return [s.fontFamily, s.backgroundColor, s.color]; }")
    assert "Comic" not in styles[0]
    assert styles[1] == "rgb(11, 110, 79)" and styles[2] == "rgb(255, 255, 255)"
    _search_in(widget, "Tielen")
    widget.locator("li.r").first.wait_for(timeout=15000)
    assert widget.locator("li.r").count() >= 1
    assert "gevonden" in widget.locator("[role=status]").inner_text()
    # the travel times credit their data (OpenStreetMap: ODbL)
    assert widget.locator("li.credits").inner_text().startswith("© OpenStreetMap-bijdragers (ODbL)")
    # public transport (the preset profile) is answered on the 2019 NMBS timetable: said so
    if app_state.reach.transit_router is not None:
        assert "niet van vandaag" in widget.locator("li.timetable").inner_text()
    # and the widget's CSS does not leak out: the host heading keeps the host style
    heading_font = page.locator("h1").evaluate("h => getComputedStyle(h).fontFamily")
    assert "Comic" in heading_font
    page.screenshot(path=str(screenshot_path(f"widget-script-{width}.png")), full_page=True)


def test_iframe_variant_searches_with_keyboard_only(origins, browser):
    _widget_origin, host_origin = origins
    page = browser.new_page(viewport={"width": 375, "height": 900})
    page.goto(f"{host_origin}/iframe")
    frame = page.frame_locator("#sk")
    widget = frame.locator("sociale-kaart-zoeker")
    widget.locator("input[type=checkbox]").first.wait_for(timeout=10000)
    widget.locator("input[type=checkbox]").first.check()
    widget.locator("input[type=text]").nth(1).fill("Ieper")
    widget.locator("input[type=text]").nth(1).press("Enter")
    widget.locator("li.r, [role=status].err").first.wait_for(timeout=15000)
    assert widget.locator("[aria-live=polite]").count() == 1
    assert widget.locator("li.r").count() >= 1
    page.screenshot(path=str(screenshot_path("widget-iframe-375.png")), full_page=True)


def test_on_a_french_page_the_reasons_are_french(origins, browser):
    _widget_origin, host_origin = origins
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{host_origin}/fr")
    widget = page.locator("sociale-kaart-zoeker")
    widget.locator("input[type=checkbox]").first.wait_for(timeout=10000)
    _search_in(widget, "Tielen")
    widget.locator("li.r").first.wait_for(timeout=15000)
    reasons = widget.locator("ul.why")
    assert reasons.count() >= 1
    for index in range(reasons.count()):
        why = reasons.nth(index)
        # marked with the language the server used: French, like the page
        assert why.get_attribute("lang") == "fr"
        first = why.locator("li").first.inner_text()
        assert re.match(r"^(\d+ min (à pied|en bus ou en train)|Se déplace à domicile à )", first), first
        assert not any(word in why.inner_text() for word in ("te voet", "met bus of trein", "Komt aan huis", "wachtlijst"))
    page.screenshot(path=str(screenshot_path("widget-script-fr.png")), full_page=True)
