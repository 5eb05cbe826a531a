"""``sk purge`` and ``sk referral export|erase ID``: retention and a participant's requests (#13).

A scheduler runs ``sk purge`` daily; a coordinator answers a participant's request for their
data (``export``, JSON on stdout) or for erasure (``erase``) with one command. Both are audited.
"""

from __future__ import annotations

import argparse
import json


def _cmd_purge(args: argparse.Namespace) -> int:
    from app.server.cli import _session
    from app.core.config import get_settings
    from app.domain.referral_records import purge_closed

    days = args.days or get_settings().referral_retention_days
    with _session() as session:
        run = purge_closed(session, retention_days=days)
    print(f"erased the personal fields of {len(run.erased)} referral(s) closed more than {days} day(s) ago")
    return 0


def _cmd_referral(args: argparse.Namespace) -> int:
    from app.server.cli import _session
    from app.core.config import get_settings
    from app.domain.referral_crypto import referral_cipher
    from app.domain.referral_records import erase_referral, export_referral

    with _session() as session:
        if args.action == "export":
            record = export_referral(session, cipher=referral_cipher(get_settings()), referral_id=args.referral_id)
            print(json.dumps(record, ensure_ascii=False, indent=2))
        else:
            referral = erase_referral(session, referral_id=args.referral_id)
            print(f"referral {referral.id}: personal fields erased; status {referral.status} kept for the counts")
    return 0


def add_referral_commands(sub) -> None:
    purge = sub.add_parser("purge", help="erase referrals' personal fields N days after they closed (daily, from cron)")
    purge.add_argument("--days", type=_positive_days, help="default: SK_REFERRAL_RETENTION_DAYS (90)")
    purge.set_defaults(func=_cmd_purge)
    referral = sub.add_parser("referral", help="a participant's request: export their referral's data or erase it")
    referral.add_argument("action", choices=["export", "erase"])
    referral.add_argument("referral_id")
    referral.set_defaults(func=_cmd_referral)


def _positive_days(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"a whole number of days, at least 1: {text!r}")
    return int(text)
