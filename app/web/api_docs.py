"""``/docs`` (Swagger UI) and ``/redoc`` (ReDoc) from the app's own, pinned files.

FastAPI's defaults load both, and fonts, from CDNs with an inline script: the app's
Content-Security-Policy (``script-src 'self'``) blocks them and an offline deployment cannot
reach them. Here every asset is under ``static/vendor`` (see its README for versions and
licences) and the start-up code is ``static/js/api_docs.js``.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)

SWAGGER_UI = "/static/vendor/swagger-ui-5.35.0"
REDOC = "/static/vendor/redoc-2.5.1"
OPENAPI_URL = "/openapi.json"


def _page(title: str, head: str, body: str) -> HTMLResponse:
    return HTMLResponse(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{title}</title>\n{head}</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui() -> HTMLResponse:
    return _page(
        "Sociale kaart API - Swagger UI",
        f'<link rel="stylesheet" href="{SWAGGER_UI}/swagger-ui.css">\n'
        f'<link rel="icon" type="image/png" href="{SWAGGER_UI}/favicon-32x32.png">\n',
        f'<div id="swagger-ui" data-openapi="{OPENAPI_URL}"></div>\n'
        f'<script src="{SWAGGER_UI}/swagger-ui-bundle.js"></script>\n'
        '<script src="/static/js/api_docs.js"></script>',
    )


@router.get("/docs/oauth2-redirect", response_class=HTMLResponse)
def swagger_ui_oauth2_redirect() -> HTMLResponse:
    return _page("OAuth2 redirect", "", f'<script src="{SWAGGER_UI}/oauth2-redirect.js"></script>')


@router.get("/redoc", response_class=HTMLResponse)
def redoc() -> HTMLResponse:
    return _page(
        "Sociale kaart API - ReDoc", f'<link rel="icon" type="image/png" href="{SWAGGER_UI}/favicon-32x32.png">\n',
        f'<div id="redoc" data-openapi="{OPENAPI_URL}"></div>\n'
        f'<script src="{REDOC}/redoc.standalone.js"></script>\n'
        '<script src="/static/js/api_docs.js"></script>',
    )
