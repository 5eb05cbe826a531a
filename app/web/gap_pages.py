"""Gap analysis for coordinators: hexagon map, sortable tables, profile comparison, PNG, CSV and
GeoPackage. The same figures as JSON: ``app/api/gaps.py``; the PNG map: ``app/web/gap_map.py``.

The analysis runs in the background (:mod:`app.domain.gap_runs`); no request waits for it."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.core import models
from app.domain.gap_export import write_geopackage
from app.domain.gap_runs import check_need, gap_view, result_or_computing, travel_lines
from app.domain.gaps import GAP_PROFILES, need_label, profile_label, to_csv
from app.domain.profile import PresetName
from app.domain.taxonomy import covers, top_level_codes
from app.http.deps import StateDep, ViewerDep
from app.web.gap_map import render_gap_map
from app.web.page_context import base_context
from app.web.templating import templates

router = APIRouter(include_in_schema=False)


def _with_badge(lines: list[str], labels: dict[str, str]) -> list[tuple[str, bool]]:
    """Each line with whether it gets the "schatting" badge (its mode is labelled an estimate)."""
    return [(line, label == "estimated") for line, label in zip(lines, labels.values(), strict=True)]


def _need_services(state, need: str) -> list[dict]:
    """The locations of the services of this need (active, published), for the map."""
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
    profile: PresetName = "walk",
    compare: PresetName = "bike",
):
    viewer.require(models.Role.COORDINATOR)
    check_need(need)
    result, current = gap_view(state)
    context = base_context(request, state, viewer, **{
               "travel_credits": state.travel_credits,
               "csrf": viewer.csrf_token, "need": need, "profile": profile, "compare": compare,
               "need_label": need_label(need), "profile_label": profile_label(profile),
               "compare_label": profile_label(compare),
               "needs": [(code, need_label(code)) for code in top_level_codes()],
               "profiles": [(p, profile_label(p)) for p in GAP_PROFILES],
               "tile_url": state.settings.tile_url, "tile_attribution": state.settings.tile_attribution,
               "result": result, "current": current, "status": state.gap_jobs.status()})
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
             profile: PresetName = "walk") -> Response:
    viewer.require(models.Role.COORDINATOR)
    check_need(need)
    result, _ = result_or_computing(state)
    body = to_csv(result.select(need=need, profile=profile) + result.place_rows(need=need, profile=profile))
    filename = f"hiaten-{need.replace('/', '-')}-{profile}.csv"
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/coordinator/hiaten.gpkg", include_in_schema=False)
def gaps_geopackage(state: StateDep, viewer: ViewerDep, need: Annotated[str, Query(max_length=80)] = "housing") -> Response:
    """The services and this need's gap layers for every profile, as a GeoPackage for QGIS."""
    viewer.require(models.Role.COORDINATOR)
    check_need(need)
    result, _ = result_or_computing(state)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "hiaten.gpkg"
        write_geopackage(path, result, state.catalog(), state.regions, needs=[need], profiles=GAP_PROFILES)
        body = path.read_bytes()
    return Response(body, media_type="application/geopackage+sqlite3",
                    headers={"Content-Disposition": f'attachment; filename="hiaten-{need.replace("/", "-")}.gpkg"'})


@router.get("/coordinator/hiaten.png", include_in_schema=False)
def gaps_png(state: StateDep, viewer: ViewerDep, need: Annotated[str, Query(max_length=80)] = "housing",
             profile: PresetName = "walk") -> Response:
    viewer.require(models.Role.COORDINATOR)
    check_need(need)
    result, _ = result_or_computing(state)
    png = render_gap_map(result.select(need=need, profile=profile), state.regions, need=need, profile=profile,
                         estimated="estimated" in result.travel_labels(profile).values(), demo=state.catalog().demo,
                         attribution=state.attribution)
    return Response(png, media_type="image/png",
                    headers={"Content-Disposition": f'attachment; filename="hiaten-{need.replace("/", "-")}-{profile}.png"'})
