"""Signing in and out, and accepting an invitation (Dutch pages).

The session cookie and the double-submit token of the forms shown before anyone is signed in:
:mod:`app.web.session`; the sign-in limit: :mod:`app.domain.login_limits`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.core import models
from app.core.auth import (
    InvalidCredentials,
    InviteInvalid,
    TooManyAttempts,
    WeakPassword,
    accept_invite,
    authenticate,
    csrf_matches,
    end_session,
    start_session,
)
from app.domain.login_limits import LoginPolicy, record_failure, record_success, seconds_blocked
from app.http.deps import SESSION_COOKIE, SessionDep, StateDep, ViewerDep, check_csrf, client_of
from app.web.page_context import base_context
from app.web.session import LOGIN_CSRF_COOKIE, new_login_csrf, set_login_csrf_cookie, set_session_cookie
from app.web.templating import templates

router = APIRouter(include_in_schema=False)

INVITE_PATH = "/uitnodiging"
#: the only messages ``/aanmelden?fout=CODE`` can show (no free text from a URL on a real page)
LOGIN_MESSAGES_NL = {
    "verlopen": "Het formulier was verlopen. Probeer opnieuw.",
}


def _home_of(user: models.User) -> str:
    """Where a user lands after signing in: their own start page."""
    return {models.Role.COORDINATOR.value: "/coordinator", models.Role.COACH.value: "/zoeken"}.get(user.role, "/partner")


@router.get("/aanmelden", response_class=HTMLResponse)
def login_form(request: Request, state: StateDep, viewer: ViewerDep, fout: Annotated[str, Query(max_length=200)] = ""):
    token = new_login_csrf(request)
    error = LOGIN_MESSAGES_NL.get(fout, "")
    response = templates.TemplateResponse(request, "login.html", base_context(request, state, viewer, error=error, csrf=token))
    set_login_csrf_cookie(response, token)
    return response


@router.post("/aanmelden")
def login(
    request: Request,
    state: StateDep,
    session: SessionDep,
    email: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=200)],
    csrf: Annotated[str, Form(max_length=100)] = "",
):
    if not csrf_matches(request.cookies.get(LOGIN_CSRF_COOKIE), csrf):
        return RedirectResponse("/aanmelden?fout=verlopen", status_code=303)
    client = client_of(request)
    try:
        if wait := seconds_blocked(session, email=email, client=client):
            raise TooManyAttempts(wait)  # no password is checked while blocked
        try:
            user = authenticate(session, email=email, password=password)
        except InvalidCredentials:  # nothing written: the failure is counted on its own
            record_failure(session, email=email, client=client, policy=LoginPolicy.parse(state.settings.login_rate_limit))
            raise
        record_success(session, email)
    except (InvalidCredentials, TooManyAttempts) as exc:
        status = 429 if isinstance(exc, TooManyAttempts) else 400
        page = templates.TemplateResponse(
            request, "login.html", base_context(request, state, None, error=exc.message_nl, email=email,
                                         csrf=request.cookies.get(LOGIN_CSRF_COOKIE, "")),
            status_code=status,
        )
        if status == 429:
            page.headers["Retry-After"] = str(exc.retry_after)
        return page
    # Drop whatever session the browser brought, then start a fresh one (no fixation).
    end_session(session, request.cookies.get(SESSION_COOKIE))
    token, _row = start_session(session, user)
    response = RedirectResponse(_home_of(user), status_code=303)
    set_session_cookie(response, request, token, secure_setting=state.settings.cookie_secure)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/aanmelden")
    return response


@router.post("/afmelden")
def logout(request: Request, session: SessionDep, viewer: ViewerDep, csrf: Annotated[str, Form(max_length=100)] = ""):
    check_csrf(viewer, csrf)
    end_session(session, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/aanmelden", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get(INVITE_PATH + "/{token}", response_class=HTMLResponse)
def invite_form(request: Request, state: StateDep, viewer: ViewerDep, token: Annotated[str, Path(max_length=100)]):
    csrf = new_login_csrf(request)
    response = templates.TemplateResponse(request, "invite.html", base_context(request, state, viewer, token=token, error="",
                                                                        csrf=csrf))
    set_login_csrf_cookie(response, csrf, path=INVITE_PATH)
    return response


@router.post(INVITE_PATH + "/{token}")
def invite_accept(
    request: Request,
    state: StateDep,
    session: SessionDep,
    viewer: ViewerDep,
    token: Annotated[str, Path(max_length=100)],
    password: Annotated[str, Form(max_length=200)],
    name: Annotated[str, Form(max_length=200)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
):
    if not csrf_matches(request.cookies.get(LOGIN_CSRF_COOKIE), csrf):
        return RedirectResponse(f"{INVITE_PATH}/{token}", status_code=303)  # a fresh form with a fresh token
    try:
        user = accept_invite(session, token=token, password=password, name=name)
    except (InviteInvalid, WeakPassword) as exc:  # the invite stays unused
        return templates.TemplateResponse(
            request, "invite.html", base_context(request, state, viewer, token=token, error=exc.message_nl, csrf=csrf),
            status_code=400,
        )
    session_token, _row = start_session(session, user)
    response = RedirectResponse(_home_of(user), status_code=303)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=INVITE_PATH)
    set_session_cookie(response, request, session_token, secure_setting=state.settings.cookie_secure)
    return response
