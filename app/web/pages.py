"""Dutch pages. Thin: read, call the domain, render."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.http.deps import SessionDep, StateDep
from app.domain.taxonomy import NEEDS
from app.operations.dataset_counts import dataset_counts
from app.web.templating import templates
from geo.regions import PARTNERSHIPS

router = APIRouter(include_in_schema=False)


def page_context(request: Request, state, **extra) -> dict:
    return {
        "request": request,
        "attribution": state.attribution,
        "demo": state.catalog().demo,
        **extra,
    }


@router.get("/", response_class=HTMLResponse)
def home(request: Request, state: StateDep, session: SessionDep):
    partnerships = [
        {"partnership": p, "municipalities": state.regions.in_partnership(p.slug)} for p in PARTNERSHIPS.values()
    ]
    return templates.TemplateResponse(
        request,
        "home.html",
        page_context(request, state, counts=dataset_counts(session), partnerships=partnerships, needs=NEEDS),
    )


@router.get("/over", response_class=HTMLResponse)
def about(request: Request, state: StateDep):
    return templates.TemplateResponse(request, "about.html",
                                      page_context(request, state, travel_credits=state.travel_credits))
