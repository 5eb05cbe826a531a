"""Fill data/: copy the reference files from ../shared/data (or download them), verify them, derive data/geo.

Usage: python -m scripts.prepare_data [--shared PATH] [--data-dir PATH] [--force] [--quiet]

A thin command line around :func:`geo.prepare.ensure_data`. Defaults follow the app's
settings: ``SK_SHARED_DATA_DIR`` and ``SK_DATA_DIR``, else ``../shared/data`` and
``data/`` beside this repository. Prints a one-line summary, then the JSON report.
Exit status 1 (with the reason) when a source cannot be obtained or verified.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from geo.errors import DataPreparationError
from geo.prepare import ensure_data

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.prepare_data", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--shared", type=Path,
        default=Path(os.environ.get("SK_SHARED_DATA_DIR") or PROJECT_ROOT.parent / "shared" / "data"),
        help="shared reference folder; when it does not exist, the files are downloaded (default: %(default)s)",
    )
    parser.add_argument(
        "--data-dir", type=Path, default=Path(os.environ.get("SK_DATA_DIR") or PROJECT_ROOT / "data"),
        help="the project's data folder (default: %(default)s)",
    )
    parser.add_argument("--force", action="store_true", help="derive data/geo again even when nothing changed")
    parser.add_argument("--quiet", action="store_true", help="no progress bars, only the summary line")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    # say which files are downloaded; the summary below replaces geo.prepare's own log line
    logging.getLogger("geo.fetch").setLevel(logging.WARNING if args.quiet else logging.INFO)
    try:
        report = ensure_data(args.shared, args.data_dir, force=args.force, progress=not args.quiet)
    except DataPreparationError as exc:
        print(f"data preparation failed: {exc}", file=sys.stderr)
        return 1
    print(f"{report['message']} ({report['seconds']:.2f} s)")
    if not args.quiet:
        print(json.dumps(report, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
