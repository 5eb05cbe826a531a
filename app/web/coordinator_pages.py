"""The coordinator's pages (Dutch): the data-quality overview and new organisations.

The gap analysis has its own pages: :mod:`app.web.gap_pages`.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from app.core import models
from app.domain.duplicates import PossibleDuplicates
from app.domain.editing import OrganizationInput, create_organization
from app.domain.quality import data_quality
from app.http.deps import SessionDep, StateDep, ViewerDep, check_csrf
from app.web.form_errors import dutch_errors
from app.web.page_context import base_context
from app.web.templating import templates

router = APIRouter(include_in_schema=False)


@router.get("/coordinator", response_class=HTMLResponse)
def coordinator_overview(request: Request, state: StateDep, session: SessionDep, viewer: ViewerDep):
    user = viewer.require(models.Role.COORDINATOR)
    report = data_quality(session, regions=state.regions, partnership=user.partnership_slug,
                          stale_after_days=state.settings.stale_after_months * 30, today=date.today())
    return templates.TemplateResponse(request, "coordinator.html", base_context(request, state, viewer, report=report,
                                                                         csrf=viewer.csrf_token))


ORGANIZATION_TYPES_NL = {"ocmw": "OCMW / Sociaal Huis", "caw": "CAW", "vdab": "VDAB", "cgg": "CGG",
                         "municipality": "Gemeente", "ngo": "Vzw", "education": "Onderwijs", "health": "Zorg",
                         "work": "Werk / sociale economie", "other": "Andere"}


@router.get("/coordinator/organisaties/nieuw", response_class=HTMLResponse)
def organization_new_form(request: Request, state: StateDep, viewer: ViewerDep):
    viewer.require(models.Role.COORDINATOR)
    return templates.TemplateResponse(request, "organization_new.html", base_context(
        request, state, viewer, values={}, errors={}, candidates=None, types=ORGANIZATION_TYPES_NL, csrf=viewer.csrf_token))


@router.post("/coordinator/organisaties/nieuw", response_class=HTMLResponse)
async def organization_create(request: Request, state: StateDep, session: SessionDep, viewer: ViewerDep):
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
        return templates.TemplateResponse(request, "organization_new.html", base_context(request, state, viewer, **context),
                                          status_code=422)
    except PossibleDuplicates as duplicates:
        context["candidates"] = duplicates.candidates
        return templates.TemplateResponse(request, "organization_new.html", base_context(request, state, viewer, **context),
                                          status_code=409)
    return RedirectResponse(f"/coordinator?organisatie={organization.id}", status_code=303)
