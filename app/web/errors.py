"""The error handlers: any error to a JSON body (API) or a Dutch error page (pages).

The status of an error comes from one rule, :func:`app.domain.errors.status_for`; the JSON
body's shape is :mod:`app.http.errors`.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy.exc import OperationalError, ProgrammingError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.domain.errors import LIBRARY_ERROR_STATUS, DomainError, status_for
from app.http.errors import DATABASE_UNAVAILABLE_NL, error_body
from app.server.readiness import is_missing_schema
from app.web.templating import templates
from geo.errors import AmbiguousLocation

logger = logging.getLogger(__name__)


def _validation_message(errors: list[dict]) -> str:
    parts = []
    for error in errors[:5]:
        location = ".".join(str(part) for part in error.get("loc", ()) if part not in ("body", "query"))
        parts.append(f"{location}: {error.get('msg', 'invalid')}" if location else error.get("msg", "invalid"))
    return "; ".join(parts) or "invalid request"


def _jsonable_errors(errors) -> list[dict]:
    cleaned = []
    for error in errors:
        item = {key: error[key] for key in ("type", "loc", "msg") if key in error}
        cleaned.append(item)
    return cleaned


def wants_html(request: Request) -> bool:
    """Pages get Dutch HTML errors; the API (and anything asking for JSON) gets JSON."""
    if request.url.path.startswith(("/api/", "/healthz", "/widget.js", "/static/")):
        return False
    return "text/html" in request.headers.get("accept", "")


def html_error(request: Request, status: int, message_nl: str):
    return templates.TemplateResponse(
        request, "error.html", {"request": request, "status": status, "message": message_nl, "attribution": [],
                                "demo": False},
        status_code=status,
    )


async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = list(exc.errors())
    return JSONResponse(
        status_code=422,
        content=error_body(
            "validation_error",
            _validation_message(errors),
            message_nl="Controleer wat je invulde: " + _validation_message(errors),
            detail=_jsonable_errors(errors),
        ),
    )


async def _domain(request: Request, exc: DomainError):
    retry_after = getattr(exc, "retry_after", None)
    if wants_html(request):
        if status_for(exc) == 401:
            return RedirectResponse("/aanmelden", status_code=303)
        return html_error(request, status_for(exc), exc.message_nl)
    return JSONResponse(
        status_code=status_for(exc),
        headers={"Retry-After": str(retry_after)} if retry_after else None,
        content=error_body(exc.code, str(exc) or exc.message_nl, message_nl=exc.message_nl,
                           detail=getattr(exc, "detail", None)),
    )


async def _mapped(_request: Request, exc: Exception) -> JSONResponse:
    """An error of ``geo`` or ``routing`` (``LIBRARY_ERROR_STATUS``): always JSON."""
    status = status_for(exc)
    detail = None
    if isinstance(exc, AmbiguousLocation):
        detail = {"candidates": [candidate.to_dict() for candidate in exc.candidates]}
    return JSONResponse(
        status_code=status,
        content=error_body(
            getattr(exc, "code", "bad_request"),
            str(exc),
            message_nl=getattr(exc, "message_nl", None),
            detail=detail,
        ),
    )


async def _schema_missing(request: Request, exc: ProgrammingError):
    if not is_missing_schema(exc):
        raise exc
    return await _database_unavailable(request, exc)


async def _database_unavailable(request: Request, exc: OperationalError | ProgrammingError):
    if is_missing_schema(exc):
        # Created but not (fully) migrated, e.g. half-restored: not ready, like a refused connection.
        logger.error("database schema incomplete: %s", type(exc.orig).__name__ if exc.orig else exc)
        code, message = "schema_not_ready", "the database schema is not at the expected migration; try again later"
    else:
        logger.error("database unavailable: %s", type(exc.orig).__name__ if exc.orig else exc)
        code, message = "database_unavailable", "the database is temporarily unavailable; try again in a few seconds"
    if wants_html(request):
        page = html_error(request, 503, DATABASE_UNAVAILABLE_NL)
        page.headers["Retry-After"] = "5"
        return page
    return JSONResponse(
        status_code=503,
        headers={"Retry-After": "5"},
        content=error_body(code, message, message_nl=DATABASE_UNAVAILABLE_NL),
    )


async def _http(request: Request, exc: StarletteHTTPException):
    code = {404: "not_found", 405: "method_not_allowed", 429: "rate_limited"}.get(exc.status_code, "http_error")
    if wants_html(request):
        message = {404: "Deze pagina bestaat niet.", 405: "Dat kan hier niet."}.get(exc.status_code, "Er ging iets mis.")
        return html_error(request, exc.status_code, message)
    return JSONResponse(
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
        content=error_body(code, str(exc.detail)),
    )


def install_error_handlers(app: FastAPI) -> None:
    """One handler per kind of error, registered in the order the app always had them."""
    handlers = [(RequestValidationError, _validation), (DomainError, _domain)]
    handlers += [(exception_class, _mapped) for exception_class in LIBRARY_ERROR_STATUS]
    handlers += [(ProgrammingError, _schema_missing), (OperationalError, _database_unavailable),
                 (StarletteHTTPException, _http)]
    for exception_class, handler in handlers:
        app.add_exception_handler(exception_class, handler)
