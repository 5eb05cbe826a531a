"""``/api/v1`` reference lookups: needs, target groups, geocoding, partnerships, municipalities
(also as GeoJSON) and the published services, paginated."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field
from shapely.geometry import mapping
from sqlalchemy import func
from sqlmodel import select

from app.core import models
from app.http.deps import SessionDep, StateDep
from app.domain.taxonomy import TARGET_GROUPS, expand_need, taxonomy_json, validate_need_codes
from app.domain.errors import NotFoundError
from app.http.errors import ERROR_RESPONSES
from geo.gazetteer import Gazetteer

router = APIRouter(prefix="/api/v1", tags=["reference"], responses=ERROR_RESPONSES)


class MunicipalityRef(BaseModel):
    nis: str
    name: str


class GeocodeCandidateOut(BaseModel):
    label: str
    latitude: float
    longitude: float
    precision: str
    municipality: MunicipalityRef
    postcode: str | None = None
    score: float
    note: str | None = Field(default=None, description="what the point does not say, e.g. a house number not placed")


class GeocodeResponse(BaseModel):
    query: str
    candidates: list[GeocodeCandidateOut]


class NeedNode(BaseModel):
    code: str
    label: str = Field(description="Dutch label")
    label_en: str
    parent: str | None = Field(description="the parent need's code; null for a top-level need")
    synonyms: list[str] = Field(description="Dutch words a search matches to this need")
    children: list[NeedNode]


class NeedsTaxonomy(BaseModel):
    needs: list[NeedNode]


@router.get(
    "/needs", response_model=NeedsTaxonomy, summary="The needs taxonomy (nested, Dutch labels and synonyms)",
    description="Every need of the taxonomy, whether or not a service offers it: the codes the search, "
    "the services filter and the editing API take. For the widget's list (only the needs a partnership's "
    "services offer, labelled in nl/fr/en, open to any website) see `GET /api/v1/public/needs`.",
)
def list_needs() -> NeedsTaxonomy:
    return NeedsTaxonomy(needs=taxonomy_json())


@router.get("/target-groups", summary="Target groups services can be restricted to")
def list_target_groups() -> dict:
    return {
        "target_groups": [
            {"code": term.code, "label": term.label_nl, "label_en": term.label_en, "synonyms": list(term.synonyms)}
            for term in TARGET_GROUPS
        ]
    }


def geocode_answer(gazetteer: Gazetteer, q: str, *, limit: int) -> GeocodeResponse:
    """The one geocoding lookup of the API (``/api/v1/geocode`` and ``/api/v1/public/geocode``)."""
    return GeocodeResponse(query=q, candidates=[GeocodeCandidateOut(**c.to_dict()) for c in gazetteer.search(q, limit=limit)])


@router.get(
    "/geocode", response_model=GeocodeResponse, summary="Resolve a postcode, place, street or coordinates",
    description="The coach's and the app's own geocoding: up to `limit` candidates, not rate-limited, not "
    "cached, same origin only. `GET /api/v1/public/geocode` is the same lookup with the same answer for "
    "other websites (CORS, rate-limited, cacheable, five candidates, shorter text).",
)
def geocode(
    state: StateDep,
    q: Annotated[str, Query(min_length=1, max_length=200,
                            description="postcode, village, municipality, street (with house number) or 'lat, lon'")],
    limit: Annotated[int, Query(ge=1, le=20)] = 5,
) -> GeocodeResponse:
    return geocode_answer(state.gazetteer, q, limit=limit)


@router.get("/partnerships")
def list_partnerships(state: StateDep) -> dict:
    from geo.regions import PARTNERSHIPS

    return {
        "partnerships": [
            {
                "slug": p.slug,
                "name": p.name,
                "programme": p.programme,
                "municipalities": [m.nis for m in state.regions.in_partnership(p.slug)],
            }
            for p in PARTNERSHIPS.values()
        ]
    }


@router.get("/municipalities")
def list_municipalities(
    state: StateDep,
    partnership: Annotated[str | None, Query(max_length=40)] = None,
) -> dict:
    municipalities = state.regions.municipalities
    if partnership is not None:
        from geo.regions import PARTNERSHIPS

        if partnership not in PARTNERSHIPS:
            raise NotFoundError(f"unknown partnership {partnership!r}; one of {', '.join(PARTNERSHIPS)}")
        municipalities = tuple(state.regions.in_partnership(partnership))
    return {
        "municipalities": [
            {
                "nis": m.nis,
                "name": m.name_nl,
                "name_fr": m.name_fr,
                "partnerships": list(m.partnerships),
                "population": m.population,
                "merged_from": list(m.merged_from),
            }
            for m in municipalities
        ]
    }


@router.get("/municipalities.geojson", summary="Municipality outlines (WGS84 GeoJSON) for maps")
def municipalities_geojson(state: StateDep, response: Response) -> dict:
    response.headers["Cache-Control"] = "public, max-age=86400"
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"nis": m.nis, "name": m.name_nl, "partnerships": list(m.partnerships)},
                "geometry": mapping(m.geometry),
            }
            for m in state.regions.municipalities
        ],
    }


class ServiceSummary(BaseModel):
    id: str
    name: str
    organization_id: str
    status: str
    needs: list[str]
    demo: bool


class ServiceList(BaseModel):
    data: list[ServiceSummary]
    count: int
    page: int
    per_page: int
    demo: bool = Field(description="true when the dataset is demonstration data")


@router.get("/services", response_model=ServiceList, summary="Published services, paginated")
def list_services(
    session: SessionDep,
    state: StateDep,
    need: Annotated[str | None, Query(max_length=80, description="need code; a parent matches its children")] = None,
    municipality: Annotated[str | None, Query(pattern=r"^\d{5}$")] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ServiceList:
    query = select(models.Service).where(models.Service.published == True)  # noqa: E712
    wanted = validate_need_codes([need]) if need is not None else []
    if wanted:  # a blank need is no filter
        codes = expand_need(wanted[0])
        query = query.where(
            models.Service.id.in_(select(models.ServiceNeed.service_id).where(models.ServiceNeed.need_code.in_(codes)))
        )
    if municipality is not None:
        located = (
            select(models.ServiceAtLocation.service_id)
            .join(models.Location, models.Location.id == models.ServiceAtLocation.location_id)
            .where(models.Location.municipality_nis == municipality)
        )
        query = query.where(models.Service.id.in_(located))
    count = session.exec(select(func.count()).select_from(query.subquery())).one()
    services = session.exec(query.order_by(models.Service.name, models.Service.id).offset((page - 1) * per_page).limit(per_page)).all()
    needs_by_service: dict[str, list[str]] = {}
    if services:
        rows = session.exec(
            select(models.ServiceNeed).where(models.ServiceNeed.service_id.in_([s.id for s in services]))
        ).all()
        for row in rows:
            needs_by_service.setdefault(row.service_id, []).append(row.need_code)
    return ServiceList(
        data=[
            ServiceSummary(
                id=s.id,
                name=s.name,
                organization_id=s.organization_id,
                status=s.status,
                needs=sorted(needs_by_service.get(s.id, [])),
                demo=s.demo,
            )
            for s in services
        ],
        count=count,
        page=page,
        per_page=per_page,
        demo=state.catalog().demo,
    )
