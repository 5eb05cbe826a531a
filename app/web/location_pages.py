"""A partner's locations (Dutch pages): list, new, edit with the map pin, conflicts side by side."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from app.core import models
from app.domain.editing import VersionConflict
from app.domain.locations import (
    LocationInput,
    LocationNotResolved,
    LocationOutsideRegions,
    create_location,
    get_editable_location,
    organisation_locations,
    update_location,
)
from app.http.deps import SessionDep, StateDep, ViewerDep, check_csrf
from app.web.form_errors import dutch_errors
from app.web.page_context import base_context
from app.web.partner_pages import editable_organizations
from app.web.templating import templates

router = APIRouter(include_in_schema=False)

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
    return base_context(request, state, viewer, location=location, values=values or {}, errors=errors or {},
                 organizations=organizations or [], conflict=conflict, differences=differences,
                 wheelchair_nl=WHEELCHAIR_NL,
                 csrf=viewer.csrf_token, tile_url=state.settings.tile_url,
                 tile_attribution=state.settings.tile_attribution)


@router.get("/partner/locaties", response_class=HTMLResponse)
def locations_list(request: Request, state: StateDep, session: SessionDep, viewer: ViewerDep):
    user = viewer.require(models.Role.PARTNER, models.Role.COORDINATOR)
    organizations = editable_organizations(session, user)
    locations = organisation_locations(session, {o.id for o in organizations})
    names = {o.id: o.name for o in organizations}
    return templates.TemplateResponse(request, "partner_locations.html",
                                      base_context(request, state, viewer, locations=locations, organizations=names,
                                            csrf=viewer.csrf_token))


@router.get("/partner/locaties/nieuw", response_class=HTMLResponse)
def location_new_form(request: Request, state: StateDep, session: SessionDep, viewer: ViewerDep):
    user = viewer.require(models.Role.PARTNER, models.Role.COORDINATOR)
    return templates.TemplateResponse(request, "partner_location.html", _location_context(
        request, state, viewer, values={"active": True}, organizations=editable_organizations(session, user)))


@router.get("/partner/locaties/{location_id}", response_class=HTMLResponse)
def location_edit_form(request: Request, state: StateDep, session: SessionDep, viewer: ViewerDep,
                       location_id: Annotated[str, Path(max_length=36)]):
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
    user = viewer.require(models.Role.PARTNER, models.Role.COORDINATOR)
    form = await request.form()
    check_csrf(viewer, form.get("csrf"))
    raw = _location_form(form)
    shown = raw if location_id else {**raw, "organization_id": str(form.get("organization_id", ""))}
    location = get_editable_location(session, user=user, location_id=location_id) if location_id else None
    organizations = [] if location else editable_organizations(session, user)
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
    return RedirectResponse(f"/partner/locaties/{saved.id}?bewaard=1", status_code=303)
