"""The domain's errors and the one rule that gives any error its HTTP status.

Pure: no FastAPI, no Starlette, no templates. Each :class:`DomainError` carries a stable
``code`` (for the API's JSON), an English ``str()`` (for logs and developers), a plain-Dutch
``message_nl`` (for the people using the UI) and its ``status_code``. Errors of the pure
libraries below (``geo``, ``routing``, the taxonomy) cannot know about HTTP; their status is
declared here, once. The web layer (``app/web/errors.py``) turns both into responses through
:func:`status_for`.
"""

from __future__ import annotations

from app.domain.taxonomy import UnknownNeedError
from geo.errors import GeoError
from routing.errors import RoutingError


class DomainError(ValueError):
    """Base for errors raised by the domain layer."""

    code = "domain_error"
    status_code = 400
    message_nl = "Er ging iets mis met deze vraag."


class NotFoundError(DomainError):
    code = "not_found"
    status_code = 404
    message_nl = "Niet gevonden."


#: errors of the pure libraries (which know nothing of HTTP) -> HTTP status; every one is bad input
LIBRARY_ERROR_STATUS: dict[type[Exception], int] = {
    UnknownNeedError: 422,
    GeoError: 422,
    RoutingError: 422,
}


def status_for(exc: Exception, default: int = 400) -> int:
    """The HTTP status of an error: its own ``status_code`` for a domain error, else the table."""
    if isinstance(exc, DomainError):
        return exc.status_code
    return next((status for cls, status in LIBRARY_ERROR_STATUS.items() if isinstance(exc, cls)), default)
