"""Gap analysis for coordinators: choropleth, sortable table, profile comparison, PNG and CSV;
and ``GET /api/v1/gaps`` with the same figures as JSON."""

from __future__ import annotations

import io
import threading
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from app import models
from app.deps import StateDep
from app.domain.gaps import (
    GAP_PROFILES,
    GapResult,
    load_result,
    need_label,
    population_origins,
    profile_label,
    run_gap_analysis,
    save_result,
    to_csv,
)
from app.domain.reach import default_transit_window
from app.domain.taxonomy import needs_by_code, top_level_codes
from app.errors import ERROR_RESPONSES, DomainError
from app.web.session import ViewerDep
from app.web.templating import templates

router = APIRouter(responses=ERROR_RESPONSES)
_lock = threading.Lock()

ProfileName = Literal["walk", "bike", "cannot-cycle", "no-licence", "car"]


class UnknownGapNeed(DomainError):
    code = "unknown_need"
    status_code = 422
    message_nl = "Onbekende nood."


def gap_result(state, *, needs: tuple[str, ...] | None = None) -> GapResult:
    """The cached analysis for the current data, computed when the services changed."""
    from app.domain.gaps import analysis_key

    catalog = state.catalog()
    origins = state.gap_origins()
    wanted = needs or tuple(top_level_codes())
    window = default_transit_window(date.today())
    key = analysis_key(catalog, origins, state.reach, wanted, GAP_PROFILES, window=window)
    folder = state.settings.data_dir / "gaps"
    with _lock:
        cached = state.gap_cache.get(key) or load_result(folder, key)
        if cached is None:
            cached = run_gap_analysis(catalog=catalog, regions=state.regions, origins=origins, reach=state.reach,
                                      window=window, needs=wanted)
            save_result(cached, folder)
        state.gap_cache = {key: cached}
        return cached


def _needs_for(need: str) -> tuple[str, ...]:
    if need not in needs_by_code():
        raise UnknownGapNeed(f"unknown need {need!r}")
    top = tuple(top_level_codes())
    return top if need in top else (*top, need)


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
    demo: bool
    rows: list[GapRowOut]


@router.get("/api/v1/gaps", response_model=GapsResponse, tags=["gaps"],
            summary="Population within reach of a service for a need, per municipality")
def gaps_api(
    state: StateDep,
    need: Annotated[str, Query(max_length=80)],
    profile: ProfileName,
) -> GapsResponse:
    result = gap_result(state, needs=_needs_for(need))
    rows = sorted(result.select(need=need, profile=profile), key=lambda r: -r.population_out_of_reach)
    return GapsResponse(
        need=need, profile=profile, travel_times_estimated=result.estimated, demo=state.catalog().demo,
        rows=[GapRowOut(nis=r.nis, name=r.name, population=r.population, population_within_reach=r.population_within_reach,
                        population_out_of_reach=r.population_out_of_reach, share=r.share_within_reach,
                        median_minutes_to_nearest=r.median_minutes_to_nearest) for r in rows],
    )


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
    result = gap_result(state, needs=_needs_for(need))
    rows = result.select(need=need, profile=profile)
    other = {r.nis: r for r in result.select(need=need, profile=compare)}
    return templates.TemplateResponse(
        request, "gaps.html",
        {"request": request, "attribution": state.attribution, "demo": state.catalog().demo, "viewer": viewer,
         "travel_credits": state.travel_credits,
         "csrf": viewer.csrf_token, "need": need, "profile": profile, "compare": compare,
         "need_label": need_label(need), "profile_label": profile_label(profile), "compare_label": profile_label(compare),
         "rows": sorted(rows, key=lambda r: -r.population_out_of_reach), "other": other,
         "map_rows": [row.to_dict() for row in rows],
         "needs": [(code, need_label(code)) for code in top_level_codes()],
         "profiles": [(p, profile_label(p)) for p in GAP_PROFILES], "estimated": result.estimated,
         "tile_url": state.settings.tile_url, "tile_attribution": state.settings.tile_attribution},
    )


@router.get("/coordinator/hiaten.csv", include_in_schema=False)
def gaps_csv(state: StateDep, viewer: ViewerDep, need: Annotated[str, Query(max_length=80)] = "housing",
             profile: ProfileName = "walk") -> Response:
    viewer.require(models.Role.COORDINATOR)
    result = gap_result(state, needs=_needs_for(need))
    body = to_csv(result.select(need=need, profile=profile))
    filename = f"hiaten-{need.replace('/', '-')}-{profile}.csv"
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/coordinator/hiaten.png", include_in_schema=False)
def gaps_png(state: StateDep, viewer: ViewerDep, need: Annotated[str, Query(max_length=80)] = "housing",
             profile: ProfileName = "walk") -> Response:
    viewer.require(models.Role.COORDINATOR)
    result = gap_result(state, needs=_needs_for(need))
    png = render_gap_map(result.select(need=need, profile=profile), state.regions, need=need, profile=profile,
                         estimated=result.estimated, demo=state.catalog().demo, attribution=state.attribution)
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
