"""Gap analysis for coordinators: hexagon map, sortable tables, profile comparison, PNG, CSV and
GeoPackage; ``GET /api/v1/gaps`` and ``/api/v1/gaps/hexagons`` with the same figures as JSON.

The analysis runs in the background (:mod:`app.domain.gap_jobs`); no request waits for it."""

from __future__ import annotations

import io
import json
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel

from app import models
from app.http.deps import StateDep, ViewerDep
from app.domain.gaps import (
    GAP_PROFILES,
    MODE_NL,
    GapResult,
    analysis_key,
    gap_needs,
    gap_transit_window,
    hexagons_geojson,
    need_label,
    profile_label,
    run_gap_analysis,
    to_csv,
)
from app.domain.taxonomy import top_level_codes
from app.domain.errors import DomainError
from app.http.errors import ERROR_RESPONSES, ErrorBody
from app.web.templating import templates

router = APIRouter(responses=ERROR_RESPONSES)
COMPUTING = {202: {"model": ErrorBody, "description": "No analysis is complete yet: it was started in the background "
                   "(code `gaps_computing`, `detail` the progress); retry after `Retry-After` seconds"}}

ProfileName = Literal["walk", "bike", "cannot-cycle", "no-licence", "car"]
TRANSIT_ESTIMATE_NL = "geschat (trein via de dichtste NMBS-stations, wandelen in rechte lijn)"
TRAVEL_LABEL_NL = {"routed": "berekend over het wegennet (OpenStreetMap)", "timetabled": "volgens de dienstregeling",
                   "estimated": "geschat (rechte lijn x omwegfactor)"}


class UnknownGapNeed(DomainError):
    code = "unknown_need"
    status_code = 422
    message_nl = "Onbekende nood."


class GapsComputing(DomainError):
    """Nothing computed yet: 202 (the computation was started and runs in the background)."""

    code = "gaps_computing"
    status_code = 202
    message_nl = "De hiatenanalyse wordt berekend. Probeer het over een minuut opnieuw."
    retry_after = 30

    def __init__(self, message: str, *, detail: dict) -> None:
        super().__init__(message)
        self.detail = detail


def current_key(state) -> str:
    return analysis_key(state.catalog(), state.gap_origins_id(), state.reach, gap_needs(), GAP_PROFILES,
                        window=gap_transit_window(state.reach))


def start_gap_analysis(state) -> GapResult | None:
    """The result of the current data if complete; otherwise start it in the background (never waits)."""

    def compute(progress) -> GapResult:
        progress("inwoners over de straten verdelen", 0.0)
        origins = state.gap_origins()
        return run_gap_analysis(catalog=state.catalog(), regions=state.regions, origins=origins, reach=state.reach,
                                window=gap_transit_window(state.reach), needs=gap_needs(), profiles=GAP_PROFILES,
                                progress=progress, origins_id=state.gap_origins_id())

    return state.gap_jobs.ensure(current_key(state), compute)


def gap_view(state) -> tuple[GapResult | None, bool]:
    """(result to show, whether it is the current data's): the last complete one meanwhile."""
    result = start_gap_analysis(state)
    if result is not None:
        return result, True
    return state.gap_jobs.latest(), False


def _check_need(need: str) -> str:
    if need not in gap_needs():
        raise UnknownGapNeed(f"unknown need {need!r}")
    return need


def _result_or_202(state) -> tuple[GapResult, bool]:
    result, current = gap_view(state)
    if result is None:
        raise GapsComputing("the gap analysis is being computed; retry in a minute",
                            detail=state.gap_jobs.status().to_dict())
    return result, current


def travel_lines(result: GapResult, profile: str) -> list[str]:
    """Plain-Dutch lines about the travel times this profile's figures come from (estimates say "geschat")."""
    lines = []
    for mode, label in result.travel_labels(profile).items():
        share = result.estimated_share.get(profile, {}).get(mode, 0.0)
        partly = f" ({share * 100:.0f}% geschat: punten naast het netwerk)" if label != "estimated" and share > 0 else ""
        wording = TRANSIT_ESTIMATE_NL if (mode, label) == ("transit", "estimated") else TRAVEL_LABEL_NL[label]
        lines.append(f"{MODE_NL.get(mode, mode)}: {wording}{partly}")
    return lines


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
    rows: list[GapRowOut]


@router.get("/api/v1/gaps", response_model=GapsResponse, tags=["gaps"],
            summary="Population within reach of a service for a need, per municipality", responses=COMPUTING,
            description="Summed from the population hexagons. 202 with code `gaps_computing` until the first "
                        "analysis is complete (it runs in the background; a request never waits for it).")
def gaps_api(
    state: StateDep,
    need: Annotated[str, Query(max_length=80)],
    profile: ProfileName,
) -> GapsResponse:
    _check_need(need)
    result, current = _result_or_202(state)
    rows = sorted(result.select(need=need, profile=profile), key=lambda r: -r.population_out_of_reach)
    labels = result.travel_labels(profile)
    return GapsResponse(
        need=need, profile=profile, travel_times_estimated="estimated" in labels.values(), travel_times=labels,
        demo=state.catalog().demo, current=current, computed_at=result.computed_at,
        rows=[GapRowOut(nis=r.nis, name=r.name, population=r.population, population_within_reach=r.population_within_reach,
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
    profile: ProfileName,
) -> Response:
    _check_need(need)
    result, current = _result_or_202(state)
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
                       "current": current, "computed_at": result.computed_at})
    body = json.dumps(collection, separators=(",", ":")).encode()
    with _HEXAGON_LOCK:
        _HEXAGON_BODIES[cache_key] = body
        while len(_HEXAGON_BODIES) > _HEXAGON_BODIES_MAX:
            _HEXAGON_BODIES.popitem(last=False)
    return body


def _with_badge(lines: list[str], labels: dict[str, str]) -> list[tuple[str, bool]]:
    """Each line with whether it gets the "schatting" badge (its mode is labelled an estimate)."""
    return [(line, label == "estimated") for line, label in zip(lines, labels.values(), strict=True)]


def _need_services(state, need: str) -> list[dict]:
    """The locations of the services of this need (active, published), for the map."""
    from app.domain.taxonomy import covers

    catalog = state.catalog()
    points = []
    for service in catalog.services:
        if not service.is_active or not covers(service.needs, need):
            continue
        for index in service.location_indices:
            location = catalog.locations[index]
            points.append({"id": service.id, "name": service.name, "lat": location.latitude,
                           "lon": location.longitude, "outreach": bool(service.outreach)})
    return points


@router.get("/coordinator/hiaten", response_class=HTMLResponse, include_in_schema=False)
def gaps_page(
    request: Request,
    state: StateDep,
    viewer: ViewerDep,
    need: Annotated[str, Query(max_length=80)] = "housing",
    profile: ProfileName = "walk",
    compare: ProfileName = "bike",
):
    viewer.require(models.Role.COORDINATOR)
    _check_need(need)
    result, current = gap_view(state)
    context = {"request": request, "attribution": state.attribution, "demo": state.catalog().demo, "viewer": viewer,
               "travel_credits": state.travel_credits,
               "csrf": viewer.csrf_token, "need": need, "profile": profile, "compare": compare,
               "need_label": need_label(need), "profile_label": profile_label(profile),
               "compare_label": profile_label(compare),
               "needs": [(code, need_label(code)) for code in top_level_codes()],
               "profiles": [(p, profile_label(p)) for p in GAP_PROFILES],
               "tile_url": state.settings.tile_url, "tile_attribution": state.settings.tile_attribution,
               "result": result, "current": current, "status": state.gap_jobs.status()}
    if result is not None:
        rows = result.select(need=need, profile=profile)
        other = {r.nis: r for r in result.select(need=need, profile=compare)}
        places = [r for r in result.place_rows(need=need, profile=profile)]
        context.update({
            "rows": sorted(rows, key=lambda r: -r.population_out_of_reach), "other": other,
            "places": sorted(places, key=lambda r: -r.population_out_of_reach),
            "map_services": _need_services(state, need),
            "travel": _with_badge(travel_lines(result, profile), result.travel_labels(profile)),
            "compare_travel": _with_badge(travel_lines(result, compare), result.travel_labels(compare)),
            "estimated": "estimated" in result.travel_labels(profile).values(),
            "hexagons": bool(result.origins.h3),
        })
    return templates.TemplateResponse(request, "gaps.html", context)


@router.get("/coordinator/hiaten.csv", include_in_schema=False)
def gaps_csv(state: StateDep, viewer: ViewerDep, need: Annotated[str, Query(max_length=80)] = "housing",
             profile: ProfileName = "walk") -> Response:
    viewer.require(models.Role.COORDINATOR)
    _check_need(need)
    result, _ = _result_or_202(state)
    body = to_csv(result.select(need=need, profile=profile) + result.place_rows(need=need, profile=profile))
    filename = f"hiaten-{need.replace('/', '-')}-{profile}.csv"
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/coordinator/hiaten.gpkg", include_in_schema=False)
def gaps_geopackage(state: StateDep, viewer: ViewerDep, need: Annotated[str, Query(max_length=80)] = "housing") -> Response:
    """The services and this need's gap layers for every profile, as a GeoPackage for QGIS."""
    import tempfile

    from app.domain.gap_export import write_geopackage

    viewer.require(models.Role.COORDINATOR)
    _check_need(need)
    result, _ = _result_or_202(state)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "hiaten.gpkg"
        write_geopackage(path, result, state.catalog(), state.regions, needs=[need], profiles=GAP_PROFILES)
        body = path.read_bytes()
    return Response(body, media_type="application/geopackage+sqlite3",
                    headers={"Content-Disposition": f'attachment; filename="hiaten-{need.replace("/", "-")}.gpkg"'})


@router.get("/coordinator/hiaten.png", include_in_schema=False)
def gaps_png(state: StateDep, viewer: ViewerDep, need: Annotated[str, Query(max_length=80)] = "housing",
             profile: ProfileName = "walk") -> Response:
    viewer.require(models.Role.COORDINATOR)
    _check_need(need)
    result, _ = _result_or_202(state)
    png = render_gap_map(result.select(need=need, profile=profile), state.regions, need=need, profile=profile,
                         estimated="estimated" in result.travel_labels(profile).values(), demo=state.catalog().demo,
                         attribution=state.attribution)
    return Response(png, media_type="image/png",
                    headers={"Content-Disposition": f'attachment; filename="hiaten-{need.replace("/", "-")}-{profile}.png"'})


def render_gap_map(rows, regions, *, need: str, profile: str, estimated: bool, demo: bool, attribution: list[str]) -> bytes:
    """A report-ready PNG: choropleth of the share within reach, legend, scale bar, sources."""
    import geopandas as gpd
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    frame = gpd.GeoDataFrame(
        [{"nis": r.nis, "share": r.share_within_reach * 100, "geometry": regions.by_nis(r.nis).geometry_metric} for r in rows],
        crs="EPSG:3812",
    )
    figure, axis = plt.subplots(figsize=(11, 7.5), dpi=120)
    frame.plot(column="share", ax=axis, cmap="RdYlGn", vmin=0, vmax=100, edgecolor="#333", linewidth=0.4,
               legend=True, legend_kwds={"label": "% van de inwoners binnen bereik", "shrink": 0.6})
    for _, row in frame.iterrows():
        point = row.geometry.representative_point()
        axis.annotate(f"{row.share:.0f}%", (point.x, point.y), ha="center", fontsize=6, color="#111")
    # scale bar: 10 km in metres (EPSG:3812 is metric)
    xmin, ymin, xmax, ymax = frame.total_bounds
    x0, y0 = xmin + (xmax - xmin) * 0.03, ymin + (ymax - ymin) * 0.04
    axis.plot([x0, x0 + 10_000], [y0, y0], color="black", linewidth=3)
    axis.text(x0 + 5_000, y0 + (ymax - ymin) * 0.015, "10 km", ha="center", fontsize=8)
    title = f"{need_label(need)}: bereikbaar {profile_label(profile).lower()}"
    axis.set_title(title + (" (geschatte reistijden)" if estimated else ""), fontsize=12)
    axis.set_axis_off()
    notes = ["Bronnen: " + "; ".join(attribution)] if attribution else []
    if demo:
        notes.insert(0, "DEMONSTRATIEDATA: de diensten op deze kaart zijn verzonnen.")
    figure.text(0.01, 0.01, "\n".join(notes), fontsize=6, va="bottom", wrap=True)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()
