"""Account pages (Dutch): change the password, sign out other devices, reset a forgotten password.

Thin: forms in, :mod:`app.domain.accounts` does the work, Dutch messages out.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.core.auth import WeakPassword, csrf_matches, start_session
from app.http.deps import SessionDep, StateDep, ViewerDep, check_csrf
from app.domain.accounts import (
    PasswordsDiffer,
    ResetLinkInvalid,
    WrongCurrentPassword,
    change_password,
    end_other_sessions,
    request_password_reset,
    reset_link_user,
    reset_password,
)
from app.web.session import LOGIN_CSRF_COOKIE, new_login_csrf, set_login_csrf_cookie, set_session_cookie
from app.web.page_context import base_context
from app.web.templating import templates

router = APIRouter(include_in_schema=False)

ACCOUNT_PATH = "/mijn-account"
#: both forms before sign-in share one double-submit cookie, scoped to this path
PASSWORD_PATH = "/wachtwoord"
FORGOT_PATH = PASSWORD_PATH + "/vergeten"
RESET_PATH = PASSWORD_PATH + "/herstellen"
#: the only confirmations ``/mijn-account?bewaard=CODE`` shows
SAVED_NL = {
    "wachtwoord": "Je wachtwoord is gewijzigd. Je bent afgemeld op je andere toestellen.",
    "afgemeld": "Je bent afgemeld op al je andere toestellen.",
}
PASSWORD = Annotated[str, Form(max_length=200)]


def _account_page(request: Request, state, viewer, *, error: str = "", notice: str = "", status_code: int = 200):
    return templates.TemplateResponse(request, "account.html", base_context(
        request, state, viewer, csrf=viewer.csrf_token, error=error, notice=notice), status_code=status_code)


@router.get(ACCOUNT_PATH, response_class=HTMLResponse)
def account(request: Request, state: StateDep, viewer: ViewerDep,
            bewaard: Annotated[str, Query(max_length=40)] = ""):
    viewer.require()
    return _account_page(request, state, viewer, notice=SAVED_NL.get(bewaard, ""))


@router.post(ACCOUNT_PATH + "/wachtwoord")
def account_change_password(request: Request, state: StateDep, session: SessionDep, viewer: ViewerDep,
                            huidig: PASSWORD, nieuw: PASSWORD, herhaal: PASSWORD,
                            csrf: Annotated[str, Form(max_length=100)] = ""):
    user = viewer.require()
    check_csrf(viewer, csrf)
    try:
        change_password(session, user=user, current_password=huidig, new_password=nieuw, repeated=herhaal,
                        keep_token_hash=viewer.session_row.token_hash)
    except (WrongCurrentPassword, PasswordsDiffer, WeakPassword) as exc:  # nothing written
        return _account_page(request, state, viewer, error=exc.message_nl, status_code=exc.status_code)
    return RedirectResponse(ACCOUNT_PATH + "?bewaard=wachtwoord", status_code=303)


@router.post(ACCOUNT_PATH + "/andere-toestellen")
def account_sign_out_elsewhere(session: SessionDep, viewer: ViewerDep, csrf: Annotated[str, Form(max_length=100)] = ""):
    user = viewer.require()
    check_csrf(viewer, csrf)
    end_other_sessions(session, user=user, keep_token_hash=viewer.session_row.token_hash)
    return RedirectResponse(ACCOUNT_PATH + "?bewaard=afgemeld", status_code=303)


@router.get(FORGOT_PATH, response_class=HTMLResponse)
def forgot_form(request: Request, state: StateDep, viewer: ViewerDep):
    token = new_login_csrf(request)
    response = templates.TemplateResponse(request, "password_forgot.html", base_context(
        request, state, viewer, csrf=token, sent=False))
    set_login_csrf_cookie(response, token, path=PASSWORD_PATH)
    return response


@router.post(FORGOT_PATH, response_class=HTMLResponse)
def forgot(request: Request, state: StateDep, session: SessionDep, viewer: ViewerDep,
           email: Annotated[str, Form(max_length=200)], csrf: Annotated[str, Form(max_length=100)] = ""):
    if not csrf_matches(request.cookies.get(LOGIN_CSRF_COOKIE), csrf):
        return RedirectResponse(FORGOT_PATH, status_code=303)  # a fresh form with a fresh token
    request_password_reset(session, email=email, base_url=state.settings.public_base_url)
    # the same answer whether or not the address has an account
    return templates.TemplateResponse(request, "password_forgot.html", base_context(
        request, state, viewer, csrf=csrf, sent=True))


@router.get(RESET_PATH + "/{token}", response_class=HTMLResponse)
def reset_form(request: Request, state: StateDep, session: SessionDep, viewer: ViewerDep,
               token: Annotated[str, Path(max_length=100)]):
    csrf = new_login_csrf(request)
    try:
        reset_link_user(session, token)
        error, status = "", 200
    except ResetLinkInvalid as exc:
        error, status = exc.message_nl, 400
    response = templates.TemplateResponse(request, "password_reset.html", base_context(
        request, state, viewer, token=token, csrf=csrf, error=error, usable=not error), status_code=status)
    set_login_csrf_cookie(response, csrf, path=PASSWORD_PATH)
    return response


@router.post(RESET_PATH + "/{token}")
def reset(request: Request, state: StateDep, session: SessionDep, viewer: ViewerDep,
          token: Annotated[str, Path(max_length=100)], nieuw: PASSWORD, herhaal: PASSWORD,
          csrf: Annotated[str, Form(max_length=100)] = ""):
    if not csrf_matches(request.cookies.get(LOGIN_CSRF_COOKIE), csrf):
        return RedirectResponse(f"{RESET_PATH}/{token}", status_code=303)
    try:
        user = reset_password(session, token=token, new_password=nieuw, repeated=herhaal)
    except (ResetLinkInvalid, PasswordsDiffer, WeakPassword) as exc:  # nothing written, the link unused
        return templates.TemplateResponse(request, "password_reset.html", base_context(
            request, state, viewer, token=token, csrf=csrf, error=exc.message_nl,
            usable=not isinstance(exc, ResetLinkInvalid)), status_code=exc.status_code)
    session_token, _row = start_session(session, user)
    response = RedirectResponse(ACCOUNT_PATH + "?bewaard=wachtwoord", status_code=303)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=PASSWORD_PATH)
    set_session_cookie(response, request, session_token, secure_setting=state.settings.cookie_secure)
    return response
