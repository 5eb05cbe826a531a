"""The public, read-only API the embeddable widget uses.

Same scoring as the coach search, without internal fields or the "why not" list.
CORS for GET from any origin (no credentials), rate-limited per client, cacheable.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from pydantic import BaseModel, Field

from app.api.reference import GeocodeResponse, geocode_answer
from app.api.search import execute, profile_from_query
from app.core import i18n
from app.domain.errors import DomainError
from app.domain.needs_offered import offered_needs_tree
from app.domain.taxonomy import search_needs
from app.http.deps import StateDep, client_of
from app.http.errors import ERROR_RESPONSES
from app.http.search_results import HomeOut, ModeBasisOut, PlanOut, SearchResultOut, TimetableOut
from geo.gazetteer import BELGIUM_BOUNDS

router = APIRouter(prefix="/api/v1/public", tags=["public"], responses=ERROR_RESPONSES)


class RateLimited(DomainError):
    code = "rate_limited"
    status_code = 429
    message_nl = "Te veel zoekopdrachten na elkaar. Wacht even en probeer opnieuw."

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many requests; retry after {retry_after} s")


class RateLimiter:
    """Moving-window limit per client address (the ``limits`` library, as slowapi uses)."""

    def __init__(self, limit: str) -> None:
        self.item = parse(limit)
        self.storage = MemoryStorage()
        self.strategy = MovingWindowRateLimiter(self.storage)

    def check(self, client: str) -> None:
        if not self.strategy.hit(self.item, "public", client):
            reset_at, _remaining = self.strategy.get_window_stats(self.item, "public", client)
            raise RateLimited(max(1, int(reset_at - time.time()) + 1))


def rate_limit(request: Request) -> None:
    limiter: RateLimiter = request.app.state.public_rate_limiter
    limiter.check(client_of(request))


RateLimitDep = Annotated[None, Depends(rate_limit)]


class PublicSearchResponse(BaseModel):
    home: HomeOut
    mobility: dict[str, Any]
    results: list[SearchResultOut]
    plan: PlanOut
    travel_times_estimated: bool
    travel_bases: list[ModeBasisOut] = []
    timetable: TimetableOut | None = None
    demo: bool
    attribution: list[str]
    lang: str = Field(description="the language of the reasons and warnings (nl, fr or en)")


def cacheable_json(request: Request, payload: dict | bytes, *, max_age: int) -> Response:
    """JSON with a strong ETag; answers 304 when the client already has it (``payload`` may be
    already-encoded JSON)."""
    if isinstance(payload, bytes):
        body = payload
    else:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}", "Vary": "Accept-Encoding"}
    if etag in [tag.strip() for tag in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(content=body, media_type="application/json", headers=headers)


class OfferedNeedChild(BaseModel):
    code: str
    label: str


class OfferedNeed(BaseModel):
    code: str
    label: str = Field(description="in the asked language; Dutch where no translation exists")
    children: list[OfferedNeedChild]


class OfferedNeeds(BaseModel):
    partnership: str | None
    lang: str
    needs: list[OfferedNeed]


#: what the public doors add to the lookups they share with the coach's API
PUBLIC_DOOR = "open to any website (CORS, no credentials), rate-limited per client, with an ETag and Cache-Control"


@router.get(
    "/needs", response_model=OfferedNeeds, summary="Needs offered in a partnership, labelled in nl/fr/en",
    description="The widget's list of needs: only those some active service in the partnership offers "
    f"(every need without a partnership), no synonyms; {PUBLIC_DOOR} (1 h). The whole taxonomy with "
    "its Dutch synonyms is `GET /api/v1/needs`.",
)
def public_needs(
    request: Request,
    state: StateDep,
    _limit: RateLimitDep,
    partnership: Annotated[str | None, Query(max_length=40)] = None,
    lang: Annotated[str, Query(pattern="^(nl|fr|en)$")] = "nl",
) -> Response:
    needs = offered_needs_tree(state.catalog(), state.regions, partnership, lang)
    return cacheable_json(request, {"partnership": partnership, "lang": lang, "needs": needs}, max_age=3600)


@router.get(
    "/geocode", response_model=GeocodeResponse, summary="Resolve a postcode or village (public)",
    description=f"`GET /api/v1/geocode` for other websites: the same lookup and the same answer, {PUBLIC_DOOR} "
    "(1 h); five candidates and at most 100 characters, as the public search takes.",
)
def public_geocode(
    request: Request,
    state: StateDep,
    _limit: RateLimitDep,
    q: Annotated[str, Query(min_length=1, max_length=100)],
) -> Response:
    answer = geocode_answer(state.gazetteer, q, limit=5)
    return cacheable_json(request, answer.model_dump(), max_age=3600)


@router.get("/search", response_model=PublicSearchResponse, summary="Public search: published, active services only")
def public_search(
    request: Request,
    state: StateDep,
    _limit: RateLimitDep,
    needs: Annotated[str | None, Query(max_length=400, description="comma-separated need codes (max 8)")] = None,
    text: Annotated[str | None, Query(max_length=100, description="free text, matched to needs (Dutch synonyms)")] = None,
    lat: Annotated[float | None, Query(ge=BELGIUM_BOUNDS[1], le=BELGIUM_BOUNDS[3],
                                       description="WGS84 latitude inside Belgium")] = None,
    lon: Annotated[float | None, Query(ge=BELGIUM_BOUNDS[0], le=BELGIUM_BOUNDS[2],
                                       description="WGS84 longitude inside Belgium")] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    modes: Annotated[str | None, Query(max_length=40)] = None,
    profile: Annotated[str | None, Query(max_length=20)] = None,
    max_minutes: Annotated[int | None, Query(ge=5, le=120)] = None,
    age: Annotated[int | None, Query(ge=0, le=120)] = None,
    languages: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=25)] = 10,
    lang: Annotated[str, Query(pattern="^(nl|fr|en)$", description="the language of the reasons and warnings")] = "nl",
) -> Response:
    codes = [code.strip() for code in (needs or "").split(",") if code.strip()]
    if len(codes) > 8:
        raise TooManyNeeds()
    if text and text.strip():
        codes += [term.code for term, _score in search_needs(text, limit=2, score_cutoff=80)]
        if not codes:
            raise NoNeedRecognised(text)
    if not codes:
        raise NoNeedRecognised("")
    needs = ",".join(dict.fromkeys(codes))
    profile_model = profile_from_query(
        lat=lat, lon=lon, q=q, needs=needs, modes=modes, profile=profile, max_minutes=max_minutes,
        age=age, languages=languages, limit=limit,
    )
    with i18n.language_in_use(lang):
        full = execute(state, profile_model, include_internal=False)
    # the public answer is the search answer without what is excluded and why, and the
    # language its reasons are in (serialised by pydantic's compiled encoder)
    public = PublicSearchResponse.model_construct(
        lang=lang, **{name: getattr(full, name) for name in PublicSearchResponse.model_fields if name != "lang"}
    )
    body = public.model_dump_json().encode()
    return cacheable_json(request, body, max_age=60)


class NoNeedRecognised(DomainError):
    code = "no_need"
    status_code = 422
    message_nl = "We begrijpen niet goed waarvoor je hulp zoekt. Kies een onderwerp uit de lijst."

    def __init__(self, text: str) -> None:
        super().__init__(f"no need given or recognised in {text!r}" if text else "give needs or text")


class TooManyNeeds(DomainError):
    code = "too_many_needs"
    status_code = 422
    message_nl = "Kies maximaal 8 noden."

    def __init__(self) -> None:
        super().__init__("at most 8 needs per public search")
