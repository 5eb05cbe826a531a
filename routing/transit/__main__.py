"""Command line: ``python -m routing.transit load FEED.zip [FEED2.zip|URL] --cache-dir data/transit``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from routing.transit.errors import FeedError, TransitError
from routing.transit.feeds import load_feeds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m routing.transit", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    load = commands.add_parser("load", help="validate, merge and cache GTFS feeds; print the report")
    load.add_argument("sources", nargs="+", help="GTFS zip files, folders or http(s) URLs")
    load.add_argument("--cache-dir", type=Path, default=Path("data/transit"))
    load.add_argument("--rebuild", action="store_true", help="parse again even when cached")
    load.add_argument("--quiet", action="store_true", help="no download progress bars")
    arguments = parser.parse_args(argv)

    try:
        router, report = load_feeds(
            arguments.sources, cache_dir=arguments.cache_dir, progress=not arguments.quiet,
            rebuild=arguments.rebuild,
        )
    except FeedError as exc:
        print(exc.report.to_text())
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    except TransitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(report.to_text())
    timetable = router.timetable
    print(
        f"cached: {timetable.n_stops} stops, {timetable.n_trips} trips, "
        f"{timetable.n_connections} connections, {timetable.first_day} to {timetable.last_day} "
        f"in {arguments.cache_dir}"
    )
    left_out = [summary.source for summary in report.feeds if not summary.usable]
    if left_out:
        print(f"left out (unusable): {', '.join(left_out)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
