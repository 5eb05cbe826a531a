"""The real-data road benchmark behind ``make bench-routing``, side by side with Valhalla.

On the four-regions OpenStreetMap file (``data/source/osm/`` if present, otherwise
``../shared/data/osm/``) and in the same run:

- build: walk + bike + drive with their contraction hierarchies (``python -m routing
  build`` in a child process: wall time, the child's peak memory, files on disk) against
  Valhalla's ``valhalla_build_tiles`` on the same file;
- 1xN: one origin to the N demo service locations (the app's demonstration dataset, 216
  locations) per mode, without a cutoff, against Valhalla's matrix on the same points,
  with how far the answers differ; ours also with the 30-minute cutoff a search passes;
- bike isochrones of 30 and 90 minutes from the same origins;
- a worker's resident memory with the three networks loaded (memory-mapped) and queried;
- ``--belgium``: all of Belgium built, one-to-all, and a search (walk, bike, car with
  cutoffs) over a synthetic catalogue of 20,000 points spread over the country.

Valhalla runs in its own virtual environment (``.venv-valhalla``, Python 3.12 and
pyvalhalla 3.9.1, made on first use by pip; never part of the app), through
``scripts/valhalla_side.py``. Ratios are ours / Valhalla's: below 1 we are faster or
smaller; every line says plainly where we are not. Times are wall-clock medians on a
shared 2-core machine: noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from routing.config import RoutingConfig  # noqa: E402
from routing.network import CACHE_SUFFIX  # noqa: E402
from routing.travel import TravelTimeEngine  # noqa: E402

VALHALLA_ENV = ROOT / ".venv-valhalla"
VALHALLA_VERSION = "3.9.1"
OSM_NAME = "four-regions-roads-2017.osm.pbf"
BELGIUM_NAME = "belgium-roads-2017.osm.pbf"
MODES = ("walk", "bike", "car")


def osm_file(name: str) -> Path:
    for folder in (ROOT / "data" / "source" / "osm", ROOT.parent / "shared" / "data" / "osm"):
        if (folder / name).exists():
            return folder / name
    msg = f"{name} is neither in data/source/osm/ nor in ../shared/data/osm/"
    raise SystemExit(msg)


def python312() -> str:
    for candidate in ("python3.12", str(Path.home() / ".pyenv" / "versions" / "3.12.1" / "bin" / "python3.12")):
        found = shutil.which(candidate)
        if found and subprocess.run([found, "--version"], capture_output=True).returncode == 0:
            return found
    msg = "Valhalla's side needs Python 3.12 (pyvalhalla 3.9.1 ships an abi3 wheel for 3.12 and later)"
    raise SystemExit(msg)


def valhalla_python() -> Path:
    """The Valhalla environment's interpreter; created (pip install) on first use, offline after."""
    python = VALHALLA_ENV / "bin" / "python"
    if not (python.exists() and subprocess.run([str(python), "-c", "import valhalla"], capture_output=True).returncode == 0):
        print(f"creating {VALHALLA_ENV.name} (pyvalhalla {VALHALLA_VERSION}) for the comparison", flush=True)
        subprocess.run([python312(), "-m", "venv", str(VALHALLA_ENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", f"pyvalhalla=={VALHALLA_VERSION}"], check=True)
    return python


def valhalla(*args: str) -> dict:
    out = subprocess.run([str(valhalla_python()), str(ROOT / "scripts" / "valhalla_side.py"), *args],
                         capture_output=True, text=True)
    if out.returncode != 0:
        print(out.stderr[-3000:], file=sys.stderr)
        out.check_returncode()
    result = json.loads(out.stdout.strip().splitlines()[-1])
    for error in result.pop("valhalla_errors", [])[:5]:
        print(f"Valhalla refused a request: {error}", flush=True)
    return result


def build_ours(pbf: Path, out: Path) -> dict:
    """Build the three networks in a child process: wall time, its peak memory, files on disk."""
    script = ("import json, resource, sys, time; from pathlib import Path; from routing.config import RoutingConfig; "
              "from routing.network import build_and_cache; t = time.perf_counter(); "
              "build_and_cache(sys.argv[1], cache_dir=Path(sys.argv[2]), config=RoutingConfig(), progress=False); "
              "print(json.dumps({'s': time.perf_counter() - t, "
              "'peak': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", script, str(pbf), str(out)], check=True, capture_output=True,
                          text=True, cwd=ROOT)
    wall = time.perf_counter() - start
    child = json.loads(done.stdout.strip().splitlines()[-1])
    files = sum(path.stat().st_size for path in out.glob(f"*{CACHE_SUFFIX}"))
    return {"build_s": round(wall, 1), "build_peak_mb": round(child["peak"], 1), "network_files_mb": round(files / 1e6, 1)}


def worker_rss(cache: Path, points: np.ndarray) -> dict:
    """A fresh process loads the three networks (memory-mapped) and routes once per mode."""
    script = """
import json, sys
from pathlib import Path
import numpy as np
from routing.config import RoutingConfig
from routing.travel import TravelTimeEngine

def status():
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return {key: int(fields[key].split()[0]) / 1024 for key in ("VmRSS", "RssAnon", "RssFile")}

# the compiled routing code first, on the small hand-made fixture saved and loaded the same
# way (same array types): what follows is the networks' memory
import tempfile
from routing.network import build_and_cache
folder = Path(tempfile.mkdtemp())
build_and_cache("tests/fixtures/osm/mode_rules.osm", cache_dir=folder, config=RoutingConfig(), progress=False)
small = TravelTimeEngine.from_cache_dir(folder, RoutingConfig())
for mode in ("walk", "bike", "car"):
    small.one_to_many((3.2600, 50.8000), np.array([[3.2628, 50.8018]]), mode, cutoff_minutes=30)
    small.one_to_many((3.2600, 50.8000), np.array([[3.2628, 50.8018]]), mode)
    small.isochrone((3.2600, 50.8000), mode, 10)
before = status()
engine = TravelTimeEngine.from_cache_dir(Path(sys.argv[1]), RoutingConfig())
points = np.array(json.loads(sys.argv[2]))
for mode in ("walk", "bike", "car"):
    engine.one_to_many(tuple(points[0]), points, mode, cutoff_minutes=30)
    engine.one_to_many(tuple(points[1]), points, mode)
    engine.isochrone(tuple(points[2]), mode, 30)
after = status()
print(json.dumps({"before": before, "after": after, "networks": sorted(engine.networks)}))

"""
    done = subprocess.run([sys.executable, "-c", script, str(cache), json.dumps(points.tolist())], check=True,
                          capture_output=True, text=True, cwd=ROOT)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    grown = {key: report["after"][key] - report["before"][key] for key in report["after"]}
    return {"worker_rss_mb": round(grown["VmRSS"], 1), "worker_rss_private_mb": round(grown["RssAnon"], 1),
            "worker_rss_total_mb": round(report["after"]["VmRSS"], 1),
            "worker_rss_shared_file_mb": round(grown["RssFile"], 1),
            "worker_rss_mb_per_mode": round(grown["VmRSS"] / len(report["networks"]), 1)}


def demo_points() -> tuple[np.ndarray, np.ndarray]:
    """The demo dataset's service locations and its postcode places (homes), lon/lat."""
    from app.core.config import Settings
    from geo.prepare import ensure_data
    from app.operations.demo import generate_demo_data
    from geo.places import load_places
    from geo.regions import load_regions

    settings = Settings()
    ensure_data(settings.shared_data_dir, settings.data_dir)
    places = load_places(settings.geo_dir)
    dataset = generate_demo_data(load_regions(settings.geo_dir), places, seed=settings.demo_seed, today=date(2026, 1, 1))
    locations = np.array([(location.longitude, location.latitude) for location in dataset.locations], dtype=float)
    homes = np.array([(place.lon, place.lat) for place in places], dtype=float)
    return np.unique(locations, axis=0), homes


def median_ms(function, items) -> tuple[float, float]:
    times = []
    for item in items:
        start = time.perf_counter()
        function(item)
        times.append(time.perf_counter() - start)
    return round(statistics.median(times) * 1000, 2), round(float(np.percentile(times, 95)) * 1000, 2)


def connected_parts(engine: TravelTimeEngine, points: np.ndarray) -> np.ndarray:
    """The (weakly) connected part of the car network each point snaps to: the four-regions
    file holds separate islands of roads (Turnhout is not joined to West Flanders), and
    Valhalla refuses a matrix across them, so each origin is asked for its own part's services."""
    from scipy.sparse.csgraph import connected_components

    drive = engine.networks["drive"]
    _count, labels = connected_components(drive.graph, directed=True, connection="weak")
    snapped = drive.snap_edges(points)
    return np.where(snapped.chain >= 0, labels[drive.chain_u[np.maximum(snapped.chain, 0)]], -1)


def ours_queries(engine: TravelTimeEngine, origins: np.ndarray, services: np.ndarray, iso_origins: np.ndarray,
                 targets_for: list[np.ndarray]) -> dict:
    out: dict = {}
    pairs = list(zip(origins, targets_for))
    for mode in MODES:
        for origin, subset in pairs[:3]:  # compiled code and the destinations' snaps ready
            engine.one_to_many(tuple(origin), services[subset], mode)
            engine.one_to_many(tuple(origin), services[subset], mode, cutoff_minutes=30)
        # with and without the cutoff interleaved, origin by origin: the machine's noise hits both alike
        plain, cut = [], []
        for origin, subset in pairs:
            for cutoff, times in ((None, plain), (30, cut)):
                start = time.perf_counter()
                engine.one_to_many(tuple(origin), services[subset], mode, cutoff_minutes=cutoff)
                times.append(time.perf_counter() - start)
        out[f"matrix_{mode}_ms_p50"] = round(statistics.median(plain) * 1000, 2)
        out[f"matrix_{mode}_cutoff30_ms_p50"] = round(statistics.median(cut) * 1000, 2)
        out[f"matrix_{mode}_minutes"] = [engine.one_to_many(tuple(o), services[subset], mode).minutes
                                         for o, subset in pairs]
    for minutes in (30, 90):
        engine.isochrone(tuple(iso_origins[0]), "bike", minutes)
        out[f"isochrone_bike{minutes}_ms_p50"], _ = median_ms(
            lambda o, m=minutes: engine.isochrone(tuple(o), "bike", m), iso_origins)
    return out


def agreement(ours: list[np.ndarray], theirs: list[list], overhead_min: float = 0.0) -> dict:
    """How far our minutes are from Valhalla's on the pairs both answer (median and p90 of |diff| / theirs)."""
    mine = np.concatenate(ours) - overhead_min
    other = np.array([np.nan if cell is None else cell / 60 for row in theirs for cell in row])
    both = np.isfinite(mine) & np.isfinite(other) & (other > 1)
    relative = np.abs(mine[both] - other[both]) / other[both]
    return {"pairs": int(both.sum()), "median_rel_diff": round(float(np.median(relative)), 3),
            "p90_rel_diff": round(float(np.percentile(relative, 90)), 3)}


def belgium(report: dict, work: Path) -> None:
    pbf = osm_file(BELGIUM_NAME)
    cache = work / "belgium"
    built = build_ours(pbf, cache)
    report.update(belgium_build_s=built["build_s"], belgium_build_peak_mb=built["build_peak_mb"],
                  belgium_files_mb=built["network_files_mb"])
    print(f"Belgium: build {built['build_s']} s, peak {built['build_peak_mb']} MB, files {built['network_files_mb']} MB",
          flush=True)
    engine = TravelTimeEngine.from_cache_dir(cache, RoutingConfig())
    bike = engine.networks["bike"]
    rng = np.random.default_rng(20_000)
    # 20,000 service points spread over the country: random road nodes, nudged off the road
    picks = rng.choice(bike.n_nodes, 20_000, replace=False)
    catalogue = np.column_stack([bike.lon[picks], bike.lat[picks]]) + rng.normal(0, 0.0004, (20_000, 2))
    homes = catalogue[rng.choice(len(catalogue), 40, replace=False)] + rng.normal(0, 0.001, (40, 2))

    def search(home):  # what one coach search asks of the road engine: every road mode, with cutoffs
        for mode, cutoff in (("walk", 30), ("bike", 45), ("car", 45)):
            engine.one_to_many(tuple(home), catalogue, mode, cutoff_minutes=cutoff)

    search(homes[0])
    report["belgium_search_ms_p50"], report["belgium_search_ms_p95"] = median_ms(search, homes[1:])
    nodes = rng.choice(bike.n_nodes, 20, replace=False)
    report["belgium_one_to_all_bike_ms_p50"], _ = median_ms(
        lambda node: bike.seconds_from(np.array([node]), "bike", limit_seconds=None), nodes)
    report["belgium_nodes_bike"] = bike.n_nodes
    print(f"Belgium: one-to-all {report['belgium_one_to_all_bike_ms_p50']} ms ({bike.n_nodes} intersections), "
          f"a search over 20,000 points p50 {report['belgium_search_ms_p50']} ms, p95 {report['belgium_search_ms_p95']} ms",
          flush=True)


def say(label: str, ours: float, theirs: float, unit: str) -> float | None:
    if not theirs:
        print(f"{label}: ours {ours} {unit}, Valhalla not measured")
        return None
    ratio = round(ours / theirs, 2)
    verdict = "ours is faster" if ratio < 1 else "ours is NOT faster" if unit in {"ms", "s"} else (
        "ours is smaller" if ratio < 1 else "ours is NOT smaller")
    print(f"{label}: ours {ours} {unit}, Valhalla {theirs} {unit}, ratio {ratio} ({verdict})")
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--osm", type=Path, default=None, help="the OSM file (default: the four-regions file)")
    parser.add_argument("--origins", type=int, default=25, help="origins (demo postcode places) for 1xN and isochrones")
    parser.add_argument("--no-valhalla", action="store_true", help="ours only")
    parser.add_argument("--belgium", action="store_true", help="also build and query all of Belgium (minutes)")
    parser.add_argument("--synthetic", action="store_true", help="also the older synthetic-grid comparison")
    args = parser.parse_args()
    pbf = args.osm or osm_file(OSM_NAME)
    report: dict = {"osm_file": pbf.name}
    services, homes = demo_points()
    rng = np.random.default_rng(7)
    work = Path(tempfile.mkdtemp(prefix="bench-roads-"))
    try:
        cache = work / "ours"
        report.update(build_ours(pbf, cache))
        print(f"ours: build {report['build_s']} s, peak {report['build_peak_mb']} MB, files {report['network_files_mb']} MB",
              flush=True)
        engine = TravelTimeEngine.from_cache_dir(cache, RoutingConfig())
        homes = homes[engine.networks["bike"].covers_points(homes) & engine.networks["drive"].covers_points(homes)]
        parts = connected_parts(engine, np.vstack([homes, services]))
        home_parts, service_parts = parts[:len(homes)], parts[len(homes):]
        served = np.isin(home_parts, [part for part in np.unique(service_parts) if (service_parts == part).sum() >= 20])
        chosen = rng.choice(np.flatnonzero(served), args.origins, replace=False)
        origins = homes[chosen]
        targets_for = [np.flatnonzero(service_parts == part) for part in home_parts[chosen]]
        report["n_services"] = len(services)
        report["n_services_per_origin_median"] = int(np.median([len(subset) for subset in targets_for]))
        ours = ours_queries(engine, origins, services, origins[:12], targets_for)
        report.update({key: value for key, value in ours.items() if not key.endswith("_minutes")})
        report.update(worker_rss(cache, services[:50]))
        print(f"ours: 1xN (N = the {report['n_services_per_origin_median']} of {len(services)} demo locations on the "
              f"origin's road island, median) bike {report['matrix_bike_ms_p50']} ms (with the 30-min cutoff "
              f"{report['matrix_bike_cutoff30_ms_p50']} ms); bike isochrones 30/90 min {report['isochrone_bike30_ms_p50']}"
              f" / {report['isochrone_bike90_ms_p50']} ms; worker RSS with 3 networks {report['worker_rss_mb']} MB "
              f"({report['worker_rss_private_mb']} MB private)", flush=True)
        if not args.no_valhalla:
            vwork = work / "valhalla"
            vwork.mkdir()
            report.update(valhalla("build", str(pbf), str(vwork)))
            points = vwork / "points.json"
            points.write_text(json.dumps({"origins": origins.tolist(), "targets": services.tolist(),
                                          "targets_for": [subset.tolist() for subset in targets_for],
                                          "isochrone_origins": origins[:12].tolist()}))
            theirs = valhalla("query", str(vwork), str(points))
            for mode in MODES:
                report[f"valhalla_matrix_{mode}_ms_p50"] = theirs[f"valhalla_matrix_{mode}_ms_p50"]
                overhead = RoutingConfig().car_overhead_min if mode == "car" else 0.0
                report[f"agreement_{mode}"] = agreement(ours[f"matrix_{mode}_minutes"],
                                                        theirs[f"valhalla_matrix_{mode}_seconds"], overhead)
            for minutes in (30, 90):
                report[f"valhalla_isochrone_bike{minutes}_ms_p50"] = theirs[f"valhalla_isochrone_bike{minutes}_ms_p50"]
            print("--- ours / Valhalla, same file, same points, same run ---")
            ratios = {}
            for mode in MODES:
                ratios[f"matrix_{mode}"] = say(f"1xN {mode}", report[f"matrix_{mode}_ms_p50"],
                                               report[f"valhalla_matrix_{mode}_ms_p50"], "ms")
            for minutes in (30, 90):
                ratios[f"isochrone_bike{minutes}"] = say(
                    f"bike isochrone {minutes} min", report[f"isochrone_bike{minutes}_ms_p50"],
                    report[f"valhalla_isochrone_bike{minutes}_ms_p50"], "ms")
            ratios["build"] = say("build", report["build_s"], report["valhalla_build_s"], "s")
            ratios["build_peak"] = say("build peak memory", report["build_peak_mb"], report["valhalla_build_peak_mb"],
                                       "MB")
            ratios["files"] = say("files on disk", report["network_files_mb"], report["valhalla_tiles_mb"], "MB")
            report["ratios_ours_to_valhalla"] = ratios
            for mode in MODES:
                print(f"answers, {mode}: median difference to Valhalla {report[f'agreement_{mode}']['median_rel_diff']:.1%}"
                      f" over {report[f'agreement_{mode}']['pairs']} pairs (p90 {report[f'agreement_{mode}']['p90_rel_diff']:.1%})")
        if args.belgium:
            belgium(report, work)
        if args.synthetic:
            from scripts.bench_routing import synthetic_report

            report.update(synthetic_report(argparse.Namespace(side=640, queries=30, nx_sources=5)))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report.setdefault("belgium_build_s", None)
    report.setdefault("belgium_search_ms_p95", None)
    print(json.dumps(report))


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
