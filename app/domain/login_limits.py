"""Failed sign-ins counted in the database, per e-mail address and per client, with a back-off.

Every worker and instance shares the database, so a limit of ``5/minute`` holds for the
whole deployment, not per process. After ``limit`` failures in a row (each within the window
of the one before) the key is blocked for one window; each further failure after a block
doubles it, up to :data:`MAX_BLOCK`. A block always ends: the owner of an e-mail address an
attacker hammers waits at most :data:`MAX_BLOCK` (or resets the password, which clears the
e-mail's counter). While a key is blocked no password is checked at all, so a block answers
the same for the right and the wrong password. A successful sign-in clears the e-mail's
counter. Keys are stored as SHA-256 hashes: no e-mail or IP address is kept here.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from limits import parse
from sqlalchemy import case, delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.core import models
from app.core.db import committing

#: a client address may fail this many times as often as one e-mail address (an office or a
#: school signs in from behind one address; an attacker spraying e-mail addresses is still stopped)
CLIENT_FACTOR = 2
#: the longest a key stays blocked, however many failures
MAX_BLOCK = timedelta(minutes=15)
#: a key's failures are forgotten after this long without one
FORGET_AFTER = timedelta(hours=1)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite returns naive datetimes; everything is stored in UTC.
    return moment.replace(tzinfo=timezone.utc) if moment is not None and moment.tzinfo is None else moment


def key_hash(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


def email_key(email: str) -> str:
    return key_hash("email", email.strip().lower())


def client_key(address: str) -> str:
    return key_hash("client", address)


@dataclass(frozen=True)
class LoginPolicy:
    limit: int
    window: timedelta

    @classmethod
    def parse(cls, text: str) -> LoginPolicy:
        """``"5/minute"`` (the ``limits`` notation of the other rate limits)."""
        item = parse(text)
        return cls(limit=item.amount, window=timedelta(seconds=item.get_expiry()))

    def for_clients(self) -> LoginPolicy:
        return LoginPolicy(limit=self.limit * CLIENT_FACTOR, window=self.window)

    def block_for(self, failures: int) -> timedelta | None:
        """The block after ``failures`` failures in a row: none below the limit, then 1, 2, 4... windows."""
        if failures < self.limit:
            return None
        doublings = min(failures - self.limit, 20)
        return min(self.window * (2 ** doublings), MAX_BLOCK)


def seconds_blocked(session: Session, *, email: str, client: str, now: datetime | None = None) -> int:
    """Seconds until this e-mail address from this client may try again (0: now)."""
    now = now or _now()
    longest = 0
    for key in (email_key(email), client_key(client)):
        row = session.get(models.LoginThrottle, key)
        until = _aware(row.blocked_until) if row is not None else None
        if until is not None and until > now:
            longest = max(longest, math.ceil((until - now).total_seconds()))
    return longest


def record_failure(session: Session, *, email: str, client: str, policy: LoginPolicy,
                   now: datetime | None = None) -> None:
    """Count one failed attempt for the e-mail address and for the client, atomically (concurrent
    workers never lose a count)."""
    now = now or _now()
    for key, key_policy in ((email_key(email), policy), (client_key(client), policy.for_clients())):
        for _attempt in range(3):
            try:
                with committing(session):
                    _count_one(session, key, key_policy, now)
                break
            except IntegrityError:  # two workers inserted the first failure at once (rolled back): count again
                continue
    with committing(session):
        session.exec(delete(models.LoginThrottle).where(models.LoginThrottle.last_failure_at < now - FORGET_AFTER))


def _count_one(session: Session, key: str, policy: LoginPolicy, now: datetime) -> None:
    table = models.LoginThrottle
    cutoff = now - policy.window
    # A run of failures ends after a quiet window (counted from the end of its last block).
    quiet = (table.last_failure_at < cutoff) & (table.blocked_until.is_(None) | (table.blocked_until < cutoff))
    # UPDATE first: it takes the row lock on PostgreSQL, so concurrent increments queue up.
    updated = session.exec(
        update(table).where(table.key_hash == key)
        .values(failures=case((quiet, 1), else_=table.failures + 1), last_failure_at=now)
    )
    if updated.rowcount == 0:
        session.add(table(key_hash=key, failures=1, last_failure_at=now,
                          blocked_until=now + block if (block := policy.block_for(1)) else None))
        session.flush()
        return
    row = session.get(table, key, populate_existing=True)
    block = policy.block_for(row.failures)
    row.blocked_until = now + block if block is not None else None
    session.add(row)


def record_success(session: Session, email: str) -> None:
    """The right password: the e-mail's run of failures ends (the client's does not)."""
    with committing(session):
        session.exec(delete(models.LoginThrottle).where(models.LoginThrottle.key_hash == email_key(email)))


def clear_email(session: Session, email: str) -> None:
    """After a password reset: the owner is not kept waiting by an attacker's failures."""
    record_success(session, email)
