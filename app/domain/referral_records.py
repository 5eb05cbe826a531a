"""What is kept about referrals, for how long, and who may count it.

- :func:`purge_closed` erases the personal fields (and message texts) of referrals closed
  longer ago than the retention period (``sk purge``, run by a scheduler), keeping the
  anonymous record and status history the counts use;
- :func:`export_referral` / :func:`erase_referral` answer a participant's request for their
  data or for erasure (``sk referral export ID`` / ``sk referral erase ID``), audited;
- :func:`referral_counts` is all a coordinator sees: counts, never persons.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from app.core import models
from app.core.auth import _aware, now_utc
from app.core.db import committing
from app.domain.permissions import partnership_service_ids
from app.domain.referral_crypto import decrypt_json
from app.domain.referrals import CLOSED_STATUSES, ReferralNotFound, as_utc_text, event_time, record_access, referral_events
from app.domain.taxonomy import expand_need


@dataclass
class PurgeRun:
    erased: list[str] = field(default_factory=list)


def _erase(session: Session, referral: models.Referral, *, moment: datetime, actor: str) -> None:
    """Drop the personal fields and message texts; an open referral cannot go on without them."""
    values: dict = {"personal_encrypted": None, "erased_at": moment, "updated_at": moment,
                    "version": referral.version + 1}
    if referral.status not in CLOSED_STATUSES:
        values |= {"status": "withdrawn", "reason": None, "closed_at": moment}
        session.add(models.ReferralEvent(referral_id=referral.id, at=event_time(), kind="withdrawn", status="withdrawn",
                                         service_id=referral.service_id, actor_role="coordinator"))
    session.exec(update(models.Referral).where(models.Referral.id == referral.id).values(**values))
    session.exec(update(models.ReferralEvent).where(models.ReferralEvent.referral_id == referral.id)
                 .values(text_encrypted=None))
    session.add(models.ReferralEvent(referral_id=referral.id, at=event_time(), kind="erased",
                                     status=values.get("status", referral.status), service_id=referral.service_id,
                                     actor_role="coordinator"))
    record_access(session, referral_id=referral.id, action="erase", actor=actor)


def purge_closed(session: Session, *, retention_days: int, now: datetime | None = None) -> PurgeRun:
    """Erase the personal fields of referrals closed at least ``retention_days`` ago (idempotent)."""
    moment = now or now_utc()
    cutoff = moment - timedelta(days=retention_days)
    due = session.exec(
        select(models.Referral)
        .where(models.Referral.closed_at != None, models.Referral.erased_at == None)  # noqa: E711
        .order_by(models.Referral.closed_at)
    ).all()
    run = PurgeRun()
    with committing(session):
        for referral in due:
            if _aware(referral.closed_at) <= cutoff:
                _erase(session, referral, moment=moment, actor="sk purge")
                run.erased.append(referral.id)
    return run


def erase_referral(session: Session, *, referral_id: str, actor: str = "sk referral erase") -> models.Referral:
    """A participant's request for erasure: the personal fields go now, the anonymous record stays."""
    referral = session.get(models.Referral, referral_id)
    if referral is None:
        raise ReferralNotFound(f"no referral {referral_id}")
    with committing(session):
        if referral.erased_at is None:
            _erase(session, referral, moment=now_utc(), actor=actor)
    session.refresh(referral)
    return referral


def export_referral(session: Session, *, cipher, referral_id: str, actor: str = "sk referral export") -> dict:
    """A participant's request for their data: everything stored about one referral, decrypted."""
    referral = session.get(models.Referral, referral_id)
    if referral is None:
        raise ReferralNotFound(f"no referral {referral_id}")
    service = session.get(models.Service, referral.service_id)
    accesses = session.exec(
        select(models.ReferralAccess).where(models.ReferralAccess.referral_id == referral.id)
        .order_by(models.ReferralAccess.at, models.ReferralAccess.id)
    ).all()
    record = {
        "id": referral.id, "status": referral.status, "reason": referral.reason,
        "service": {"id": referral.service_id, "name": service.name if service else None},
        "needs": referral.need_codes, "municipality_nis": referral.municipality_nis,
        "consent_at": as_utc_text(referral.consent_at), "created_at": as_utc_text(referral.created_at),
        "closed_at": as_utc_text(referral.closed_at), "erased_at": as_utc_text(referral.erased_at),
        "personal": decrypt_json(cipher, referral.personal_encrypted),
        "events": [
            {"at": as_utc_text(event.at), "kind": event.kind, "status": event.status, "reason": event.reason,
             "service_id": event.service_id, "by": event.actor_role,
             "text": decrypt_json(cipher, event.text_encrypted) if event.kind == "message" else None}
            for event in referral_events(session, referral.id)
        ],
        "opened_by": [{"at": as_utc_text(a.at), "actor": a.actor, "action": a.action} for a in accesses],
    }
    with committing(session):
        record_access(session, referral_id=referral.id, action="export", actor=actor)
    return record


def referral_counts(
    session: Session, *, partnership_scope: str | None = None, need: str | None = None,
    partnership: str | None = None, reason: str | None = None, status: str | None = None,
) -> dict:
    """Counts per status, reason, need, service and home municipality; never a person.

    ``partnership_scope`` is a coordinator's own partnership (None: all); ``need`` includes
    its sub-needs; ``partnership`` keeps referrals of people living there.
    """
    referrals = list(session.exec(select(models.Referral)).all())
    if partnership_scope:
        services = partnership_service_ids(session, partnership_scope)
        homes = _partnership_municipalities(session, partnership_scope)
        referrals = [r for r in referrals if r.service_id in services or r.municipality_nis in homes]
    if partnership:
        homes = _partnership_municipalities(session, partnership)
        referrals = [r for r in referrals if r.municipality_nis in homes]
    if need:
        wanted = expand_need(need)
        referrals = [r for r in referrals if wanted & set(r.need_codes)]
    if reason:
        referrals = [r for r in referrals if r.reason == reason]
    if status:
        referrals = [r for r in referrals if r.status == status]
    service_names = dict(session.exec(select(models.Service.id, models.Service.name)).all())
    municipality_names = dict(session.exec(select(models.Municipality.nis, models.Municipality.name_nl)).all())
    by_service = Counter(r.service_id for r in referrals)
    by_municipality = Counter(r.municipality_nis for r in referrals if r.municipality_nis)
    return {
        "total": len(referrals),
        "by_status": dict(sorted(Counter(r.status for r in referrals).items())),
        "by_reason": dict(sorted(Counter(r.reason for r in referrals if r.reason).items())),
        "by_need": dict(sorted(Counter(code for r in referrals for code in r.need_codes).items())),
        "by_service": [{"service_id": sid, "name": service_names.get(sid, ""), "count": count}
                       for sid, count in by_service.most_common()],
        "by_municipality": [{"nis": nis, "name": municipality_names.get(nis, nis), "count": count}
                            for nis, count in by_municipality.most_common()],
    }


def _partnership_municipalities(session: Session, slug: str) -> set[str]:
    return set(session.exec(
        select(models.MunicipalityPartnership.municipality_nis)
        .where(models.MunicipalityPartnership.partnership_slug == slug)
    ).all())
