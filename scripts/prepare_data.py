"""Fill data/: copy the reference files from ../shared/data (or download them), verify, derive data/geo.

Usage: python -m scripts.prepare_data [--shared PATH] [--data-dir PATH] [--force]
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

from app.config import PROJECT_ROOT
from geo.prepare import ensure_data


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=PROJECT_ROOT.parent / "shared" / "data")
    parser.add_argument("--data-dir", type=Path, default=PROJECT_ROOT / "data")
    parser.add_argument("--force", action="store_true", help="derive again even when nothing changed")
    args = parser.parse_args()
    start = time.perf_counter()
    report = ensure_data(args.shared, args.data_dir, force=args.force)
    report["seconds"] = round(time.perf_counter() - start, 3)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
