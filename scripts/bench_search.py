"""Search latency over all demo services of the four regions, in-process and over HTTP.

Run: ``make bench-search``. Uses a temporary SQLite database with the demo data, two
modes per search (the usual "no licence" profile: walk, bike, transit), warm caches.
Then :func:`real_search_transit` times the coach search of every mobility profile on the
real data the app loads by default (the road networks in ``data/networks`` when built, the
NMBS timetable, the De Lijn stops), side by side with the same search computing the walks
from the locations to their stops per search (what it did before they were prepared per
catalogue snapshot). The last line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.server.bootstrap import initialise  # noqa: E402
from app.core.config import Settings  # noqa: E402
from app.domain.profile import NeedsProfile  # noqa: E402
from app.domain.search import run_search  # noqa: E402
from app.server.app_state import build_state  # noqa: E402

HOMES = ["8500", "8930 Menen", "Ieper", "Poperinge", "Heule", "Turnhout", "Tielen", "Pajottegem", "Lo-Reninge",
         "Waregem", "Diksmuide", "Liedekerke", "Koksijde", "Wervik", "Beerse", "Ternat"]
NEED_SETS = [["housing", "language/nt2"], ["income-debt"], ["childcare", "work/job-search"],
             ["addiction", "mental-health"], ["digital/skills"], ["mobility/bike-lessons", "administration"]]
MODE_SETS = [["walk", "bike"], ["walk", "transit"], ["bike", "transit"], ["walk", "car"]]


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def profiles(n: int) -> list[dict]:
    out = []
    for i in range(n):
        out.append({
            "home": {"query": HOMES[i % len(HOMES)]},
            "needs": NEED_SETS[i % len(NEED_SETS)],
            "mobility": {"modes": MODE_SETS[i % len(MODE_SETS)], "max_minutes": 30 + 15 * (i % 3)},
            "age": 20 + i % 40,
            "languages": ["nl", "ar"] if i % 2 else ["nl"],
        })
    return out


def real_search_transit(settings: Settings, *, searches_per_profile: int = 48, unprepared_searches: int = 6) -> dict:
    """Coach search in-process, per mobility profile, on the data the app loads by default.

    Returns ``real_search_transit_ms_p50/p95`` (over the profiles with public transport),
    per profile p50/p95, and the unprepared search (egress walks per search) for the ratio.
    """
    from app.domain.profile import PRESETS

    state = build_state(settings)
    catalog = state.catalog()  # prepares the transit legs of this snapshot
    reach = state.reach
    today = date.today()
    per_profile: dict[str, list[float]] = {}
    transit: list[float] = []
    for name, preset in PRESETS.items():
        bodies = [
            {"home": {"query": HOMES[i % len(HOMES)]}, "needs": NEED_SETS[i % len(NEED_SETS)], "mobility": {"profile": name}}
            for i in range(searches_per_profile + 5)
        ]
        parsed = [NeedsProfile.model_validate(body) for body in bodies]
        for profile in parsed[:5]:
            run_search(profile, catalog=catalog, gazetteer=state.gazetteer, reach=reach, today=today)
        timings = []
        for profile in parsed[5:]:
            start = time.perf_counter()
            run_search(profile, catalog=catalog, gazetteer=state.gazetteer, reach=reach, today=today)
            timings.append((time.perf_counter() - start) * 1000)
        per_profile[name] = timings
        if "transit" in preset.modes:
            transit += timings
    unprepared = []
    if reach.transit_router is not None:
        parsed = [NeedsProfile.model_validate({"home": {"query": HOMES[i % len(HOMES)]}, "needs": NEED_SETS[0],
                                               "mobility": {"profile": "cannot-cycle"}}) for i in range(unprepared_searches)]
        for profile in parsed:
            reach._prepared = {}  # noqa: SLF001 - the old way: nothing kept between searches
            start = time.perf_counter()
            run_search(profile, catalog=catalog, gazetteer=state.gazetteer, reach=reach, today=today)
            unprepared.append((time.perf_counter() - start) * 1000)
        reach.prepare(catalog.lonlat)
    networks = sorted(reach.engine.networks)
    out = {
        "real_networks": networks,
        "real_timetable": reach.feed_names,
        "real_bus_stops": len(reach.bus_estimator) if reach.bus_estimator is not None else 0,
        "real_locations": len(catalog.locations),
        "real_search_transit_ms_p50": round(statistics.median(transit), 2),
        "real_search_transit_ms_p95": round(percentile(transit, 95), 2),
    }
    for name, timings in per_profile.items():
        out[f"real_search_{name}_ms_p50"] = round(statistics.median(timings), 2)
        out[f"real_search_{name}_ms_p95"] = round(percentile(timings, 95), 2)
    if unprepared:
        out["real_search_transit_unprepared_ms_p50"] = round(statistics.median(unprepared), 2)
        out["unprepared_over_prepared_p50"] = round(statistics.median(unprepared) / statistics.median(transit), 1)
    return out


def measure_real_search_transit(**options) -> dict:
    """:func:`real_search_transit` on a fresh temporary SQLite database with the demo data, for
    other benchmarks (``make bench-routing``) to include: ``from scripts.bench_search import ...``."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-search-"))
    settings = Settings(database_url=f"sqlite:///{tmp / 'bench.db'}")
    initialise(settings)
    return real_search_transit(settings, **options)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--searches", type=int, default=300)
    parser.add_argument("--real-only", action="store_true", help="only the per-profile search on the real data")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-search-"))
    settings = Settings(database_url=f"sqlite:///{tmp / 'bench.db'}")
    report = initialise(settings)
    real = real_search_transit(settings)
    print(f"real data ({', '.join(real['real_networks']) or 'no road network'}; timetable "
          f"{', '.join(real['real_timetable']) or 'none'}; {real['real_bus_stops']} bus stops):")
    for key, value in real.items():
        if key.startswith(("real_search", "unprepared")):
            print(f"  {key}: {value}")
    if args.real_only:
        print(json.dumps(real))
        return
    state = build_state(settings)
    catalog = state.catalog()
    print(f"services: {len(catalog.services)}  locations: {len(catalog.locations)}  (demo data: {catalog.demo})")

    bodies = profiles(args.searches)
    parsed = [NeedsProfile.model_validate(body) for body in bodies]
    for profile in parsed[:20]:  # warm up
        run_search(profile, catalog=state.catalog(), gazetteer=state.gazetteer, reach=state.reach, today=date.today())
    inprocess = []
    for profile in parsed:
        start = time.perf_counter()
        run_search(profile, catalog=state.catalog(), gazetteer=state.gazetteer, reach=state.reach, today=date.today())
        inprocess.append((time.perf_counter() - start) * 1000)
    print(f"in-process: p50 {statistics.median(inprocess):.2f} ms  p95 {percentile(inprocess, 95):.2f} ms")

    port = 8765
    # the benchmark is one client: lift the public per-client limit for it
    env = {"SK_DATABASE_URL": settings.sqlalchemy_url, "SK_PUBLIC_RATE_LIMIT": "100000/minute"}
    server = subprocess.Popen(
        [sys.executable, "-m", "app.server.cli", "serve", "--port", str(port), "--no-build-networks"],
        cwd=ROOT, env={**__import__("os").environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        # the server loads the road networks and the timetable before it listens: wait for it
        with httpx.Client(base_url=base, timeout=60) as client:
            for _ in range(1200):
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            for body in bodies[:20]:
                client.post("/api/v1/search", json=body)
            over_http = []
            errors = 0
            for body in bodies:
                start = time.perf_counter()
                response = client.post("/api/v1/search", json=body)
                over_http.append((time.perf_counter() - start) * 1000)
                errors += response.status_code != 200
            widget = []
            for body in bodies:
                params = {"q": body["home"]["query"], "needs": ",".join(body["needs"]),
                          "modes": ",".join(body["mobility"]["modes"]), "max_minutes": body["mobility"]["max_minutes"]}
                start = time.perf_counter()
                response = client.get("/api/v1/public/search", params=params)
                widget.append((time.perf_counter() - start) * 1000)
                errors += response.status_code != 200
        print(f"over HTTP:  p50 {statistics.median(over_http):.2f} ms  p95 {percentile(over_http, 95):.2f} ms  errors {errors}")
        print(f"widget API: p50 {statistics.median(widget):.2f} ms  p95 {percentile(widget, 95):.2f} ms")
    finally:
        server.terminate()
        server.wait(timeout=10)

    print(json.dumps({
        "services": len(catalog.services),
        "locations": len(catalog.locations),
        "searches": len(bodies),
        "modes_per_search": 2,
        "inprocess_ms_p50": round(statistics.median(inprocess), 2),
        "inprocess_ms_p95": round(percentile(inprocess, 95), 2),
        "http_ms_p50": round(statistics.median(over_http), 2),
        "http_ms_p95": round(percentile(over_http, 95), 2),
        "widget_http_ms_p50": round(statistics.median(widget), 2),
        "widget_http_ms_p95": round(percentile(widget, 95), 2),
        "http_errors": errors,
        "travel_times": "estimated (no road network loaded)" if not state.reach.engine.covers("walk", 3.26, 50.82) else "network",
        "demo_loaded": report.get("demo_loaded"),
        **real,
    }))


if __name__ == "__main__":
    main()
