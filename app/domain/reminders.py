"""Reminder digests: each partner's stale entries, queued in the outbox and sent by SMTP."""

from __future__ import annotations

import smtplib
from datetime import date
from email.message import EmailMessage
from urllib.parse import urlparse

from sqlmodel import Session, select

from app import models
from app.auth import now_utc
from app.domain.editing import stale_services


def queue_stale_digests(session: Session, *, older_than_days: int, base_url: str, today: date | None = None) -> int:
    """One outbox message per partner editor with stale services; returns how many were queued."""
    queued = 0
    partners = session.exec(
        select(models.User).where(models.User.role == models.Role.PARTNER.value, models.User.active == True)  # noqa: E712
    ).all()
    for user in partners:
        organization_ids = set(
            session.exec(select(models.UserOrganization.organization_id).where(models.UserOrganization.user_id == user.id)).all()
        )
        stale = stale_services(session, older_than_days=older_than_days, organization_ids=organization_ids, today=today)
        if not stale:
            continue
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
        session.add(models.OutboxMessage(
            kind="stale-digest", recipient=user.email,
            subject=f"Sociale kaart: {len(stale)} dienst(en) om na te kijken", body="\n".join(lines),
        ))
        queued += 1
    session.commit()
    return queued


def pending_messages(session: Session) -> list[models.OutboxMessage]:
    return list(session.exec(select(models.OutboxMessage).where(models.OutboxMessage.sent_at == None)).all())  # noqa: E711


def send_pending(session: Session, *, smtp_url: str, sender: str = "noreply@sociale-kaart.invalid") -> int:
    """Send queued mail over SMTP (``smtp://user:pass@host:port``, STARTTLS when offered)."""
    if not smtp_url:
        return 0
    target = urlparse(smtp_url)
    sent = 0
    with smtplib.SMTP(target.hostname or "localhost", target.port or 25, timeout=30) as smtp:
        smtp.ehlo()
        if smtp.has_extn("starttls"):
            smtp.starttls()
            smtp.ehlo()
        if target.username:
            smtp.login(target.username, target.password or "")
        for message in pending_messages(session):
            mail = EmailMessage()
            mail["From"], mail["To"], mail["Subject"] = sender, message.recipient, message.subject
            mail.set_content(message.body)
            smtp.send_message(mail)
            message.sent_at = now_utc()
            session.add(message)
            session.commit()
            sent += 1
    return sent
