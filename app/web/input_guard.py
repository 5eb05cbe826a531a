"""One check at the edge for every text a request carries: path, query, form and JSON.

PostgreSQL refuses NUL in text and no field of this app can hold a control character
(tab, line feed and carriage return excepted) or a lone UTF-16 surrogate (which cannot be
encoded as UTF-8). Rather than each route meeting them as a 500 deep in the database
driver, this ASGI middleware answers 422 before any route runs: JSON with the code
``invalid_characters`` for the API, a Dutch page for pages.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl

from fastapi.responses import JSONResponse
from starlette.requests import Request

from app.http.errors import error_body
from app.web.errors import html_error, wants_html

#: C0 controls except tab, LF and CR; DEL; lone surrogates (a valid pair is decoded by json into one code point)
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
#: bodies are read into memory to be checked; larger JSON/form bodies are refused (no route takes one)
MAX_CHECKED_BODY = 5 * 1024 * 1024
INVALID_CHARACTERS_NL = ("Er staat een teken in je invoer dat hier niet kan (bijvoorbeeld een onzichtbaar "
                         "stuurteken). Verwijder het en probeer opnieuw.")


class InvalidText(ValueError):
    """A request part holds a character no field can store."""

    def __init__(self, where: str) -> None:
        self.where = where
        super().__init__(f"{where} holds a control character or a lone surrogate")


def _check_text(value: str, where: str) -> None:
    if FORBIDDEN.search(value):
        raise InvalidText(where)


def _check_json_value(value, where: str = "body") -> None:
    """Every key and string anywhere in a parsed JSON document."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            _check_text(item, where)
        elif isinstance(item, dict):
            for key, child in item.items():
                _check_text(key, where)
                stack.append(child)
        elif isinstance(item, list):
            stack.extend(item)


def check_query(query_string: bytes) -> None:
    # Starlette decodes %-escapes as UTF-8 with replacement, so invalid UTF-8 cannot reach a route.
    for key, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        _check_text(key, "query")
        _check_text(value, "query")


def check_body(content_type: str, body: bytes) -> None:
    if not body:
        return
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == "application/x-www-form-urlencoded":
        for key, value in parse_qsl(body.decode("latin-1"), keep_blank_values=True):
            _check_text(key, "form")
            _check_text(value, "form")
    elif media_type in ("", "application/json") or media_type.endswith("+json"):
        try:
            document = json.loads(body)
        except (ValueError, RecursionError):
            return  # malformed JSON: the route's own validation answers 422
        _check_json_value(document)


class InputGuard:
    """ASGI middleware: refuse requests whose path, query, form or JSON text holds a forbidden character."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            _check_text(scope["path"], "path")
            check_query(scope.get("query_string", b""))
        except InvalidText as exc:
            await self._refuse(scope, exc)(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        content_type = headers.get(b"content-type", b"").decode("latin-1")
        media_type = content_type.split(";", 1)[0].strip().lower()
        # FastAPI reads a body without a Content-Type as JSON, so such a body is checked as JSON too
        if not (media_type in ("", "application/x-www-form-urlencoded") or "json" in media_type):
            await self.app(scope, receive, send)
            return

        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > MAX_CHECKED_BODY:
                response = JSONResponse(status_code=413, content=error_body(
                    "body_too_large", "request body too large", message_nl="Dit is te veel gegevens in één keer."))
                await response(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        try:
            check_body(content_type, body)
        except InvalidText as exc:
            await self._refuse(scope, exc)(scope, receive, send)
            return

        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    def _refuse(scope, exc: InvalidText):
        request = Request(scope)
        if wants_html(request):
            return html_error(request, 422, INVALID_CHARACTERS_NL)
        return JSONResponse(status_code=422, content=error_body(
            "invalid_characters", str(exc), message_nl=INVALID_CHARACTERS_NL, detail={"where": exc.where}))
