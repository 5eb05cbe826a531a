"""Accounts: password hashing, server-side sessions, CSRF tokens, invites, login limits.

Domain code (no HTTP): the web layer turns its exceptions into pages and status codes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, delete, select

from app.core import models
from app.core.db import committing
from app.domain.errors import DomainError

SESSION_HOURS = 12
INVITE_DAYS = 7
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()


class AuthError(DomainError):
    code = "unauthenticated"
    status_code = 401
    message_nl = "Meld je aan om verder te gaan."


class InvalidCredentials(AuthError):
    code = "invalid_credentials"
    message_nl = "E-mailadres of wachtwoord klopt niet."


class TooManyAttempts(DomainError):
    code = "too_many_attempts"
    status_code = 429
    message_nl = "Te veel pogingen. Wacht een minuut en probeer opnieuw."

    def __init__(self, retry_after: int = 60) -> None:
        self.retry_after = retry_after
        minutes = max(1, -(-retry_after // 60))
        self.message_nl = ("Te veel pogingen. Probeer opnieuw over "
                           + ("een minuut." if minutes == 1 else f"{minutes} minuten."))
        super().__init__(f"too many failed sign-ins; retry after {retry_after} s")


class PermissionDenied(DomainError):
    code = "forbidden"
    status_code = 403
    message_nl = "Je hebt geen toegang tot deze gegevens."


class InviteInvalid(DomainError):
    code = "invite_invalid"
    status_code = 400
    message_nl = "Deze uitnodiging is ongeldig, al gebruikt of verlopen."


class WeakPassword(DomainError):
    code = "weak_password"
    status_code = 422
    message_nl = f"Kies een wachtwoord van minstens {MIN_PASSWORD_LENGTH} tekens."


def now_utc() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def _aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes; everything is stored in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"password shorter than {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_account_scope(
    session: Session, *, role: models.Role | str, partnership_slug: str | None, organization_ids: list[str]
) -> models.Role:
    """The role exists, a partner has organisations, and every organisation and partnership named exists."""
    try:
        role = models.Role(role)
    except ValueError:
        msg = f"unknown role {role!r} (coordinator, partner or coach)"
        raise DomainError(msg) from None
    if role == models.Role.PARTNER and not organization_ids:
        msg = "a partner needs at least one organisation to edit"
        raise DomainError(msg)
    if partnership_slug is not None and session.get(models.Partnership, partnership_slug) is None:
        known = ", ".join(session.exec(select(models.Partnership.slug).order_by(models.Partnership.slug)).all())
        msg = f"unknown partnership {partnership_slug!r} (known: {known})"
        raise DomainError(msg)
    known_ids = set(session.exec(select(models.Organization.id).where(models.Organization.id.in_(organization_ids))).all())
    unknown = [organization_id for organization_id in organization_ids if organization_id not in known_ids]
    if unknown:
        msg = f"unknown organisation id(s): {', '.join(unknown)}"
        raise DomainError(msg)
    return role


def create_user(
    session: Session,
    *,
    email: str,
    password: str,
    role: models.Role | str,
    name: str = "",
    partnership_slug: str | None = None,
    organization_ids: list[str] | None = None,
) -> models.User:
    email = email.strip().lower()
    if session.exec(select(models.User).where(models.User.email == email)).first():
        msg = f"a user with e-mail {email} exists"
        raise DomainError(msg)
    role = check_account_scope(session, role=role, partnership_slug=partnership_slug,
                               organization_ids=list(organization_ids or []))
    user = models.User(
        email=email, name=name, password_hash=hash_password(password), role=str(role),
        partnership_slug=partnership_slug,
    )
    with committing(session):
        session.add(user)
        session.flush()
        for organization_id in organization_ids or []:
            session.add(models.UserOrganization(user_id=user.id, organization_id=organization_id))
    session.refresh(user)
    return user


def authenticate(session: Session, *, email: str, password: str) -> models.User:
    user = session.exec(select(models.User).where(models.User.email == email.strip().lower())).first()
    if user is None or not user.active:
        # Hash anyway so that timing does not reveal which e-mail addresses exist.
        verify_password(_hasher.hash("not-the-password"), password)
        raise InvalidCredentials("invalid e-mail or password")
    if not verify_password(user.password_hash, password):
        raise InvalidCredentials("invalid e-mail or password")
    with committing(session):
        user.last_login_at = now_utc()
        session.add(user)
    return user


def start_session(session: Session, user: models.User) -> tuple[str, models.UserSession]:
    """A fresh session token (never reuse one the browser brought: no fixation)."""
    token = secrets.token_urlsafe(32)
    row = models.UserSession(
        token_hash=token_hash(token), user_id=user.id, csrf_token=secrets.token_urlsafe(24),
        expires_at=now_utc() + timedelta(hours=SESSION_HOURS),
    )
    with committing(session):
        session.add(row)
    return token, row


def load_session(session: Session, token: str | None) -> tuple[models.User, models.UserSession] | None:
    if not token or len(token) > 200:
        return None
    row = session.get(models.UserSession, token_hash(token))
    if row is None:
        return None
    if _aware(row.expires_at) < now_utc():
        with committing(session):
            session.delete(row)
        return None
    user = session.get(models.User, row.user_id)
    if user is None or not user.active:
        return None
    return user, row


def end_session(session: Session, token: str | None) -> None:
    if token:
        with committing(session):
            session.exec(delete(models.UserSession).where(models.UserSession.token_hash == token_hash(token)))


def csrf_matches(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(expected, given)


def create_invite(
    session: Session,
    *,
    email: str,
    role: models.Role | str,
    organization_ids: list[str] | None = None,
    partnership_slug: str | None = None,
    created_by: str | None = None,
    days: int = INVITE_DAYS,
) -> str:
    """Store an invite and return its one-time token (only the hash is kept)."""
    role = check_account_scope(session, role=role, partnership_slug=partnership_slug,
                               organization_ids=list(organization_ids or []))
    token = secrets.token_urlsafe(32)
    with committing(session):
        session.add(
            models.Invite(
                token_hash=token_hash(token), email=email.strip().lower(), role=str(models.Role(role)),
                organization_ids=list(organization_ids or []), partnership_slug=partnership_slug,
                created_by=created_by, expires_at=now_utc() + timedelta(days=days),
            )
        )
    return token


def accept_invite(session: Session, *, token: str, password: str, name: str = "") -> models.User:
    """The invited account, the invite used: both, or (a refused password, say) neither."""
    invite = session.get(models.Invite, token_hash(token))
    if invite is None or invite.used_at is not None or _aware(invite.expires_at) < now_utc():
        raise InviteInvalid("invite unknown, used or expired")
    with committing(session):
        invite.used_at = now_utc()
        session.add(invite)
        session.flush()
        return create_user(
            session, email=invite.email, password=password, role=invite.role, name=name,
            partnership_slug=invite.partnership_slug, organization_ids=invite.organization_ids,
        )


def user_organization_ids(session: Session, user: models.User) -> set[str]:
    return set(
        session.exec(select(models.UserOrganization.organization_id).where(models.UserOrganization.user_id == user.id)).all()
    )
