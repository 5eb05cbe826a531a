"""The JSON error body every API error has, and its documentation on every JSON router.

``{"code": ..., "message": ..., "message_nl": ..., "detail": ...}``: ``message`` is English for
developers, ``message_nl`` a plain-Dutch sentence the UI can show. The handlers that produce it
live in :mod:`app.web.errors`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorBody(BaseModel):
    """Every API error: a stable code, a message for developers, one in Dutch for people."""

    code: str
    message: str
    message_nl: str | None = None
    detail: Any = None


#: documented on every JSON router, so clients (and the fuzzer) know the error shape
ERROR_RESPONSES: dict[int | str, dict] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (400, "Bad request"), (401, "Sign in first"), (403, "Not allowed"), (404, "Not found"),
        (409, "Conflict"), (422, "Invalid input"), (429, "Too many requests"), (503, "Database unavailable"),
    )
}


DATABASE_UNAVAILABLE_NL = "De databank is even niet bereikbaar. Probeer het binnen enkele seconden opnieuw."


def error_body(code: str, message: str, *, message_nl: str | None = None, detail=None) -> dict:
    body: dict = {"code": code, "message": message}
    if message_nl:
        body["message_nl"] = message_nl
    if detail is not None:
        body["detail"] = detail
    return body
