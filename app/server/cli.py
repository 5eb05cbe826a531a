"""The ``sk`` command: prepare data, initialise the database, serve, accounts, mail, exchange.

Exit codes: 0 done, 1 the work failed (e.g. the mail server was unreachable; details printed),
2 bad input (a clear message on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from app.core.config import get_settings
from geo.errors import DataPreparationError

#: errors that mean the input was wrong (ValueError covers the domain errors and unreadable files)
INPUT_ERRORS = (ValueError, FileNotFoundError, IsADirectoryError, NotADirectoryError)


def _cmd_data(args: argparse.Namespace) -> int:
    from geo.errors import DataPreparationError
    from geo.prepare import ensure_data
    from geo.travel_data import ensure_travel_data

    settings = get_settings()
    try:
        report = ensure_data(settings.shared_data_dir, settings.data_dir, force=args.force)
        report["travel"] = ensure_travel_data(settings.shared_data_dir, settings.data_dir,
                                              extract_url=settings.osm_extract_url,
                                              buffer_m=settings.osm_clip_buffer_m)
    except DataPreparationError as exc:  # one sentence, no traceback: the data cannot be had here
        hint = ""
        if not settings.shared_data_dir.is_dir() and "shared" not in str(exc):
            hint = f" (there is no {settings.shared_data_dir}: put the shared data there or connect to the internet)"
        print(f"sk data: {exc}{hint}", file=sys.stderr)
        return 1
    print(json.dumps(report))
    return 0


def _ensure_networks() -> None:
    """Build the walk, bike and drive networks from data/source's roads on the first start."""
    from app.server.app_state import routing_config
    from geo.sources import OSM_ROADS_PATH
    from routing.ensure_networks import ensure_networks

    settings = get_settings()
    roads = settings.data_dir / "source" / OSM_ROADS_PATH
    if not roads.is_file():
        print(f"sk serve: no road file at {roads} (run `sk data`): travel times are labelled estimates",
              file=sys.stderr)
        return
    try:
        report = ensure_networks(roads, cache_dir=settings.network_dir, config=routing_config(settings))
    except Exception as exc:  # noqa: BLE001 - the app still serves, on labelled estimates
        logging.getLogger(__name__).exception("building the road networks failed")
        print(f"sk serve: building the road networks failed ({exc}): travel times are labelled estimates",
              file=sys.stderr)
        return
    what = "built" if report["built"] else "cached"
    print(f"road networks {what}: {', '.join(report['networks'])} ({report['seconds']} s)")


def _cmd_init(args: argparse.Namespace) -> int:
    from app.server.bootstrap import initialise
    from app.domain.referral_crypto import ensure_development_key

    report = initialise(get_settings(), demo=False if args.no_demo else None)
    key_file = ensure_development_key(get_settings())
    if key_file is not None:
        report["referral_key_created"] = str(key_file)
        print(f"sk init: created a development key for referrals at {key_file} (set SK_REFERRAL_KEY in production)",
              file=sys.stderr)
    print(json.dumps(report))
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    if not args.no_build_networks:
        _ensure_networks()
    uvicorn.run(
        "app.server.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=get_settings().log_level.lower(),
        access_log=args.access_log,
        # X-Forwarded-For is read by the app, and only from SK_TRUSTED_PROXIES (uvicorn's
        # default would believe any header sent from 127.0.0.1)
        proxy_headers=False,
    )
    return 0


@contextmanager
def _session() -> Iterator:
    from sqlmodel import Session

    from app.core.db import make_engine

    engine = make_engine(get_settings().sqlalchemy_url)
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def _cmd_create_user(args: argparse.Namespace) -> int:
    import getpass

    from app.core.auth import create_user

    password = args.password or getpass.getpass("Wachtwoord (min. 10 tekens): ")
    with _session() as session:
        user = create_user(session, email=args.email, password=password, role=args.role, name=args.name,
                           partnership_slug=args.partnership, organization_ids=args.organization or [])
    print(f"created {user.role} {user.email}")
    return 0


def _cmd_invite(args: argparse.Namespace) -> int:
    from app.core.auth import create_invite

    with _session() as session:
        token = create_invite(session, email=args.email, role=args.role, organization_ids=args.organization or [],
                              partnership_slug=args.partnership, created_by="cli", days=args.days)
    print(f"{get_settings().public_base_url.rstrip('/')}/uitnodiging/{token}")
    print(f"(one-time link, valid {args.days} days)")
    return 0


def _cmd_digest(args: argparse.Namespace) -> int:
    from app.domain.accounts import RESET_KIND
    from app.domain.reminders import pending_messages, queue_stale_digests

    settings = get_settings()
    with _session() as session:
        run = queue_stale_digests(session, older_than_days=settings.stale_after_months * 30,
                                  base_url=settings.public_base_url.rstrip("/"))
        print(f"queued {len(run.queued)}, refreshed {len(run.refreshed)}, withdrawn {len(run.withdrawn)} digest(s); "
              f"{len(run.already_sent)} already sent this month")
        for message in pending_messages(session):
            attempts = f" (attempts: {message.attempts}, last error: {message.last_error})" if message.attempts else ""
            # a password-reset link is a key to someone's account: never printed to a terminal or a cron log
            body = "(password-reset link, not shown)" if message.kind == RESET_KIND else message.body
            print(f"\n=== To: {message.recipient}{attempts}\n=== Subject: {message.subject}\n{body}")
    return _send() if args.send else 0


def _send() -> int:
    from app.domain.reminders import send_pending

    settings = get_settings()
    with _session() as session:
        result = send_pending(session, smtp_url=settings.smtp_url, sender=settings.mail_from)
    print(f"sent {result.sent} message(s), {result.failed} failed (still queued)")
    if result.error:
        print(f"sk: mail server: {result.error}", file=sys.stderr)
    return 1 if result.failed else 0


def _cmd_send(args: argparse.Namespace) -> int:
    return _send()


def _cmd_gaps(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from app.domain.gap_jobs import save_result
    from app.domain.gaps import GAP_PROFILES, gap_needs, hexagons_geojson, to_csv, to_geojson
    from app.domain.taxonomy import top_level_codes, validate_need_codes
    from app.server.app_state import build_state
    from app.domain.gap_runs import current_key

    settings = get_settings()
    state = build_state(settings)
    needs = validate_need_codes(args.need) if args.need else top_level_codes()
    profiles = args.profile or list(GAP_PROFILES)
    result = state.gap_jobs.result_for(current_key(state))
    if result is None:
        from app.domain.gaps import gap_transit_window, run_gap_analysis

        bar = tqdm(desc="gap analysis", total=100, unit="%")

        def progress(message: str, fraction: float) -> None:
            bar.set_postfix_str(message[:60])
            bar.update(round(fraction * 100) - bar.n)

        progress("inwoners over de straten verdelen", 0.0)
        result = run_gap_analysis(
            catalog=state.catalog(), regions=state.regions, origins=state.gap_origins(), reach=state.reach,
            window=gap_transit_window(state.reach), needs=gap_needs(), profiles=GAP_PROFILES, progress=progress,
            origins_id=state.gap_origins_id(),
        )
        bar.close()
        save_result(result, state.gap_jobs.folder)  # the app serves it from there
    written = []
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        rows = [row for need in needs for profile in profiles for row in result.select(need=need, profile=profile)]
        (args.out / "gaps.csv").write_text(to_csv(rows), encoding="utf-8")
        for need in needs:
            for profile in profiles:
                stem = f"{need.replace('/', '-')}-{profile}"
                (args.out / f"gaps-{stem}.geojson").write_text(
                    json.dumps(to_geojson(result.select(need=need, profile=profile), state.regions)))
                (args.out / f"hexagons-{stem}.geojson").write_text(
                    json.dumps(hexagons_geojson(result, need=need, profile=profile)))
        written.append(str(args.out))
    if args.gpkg:
        from app.domain.gap_export import write_geopackage

        layers = write_geopackage(args.gpkg, result, state.catalog(), state.regions, needs=needs, profiles=profiles)
        written.append(f"{args.gpkg} ({len(layers)} layers)")
    print(json.dumps({"origins": len(result.origins.label), "hexagons": len(set(result.origins.h3)),
                      "needs": len(needs), "profiles": len(profiles), "seconds": result.seconds,
                      "estimated": result.estimated, "written": written}))
    return 0


def _cmd_backup(args: argparse.Namespace) -> int:
    from app.operations.backup import backup, default_backup_path

    settings = get_settings()
    target = args.path or default_backup_path(settings.sqlalchemy_url, settings.data_dir / "backups")
    print(backup(settings.sqlalchemy_url, target))
    return 0


def _cmd_restore(args: argparse.Namespace) -> int:
    from app.operations.backup import restore

    if not args.yes:
        print("restore replaces the database's contents; add --yes to confirm", file=sys.stderr)
        return 2
    if not args.path.is_file():
        print(f"sk: no backup file at {args.path}", file=sys.stderr)
        return 2
    restore(get_settings().sqlalchemy_url, args.path)
    print(f"restored {args.path}")
    return 0


def _cmd_hsds_export(args: argparse.Namespace) -> int:
    from app.hsds.exchange import export_json, export_tabular

    with _session() as session:
        if args.path.suffix == ".zip":
            export_tabular(session, args.path)
        else:
            temporary = args.path.with_name(f".{args.path.name}.partial")
            temporary.write_text(json.dumps(export_json(session), ensure_ascii=False, indent=1), encoding="utf-8")
            temporary.replace(args.path)
    print(args.path)
    return 0


def _cmd_hsds_import(args: argparse.Namespace) -> int:
    from app.hsds.exchange import load_dataset_file, spec_dir
    from app.hsds.importing import import_dataset
    from geo.regions import load_regions

    settings = get_settings()
    with _session() as session:
        report = import_dataset(session, load_dataset_file(args.path), regions=load_regions(settings.geo_dir),
                                dry_run=not args.commit, actor="cli import", spec=spec_dir(settings.shared_data_dir))
    print(json.dumps({**report.to_dict()["counts"], "history_added": report.history_added}))
    for rejected in report.rejected[:50]:
        print(f"rejected {rejected['kind']} {rejected['id']}: {'; '.join(rejected['reasons'])}")
    if report.dry_run:
        print("dry run: nothing was written (add --commit to import)")
    elif not report.applied:
        print("nothing was imported: fix the rejected records first")
    return 0 if (report.applied or report.dry_run) and not report.rejected else 1


def _cmd_networks(args: argparse.Namespace) -> int:
    from app.server.app_state import routing_config
    from routing.__main__ import main as routing_main

    settings = get_settings()
    return routing_main(args.routing_args, config=routing_config(settings), default_out=settings.network_dir,
                        prog="sk networks")


def _data_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--force", action="store_true", help="redo even when up to date")


def _init_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-demo", action="store_true", help="never load demonstration data")


def _serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    # Access logs carry query strings, which can hold a participant's postcode or needs.
    parser.add_argument("--access-log", action="store_true", help="log requests (off: query strings may hold personal data)")
    parser.add_argument("--no-build-networks", action="store_true",
                        help="start without building the road networks from data/source (estimates where none are cached)")


ROLES = ["coordinator", "partner", "coach"]


def _create_user_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("email")
    parser.add_argument("--role", choices=ROLES, default="coordinator")
    parser.add_argument("--name", default="")
    parser.add_argument("--partnership", help="coordinator scope (slug); omit for all partnerships")
    parser.add_argument("--organization", action="append", help="organisation id a partner may edit (repeatable)")
    parser.add_argument("--password", help="omit to be asked (not echoed)")


def _invite_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("email")
    parser.add_argument("--role", choices=ROLES, default="partner")
    parser.add_argument("--organization", action="append")
    parser.add_argument("--partnership")
    parser.add_argument("--days", type=_positive_int, default=7)


def _digest_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--send", action="store_true", help="send pending mail over SK_SMTP_URL")


def _gaps_arguments(parser: argparse.ArgumentParser) -> None:
    from typing import get_args

    from app.domain.profile import PresetName

    parser.add_argument("--need", action="append", help="need code (repeatable); default: all top-level needs")
    parser.add_argument("--profile", action="append", choices=list(get_args(PresetName)))  # the gap profiles: every preset
    parser.add_argument("--out", type=Path, help="folder for gaps.csv and GeoJSON (municipalities, hexagons) per need and profile")
    parser.add_argument("--gpkg", type=Path, help="GeoPackage for QGIS: services and the gap layers per need and profile")


def _backup_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", type=Path, help="default: data/backups/sociale-kaart-<time>.*")


def _restore_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path)
    parser.add_argument("--yes", action="store_true", help="confirm: the current contents are replaced")


def _path_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path)


def _hsds_import_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path)
    parser.add_argument("--commit", action="store_true", help="apply (one transaction; nothing if any record is rejected)")


@dataclass(frozen=True)
class Command:
    """One ``sk`` subcommand: its name, its one-line help, its handler and its options."""

    name: str
    help: str
    run: Callable[[argparse.Namespace], int]
    #: adds the subcommand's options and positional arguments (None: it takes none)
    arguments: Callable[[argparse.ArgumentParser], None] | None = None


#: the subcommands in the order ``sk --help`` lists them (the referral commands and ``networks`` follow)
COMMANDS = (
    Command("data", "copy or download the reference data and derive data/geo", _cmd_data, _data_arguments),
    Command("init", "migrate the database, sync reference data, load demo data when empty", _cmd_init,
            _init_arguments),
    Command("serve", "serve the web app", _cmd_serve, _serve_arguments),
    Command("create-user", "create an account (e.g. the first coordinator)", _cmd_create_user,
            _create_user_arguments),
    Command("invite", "print a one-time invitation link", _cmd_invite, _invite_arguments),
    Command("digest", "queue and print the stale-entries reminder digests", _cmd_digest, _digest_arguments),
    Command("send", "send the queued mail over SK_SMTP_URL (failed messages stay queued)", _cmd_send),
    Command("gaps", "run the gap analysis (or take the cached one); write CSV, GeoJSON, GeoPackage", _cmd_gaps,
            _gaps_arguments),
    Command("backup", "back up the database (SQLite online backup / pg_dump)", _cmd_backup, _backup_arguments),
    Command("restore", "restore a backup into the configured database", _cmd_restore, _restore_arguments),
    Command("hsds-export", "export the dataset as HSDS 3.0 (.json nested, .zip tabular)", _cmd_hsds_export,
            _path_argument),
    Command("hsds-import", "import HSDS 3.0 (.json or tabular .zip); a dry run by default", _cmd_hsds_import,
            _hsds_import_arguments),
)


def build_parser() -> argparse.ArgumentParser:
    """The ``sk`` command line: one subparser per entry of ``COMMANDS``, the referral commands, ``networks``."""
    from app.operations.referral_commands import add_referral_commands

    parser = argparse.ArgumentParser(prog="sk", description="Sociale kaart command line")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        subparser = sub.add_parser(command.name, help=command.help)
        if command.arguments is not None:
            command.arguments(subparser)
        subparser.set_defaults(func=command.run)
    add_referral_commands(sub)
    # listed for --help only: main hands every option after "networks" to the routing command line
    networks = sub.add_parser("networks", add_help=False,
                              help="build and cache the road networks with these settings' speeds "
                                   "(options as python -m routing: build --source ...)")
    networks.add_argument("routing_args", nargs=argparse.REMAINDER)
    networks.set_defaults(func=_cmd_networks)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=get_settings().log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["networks"]:  # every option belongs to the routing command line, --help included
        return _cmd_networks(argparse.Namespace(routing_args=argv[1:]))
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_:  # argparse: --help (0) or a usage error it has explained (2)
        return int(exit_.code or 0)
    try:
        return args.func(args)
    except INPUT_ERRORS as exc:
        print(f"sk {args.command}: {exc}", file=sys.stderr)
        return 2
    except DataPreparationError as exc:
        # e.g. no ../shared and no internet: the work failed, said in one sentence
        print(f"sk {args.command}: {exc}", file=sys.stderr)
        return 1


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


if __name__ == "__main__":
    sys.exit(main())
