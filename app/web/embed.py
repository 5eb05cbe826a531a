"""The embeddable search: ``/widget.js``, the iframe page ``/embed`` and its configurator."""

from __future__ import annotations

import hashlib
from functools import cache
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.core import i18n
from app.core.config import PROJECT_ROOT
from app.http.deps import StateDep
from app.web.templating import templates
from app.web.widget_strings import widget_script
from geo.regions import PARTNERSHIPS

router = APIRouter(include_in_schema=False)

WIDGET_PATH = PROJECT_ROOT / "static" / "widget" / "widget.js"


@cache
def _widget() -> tuple[bytes, str]:
    """widget.js with its words written in, and its ETag: read and hashed once per process."""
    body = widget_script(WIDGET_PATH.read_bytes())
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


@router.get("/widget.js")
def widget_js(request: Request) -> Response:
    body, etag = _widget()
    headers = {"ETag": etag, "Cache-Control": "public, max-age=3600"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/javascript; charset=utf-8", headers=headers)


Partnership = Annotated[str, Query(max_length=40, pattern=r"^[a-z-]*$")]
NeedsParam = Annotated[str, Query(max_length=300, pattern=r"^[a-z0-9,/-]*$")]
Color = Annotated[str, Query(max_length=9, pattern=r"^(#[0-9a-fA-F]{3,8})?$")]


@router.get("/embed", response_class=HTMLResponse)
def embed_page(
    request: Request,
    state: StateDep,
    partnership: Partnership = "",
    needs: NeedsParam = "",
    lang: Annotated[str | None, Query(pattern="^(nl|fr|en)$")] = None,
    limit: Annotated[int, Query(ge=1, le=25)] = 5,
    color: Color = "",
):
    if partnership and partnership not in PARTNERSHIPS:
        partnership = ""
    # the iframe's snippet names the page's language; without it, the visitor's browser decides
    lang = lang or i18n.language_from_accept(request.headers.get("accept-language"))
    with i18n.language_in_use(lang):
        response = templates.TemplateResponse(
            request,
            "embed.html",
            {"partnership": partnership, "needs": needs, "lang": lang, "limit": limit, "color": color},
        )
    response.headers["Vary"] = "Accept-Language"
    return response


@router.get("/embed/configurator", response_class=HTMLResponse)
def embed_configurator(request: Request, state: StateDep):
    return templates.TemplateResponse(
        request,
        "embed_configurator.html",
        {
            "attribution": state.attribution,
            "demo": state.catalog().demo,
            "partnerships": PARTNERSHIPS,
            "base_url": state.settings.public_base_url.rstrip("/"),
        },
    )
