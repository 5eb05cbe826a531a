"""Search latency over all demo services of the four regions, in-process and over HTTP.

Run: ``make bench-search``. Uses a temporary SQLite database with the demo data, two
modes per search (the usual "no licence" profile: walk, bike, transit), warm caches.
The last line of output is one JSON object.
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

from app.bootstrap import initialise  # noqa: E402
from app.config import Settings  # noqa: E402
from app.domain.profile import NeedsProfile  # noqa: E402
from app.domain.search import run_search  # noqa: E402
from app.state import build_state  # noqa: E402

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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--searches", type=int, default=300)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-search-"))
    settings = Settings(database_url=f"sqlite:///{tmp / 'bench.db'}")
    report = initialise(settings)
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
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--no-build-networks"],
        cwd=ROOT, env={**__import__("os").environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=10) as client:
            for _ in range(100):
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
    }))


if __name__ == "__main__":
    main()
