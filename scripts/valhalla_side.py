"""Valhalla's side of ``make bench-routing``: runs in its own virtual environment (pyvalhalla),
never in the app's. Called by scripts/bench_routing.py; prints one JSON object.

    python valhalla_side.py build FILE.osm.pbf WORKDIR
    python valhalla_side.py query WORKDIR POINTS.json

``build`` makes Valhalla's routing tiles from the same OSM file with its own tool
(``valhalla_build_tiles``, shipped in the package) and reports the time, the tool's peak
memory and the tiles' size on disk. ``query`` times, on the points the benchmark gives:
one origin to all destinations (``sources_to_targets``) per mode, and bike isochrones of
30 and 90 minutes; it returns the times too, so the benchmark can compare the answers.
Only the standard library and pyvalhalla: no internet.
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

COSTING = {"walk": ("pedestrian", {"walking_speed": 4.8}), "bike": ("bicycle", {"cycling_speed": 15.0}),
           "car": ("auto", {})}


def build(pbf: Path, workdir: Path) -> dict:
    import valhalla
    from valhalla import get_config

    tiles = workdir / "tiles"
    tiles.mkdir(parents=True, exist_ok=True)
    config = get_config(tile_extract="", tile_dir=tiles)
    # ours has no distance limits: lift Valhalla's service limits (walking across the four
    # regions is over its 200 km matrix default) so that both answer every pair
    for name in ("pedestrian", "bicycle", "auto", "isochrone"):
        limits = config["service_limits"][name]
        for key in ("max_distance", "max_matrix_distance", "max_matrix_location_pairs"):
            if key in limits:
                limits[key] = max(limits[key], 10_000_000)
    path = workdir / "valhalla.json"
    path.write_text(json.dumps(config))
    tool = Path(valhalla.__file__).parent / "bin" / "valhalla_build_tiles"
    start = time.perf_counter()
    subprocess.run([str(tool), "-c", str(path), str(pbf)], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    size = sum(file.stat().st_size for file in tiles.rglob("*") if file.is_file())
    return {"valhalla_build_s": round(seconds, 1),
            "valhalla_build_peak_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
            "valhalla_tiles_mb": round(size / 1e6, 1), "valhalla_threads": config["mjolnir"].get("concurrency")}


def query(workdir: Path, points_file: Path) -> dict:
    from valhalla import Actor

    points = json.loads(points_file.read_text())
    actor = Actor(str(workdir / "valhalla.json"))
    out: dict = {}
    every = [{"lon": lon, "lat": lat} for lon, lat in points["targets"]]
    for mode, (costing, options) in COSTING.items():
        times, matrix = [], []
        for (lon, lat), subset in zip(points["origins"], points["targets_for"]):
            targets = [every[i] for i in subset]  # those in the origin's connected part of the map
            request = {"sources": [{"lon": lon, "lat": lat}], "targets": targets, "costing": costing,
                       "costing_options": {costing: options}}
            start = time.perf_counter()
            try:
                answer = actor.matrix(request)
            except Exception as exc:  # noqa: BLE001 - reported, and the benchmark says so
                out.setdefault("valhalla_errors", []).append(f"{mode} matrix: {exc}")
                matrix.append([None] * len(targets))
                continue
            times.append(time.perf_counter() - start)
            row = answer["sources_to_targets"][0]
            matrix.append([None if cell.get("time") is None else cell["time"] for cell in row])
        out[f"valhalla_matrix_{mode}_ms_p50"] = round(statistics.median(times[1:] or times) * 1000, 2) if times else None
        out[f"valhalla_matrix_{mode}_seconds"] = matrix
    for minutes in (30, 90):
        times = []
        for lon, lat in points["isochrone_origins"]:
            request = {"locations": [{"lon": lon, "lat": lat}], "costing": "bicycle",
                       "costing_options": {"bicycle": COSTING["bike"][1]}, "contours": [{"time": minutes}],
                       "polygons": True}
            start = time.perf_counter()
            try:
                actor.isochrone(request)
            except Exception as exc:  # noqa: BLE001 - reported
                out.setdefault("valhalla_errors", []).append(f"isochrone {minutes}: {exc}")
                continue
            times.append(time.perf_counter() - start)
        out[f"valhalla_isochrone_bike{minutes}_ms_p50"] = (
            round(statistics.median(times[1:] or times) * 1000, 2) if times else None)
    return out


def main() -> None:
    command = sys.argv[1]
    if command == "build":
        result = build(Path(sys.argv[2]).resolve(), Path(sys.argv[3]).resolve())
    elif command == "query":
        result = query(Path(sys.argv[2]).resolve(), Path(sys.argv[3]).resolve())
    else:
        msg = f"unknown command {command!r}"
        raise SystemExit(msg)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
