"""Request dependencies, named once, for the API and the pages alike.

The application state (with its settings) and database session of a request; who is asking
(:class:`Viewer`, from the session cookie) and the CSRF check of a write; the client's address.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from app.core import models
from app.core.auth import AuthError, PermissionDenied, csrf_matches, load_session
from app.http.client_address import client_address, parse_trusted_proxies
from app.domain.errors import DomainError
from app.server.app_state import AppState


def get_state(request: Request) -> AppState:
    return request.app.state.sk


StateDep = Annotated[AppState, Depends(get_state)]


def get_db(state: StateDep) -> Iterator[Session]:
    with Session(state.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_db)]


SESSION_COOKIE = "sk_session"


class CsrfRejected(DomainError):
    code = "csrf_rejected"
    status_code = 403
    message_nl = "Dit formulier is verlopen of ongeldig. Laad de pagina opnieuw en probeer nog eens."


class Viewer:
    """The signed-in user (or nobody) for this request."""

    def __init__(self, user: models.User | None, session_row: models.UserSession | None) -> None:
        self.user = user
        self.session_row = session_row

    @property
    def csrf_token(self) -> str:
        return self.session_row.csrf_token if self.session_row else ""

    @property
    def sees_internal_lines(self) -> bool:
        """Coaches and coordinators see coach-only contact lines and notes; partners and visitors do not."""
        return self.user is not None and self.user.role in {models.Role.COACH.value, models.Role.COORDINATOR.value}

    def require(self, *roles: models.Role) -> models.User:
        if self.user is None:
            raise AuthError("sign in first")
        if roles and self.user.role not in {role.value for role in roles}:
            raise PermissionDenied(f"role {self.user.role} may not do this")
        return self.user


def get_viewer(request: Request, session: SessionDep) -> Viewer:
    loaded = load_session(session, request.cookies.get(SESSION_COOKIE))
    return Viewer(*loaded) if loaded else Viewer(None, None)


ViewerDep = Annotated[Viewer, Depends(get_viewer)]


def check_csrf(viewer: Viewer, token: str | None) -> None:
    if not csrf_matches(viewer.csrf_token, token):
        raise CsrfRejected("missing or wrong CSRF token")


def client_of(request: Request) -> str:
    """The client's address (``X-Forwarded-For`` only from ``SK_TRUSTED_PROXIES``)."""
    trusted = parse_trusted_proxies(request.app.state.sk.settings.trusted_proxies)
    return client_address(request.client.host if request.client else None,
                          request.headers.getlist("x-forwarded-for"), trusted)
