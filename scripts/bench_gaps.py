"""Gap analysis benchmark on the real data: population hexagons from the four-regions OSM
roads, the road networks built from the same file, the demo catalogue, every need, the
five mobility presets.

Run: ``make bench-gaps`` (``--network-dir DIR`` to use networks built elsewhere; without
networks there it builds them first, about a minute). Uses a temporary SQLite database
with the demo data. Prints the people placed per municipality against the official 2020
count, the seconds per routing step, and as its last line one JSON object with
``gaps_real_s`` (the whole analysis on the real networks).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.server.bootstrap import initialise  # noqa: E402
from app.core.config import Settings  # noqa: E402
from app.domain.gaps import GAP_PROFILES, gap_needs, gap_transit_window, run_gap_analysis  # noqa: E402
from app.server.app_state import build_state, routing_config  # noqa: E402
from geo.population import load_or_build, municipality_totals  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--network-dir", type=Path, help="cached road networks (default: the app's data/networks)")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="bench-gaps-"))
    settings = Settings(database_url=f"sqlite:///{folder / 'bench.db'}", gaps_at_startup=False)
    if args.network_dir:
        settings = settings.model_copy(update={"network_dir_name": str(args.network_dir.resolve())})
    initialise(settings)
    state = build_state(settings)
    roads = state.osm_roads_path()
    if roads is None:
        sys.exit("no four-regions OSM roads under data/source/osm or the shared data folder: run `make data`")
    if not state.reach.engine.networks:
        from routing.network import build_and_cache

        print(f"building the walk/bike/drive networks from {roads.name} into {settings.network_dir} ...", flush=True)
        started = time.perf_counter()
        build_and_cache(roads, cache_dir=settings.network_dir, config=routing_config(settings))
        print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
        state = build_state(settings)

    started = time.perf_counter()
    cells = load_or_build(settings.geo_dir, roads, state.regions.municipalities)
    population_s = time.perf_counter() - started
    totals = municipality_totals(cells, state.regions.municipalities)
    print(f"{'municipality':<24}{'official':>10}{'placed':>12}{'diff':>9}{'hexagons':>10}")
    hexagons_per = {}
    for cell, nis in zip(cells.h3, cells.nis, strict=True):
        hexagons_per.setdefault(nis, set()).add(cell)
    for row in totals:
        print(f"{row['name']:<24}{row['official']:>10}{row['placed']:>12.1f}{row['difference'] * 100:>8.3f}%"
              f"{len(hexagons_per.get(row['nis'], ())):>10}")
    worst = max(abs(row["difference"]) for row in totals)

    origins = state.gap_origins()
    catalog = state.catalog()
    # first use of each network in a process: compiled kernels, hierarchy and snapping index
    # (paid once by the app's first search or analysis); measured apart from the analysis
    started = time.perf_counter()
    for mode in ("walk", "bike", "car"):
        state.reach.engine.many_to_many(catalog.lonlat[:2], origins.lonlat[:2], mode, cutoff_minutes=30)
    warmup_s = time.perf_counter() - started
    print(f"first use of the networks (once per process): {warmup_s:.1f} s", flush=True)
    steps: list[tuple[str, float]] = []

    def progress(message: str, fraction: float) -> None:
        steps.append((message, time.perf_counter()))
        print(f"  {time.perf_counter() - started:6.1f} s  {message}", flush=True)

    started = time.perf_counter()
    result = run_gap_analysis(catalog=catalog, regions=state.regions, origins=origins, reach=state.reach,
                              window=gap_transit_window(state.reach), needs=gap_needs(), profiles=GAP_PROFILES,
                              progress=progress, origins_id=state.gap_origins_id())
    seconds = time.perf_counter() - started
    per_step = {steps[i][0].split(":")[0]: round(steps[i + 1][1] - steps[i][1], 2) for i in range(len(steps) - 1)}
    housing = {profile: result.select(need="housing", profile=profile) for profile in GAP_PROFILES}
    print("housing, share of the people within reach / municipalities at 100%:")
    for profile, rows in housing.items():
        share = sum(r.population_within_reach for r in rows) / sum(r.population for r in rows)
        print(f"  {profile:<13}{share * 100:6.1f}%  {sum(r.share_within_reach >= 0.9995 for r in rows):>3} of 44")
    print(json.dumps({
        "origins": len(origins.label), "hexagons": len(set(origins.h3)),
        "population_official": sum(r["official"] for r in totals),
        "population_placed": round(sum(r["placed"] for r in totals)),
        "population_worst_municipality_diff": worst, "population_s": round(population_s, 2),
        "locations": len(catalog.locations), "services": len(catalog.services), "needs": len(result.needs),
        "profiles": len(result.profiles), "networks": sorted(state.reach.engine.networks),
        "travel_times": {profile: result.travel_labels(profile) for profile in GAP_PROFILES},
        "seconds_per_step": per_step, "first_use_s": round(warmup_s, 2), "gaps_real_s": round(seconds, 2),
    }))


if __name__ == "__main__":
    main()
