"""Gap analysis benchmark: the four regions, all top-level needs, the mobility presets.

Run: ``make bench-gaps``. Uses a temporary SQLite database with the demo data; the last
line of output is one JSON object.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.bootstrap import initialise  # noqa: E402
from app.config import Settings  # noqa: E402
from app.domain.gaps import GAP_PROFILES, run_gap_analysis  # noqa: E402
from app.domain.reach import default_transit_window  # noqa: E402
from app.domain.taxonomy import top_level_codes  # noqa: E402
from app.state import build_state  # noqa: E402


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-gaps-"))
    settings = Settings(database_url=f"sqlite:///{folder / 'bench.db'}")
    initialise(settings)
    state = build_state(settings)
    catalog, origins = state.catalog(), state.gap_origins()
    needs = top_level_codes()
    runs = []
    result = None
    for _ in range(3):
        start = time.perf_counter()
        result = run_gap_analysis(catalog=catalog, regions=state.regions, origins=origins, reach=state.reach,
                                  window=default_transit_window(date.today()), needs=needs, profiles=GAP_PROFILES)
        runs.append(time.perf_counter() - start)
    worst = sorted(result.rows, key=lambda r: -r.population_out_of_reach)[:3]
    for row in worst:
        print(f"{row.need} / {row.profile}: {row.name} {row.population_out_of_reach} people out of reach")
    print(json.dumps({
        "origins": result.origins, "needs": len(result.needs), "profiles": len(result.profiles),
        "locations": len(catalog.locations), "services": len(catalog.services), "rows": len(result.rows),
        "seconds": round(statistics.median(runs), 2), "seconds_runs": [round(r, 2) for r in runs],
        "travel_times": "estimated (no road network or timetable loaded)" if result.estimated else "routed",
    }))


if __name__ == "__main__":
    main()
