"""In real Chromium: the widget speaks the embedding page's language, the Arabic sheet runs right to left,
the printed sheet keeps its contrast, and the search works with the keyboard alone."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from tests.browser import chromium_browser, live_server

pytestmark = pytest.mark.browser


def host_app(widget_origin: str) -> Starlette:
    """Partner websites in several languages, each embedding the script snippet without data-lang."""

    def page(request):
        html_lang, around = request.path_params["html_lang"], request.query_params.get("around", "")
        snippet = f'<script src="{widget_origin}/widget.js" data-partnership="turnhout" async></script>'
        if around:
            snippet = f'<section lang="{around}">{snippet}</section>'
        return HTMLResponse(f'<!doctype html><html lang="{html_lang}"><head><title>Site</title></head><body>'
                            f"<h1>Site</h1>{snippet}</body></html>")

    return Starlette(routes=[Route("/{html_lang}", page)])


def _widget_title(page) -> str:
    page.locator("sociale-kaart-zoeker >> h2").wait_for()
    return page.locator("sociale-kaart-zoeker >> h2").inner_text()


def test_the_widget_speaks_the_embedding_pages_language(app_state):
    from app.server.main import create_app

    with live_server(create_app(state=app_state)) as base, live_server(host_app(base)) as host, \
            chromium_browser() as browser:
        page = browser.new_page()
        for path, title in [("/fr-BE", "Où puis-je m'adresser ?"), ("/en", "Where can I go?"),
                            ("/nl-BE", "Waar kan ik terecht?"), ("/de", "Waar kan ik terecht?"),
                            ("/nl?around=fr", "Où puis-je m'adresser ?"), ("/fr?around=en", "Where can I go?")]:
            page.goto(host + path)
            assert _widget_title(page) == title, path
        # the iframe without lang=: the visitor's browser language (Accept-Language)
        for locale, title in [("fr-BE", "Où puis-je m'adresser ?"), ("en-GB", "Where can I go?"),
                              ("de-DE", "Waar kan ik terecht?")]:
            context = browser.new_context(locale=locale)
            framed = context.new_page()
            framed.goto(f"{base}/embed?partnership=turnhout")
            assert _widget_title(framed) == title, locale
            assert framed.locator("html").get_attribute("lang") == locale[:2] if locale[:2] in ("fr", "en") else "nl"
            context.close()


def test_the_arabic_sheet_runs_right_to_left_with_the_dutch_left_to_right(app_state):
    from app.server.main import create_app

    service = next(s for s in app_state.catalog().services if s.is_active and s.opening_hours)
    with live_server(create_app(state=app_state)) as base, chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 900, "height": 1200})
        page.goto(f"{base}/verwijsfiche/{service.id}?mode=bike&minuten=12&bron=routed&taal=ar")
        participant, dutch = page.locator(".sheet-participant"), page.locator(".sheet-dutch")
        assert participant.evaluate("e => getComputedStyle(e).direction") == "rtl"
        assert dutch.evaluate("e => getComputedStyle(e).direction") == "ltr"
        # the partner's Dutch address inside the Arabic part reads left to right ("8500 Kortrijk")
        assert participant.locator(".address").first.evaluate("e => getComputedStyle(e).direction") == "ltr"
        # right to left: the Arabic heading ends at the right edge, the Dutch one starts at the left
        heading, dutch_heading = participant.locator("h2").first, dutch.locator("h2").first
        assert heading.evaluate("e => getComputedStyle(e).textAlign") in ("start", "right")
        box = heading.evaluate("e => { const r = document.createRange(); r.selectNodeContents(e); "
                               "const t = r.getBoundingClientRect(), b = e.getBoundingClientRect(); "
                               "return [t.left - b.left, b.right - t.right]; }")
        assert box[1] < 2 < box[0]
        dutch_box = dutch_heading.evaluate("e => { const r = document.createRange(); r.selectNodeContents(e); "
                                           "const t = r.getBoundingClientRect(), b = e.getBoundingClientRect(); "
                                           "return [t.left - b.left, b.right - t.right]; }")
        assert dutch_box[0] < 2 < dutch_box[1]
        # printed: the Dutch part starts on its own page, the print button is not printed
        page.emulate_media(media="print")
        assert dutch.evaluate("e => getComputedStyle(e).breakBefore") == "page"
        assert page.locator("#afdrukken").is_hidden()


def test_the_printed_sheet_passes_axe_in_black_and_white_print(app_state):
    from axe_playwright_python.sync_playwright import Axe

    from app.server.main import create_app

    service = next(s for s in app_state.catalog().services if s.is_active and s.opening_hours)
    found = {}
    with live_server(create_app(state=app_state)) as base, chromium_browser() as browser:
        page = browser.new_page()
        page.emulate_media(media="print")
        for language in ("nl", "fr", "ar"):
            page.goto(f"{base}/verwijsfiche/{service.id}?mode=transit&minuten=40&geschat=true&taal={language}")
            assert page.locator("html").get_attribute("lang") == language  # the sheet in that language is scanned
            violations = Axe().run(page).response["violations"]
            found |= {f"{language} {v['id']}": v["nodes"][0]["html"][:100] for v in violations}
            # black on white: every text on the sheet is printed in black
            colours = set(page.evaluate("() => Array.from(document.querySelectorAll('main *')).map("
                                        "e => getComputedStyle(e).color)"))
            assert colours == {"rgb(0, 0, 0)"}, (language, colours)
    assert not found


def test_the_search_works_with_the_keyboard_alone_and_focus_is_visible(app_state):
    from app.server.main import create_app

    with live_server(create_app(state=app_state)) as base, chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{base}/zoeken")

        def tab_to(selector: str, limit: int = 40) -> None:
            for _ in range(limit):
                page.keyboard.press("Tab")
                if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
                    return
            raise AssertionError(f"Tab never reached {selector}")

        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.className") == "skip"
        tab_to("#woonplaats")
        outline = page.evaluate("() => { const s = getComputedStyle(document.activeElement); "
                                "return [s.outlineStyle, parseFloat(s.outlineWidth)]; }")
        assert outline[0] != "none" and outline[1] >= 2
        page.keyboard.type("8500")
        tab_to("summary")  # the first need group ("Wonen"): open it with Enter, tick it with Space
        page.keyboard.press("Enter")
        tab_to("input[name=noden][value=housing]")
        page.keyboard.press("Space")
        tab_to("#zoekformulier button[type=submit]")
        page.keyboard.press("Enter")
        page.locator("#resultaten .sheet-link").first.wait_for()
        # the markers are not tab stops (the list is the map's equivalent): from the map to the list
        # it is the map and its zoom buttons, not 25 markers
        assert page.locator(".leaflet-marker-icon").count() > 0
        assert page.locator(".leaflet-marker-icon[tabindex='0']").count() == 0
        tab_to("#kaart")
        tab_to(".sheet-link", limit=6)
        assert page.evaluate("() => document.activeElement.closest('#resultaten li') !== null")
