"""The ``sk`` command: prepare data, initialise the database, serve."""

from __future__ import annotations

import argparse
import json
import logging
import sys

from app.config import get_settings


def _cmd_data(args: argparse.Namespace) -> int:
    from geo.prepare import ensure_data

    settings = get_settings()
    ensure_data(settings.shared_data_dir, settings.data_dir, force=args.force)
    return 0


def _cmd_init(args: argparse.Namespace) -> int:
    from app.bootstrap import initialise

    report = initialise(get_settings(), demo=False if args.no_demo else None)
    print(json.dumps(report))
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=get_settings().log_level.lower(),
        access_log=args.access_log,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=get_settings().log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(prog="sk", description="Sociale kaart command line")
    sub = parser.add_subparsers(dest="command", required=True)

    data = sub.add_parser("data", help="copy or download the reference data and derive data/geo")
    data.add_argument("--force", action="store_true", help="redo even when up to date")
    data.set_defaults(func=_cmd_data)

    init = sub.add_parser("init", help="migrate the database, sync reference data, load demo data when empty")
    init.add_argument("--no-demo", action="store_true", help="never load demonstration data")
    init.set_defaults(func=_cmd_init)

    serve = sub.add_parser("serve", help="serve the web app")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    # Access logs carry query strings, which can hold a participant's postcode or needs.
    serve.add_argument("--access-log", action="store_true", help="log requests (off: query strings may hold personal data)")
    serve.set_defaults(func=_cmd_serve)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
