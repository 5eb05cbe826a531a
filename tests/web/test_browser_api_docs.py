"""/docs and /redoc in real Chromium, under the app's own CSP, with every request to the app alone."""

from __future__ import annotations

import pytest

from app.server.main import create_app
from tests.browser import chromium_browser, live_server

pytestmark = pytest.mark.browser

OPERATIONS = ["/api/v1/search", "/api/v1/public/search", "/api/hsds/services"]


@pytest.mark.parametrize("path, operation_selector", [("/docs", ".opblock-summary-path"),
                                                      ("/redoc", "[data-section-id^='tag/']")])
def test_api_documentation_lists_the_operations_offline(app_state, path, operation_selector):
    with live_server(create_app(state=app_state)) as base, chromium_browser() as browser:
        page = browser.new_page()
        problems: list[str] = []
        page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        page.on("response", lambda reply: problems.append(f"{reply.status} {reply.url}") if reply.status >= 400 else None)
        foreign: list[str] = []
        page.on("request", lambda request: foreign.append(request.url)
                if not request.url.startswith((base, "data:", "blob:")) else None)
        response = page.goto(f"{base}{path}")
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_selector(operation_selector, timeout=30_000)
        text = page.inner_text("body")
        for operation in OPERATIONS:
            assert operation in text, (path, operation)
        assert not foreign, foreign
        assert not problems, problems
