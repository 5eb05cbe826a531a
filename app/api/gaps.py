"""``/api/v1/gaps`` and ``/api/v1/gaps/hexagons``: the gap analysis's figures as JSON.

The same figures as the coordinator's gap page (``app/web/gap_pages.py``). The analysis runs
in the background (:mod:`app.domain.gap_runs`); no request waits for it.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from app.domain.gap_runs import check_need, result_or_computing
from app.domain.gaps import GapResult, hexagons_geojson
from app.domain.profile import PresetName
from app.http.deps import StateDep
from app.http.errors import ERROR_RESPONSES, ErrorBody

router = APIRouter(responses=ERROR_RESPONSES)
COMPUTING = {202: {"model": ErrorBody, "description": "No analysis is complete yet: it was started in the background "
                   "(code `gaps_computing`, `detail` the progress); retry after `Retry-After` seconds"}}


class GapRowOut(BaseModel):
    nis: str
    name: str
    population: int
    population_within_reach: int
    population_out_of_reach: int
    share: float
    median_minutes_to_nearest: float | None


class GapsResponse(BaseModel):
    need: str
    profile: str
    travel_times_estimated: bool
    #: per mode: routed, timetabled or estimated
    travel_times: dict[str, str]
    demo: bool
    #: False while a newer analysis is computed in the background (these are the last complete figures)
    current: bool
    computed_at: str
    #: credits for the data behind the travel times (OpenStreetMap: ODbL; the timetable's name)
    attribution: list[str] = Field(default_factory=list)
    rows: list[GapRowOut]


@router.get("/api/v1/gaps", response_model=GapsResponse, tags=["gaps"],
            summary="Population within reach of a service for a need, per municipality", responses=COMPUTING,
            description="Summed from the population hexagons. 202 with code `gaps_computing` until the first "
                        "analysis is complete (it runs in the background; a request never waits for it).")
def gaps_api(
    state: StateDep,
    need: Annotated[str, Query(max_length=80)],
    profile: PresetName,
) -> GapsResponse:
    check_need(need)
    result, current = result_or_computing(state)
    rows = sorted(result.select(need=need, profile=profile), key=lambda r: -r.population_out_of_reach)
    labels = result.travel_labels(profile)
    return GapsResponse(
        need=need, profile=profile, travel_times_estimated="estimated" in labels.values(), travel_times=labels,
        demo=state.catalog().demo, current=current, computed_at=result.computed_at,
        attribution=list(state.travel_credits), rows=[GapRowOut(nis=r.nis, name=r.name, population=r.population, population_within_reach=r.population_within_reach,
                        population_out_of_reach=r.population_out_of_reach, share=r.share_within_reach,
                        median_minutes_to_nearest=r.median_minutes_to_nearest) for r in rows],
    )


@router.get("/api/v1/gaps/hexagons", tags=["gaps"],
            summary="Populated H3 hexagons with the minutes to the nearest service (GeoJSON, EPSG:4326)",
            description="One feature per populated hexagon (resolution 8). Properties: `h3`, `nis`, `population`, "
                        "`population_within_reach`, `minutes_to_nearest` (null when none is in reach), "
                        "`nearest_service_id`, `nearest_service_name`, `place`. 202 `gaps_computing` until the first "
                        "analysis is complete.",
            response_class=JSONResponse,
            responses={**COMPUTING, 200: {"description": "GeoJSON FeatureCollection",
                                          "content": {"application/geo+json": {"schema": {"type": "object"}}}}})
def gaps_hexagons_api(
    state: StateDep,
    need: Annotated[str, Query(max_length=80)],
    profile: PresetName,
) -> Response:
    check_need(need)
    result, current = result_or_computing(state)
    body = _hexagon_body(state, result, need, profile, current)
    return Response(body, media_type="application/geo+json")


#: the last few hexagon answers, serialised (about 2 MB each): one per need and profile asked
_HEXAGON_BODIES: OrderedDict[tuple, bytes] = OrderedDict()
_HEXAGON_BODIES_MAX = 8
_HEXAGON_LOCK = threading.Lock()


def _hexagon_body(state, result: GapResult, need: str, profile: str, current: bool) -> bytes:
    catalog = state.catalog()
    cache_key = (result.key, catalog.key, need, profile, current)
    with _HEXAGON_LOCK:
        cached = _HEXAGON_BODIES.get(cache_key)
    if cached is not None:
        return cached
    names = {service.id: service.name for service in catalog.services}
    collection = hexagons_geojson(result, need=need, profile=profile)
    for feature in collection["features"]:
        feature["properties"]["nearest_service_name"] = names.get(feature["properties"]["nearest_service_id"] or "", None)
    labels = result.travel_labels(profile)
    collection.update({"need": need, "profile": profile, "travel_times": labels,
                       "travel_times_estimated": "estimated" in labels.values(), "demo": catalog.demo,
                       "current": current, "computed_at": result.computed_at,
                       "attribution": list(state.travel_credits)})
    body = json.dumps(collection, separators=(",", ":")).encode()
    with _HEXAGON_LOCK:
        _HEXAGON_BODIES[cache_key] = body
        while len(_HEXAGON_BODIES) > _HEXAGON_BODIES_MAX:
            _HEXAGON_BODIES.popitem(last=False)
    return body
