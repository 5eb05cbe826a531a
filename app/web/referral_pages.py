"""Referral pages (Dutch): the coach's "Doorverwijzen" form and list, the partner's "Verwijzingen"
inbox, one referral's page with its answers and messages, the coordinator's counts.

Thin: parse the form, call :mod:`app.domain.referrals`, render. Lists show nothing about the
person; only a referral's own page does, and opening it is audited.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlmodel import select

from app.core import models
from app.http.deps import SessionDep, StateDep, ViewerDep, check_csrf
from app.domain.profile import LANGUAGE_NAMES_NL
from app.domain.referral_crypto import referral_cipher
from app.domain.referral_records import referral_counts
from app.domain.referrals import (
    PART_OF_DAY_NL,
    PARTNER_STATUSES,
    REASON_NL,
    STATUS_NL,
    ReferralCreate,
    ReferralNotFound,
    add_message,
    create_referral,
    decrypted_view,
    forward_referral,
    is_coach_of,
    is_open,
    list_referrals,
    open_referral,
    plain_id,
    plain_text,
    receiving_partners,
    set_status,
    withdraw_referral,
)
from app.domain.taxonomy import needs_by_code
from app.domain.errors import DomainError, NotFoundError
from app.web.page_context import base_context
from app.web.templating import templates
from geo.regions import PARTNERSHIPS

router = APIRouter(include_in_schema=False)

WEEKDAYS_NL = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
#: the search form's part-of-day codes (``beschikbaar=1-vm``) and the API's names
PARTS = {"vm": "morning", "nm": "afternoon", "av": "evening"}
COMMON_LANGUAGES = ("nl", "fr", "en", "ar", "ti", "prs", "uk", "ro", "tr", "ru", "so", "pl")
CREATE_MESSAGES_NL = {
    "contact": "Geef een telefoonnummer of e-mailadres, of kies 'de deelnemer neemt zelf contact op'.",
    "first_name": "Vul een voornaam of initialen in (hoogstens 40 tekens).",
    "needs": "Kies minstens één nood.",
    "note": "De nota is te lang (hoogstens 500 tekens).",
    "languages": "Kies talen uit de lijst.",
}


BRUSSELS = ZoneInfo("Europe/Brussels")


def local_time(moment: datetime | None) -> str:
    """Stored in UTC (SQLite returns it naive); shown as Belgian time."""
    if moment is None:
        return ""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return aware.astimezone(BRUSSELS).strftime("%d/%m/%Y %H:%M")


def _base(request: Request, state, viewer, **extra) -> dict:
    """The base page context with what every referral page shows (labels, the local time filter)."""
    return base_context(request, state, viewer, **{
        "local_time": local_time, "csrf": viewer.csrf_token, "status_nl": STATUS_NL, "reason_nl": REASON_NL,
        "need_labels": {code: term.label_nl for code, term in needs_by_code().items()},
        "language_names": LANGUAGE_NAMES_NL, "weekdays": WEEKDAYS_NL, "part_of_day_nl": PART_OF_DAY_NL, **extra})


def _service_names(session) -> dict[str, str]:
    return dict(session.exec(select(models.Service.id, models.Service.name)).all())


@router.get("/verwijzingen", response_class=HTMLResponse)
def referral_list(request: Request, state: StateDep, session: SessionDep, viewer: ViewerDep):
    user = viewer.require(models.Role.COACH, models.Role.PARTNER)
    return templates.TemplateResponse(request, "referrals_list.html", _base(
        request, state, viewer, referrals=list_referrals(session, user=user), services=_service_names(session),
        is_coach=user.role == models.Role.COACH.value))


def _form_values(form) -> dict:
    return {
        "dienst": str(form.get("dienst", "")), "gemeente": str(form.get("gemeente", "")),
        "noden": [str(v) for v in form.getlist("noden")], "talen": [str(v) for v in form.getlist("talen")],
        "beschikbaar": [str(v) for v in form.getlist("beschikbaar")],
        "contactwijze": str(form.get("contactwijze", "")), "telefoon": str(form.get("telefoon", "")).strip(),
        "email": str(form.get("email", "")).strip(), "voornaam": str(form.get("voornaam", "")),
        "nota": str(form.get("nota", "")), "toestemming": form.get("toestemming") == "ja",
    }


def _new_form(request, state, session, viewer, values: dict, *, error: str = "", status_code: int = 200):
    service = session.get(models.Service, values["dienst"]) if plain_id(values["dienst"]) else None
    if service is None:
        raise NotFoundError("unknown service")
    organization = session.get(models.Organization, service.organization_id)
    languages = list(dict.fromkeys([*COMMON_LANGUAGES, *[c for c in values["talen"] if c in LANGUAGE_NAMES_NL]]))
    context = _base(request, state, viewer, service=service, organization=organization, values=values, error=error,
                    languages=[(code, LANGUAGE_NAMES_NL[code]) for code in languages], parts=PARTS,
                    needs_tree=[term for term in needs_by_code().values() if "/" not in term.code])
    return templates.TemplateResponse(request, "referrals_new.html", context, status_code=status_code)


@router.get("/verwijzingen/nieuw", response_class=HTMLResponse)
def new_referral_form(
    request: Request, state: StateDep, session: SessionDep, viewer: ViewerDep,
    dienst: Annotated[str, Query(max_length=36)] = "",
    noden: Annotated[list[str], Query(max_length=12)] = [],  # noqa: B006 - FastAPI copies defaults
    talen: Annotated[list[str], Query(max_length=10)] = [],  # noqa: B006
    beschikbaar: Annotated[list[str], Query(max_length=21)] = [],  # noqa: B006
    gemeente: Annotated[str, Query(max_length=5)] = "",
):
    viewer.require(models.Role.COACH)
    values = {"dienst": dienst, "gemeente": gemeente, "noden": [c for c in noden if c in needs_by_code()],
              "talen": talen, "beschikbaar": beschikbaar, "contactwijze": "telefoon", "telefoon": "", "email": "",
              "voornaam": "", "nota": "", "toestemming": False}
    return _new_form(request, state, session, viewer, values)


def referral_from_form(values: dict) -> dict:
    """The form as the API's ``ReferralCreate`` body (validation happens there)."""
    contact = {"telefoon": {"phone": values["telefoon"]}, "email": {"email": values["email"]},
               "zelf": {"self": True}}.get(values["contactwijze"], {})
    availability = []
    for slot in values["beschikbaar"]:
        day, _, part = slot.partition("-")
        if day.isdigit() and part in PARTS:
            availability.append({"weekday": int(day), "part_of_day": PARTS[part]})
    return {"service_id": values["dienst"], "consent": values["toestemming"], "contact": contact,
            "first_name": values["voornaam"], "needs": values["noden"], "languages": values["talen"],
            "availability": availability, "note": values["nota"], "municipality_nis": values["gemeente"] or None}


def _create_error_nl(exc: ValidationError) -> str:
    messages = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        messages.append(CREATE_MESSAGES_NL.get(field, "Controleer het formulier."))
    return " ".join(dict.fromkeys(messages))


@router.post("/verwijzingen/nieuw")
async def new_referral_send(request: Request, state: StateDep, session: SessionDep, viewer: ViewerDep):
    user = viewer.require(models.Role.COACH)
    form = await request.form()
    check_csrf(viewer, form.get("csrf"))
    values = _form_values(form)
    if not values["toestemming"]:
        return _new_form(request, state, session, viewer, values, status_code=422,
                         error="Zonder toestemming van de deelnemer wordt er niets verstuurd. Vink de toestemming aan.")
    try:
        data = ReferralCreate.model_validate(referral_from_form(values))
        referral = create_referral(session, cipher=referral_cipher(state.settings), user=user, data=data,
                                   base_url=state.settings.public_base_url)
    except ValidationError as exc:
        return _new_form(request, state, session, viewer, values, error=_create_error_nl(exc), status_code=422)
    except DomainError as exc:
        if exc.status_code != 422:
            raise
        return _new_form(request, state, session, viewer, values, error=exc.message_nl, status_code=422)
    return RedirectResponse(f"/verwijzingen/{referral.id}?verstuurd=1", status_code=303)


def _detail(request, state, session, viewer, referral_id: str, *, error: str = "", status_code: int = 200):
    referral = open_referral(session, user=viewer.user, referral_id=referral_id)
    view = decrypted_view(session, cipher=referral_cipher(state.settings), referral=referral)
    coach = session.get(models.User, referral.coach_id)
    others = []
    if not is_coach_of(viewer.user, referral):
        others = session.exec(
            select(models.Service).where(models.Service.organization_id == referral.organization_id,
                                         models.Service.id != referral.service_id,
                                         models.Service.status == models.ServiceStatus.ACTIVE.value)
            .order_by(models.Service.name)
        ).all()
    context = _base(request, state, viewer, referral=referral, personal=view["personal"], events=view["events"],
                    services=_service_names(session), coach_email=coach.email if coach else "",
                    is_coach=is_coach_of(viewer.user, referral), is_open=is_open(referral), error=error,
                    partner_statuses=PARTNER_STATUSES, forward_choices=others,
                    receiving_accounts=len(receiving_partners(session, referral.organization_id)))
    return templates.TemplateResponse(request, "referrals_detail.html", context, status_code=status_code)


ReferralPathId = Annotated[str, Path(max_length=36)]


def _page_reader(viewer) -> models.User:
    user = viewer.require()
    if user.role not in (models.Role.COACH.value, models.Role.PARTNER.value):
        raise ReferralNotFound("referrals are for their coach and the receiving partners only")
    return user


@router.get("/verwijzingen/{referral_id}", response_class=HTMLResponse)
def referral_page(request: Request, state: StateDep, session: SessionDep, viewer: ViewerDep,
                  referral_id: ReferralPathId):
    _page_reader(viewer)
    return _detail(request, state, session, viewer, referral_id)


async def _write(request: Request, state, session, viewer, referral_id: str, action) -> HTMLResponse | RedirectResponse:
    """Check the token, run ``action(user, form)``; a refused answer re-renders the page with the Dutch reason."""
    user = viewer.require()
    form = await request.form()
    check_csrf(viewer, form.get("csrf"))
    _page_reader(viewer)
    try:
        action(user, form)
    except ReferralNotFound:
        raise
    except DomainError as exc:  # the action wrote nothing (its writes end in committing)
        if exc.status_code not in (409, 422):
            raise
        return _detail(request, state, session, viewer, referral_id, error=exc.message_nl,
                       status_code=exc.status_code)
    return RedirectResponse(f"/verwijzingen/{referral_id}?bewaard=1", status_code=303)


def _version(form) -> int | None:
    text = str(form.get("version", ""))
    return int(text) if text.isdigit() and int(text) >= 1 else None


@router.post("/verwijzingen/{referral_id}/status")
async def referral_status(request: Request, state: StateDep, session: SessionDep, viewer: ViewerDep,
                          referral_id: ReferralPathId):
    def action(user, form) -> None:
        status = str(form.get("status", ""))
        reason = str(form.get("reden", "")) or None if status == "not_started" else None
        set_status(session, user=user, referral_id=referral_id, status=status, reason=reason,
                   expected_version=_version(form), base_url=state.settings.public_base_url)

    return await _write(request, state, session, viewer, referral_id, action)


@router.post("/verwijzingen/{referral_id}/bericht")
async def referral_message(request: Request, state: StateDep, session: SessionDep, viewer: ViewerDep,
                           referral_id: ReferralPathId):
    def action(user, form) -> None:
        try:
            text = plain_text(str(form.get("bericht", "")), multiline=True)
        except ValueError:
            text = ""
        if not text or len(text) > 1000:
            raise _MessageLength("message empty, longer than 1000 characters or with control characters")
        add_message(session, cipher=referral_cipher(state.settings), user=user, referral_id=referral_id, text=text)

    return await _write(request, state, session, viewer, referral_id, action)


@router.post("/verwijzingen/{referral_id}/intrekken")
async def referral_withdraw(request: Request, state: StateDep, session: SessionDep, viewer: ViewerDep,
                            referral_id: ReferralPathId):
    def action(user, form) -> None:
        withdraw_referral(session, user=user, referral_id=referral_id, expected_version=_version(form))

    return await _write(request, state, session, viewer, referral_id, action)


@router.post("/verwijzingen/{referral_id}/doorsturen")
async def referral_forward(request: Request, state: StateDep, session: SessionDep, viewer: ViewerDep,
                           referral_id: ReferralPathId):
    def action(user, form) -> None:
        forward_referral(session, user=user, referral_id=referral_id, service_id=str(form.get("dienst", ""))[:36],
                         expected_version=_version(form))

    return await _write(request, state, session, viewer, referral_id, action)


class _MessageLength(DomainError):
    code = "invalid_message"
    status_code = 422
    message_nl = "Schrijf een bericht van hoogstens 1000 tekens."


@router.get("/coordinator/verwijzingen", response_class=HTMLResponse)
def referral_counts_page(
    request: Request, state: StateDep, session: SessionDep, viewer: ViewerDep,
    nood: Annotated[str, Query(max_length=80)] = "",
    partnerschap: Annotated[str, Query(max_length=40)] = "",
    reden: Annotated[str, Query(max_length=30)] = "",
):
    user = viewer.require(models.Role.COORDINATOR)
    filters = {"need": nood if nood in needs_by_code() else None,
               "partnership": partnerschap if partnerschap in PARTNERSHIPS else None,
               "reason": reden if reden in REASON_NL else None}
    counts = referral_counts(session, partnership_scope=user.partnership_slug, **filters)
    return templates.TemplateResponse(request, "referrals_counts.html", _base(
        request, state, viewer, counts=counts, filters=filters, partnerships=PARTNERSHIPS,
        needs_tree=[term for term in needs_by_code().values()]))
