"""Partner portal (Dutch): list and edit one's own services, verify ("klopt nog"), history.

Sign-in and invitations: :mod:`app.web.sign_in_pages`; locations: :mod:`app.web.location_pages`;
the coordinator's overview and organisations: :mod:`app.web.coordinator_pages`.

Thin: parse the form, call :mod:`app.domain.editing`, render. Every access rule lives in
the domain layer; these pages only turn its errors into Dutch messages.
"""

from __future__ import annotations

import json
from datetime import time
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlmodel import select

from app.core import models
from app.core.auth import user_organization_ids
from app.http.deps import SessionDep, StateDep, ViewerDep, check_csrf
from app.domain.duplicates import PossibleDuplicates
from app.domain.editing import (
    InvalidLocations,
    LocationRequired,
    UnknownMunicipalities,
    ServiceChanges,
    VersionConflict,
    create_service,
    service_snapshot,
    update_service,
    verify_service,
)
from app.domain.history import service_history
from app.domain.permissions import get_editable_service, partnership_service_ids
from app.domain.staleness import stale_services
from app.domain.profile import LANGUAGE_NAMES_NL
from app.domain.taxonomy import NEEDS, REFERRER_TYPES, TARGET_GROUPS
from app.web.form_errors import dutch_errors
from app.web.page_context import base_context
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
        base_context(request, state, viewer, services=services, stale_ids=stale_ids, organizations=organizations,
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
    return base_context(
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
    return RedirectResponse(f"/partner/diensten/{service_id}?bewaard=1", status_code=303)


@router.post("/partner/diensten/{service_id}/klopt-nog")
def verify(session: SessionDep, viewer: ViewerDep,
           service_id: Annotated[str, Path(max_length=36)], csrf: Annotated[str, Form(max_length=100)] = ""):
    user = viewer.require(models.Role.PARTNER, models.Role.COORDINATOR)
    check_csrf(viewer, csrf)
    verify_service(session, user=user, service_id=service_id)
    return RedirectResponse("/partner?gecontroleerd=1", status_code=303)


@router.get("/partner/nieuwe-dienst", response_class=HTMLResponse)
def new_service_form(request: Request, state: StateDep, session: SessionDep, viewer: ViewerDep):
    user = viewer.require(models.Role.PARTNER, models.Role.COORDINATOR)
    return templates.TemplateResponse(request, "partner_new.html", _new_context(request, state, session, viewer, user))


def _new_context(request, state, session, viewer, user, *, values=None, errors=None, candidates=None) -> dict:
    organizations = editable_organizations(session, user)
    locations = _location_choices(session, {o.id for o in organizations})
    by_organization = [(o, [loc for loc in locations if loc.organization_id == o.id]) for o in organizations]
    return base_context(request, state, viewer, organizations=organizations, locations_by_organization=by_organization,
                 csrf=viewer.csrf_token, candidates=candidates, values=values or {}, errors=errors or {})


def editable_organizations(session, user: models.User) -> list[models.Organization]:
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
    return RedirectResponse(f"/partner/diensten/{service.id}", status_code=303)


def time_value(value) -> str:
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return str(value or "")[:5]


templates.env.filters["hhmm"] = time_value


