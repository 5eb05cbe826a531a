"""Partner portal (Dutch): sign in, list and edit one's own services, verify, history.

Thin: parse the form, call :mod:`app.domain.editing`, render. Every access rule lives in
the domain layer; these pages only turn its errors into Dutch messages.
"""

from __future__ import annotations

import json
from datetime import date, time
from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlmodel import select

from app import models
from app.auth import (
    InvalidCredentials,
    InviteInvalid,
    TooManyAttempts,
    WeakPassword,
    accept_invite,
    authenticate,
    csrf_matches,
    end_session,
    start_session,
    user_organization_ids,
)
from app.http.deps import SessionDep, StateDep, SESSION_COOKIE, ViewerDep, check_csrf, client_of
from app.domain.editing import (
    InvalidLocations,
    LocationRequired,
    PossibleDuplicates,
    UnknownMunicipalities,
    ServiceChanges,
    VersionConflict,
    create_service,
    get_editable_service,
    partnership_service_ids,
    service_history,
    service_snapshot,
    stale_services,
    update_service,
    verify_service,
)
from app.domain.login_limits import LoginPolicy, record_failure, record_success, seconds_blocked
from app.domain.profile import LANGUAGE_NAMES_NL
from app.domain.taxonomy import NEEDS, REFERRER_TYPES, TARGET_GROUPS
from app.web.session import LOGIN_CSRF_COOKIE, new_login_csrf, set_login_csrf_cookie, set_session_cookie
from app.web.templating import templates

router = APIRouter(include_in_schema=False)

FIELD_LABELS_NL = {
    "name": "Naam", "description": "Beschrijving", "url": "Website", "email": "E-mail", "phone": "Telefoon",
    "internal_phone": "Lijn voor begeleiders", "internal_notes": "Interne nota", "status": "Status",
    "minimum_age": "Minimumleeftijd", "maximum_age": "Maximumleeftijd", "waiting_weeks": "Wachttijd (weken)",
    "waiting_list": "Wachtlijst", "needs": "Noden", "opening_hours": "Openingsuren", "languages": "Talen",
    "service_area": "Werkgebied", "closures": "Sluitingsdagen", "referral_required_from": "Doorverwijzing",
    "target_groups": "Doelgroepen", "what_to_bring": "Wat meebrengen", "fees_description": "Kostprijs",
    "application_process": "Hoe aanmelden", "eligibility_description": "Voor wie", "location_ids": "Locaties",
    "outreach": "Aan huis", "published": "Zichtbaar", "free_of_charge": "Gratis",
    "interpretation_available": "Met tolk", "closed_on_public_holidays": "Gesloten op feestdagen",
    "assured_date": "Gecontroleerd op", "assured_by": "Gecontroleerd door",
}
STATUS_NL = {"active": "actief", "inactive": "niet actief", "defunct": "opgeheven", "temporarily closed": "tijdelijk gesloten"}
WAITING_NL = {"none": "geen wachtlijst", "short": "korte wachtlijst", "long": "lange wachtlijst", "closed": "wachtlijst gesloten"}
WEEKDAYS_FULL_NL = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
PYDANTIC_MESSAGES_NL = {
    "string_too_short": "Dit is te kort.", "string_too_long": "Dit is te lang.",
    "string_pattern_mismatch": "Dit heeft niet de juiste vorm.", "greater_than_equal": "Dit getal is te klein.",
    "less_than_equal": "Dit getal is te groot.", "int_parsing": "Vul een geheel getal in.",
    "time_parsing": "Vul een uur in als 09:00.", "date_from_datetime_parsing": "Vul een datum in.",
}


INVITE_PATH = "/uitnodiging"
#: the only messages ``/aanmelden?fout=CODE`` can show (no free text from a URL on a real page)
LOGIN_MESSAGES_NL = {
    "verlopen": "Het formulier was verlopen. Probeer opnieuw.",
}


def _home_of(user: models.User) -> str:
    """Where a user lands after signing in: their own start page."""
    return {models.Role.COORDINATOR.value: "/coordinator", models.Role.COACH.value: "/zoeken"}.get(user.role, "/partner")


def _base(request: Request, state, viewer, **extra) -> dict:
    return {"request": request, "attribution": state.attribution, "demo": state.catalog().demo,
            "viewer": viewer, **extra}


@router.get("/aanmelden", response_class=HTMLResponse)
def login_form(request: Request, state: StateDep, viewer: ViewerDep, fout: Annotated[str, Query(max_length=200)] = ""):
    token = new_login_csrf(request)
    error = LOGIN_MESSAGES_NL.get(fout, "")
    response = templates.TemplateResponse(request, "login.html", _base(request, state, viewer, error=error, csrf=token))
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
        except InvalidCredentials:
            session.rollback()
            record_failure(session, email=email, client=client, policy=LoginPolicy.parse(state.settings.login_rate_limit))
            raise
        record_success(session, email)
    except (InvalidCredentials, TooManyAttempts) as exc:
        status = 429 if isinstance(exc, TooManyAttempts) else 400
        page = templates.TemplateResponse(
            request, "login.html", _base(request, state, None, error=exc.message_nl, email=email,
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
    response = templates.TemplateResponse(request, "invite.html", _base(request, state, viewer, token=token, error="",
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
    except (InviteInvalid, WeakPassword) as exc:
        session.rollback()
        return templates.TemplateResponse(
            request, "invite.html", _base(request, state, viewer, token=token, error=exc.message_nl, csrf=csrf),
            status_code=400,
        )
    session_token, _row = start_session(session, user)
    response = RedirectResponse(_home_of(user), status_code=303)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=INVITE_PATH)
    set_session_cookie(response, request, session_token, secure_setting=state.settings.cookie_secure)
    return response


def _my_services(session, user: models.User) -> list[models.Service]:
    """The services this user may edit: their organisations', their partnership's, or all."""
    if user.role == models.Role.COORDINATOR.value:
        query = select(models.Service)
        if user.partnership_slug:
            query = query.where(models.Service.id.in_(partnership_service_ids(session, user.partnership_slug)))
        return list(session.exec(query.order_by(models.Service.name)).all())
    query = select(models.Service).where(models.Service.organization_id.in_(user_organization_ids(session, user)))
    return list(session.exec(query.order_by(models.Service.name)).all())


@router.get("/partner", response_class=HTMLResponse)
def partner_home(request: Request, state: StateDep, session: SessionDep, viewer: ViewerDep):
    user = viewer.require(models.Role.PARTNER, models.Role.COORDINATOR)
    services = _my_services(session, user)
    stale_days = state.settings.stale_after_months * 30
    stale_ids = {s.id for s in stale_services(session, older_than_days=stale_days,
                                              organization_ids={s.organization_id for s in services})}
    organizations = {o.id: o.name for o in session.exec(select(models.Organization)).all()}
    return templates.TemplateResponse(
        request, "partner_home.html",
        _base(request, state, viewer, services=services, stale_ids=stale_ids, organizations=organizations,
              status_nl=STATUS_NL, csrf=viewer.csrf_token, months=state.settings.stale_after_months),
    )


def _location_choices(session, organization_ids: set[str], linked: set[str] = frozenset()) -> list[models.Location]:
    """The organisations' active locations, and inactive ones still linked (shown so they are not dropped)."""
    rows = session.exec(
        select(models.Location).where(models.Location.organization_id.in_(organization_ids))
        .order_by(models.Location.name, models.Location.id)
    ).all()
    return [location for location in rows if location.active or location.id in linked]


def _history_rows(session, history: list[models.ChangeRecord]) -> list[dict]:
    """History for people: location links by name rather than by identifier."""
    ids = set()
    for change in history:
        if change.field_name == "location_ids":
            for text in (change.previous_value, change.replacement_value):
                ids.update(_json_list(text))
    names = {}
    if ids:
        names = {loc.id: loc.name for loc in session.exec(select(models.Location).where(models.Location.id.in_(ids)))}
    rows = []
    for change in history:
        previous, replacement = change.previous_value, change.replacement_value
        if change.field_name == "location_ids":
            previous, replacement = (", ".join(names.get(i, i) for i in _json_list(text)) for text in (previous, replacement))
        rows.append({"when": change.last_action_date, "who": change.updated_by, "action": change.last_action_type,
                     "field_name": change.field_name, "previous": previous, "replacement": replacement})
    return rows


def _json_list(text: str) -> list[str]:
    try:
        value = json.loads(text) if text else []
    except ValueError:
        return [text]
    return [str(item) for item in value] if isinstance(value, list) else [str(value)]


def _edit_context(request, state, session, viewer, service, *, values=None, errors=None, conflict=None) -> dict:
    snapshot = values or service_snapshot(session, service)
    municipalities = sorted(state.regions.municipalities, key=lambda m: m.name_nl)
    linked = set(service_snapshot(session, service)["location_ids"]) if values else set(snapshot["location_ids"])
    return _base(
        request, state, viewer, service=service, values=snapshot, errors=errors or {}, conflict=conflict,
        locations=_location_choices(session, {service.organization_id}, linked),
        history=_history_rows(session, service_history(session, service.id)[:60]), needs_tree=NEEDS,
        target_groups=TARGET_GROUPS,
        referrers=REFERRER_TYPES, languages=LANGUAGE_NAMES_NL, municipalities=municipalities,
        weekdays=WEEKDAYS_FULL_NL, status_nl=STATUS_NL, waiting_nl=WAITING_NL, field_labels=FIELD_LABELS_NL,
        csrf=viewer.csrf_token,
    )


@router.get("/partner/diensten/{service_id}", response_class=HTMLResponse)
def edit_service_form(request: Request, state: StateDep, session: SessionDep, viewer: ViewerDep,
                      service_id: Annotated[str, Path(max_length=36)]):
    user = viewer.require(models.Role.PARTNER, models.Role.COORDINATOR)
    service = get_editable_service(session, user=user, service_id=service_id)
    return templates.TemplateResponse(request, "partner_edit.html", _edit_context(request, state, session, viewer, service))


def _parse_hours(form) -> list[dict]:
    hours = []
    for day in range(1, 8):
        for slot in range(3):
            opens, closes = form.get(f"uren-{day}-{slot}-van", ""), form.get(f"uren-{day}-{slot}-tot", "")
            if opens or closes:
                hours.append({"weekday": day, "opens_at": opens or None, "closes_at": closes or None,
                              "by_appointment": form.get(f"uren-{day}-{slot}-afspraak") == "on"})
    return hours


def _parse_closures(form) -> list[dict]:
    closures = []
    for slot in range(5):
        start, end = form.get(f"sluiting-{slot}-van", ""), form.get(f"sluiting-{slot}-tot", "")
        if start or end:
            closures.append({"starts_on": start or None, "ends_on": end or start or None,
                             "reason": form.get(f"sluiting-{slot}-reden", "")})
    return closures


def _optional_int(value: str | None):
    value = (value or "").strip()
    return value if value else None


def changes_from_form(form) -> dict:
    """The edit form as a dict for :class:`ServiceChanges` (validation happens there)."""
    return {
        "name": form.get("name", "").strip(),
        "description": form.get("description", ""),
        "url": form.get("url", "").strip() or None,
        "email": form.get("email", "").strip() or None,
        "phone": form.get("phone", "").strip() or None,
        "internal_phone": form.get("internal_phone", "").strip() or None,
        "internal_notes": form.get("internal_notes", ""),
        "status": form.get("status", "active"),
        "published": form.get("published") == "on",
        "minimum_age": _optional_int(form.get("minimum_age")),
        "maximum_age": _optional_int(form.get("maximum_age")),
        "eligibility_description": form.get("eligibility_description", ""),
        "referral_required_from": form.getlist("referral_required_from"),
        "application_process": form.get("application_process", ""),
        "what_to_bring": form.get("what_to_bring", ""),
        "fees_description": form.get("fees_description", ""),
        "free_of_charge": form.get("free_of_charge") == "on",
        "languages": form.getlist("languages"),
        "interpretation_available": form.get("interpretation_available") == "on",
        "outreach": form.get("outreach") == "on",
        "waiting_list": form.get("waiting_list", "none"),
        "waiting_weeks": _optional_int(form.get("waiting_weeks")),
        "closed_on_public_holidays": form.get("closed_on_public_holidays") == "on",
        "needs": form.getlist("needs"),
        "target_groups": form.getlist("target_groups"),
        "service_area": form.getlist("service_area"),
        "opening_hours": _parse_hours(form),
        "closures": _parse_closures(form),
        "location_ids": form.getlist("location_ids"),
    }


#: errors of a whole model (no field in their location) shown next to the field they are about
MODEL_ERROR_FIELDS = {"minimum age": "minimum_age", "latitude and longitude": "latitude", "postcode or a place": "postcode"}


def _field_of_model_error(text: str) -> str:
    return next((field for phrase, field in MODEL_ERROR_FIELDS.items() if phrase in text), "form")


def dutch_errors(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in exc.errors():
        text = str(error.get("msg", ""))
        field = str(error["loc"][0]) if error["loc"] else _field_of_model_error(text)
        message = PYDANTIC_MESSAGES_NL.get(error["type"])
        if message is None:
            if "unknown need" in text:
                message = "Onbekende nood."
            elif "minimum age" in text:
                message = "De minimumleeftijd is hoger dan de maximumleeftijd."
            elif "closing time" in text:
                message = "Het sluitingsuur moet na het openingsuur liggen."
            elif "closure" in text:
                message = "Een sluiting moet eindigen op of na de eerste dag."
            elif "latitude and longitude" in text:
                message = "Geef zowel de breedte- als de lengtegraad, of zet de speld op de kaart."
            elif "postcode or a place" in text:
                message = "Geef een postcode of plaats, of zet de speld op de kaart."
            elif "language codes" in text or "unknown target group" in text or "unknown referrer" in text:
                message = "Kies uit de lijst."
            else:
                message = "Controleer dit veld."
        errors.setdefault(field, message)
    return errors


@router.post("/partner/diensten/{service_id}", response_class=HTMLResponse)
async def edit_service_save(request: Request, state: StateDep, session: SessionDep, viewer: ViewerDep,
                            service_id: Annotated[str, Path(max_length=36)]):
    user = viewer.require(models.Role.PARTNER, models.Role.COORDINATOR)
    form = await request.form()
    check_csrf(viewer, form.get("csrf"))
    service = get_editable_service(session, user=user, service_id=service_id)
    raw = changes_from_form(form)
    version_text = str(form.get("version", ""))
    if not version_text.isdigit():
        context = _edit_context(request, state, session, viewer, service, errors={"form": "Ongeldige versie."})
        return templates.TemplateResponse(request, "partner_edit.html", context, status_code=422)
    try:
        changes = ServiceChanges.model_validate(raw)
        update_service(session, user=user, service_id=service_id, expected_version=int(version_text), changes=changes)
    except ValidationError as exc:
        values = {**service_snapshot(session, service), **raw}
        context = _edit_context(request, state, session, viewer, service, values=values, errors=dutch_errors(exc))
        return templates.TemplateResponse(request, "partner_edit.html", context, status_code=422)
    except (LocationRequired, InvalidLocations, UnknownMunicipalities) as exc:
        values = {**service_snapshot(session, service), **raw}
        field = "service_area" if isinstance(exc, UnknownMunicipalities) else "location_ids"
        context = _edit_context(request, state, session, viewer, service, values=values, errors={field: exc.message_nl})
        return templates.TemplateResponse(request, "partner_edit.html", context, status_code=422)
    except VersionConflict as conflict:
        session.expire_all()
        fresh = session.get(models.Service, service_id)
        context = _edit_context(request, state, session, viewer, fresh, conflict=conflict)
        return templates.TemplateResponse(request, "partner_conflict.html", context, status_code=409)
    state.invalidate_catalog()
    return RedirectResponse(f"/partner/diensten/{service_id}?bewaard=1", status_code=303)


@router.post("/partner/diensten/{service_id}/klopt-nog")
def verify(request: Request, state: StateDep, session: SessionDep, viewer: ViewerDep,
           service_id: Annotated[str, Path(max_length=36)], csrf: Annotated[str, Form(max_length=100)] = ""):
    user = viewer.require(models.Role.PARTNER, models.Role.COORDINATOR)
    check_csrf(viewer, csrf)
    verify_service(session, user=user, service_id=service_id)
    state.invalidate_catalog()
    return RedirectResponse("/partner?gecontroleerd=1", status_code=303)


@router.get("/partner/nieuwe-dienst", response_class=HTMLResponse)
def new_service_form(request: Request, state: StateDep, session: SessionDep, viewer: ViewerDep):
    user = viewer.require(models.Role.PARTNER, models.Role.COORDINATOR)
    return templates.TemplateResponse(request, "partner_new.html", _new_context(request, state, session, viewer, user))


def _new_context(request, state, session, viewer, user, *, values=None, errors=None, candidates=None) -> dict:
    organizations = _editable_organizations(session, user)
    locations = _location_choices(session, {o.id for o in organizations})
    by_organization = [(o, [loc for loc in locations if loc.organization_id == o.id]) for o in organizations]
    return _base(request, state, viewer, organizations=organizations, locations_by_organization=by_organization,
                 csrf=viewer.csrf_token, candidates=candidates, values=values or {}, errors=errors or {})


def _editable_organizations(session, user: models.User) -> list[models.Organization]:
    query = select(models.Organization).order_by(models.Organization.name)
    if not (user.role == models.Role.COORDINATOR.value and user.partnership_slug is None):
        query = query.where(models.Organization.id.in_(user_organization_ids(session, user)))
    return list(session.exec(query).all())


@router.post("/partner/nieuwe-dienst", response_class=HTMLResponse)
async def new_service_save(request: Request, state: StateDep, session: SessionDep, viewer: ViewerDep):
    user = viewer.require(models.Role.PARTNER, models.Role.COORDINATOR)
    form = await request.form()
    check_csrf(viewer, form.get("csrf"))
    values = {"name": str(form.get("name", "")).strip(), "description": str(form.get("description", "")),
              "organization_id": str(form.get("organization_id", "")), "outreach": form.get("outreach") == "on",
              "needs": form.getlist("needs"), "location_ids": form.getlist("location_ids")}

    def again(status: int, *, errors=None, candidates=None):
        context = _new_context(request, state, session, viewer, user, values=values, errors=errors, candidates=candidates)
        return templates.TemplateResponse(request, "partner_new.html", context, status_code=status)

    try:
        changes = ServiceChanges.model_validate({key: values[key] for key in ("name", "description", "outreach", "needs",
                                                                              "location_ids")})
        service = create_service(session, user=user, organization_id=values["organization_id"], changes=changes,
                                 allow_duplicate=form.get("toch_aanmaken") == "1")
    except ValidationError as exc:
        return again(422, errors=dutch_errors(exc))
    except (LocationRequired, InvalidLocations) as exc:
        return again(422, errors={"location_ids": exc.message_nl})
    except PossibleDuplicates as duplicates:
        return again(409, candidates=duplicates.candidates)
    state.invalidate_catalog()
    return RedirectResponse(f"/partner/diensten/{service.id}", status_code=303)


@router.get("/coordinator", response_class=HTMLResponse)
def coordinator_overview(request: Request, state: StateDep, session: SessionDep, viewer: ViewerDep):
    user = viewer.require(models.Role.COORDINATOR)
    from app.domain.quality import data_quality

    report = data_quality(session, regions=state.regions, partnership=user.partnership_slug,
                          stale_after_days=state.settings.stale_after_months * 30, today=date.today())
    return templates.TemplateResponse(request, "coordinator.html", _base(request, state, viewer, report=report,
                                                                         csrf=viewer.csrf_token))


def time_value(value) -> str:
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return str(value or "")[:5]


templates.env.filters["hhmm"] = time_value


# ---- locations ---------------------------------------------------------------------------

LOCATION_FIELD_LABELS_NL = {
    "name": "Naam", "address_1": "Straat en nummer", "postcode": "Postcode", "city": "Deelgemeente of gemeente",
    "latitude": "Breedtegraad", "longitude": "Lengtegraad", "municipality_nis": "Gemeente (NIS)",
    "geocode_precision": "Nauwkeurigheid", "wheelchair_level": "Rolstoeltoegankelijkheid",
    "accessibility_description": "Toegankelijkheid (uitleg)", "transportation": "Hoe geraak je er", "active": "Actief",
}

WHEELCHAIR_NL = {"": "onbekend", "0": "niet toegankelijk (trappen)", "1": "met hulp (één trede)",
                 "2": "drempelvrij", "3": "drempelvrij met aangepast toilet"}


def _location_form(form) -> dict:
    def optional_float(name):
        text = str(form.get(name, "")).strip().replace(",", ".")
        return text or None

    level = str(form.get("wheelchair_level", "")).strip()
    return {
        "name": str(form.get("name", "")).strip(), "address_1": str(form.get("address_1", "")).strip(),
        "postcode": str(form.get("postcode", "")).strip(), "city": str(form.get("city", "")).strip(),
        "latitude": optional_float("latitude"), "longitude": optional_float("longitude"),
        "wheelchair_level": level or None, "accessibility_description": str(form.get("accessibility_description", "")),
        "transportation": str(form.get("transportation", "")), "active": form.get("active") == "on",
    }


def _location_value(name: str, value) -> str:
    if value is None or value == "":
        return "(leeg)"
    if name == "wheelchair_level":
        return WHEELCHAIR_NL.get(str(value), str(value))
    if name == "active":
        return "ja" if value else "nee"
    if isinstance(value, float):
        return f"{value:.6f}"
    return str(value)


def _location_context(request, state, viewer, *, location=None, values=None, errors=None, organizations=None,
                      conflict=None) -> dict:
    differences = []
    if conflict is not None:
        # both versions side by side, field by field, as on the service conflict page
        for name, label in LOCATION_FIELD_LABELS_NL.items():
            saved, mine = conflict.current.get(name), conflict.attempted.get(name)
            if saved != mine and name in conflict.attempted:
                differences.append({"label": label, "saved": _location_value(name, saved),
                                     "mine": _location_value(name, mine)})
    return _base(request, state, viewer, location=location, values=values or {}, errors=errors or {},
                 organizations=organizations or [], conflict=conflict, differences=differences,
                 wheelchair_nl=WHEELCHAIR_NL,
                 csrf=viewer.csrf_token, tile_url=state.settings.tile_url,
                 tile_attribution=state.settings.tile_attribution)


@router.get("/partner/locaties", response_class=HTMLResponse)
def locations_list(request: Request, state: StateDep, session: SessionDep, viewer: ViewerDep):
    user = viewer.require(models.Role.PARTNER, models.Role.COORDINATOR)
    from app.domain.locations import organisation_locations

    organizations = _editable_organizations(session, user)
    locations = organisation_locations(session, {o.id for o in organizations})
    names = {o.id: o.name for o in organizations}
    return templates.TemplateResponse(request, "partner_locations.html",
                                      _base(request, state, viewer, locations=locations, organizations=names,
                                            csrf=viewer.csrf_token))


@router.get("/partner/locaties/nieuw", response_class=HTMLResponse)
def location_new_form(request: Request, state: StateDep, session: SessionDep, viewer: ViewerDep):
    user = viewer.require(models.Role.PARTNER, models.Role.COORDINATOR)
    return templates.TemplateResponse(request, "partner_location.html", _location_context(
        request, state, viewer, values={"active": True}, organizations=_editable_organizations(session, user)))


@router.get("/partner/locaties/{location_id}", response_class=HTMLResponse)
def location_edit_form(request: Request, state: StateDep, session: SessionDep, viewer: ViewerDep,
                       location_id: Annotated[str, Path(max_length=36)]):
    from app.domain.locations import get_editable_location

    user = viewer.require(models.Role.PARTNER, models.Role.COORDINATOR)
    location = get_editable_location(session, user=user, location_id=location_id)
    return templates.TemplateResponse(request, "partner_location.html", _location_context(
        request, state, viewer, location=location, values=location.model_dump()))


@router.post("/partner/locaties", response_class=HTMLResponse)
async def location_create(request: Request, state: StateDep, session: SessionDep, viewer: ViewerDep):
    return await _location_save(request, state, session, viewer, None)


@router.post("/partner/locaties/{location_id}", response_class=HTMLResponse)
async def location_update(request: Request, state: StateDep, session: SessionDep, viewer: ViewerDep,
                          location_id: Annotated[str, Path(max_length=36)]):
    return await _location_save(request, state, session, viewer, location_id)


async def _location_save(request: Request, state, session, viewer, location_id: str | None):
    from app.domain.locations import (
        LocationInput,
        LocationNotResolved,
        LocationOutsideRegions,
        create_location,
        get_editable_location,
        update_location,
    )

    user = viewer.require(models.Role.PARTNER, models.Role.COORDINATOR)
    form = await request.form()
    check_csrf(viewer, form.get("csrf"))
    raw = _location_form(form)
    shown = raw if location_id else {**raw, "organization_id": str(form.get("organization_id", ""))}
    location = get_editable_location(session, user=user, location_id=location_id) if location_id else None
    organizations = [] if location else _editable_organizations(session, user)
    try:
        data = LocationInput.model_validate(raw)
        if location is None:
            saved = create_location(session, user=user, organization_id=str(form.get("organization_id", "")), data=data,
                                    gazetteer=state.gazetteer)
        else:
            version = str(form.get("version", ""))
            saved = update_location(session, user=user, location_id=location.id,
                                    expected_version=int(version) if version.isdigit() else -1, data=data,
                                    gazetteer=state.gazetteer)
    except ValidationError as exc:
        errors = dutch_errors(exc)
        if "form" in errors or any(key not in raw for key in errors):
            errors.setdefault("postcode", "Geef een postcode of plaats, of zet de speld op de kaart.")
        return templates.TemplateResponse(request, "partner_location.html", _location_context(
            request, state, viewer, location=location, values=shown, errors=errors, organizations=organizations),
            status_code=422)
    except (LocationOutsideRegions, LocationNotResolved) as exc:
        return templates.TemplateResponse(request, "partner_location.html", _location_context(
            request, state, viewer, location=location, values=shown, errors={"postcode": exc.message_nl},
            organizations=organizations), status_code=422)
    except VersionConflict as conflict:
        session.expire_all()
        fresh = session.get(models.Location, location.id)
        return templates.TemplateResponse(request, "partner_location.html", _location_context(
            request, state, viewer, location=fresh, values=fresh.model_dump(), conflict=conflict), status_code=409)
    state.invalidate_catalog()
    return RedirectResponse(f"/partner/locaties/{saved.id}?bewaard=1", status_code=303)


# ---- organisations (coordinators) ----------------------------------------------------------

ORGANIZATION_TYPES_NL = {"ocmw": "OCMW / Sociaal Huis", "caw": "CAW", "vdab": "VDAB", "cgg": "CGG",
                         "municipality": "Gemeente", "ngo": "Vzw", "education": "Onderwijs", "health": "Zorg",
                         "work": "Werk / sociale economie", "other": "Andere"}


@router.get("/coordinator/organisaties/nieuw", response_class=HTMLResponse)
def organization_new_form(request: Request, state: StateDep, viewer: ViewerDep):
    viewer.require(models.Role.COORDINATOR)
    return templates.TemplateResponse(request, "organization_new.html", _base(
        request, state, viewer, values={}, errors={}, candidates=None, types=ORGANIZATION_TYPES_NL, csrf=viewer.csrf_token))


@router.post("/coordinator/organisaties/nieuw", response_class=HTMLResponse)
async def organization_create(request: Request, state: StateDep, session: SessionDep, viewer: ViewerDep):
    from app.domain.editing import OrganizationInput, create_organization

    user = viewer.require(models.Role.COORDINATOR)
    form = await request.form()
    check_csrf(viewer, form.get("csrf"))
    values = {"name": str(form.get("name", "")).strip(), "description": str(form.get("description", "")),
              "email": str(form.get("email", "")).strip() or None, "website": str(form.get("website", "")).strip() or None,
              "organization_type": str(form.get("organization_type", "other"))}
    context = {"values": values, "types": ORGANIZATION_TYPES_NL, "csrf": viewer.csrf_token, "candidates": None, "errors": {}}
    try:
        organization = create_organization(session, user=user, data=OrganizationInput.model_validate(values),
                                           allow_duplicate=form.get("toch_aanmaken") == "1")
    except ValidationError as exc:
        context["errors"] = dutch_errors(exc)
        return templates.TemplateResponse(request, "organization_new.html", _base(request, state, viewer, **context),
                                          status_code=422)
    except PossibleDuplicates as duplicates:
        context["candidates"] = duplicates.candidates
        return templates.TemplateResponse(request, "organization_new.html", _base(request, state, viewer, **context),
                                          status_code=409)
    return RedirectResponse(f"/coordinator?organisatie={organization.id}", status_code=303)
