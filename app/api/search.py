"""``/api/v1/search``: where can this person go?"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import ValidationError

from app.domain.errors import DomainError
from app.domain.opening import today_in_brussels
from app.domain.profile import NeedsProfile
from app.domain.search import run_search
from app.http.deps import StateDep
from app.http.errors import ERROR_RESPONSES
from app.http.search_results import SearchResponse, search_response

router = APIRouter(prefix="/api/v1", tags=["search"], responses=ERROR_RESPONSES)


class ProfileQueryError(DomainError):
    code = "validation_error"
    status_code = 422
    message_nl = "Controleer wat je invulde."


def execute(state, profile: NeedsProfile, *, include_internal: bool) -> SearchResponse:
    outcome = run_search(
        profile,
        catalog=state.catalog(),
        gazetteer=state.gazetteer,
        reach=state.reach,
        today=today_in_brussels(),
        stale_after_days=state.settings.stale_after_months * 30,
        horizon_days=state.settings.opening_horizon_days,
    )
    return search_response(outcome, include_internal=include_internal, attribution=state.travel_credits)


@router.post("/search", response_model=SearchResponse, summary="Rank the services this person can reach")
def search_post(state: StateDep, profile: NeedsProfile) -> SearchResponse:
    return execute(state, profile, include_internal=False)


def profile_from_query(
    *,
    lat: float | None,
    lon: float | None,
    q: str | None,
    needs: str,
    modes: str | None,
    profile: str | None,
    max_minutes: int | None,
    age: int | None,
    languages: str | None,
    limit: int,
    wheelchair: bool = False,
) -> NeedsProfile:
    """Build a profile from flat query parameters (GET search, widget)."""
    home: dict[str, Any] = {"lat": lat, "lon": lon} if lat is not None or lon is not None else {"query": q}
    mobility: dict[str, Any] = {"wheelchair": wheelchair}
    if profile:
        mobility["profile"] = profile
    if modes:
        mobility["modes"] = [m.strip() for m in modes.split(",") if m.strip()]
    if max_minutes is not None:
        mobility["max_minutes"] = max_minutes
    raw = {
        "home": home,
        "needs": [code.strip() for code in needs.split(",") if code.strip()],
        "mobility": mobility,
        "age": age,
        "languages": [code.strip() for code in (languages or "").split(",") if code.strip()],
        "limit": limit,
    }
    try:
        return NeedsProfile.model_validate(raw)
    except ValidationError as exc:
        messages = []
        for error in exc.errors()[:5]:
            where = ".".join(str(p) for p in error["loc"])
            messages.append(f"{where}: {error['msg']}" if where else error["msg"])
        raise ProfileQueryError("; ".join(messages)) from None


@router.get("/search", response_model=SearchResponse, summary="The same search with query parameters")
def search_get(
    state: StateDep,
    needs: Annotated[str, Query(min_length=1, max_length=600, description="comma-separated need codes")],
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    modes: Annotated[str | None, Query(max_length=60)] = None,
    profile: Annotated[str | None, Query(max_length=20)] = None,
    max_minutes: Annotated[int | None, Query(ge=1, le=180)] = None,
    age: Annotated[int | None, Query(ge=0, le=120)] = None,
    languages: Annotated[str | None, Query(max_length=60)] = None,
    wheelchair: bool = False,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> SearchResponse:
    needs_profile = profile_from_query(
        lat=lat, lon=lon, q=q, needs=needs, modes=modes, profile=profile, max_minutes=max_minutes,
        age=age, languages=languages, limit=limit, wheelchair=wheelchair,
    )
    return execute(state, needs_profile, include_internal=False)
