"""The pages' cookies: the session cookie and the login form's double-submit token.

Who is asking (``ViewerDep``), the CSRF check and the role requirements are request
dependencies shared with the API: :mod:`app.http.deps`.
"""

from __future__ import annotations

import secrets

from fastapi import Request, Response

from app.http.deps import SESSION_COOKIE

LOGIN_CSRF_COOKIE = "sk_login_csrf"


def set_session_cookie(response: Response, request: Request, token: str, *, secure_setting: bool) -> None:
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="lax", path="/",
        secure=secure_setting or request.url.scheme == "https", max_age=12 * 3600,
    )


def new_login_csrf(request: Request) -> str:
    """Double-submit token for the login form (there is no session yet)."""
    return request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)


def set_login_csrf_cookie(response: Response, token: str, *, path: str = "/aanmelden") -> None:
    """The double-submit cookie of a form shown before anyone is signed in (login, invite)."""
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path=path)
