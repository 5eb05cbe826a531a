"""Accounts their owners manage: change the password, reset a forgotten one, sign out other devices.

Domain code (no HTTP). A password change or reset ends every other session of the user; a
reset link is mailed through the outbox (``sk send``), works once and expires after
:data:`RESET_HOURS`; only its hash is stored. Asking for a reset never reveals whether an
e-mail address has an account: the caller answers the same either way.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlmodel import Session, delete, func, select

from app.core import models
from app.core.auth import InvalidCredentials, _aware, hash_password, now_utc, token_hash, verify_password
from app.core.db import committing
from app.domain.login_limits import clear_email
from app.domain.errors import DomainError

RESET_HOURS = 1
#: unused, unexpired links per account at once (the form cannot be used to flood a mailbox)
MAX_OPEN_RESETS = 3
RESET_KIND = "password_reset"


class WrongCurrentPassword(InvalidCredentials):
    code = "wrong_current_password"
    status_code = 400
    message_nl = "Je huidige wachtwoord klopt niet."


class PasswordsDiffer(DomainError):
    code = "passwords_differ"
    status_code = 422
    message_nl = "De twee nieuwe wachtwoorden zijn niet gelijk."


class ResetLinkInvalid(DomainError):
    code = "reset_link_invalid"
    status_code = 400
    message_nl = "Deze link om je wachtwoord te herstellen is ongeldig, al gebruikt of verlopen. Vraag een nieuwe aan."


def end_other_sessions(session: Session, *, user: models.User, keep_token_hash: str | None) -> int:
    """Sign the user out everywhere except the session ``keep_token_hash``; returns how many ended."""
    query = delete(models.UserSession).where(models.UserSession.user_id == user.id)
    if keep_token_hash:
        query = query.where(models.UserSession.token_hash != keep_token_hash)
    with committing(session):
        return session.exec(query).rowcount


def change_password(session: Session, *, user: models.User, current_password: str, new_password: str,
                    repeated: str, keep_token_hash: str | None) -> int:
    """Set a new password (the current one required); other sessions end. Returns how many."""
    if not verify_password(user.password_hash, current_password):
        raise WrongCurrentPassword("current password wrong")
    if new_password != repeated:
        raise PasswordsDiffer("the new passwords differ")
    with committing(session):
        user.password_hash = hash_password(new_password)
        session.add(user)
        session.flush()
        return end_other_sessions(session, user=user, keep_token_hash=keep_token_hash)


def reset_mail(link: str) -> tuple[str, str]:
    """Subject and body: the link and what to do, nothing about anyone's search or participants."""
    subject = "Sociale kaart: nieuw wachtwoord kiezen"
    body = (
        "Dag,\n\n"
        "Iemand vroeg een nieuw wachtwoord aan voor je account op de sociale kaart.\n"
        f"Kies een nieuw wachtwoord via deze link (één keer te gebruiken, {RESET_HOURS} uur geldig):\n\n"
        f"{link}\n\n"
        "Vroeg je dit niet aan? Dan hoef je niets te doen: je wachtwoord blijft hetzelfde.\n"
    )
    return subject, body


def request_password_reset(session: Session, *, email: str, base_url: str) -> None:
    """Queue a reset link for an active account with this e-mail address; nothing otherwise.

    Returns nothing on purpose: the caller cannot tell (and so cannot show) whether the
    address exists.
    """
    user = session.exec(select(models.User).where(models.User.email == email.strip().lower())).first()
    if user is None or not user.active:
        return
    now = now_utc()
    open_links = session.exec(
        select(func.count()).select_from(models.PasswordReset)
        .where(models.PasswordReset.user_id == user.id, models.PasswordReset.used_at == None,  # noqa: E711
               models.PasswordReset.expires_at > now)
    ).one()
    if open_links >= MAX_OPEN_RESETS:
        return
    token = secrets.token_urlsafe(32)
    subject, body = reset_mail(f"{base_url.rstrip('/')}/wachtwoord/herstellen/{token}")
    with committing(session):
        session.add(models.PasswordReset(token_hash=token_hash(token), user_id=user.id, created_at=now,
                                         expires_at=now + timedelta(hours=RESET_HOURS)))
        session.add(models.OutboxMessage(kind=RESET_KIND, recipient=user.email, subject=subject, body=body))


def reset_link_user(session: Session, token: str) -> models.User:
    """The account a valid (unused, unexpired) link belongs to."""
    row = session.get(models.PasswordReset, token_hash(token)) if token and len(token) <= 100 else None
    if row is None or row.used_at is not None or _aware(row.expires_at) < now_utc():
        raise ResetLinkInvalid("reset link unknown, used or expired")
    user = session.get(models.User, row.user_id)
    if user is None or not user.active:
        raise ResetLinkInvalid("account inactive")
    return user


def reset_password(session: Session, *, token: str, new_password: str, repeated: str) -> models.User:
    """Use a link once: new password, every session ended, the e-mail's failed sign-ins forgotten."""
    user = reset_link_user(session, token)
    if new_password != repeated:
        raise PasswordsDiffer("the new passwords differ")
    password_hash = hash_password(new_password)
    with committing(session):
        # single use even under two simultaneous submits: only one UPDATE finds the link unused
        used = session.exec(
            models.PasswordReset.__table__.update()
            .where(models.PasswordReset.token_hash == token_hash(token), models.PasswordReset.used_at == None)  # noqa: E711
            .values(used_at=now_utc())
        ).rowcount
        if used != 1:
            raise ResetLinkInvalid("reset link used meanwhile")
        user.password_hash = password_hash
        session.add(user)
        session.flush()
        end_other_sessions(session, user=user, keep_token_hash=None)
        clear_email(session, user.email)
    return user
