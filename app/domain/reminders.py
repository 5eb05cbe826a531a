"""Reminder digests: each partner's stale entries, queued in the outbox and sent by SMTP.

A digest is one outbox message per partner editor per calendar month (its ``dedupe_key``):
queuing again in the same month refreshes a message that is still waiting (the list is
then current) and leaves a sent one alone, so ``sk digest`` can run daily from cron.
Sending marks each message sent or records why it failed; a failed message stays queued.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from urllib.parse import unquote, urlparse

from sqlmodel import Session, select

from app.core import models
from app.core.auth import now_utc
from app.core.db import committing
from app.domain.staleness import stale_services
from app.domain.errors import DomainError

DIGEST_KIND = "stale-digest"
#: smtp: plain, upgraded with STARTTLS when the server offers it; smtp+starttls: STARTTLS required;
#: smtps: TLS from the first byte (implicit TLS, usually port 465)
SMTP_SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


class SmtpUrlError(DomainError):
    code = "smtp_url"
    message_nl = "De SMTP-instelling is ongeldig."


@dataclass
class DigestRun:
    """What one run of :func:`queue_stale_digests` did, per recipient address."""

    queued: list[str] = field(default_factory=list)
    refreshed: list[str] = field(default_factory=list)
    already_sent: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0
    #: a failure that stopped the whole run (no connection, login refused); empty otherwise
    error: str = ""


def digest_key(user: models.User, today: date) -> str:
    return f"{DIGEST_KIND}:{user.id}:{today:%Y-%m}"


def digest_text(user: models.User, stale: list[models.Service], *, base_url: str) -> tuple[str, str]:
    """Subject and body (Dutch) of one partner's digest."""
    lines = [
        f"Dag {user.name or user.email},",
        "",
        "Deze diensten op de sociale kaart zijn al lang niet meer gecontroleerd.",
        "Klopt alles nog? Eén klik op 'Klopt nog' volstaat; of pas aan wat veranderd is.",
        "",
    ]
    for service in stale:
        since = service.assured_date.strftime("%d/%m/%Y") if service.assured_date else "nooit"
        lines.append(f"- {service.name} (laatst gecontroleerd: {since}): {base_url}/partner/diensten/{service.id}")
    lines += ["", "Bedankt om de kaart juist te houden!"]
    return f"Sociale kaart: {len(stale)} dienst(en) om na te kijken", "\n".join(lines)


def queue_stale_digests(
    session: Session, *, older_than_days: int, base_url: str, today: date | None = None
) -> DigestRun:
    """Queue this month's digest for every active partner editor with stale services (idempotent)."""
    day = today or date.today()
    run = DigestRun()
    partners = session.exec(
        select(models.User).where(models.User.role == models.Role.PARTNER.value, models.User.active == True)  # noqa: E712
        .order_by(models.User.email)
    ).all()
    with committing(session):
        for user in partners:
            organization_ids = set(session.exec(
                select(models.UserOrganization.organization_id).where(models.UserOrganization.user_id == user.id)
            ).all())
            stale = stale_services(session, older_than_days=older_than_days, organization_ids=organization_ids,
                                   today=day)
            key = digest_key(user, day)
            existing = session.exec(select(models.OutboxMessage).where(models.OutboxMessage.dedupe_key == key)).first()
            if existing is not None and existing.sent_at is not None:
                run.already_sent.append(user.email)
                continue
            if not stale:
                if existing is not None:  # everything was verified since it was queued: nothing to remind
                    session.delete(existing)
                    run.withdrawn.append(user.email)
                continue
            subject, body = digest_text(user, stale, base_url=base_url)
            if existing is None:
                session.add(models.OutboxMessage(kind=DIGEST_KIND, dedupe_key=key, recipient=user.email,
                                                 subject=subject, body=body))
                run.queued.append(user.email)
            else:
                existing.recipient, existing.subject, existing.body = user.email, subject, body
                session.add(existing)
                run.refreshed.append(user.email)
    return run


def pending_messages(session: Session) -> list[models.OutboxMessage]:
    return list(session.exec(
        select(models.OutboxMessage).where(models.OutboxMessage.sent_at == None)  # noqa: E711
        .order_by(models.OutboxMessage.created_at, models.OutboxMessage.id)
    ).all())


def _connect(smtp_url: str, *, timeout: float, tls_context: ssl.SSLContext | None) -> smtplib.SMTP:
    target = urlparse(smtp_url)
    if target.scheme not in SMTP_SCHEMES or not target.hostname:
        msg = f"SMTP URL must look like smtp://host:port, smtp+starttls://... or smtps://..., got scheme {target.scheme!r}"
        raise SmtpUrlError(msg)
    try:
        port = target.port or SMTP_SCHEMES[target.scheme]
    except ValueError as exc:
        msg = f"SMTP URL has an invalid port: {exc}"
        raise SmtpUrlError(msg) from None
    context = tls_context or ssl.create_default_context()
    if target.scheme == "smtps":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(target.hostname, port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(target.hostname, port, timeout=timeout)
    try:
        smtp.ehlo()
        if target.scheme == "smtp+starttls" or (target.scheme == "smtp" and smtp.has_extn("starttls")):
            smtp.starttls(context=context)  # raises SMTPNotSupportedError when required but not offered
            smtp.ehlo()
        if target.username:
            smtp.login(unquote(target.username), unquote(target.password or ""))
    except BaseException:
        smtp.close()
        raise
    return smtp


def _reason(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [f"{code} {reply.decode(errors='replace')}" for code, reply in exc.recipients.values()]
        return f"recipient refused: {'; '.join(codes)}"[:500]
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{type(exc).__name__}: {exc.smtp_code} {exc.smtp_error.decode(errors='replace')}"[:500]
    return f"{type(exc).__name__}: {exc}"[:500]


def send_pending(
    session: Session, *, smtp_url: str, sender: str = "noreply@sociale-kaart.invalid", timeout: float = 30.0,
    tls_context: ssl.SSLContext | None = None,
) -> SendResult:
    """Send the queued mail over SMTP (see :data:`SMTP_SCHEMES`); every attempt is recorded on its message."""
    result = SendResult()
    messages = pending_messages(session)
    if not messages:
        return result
    if not smtp_url:
        msg = "no SMTP server configured (SK_SMTP_URL): the outbox can only be printed"
        raise SmtpUrlError(msg)
    try:
        smtp = _connect(smtp_url, timeout=timeout, tls_context=tls_context)
    except SmtpUrlError:
        raise
    except (OSError, smtplib.SMTPException) as exc:  # server down, TLS or login refused: all stay queued
        result.error = _reason(exc)
        with committing(session):
            for message in messages:
                _record_attempt(message, error=result.error)
                session.add(message)
        result.failed = len(messages)
        return result
    with smtp:
        for message in messages:
            mail = EmailMessage()
            mail["From"], mail["To"], mail["Subject"] = sender, message.recipient, message.subject
            mail.set_content(message.body)
            # one message at a time: a crash later never re-sends what went out
            with committing(session):
                try:
                    smtp.send_message(mail)
                except (OSError, smtplib.SMTPException) as exc:
                    _record_attempt(message, error=_reason(exc))
                    result.failed += 1
                else:
                    _record_attempt(message, error="")
                    message.sent_at = message.last_attempt_at
                    result.sent += 1
                session.add(message)
    return result


def _record_attempt(message: models.OutboxMessage, *, error: str) -> None:
    message.attempts += 1
    message.last_attempt_at = now_utc()
    message.last_error = error
