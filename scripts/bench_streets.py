"""Street index benchmark on the real four-regions roads: our reader and index beside pyrosm.

Run: ``make bench-streets`` (after ``make data``). Times, median of 3 runs:

- reading the named roads with pyosmium (:func:`geo.streets.read_named_roads`) and, side by
  side, with pyrosm (``OSM.get_network("all")``, the reader the routing build uses and the
  one a Python user would pick), printed as a ratio;
- grouping them into streets (:func:`geo.streets.build_streets`);
- looking up 1,000 typed streets through the gazetteer (exact and with a typo).

The last line is one JSON object.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.core.config import Settings  # noqa: E402
from geo.gazetteer import Gazetteer  # noqa: E402
from geo.places import load_places  # noqa: E402
from geo.regions import load_regions  # noqa: E402
from geo.sources import OSM_ROADS_PATH  # noqa: E402
from geo.streets import StreetIndex, build_streets, read_named_roads  # noqa: E402

RUNS = 3


def median_seconds(function) -> tuple[float, object]:
    times, result = [], None
    for _ in range(RUNS):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def read_with_pyrosm(path: Path) -> int:
    import pyrosm

    edges = pyrosm.OSM(str(path)).get_network(network_type="all")
    return int(edges["name"].notna().sum())


def main() -> None:
    settings = Settings()
    roads_file = settings.data_dir / "source" / OSM_ROADS_PATH
    if not roads_file.is_file():
        sys.exit(f"no roads at {roads_file}: run `make data` first")
    regions, places = load_regions(settings.geo_dir), load_places(settings.geo_dir)

    read_s, roads = median_seconds(lambda: read_named_roads(roads_file))
    pyrosm_s, pyrosm_named = median_seconds(lambda: read_with_pyrosm(roads_file))
    build_s, streets = median_seconds(lambda: build_streets(roads, regions, places))
    print(f"read named roads: pyosmium {read_s:.2f} s ({len(roads)} ways), pyrosm {pyrosm_s:.2f} s "
          f"({pyrosm_named} named edges): {pyrosm_s / read_s:.1f}x faster")
    print(f"group into streets: {build_s:.2f} s ({len(streets)} streets)")

    plain = Gazetteer.from_geo_dir(settings.geo_dir, streets=False)
    gazetteer = Gazetteer(plain.regions, plain.places, [], streets=StreetIndex(streets))
    sample = streets[:: max(1, len(streets) // 500)][:500]
    names = {nis: m.name_nl for nis, m in ((m.nis, m) for m in regions.municipalities)}
    queries = [f"{s.name} 12, {names[s.municipality_nis]}" for s in sample]
    queries += [f"{s.name[:-1]}{s.name[-1]}e {names[s.municipality_nis]}" for s in sample]  # one letter more
    lookups = []
    for query in queries:
        start = time.perf_counter()
        gazetteer.search(query)
        lookups.append((time.perf_counter() - start) * 1000)
    lookups.sort()
    p50, p95 = statistics.median(lookups), lookups[int(0.95 * (len(lookups) - 1))]
    print(f"street geocoding: {len(queries)} queries, p50 {p50:.2f} ms, p95 {p95:.2f} ms")
    print(json.dumps({"streets": len(streets), "read_pyosmium_s": round(read_s, 2), "read_pyrosm_s": round(pyrosm_s, 2),
                      "read_ratio": round(pyrosm_s / read_s, 1), "build_s": round(build_s, 2),
                      "geocode_street_ms_p50": round(p50, 2), "geocode_street_ms_p95": round(p95, 2)}))


if __name__ == "__main__":
    main()
