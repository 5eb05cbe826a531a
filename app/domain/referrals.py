"""The warm referral with consent (#13): a coach sends, the receiving partner answers.

HTTP-free rules shared by the API and the pages:

- only a signed-in coach sends, only with the participant's consent, only the fields a
  partner needs to act (no national register number, address or date of birth: unknown
  fields are refused), and those encrypted (:mod:`app.domain.referral_crypto`);
- the referring coach and the partners of the receiving organisation see a referral;
  for everyone else it does not exist (:class:`ReferralNotFound`, a 404);
- status changes are conditional updates on ``version``: two answers at the same time
  never silently overwrite each other (:class:`ReferralConflict`, a 409);
- the partners are told by a mail without personal data; every opening is audited.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import update
from sqlmodel import Session, select

from app.core import models
from app.core.auth import PermissionDenied, now_utc, user_organization_ids
from app.core.db import committing
from app.domain.referral_crypto import decrypt_json, encrypt_json
from app.domain.taxonomy import validate_need_codes
from app.domain.errors import DomainError, NotFoundError

NOTICE_KIND = "referral-notice"
STATUS_NOTICE_KIND = "referral-status"
OPEN_STATUSES = ("sent", "received", "contacted", "appointment")
#: what a partner of the receiving organisation may answer
PARTNER_STATUSES = ("received", "contacted", "appointment", "started", "not_started")
CLOSED_STATUSES = ("started", "not_started", "withdrawn")
STATUS_NL = {
    "sent": "verstuurd", "received": "ontvangen", "contacted": "contact gelegd", "appointment": "afspraak gepland",
    "started": "gestart", "not_started": "niet gestart", "withdrawn": "ingetrokken",
}
REASONS = ("unreachable", "not_target_group", "waiting_list", "declined", "other_service_better")
REASON_NL = {
    "unreachable": "niet bereikbaar", "not_target_group": "niet in doelgroep", "waiting_list": "wachtlijst",
    "declined": "weigert", "other_service_better": "andere dienst beter",
}
PARTS_OF_DAY = ("morning", "afternoon", "evening")
PART_OF_DAY_NL = {"morning": "voormiddag", "afternoon": "namiddag", "evening": "avond"}

Status = Literal["received", "contacted", "appointment", "started", "not_started"]
Reason = Literal["unreachable", "not_target_group", "waiting_list", "declined", "other_service_better"]


class ConsentRequired(DomainError):
    code = "consent_required"
    status_code = 422
    message_nl = "Zonder toestemming van de deelnemer wordt er niets verstuurd. Vink de toestemming aan."


class UnknownReferralService(DomainError):
    code = "unknown_service"
    status_code = 422
    message_nl = "Deze dienst bestaat niet (meer) of neemt geen verwijzingen aan."


class UnknownMunicipality(DomainError):
    code = "unknown_municipality"
    status_code = 422
    message_nl = "Onbekende gemeente."


class ReferralNotFound(NotFoundError):
    code = "referral_not_found"
    message_nl = "Deze verwijzing bestaat niet, of je hebt er geen toegang toe."


class ReferralClosed(DomainError):
    code = "referral_closed"
    status_code = 409
    message_nl = "Deze verwijzing is afgesloten; de status kan niet meer veranderen."


class ReferralErased(DomainError):
    code = "referral_erased"
    status_code = 409
    message_nl = "De persoonsgegevens van deze verwijzing zijn gewist; er kan niets meer bij."


class ReferralConflict(DomainError):
    code = "version_conflict"
    status_code = 409
    message_nl = "Iemand anders heeft deze verwijzing intussen gewijzigd. Laad de pagina opnieuw."

    def __init__(self, current_version: int) -> None:
        self.detail = {"current_version": current_version}
        super().__init__(f"the referral changed meanwhile (now version {current_version})")


class InvalidReferralAnswer(DomainError):
    code = "invalid_answer"
    status_code = 422
    message_nl = "Kies bij 'niet gestart' een reden; bij de andere statussen hoort geen reden."


class ForwardNotAllowed(DomainError):
    code = "forward_not_allowed"
    status_code = 422
    message_nl = "Je kan enkel doorsturen naar een andere actieve dienst van dezelfde organisatie."


def plain_id(identifier: str) -> bool:
    """An identifier without control characters or lone surrogates (a database refuses those: not found)."""
    return bool(identifier) and identifier.isprintable()


def plain_text(value: str, *, multiline: bool = False) -> str:
    """Printable text (new lines and tabs where ``multiline``); NUL, control characters and lone
    surrogates are refused: they cannot be encrypted as UTF-8 or shown."""
    if not all(char.isprintable() or (multiline and char in "\n\r\t") for char in value):
        msg = "control characters are not allowed"
        raise ValueError(msg)
    return value.strip()


class Contact(BaseModel):
    """How the partner reaches the person: exactly one of a phone number, an e-mail address or 'self'."""

    model_config = ConfigDict(extra="forbid")

    phone: str | None = Field(default=None, min_length=6, max_length=25, pattern=r"^\+?[0-9][0-9 ./()-]{4,23}[0-9]$")
    email: str | None = Field(default=None, max_length=200, pattern=r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
    self: bool = Field(default=False, description="the participant contacts the service themselves")

    @field_validator("email")
    @classmethod
    def _printable_email(cls, value: str | None) -> str | None:
        return None if value is None else plain_text(value)

    @model_validator(mode="after")
    def _exactly_one(self) -> Contact:
        given = [self.phone is not None, self.email is not None, self.self]
        if sum(given) != 1:
            msg = "give exactly one of phone, email or self: true"
            raise ValueError(msg)
        return self


class AvailabilitySlot(BaseModel):
    model_config = ConfigDict(extra="forbid")

    weekday: int = Field(ge=1, le=7, description="ISO weekday, 1 = Monday")
    part_of_day: Literal["morning", "afternoon", "evening"]


class ReferralCreate(BaseModel):
    """What a referral holds: only what the partner needs to act. Any other field is refused."""

    model_config = ConfigDict(extra="forbid")

    service_id: str = Field(min_length=1, max_length=36)
    consent: bool = Field(strict=True, description="true: the participant agreed to this referral; without it nothing is sent")
    contact: Contact
    first_name: str = Field(min_length=1, max_length=40, description="a first name or initials, nothing more")
    needs: list[str] = Field(min_length=1, max_length=12)
    languages: list[str] = Field(default_factory=list, max_length=10)
    availability: list[AvailabilitySlot] = Field(default_factory=list, max_length=21)
    note: str = Field(default="", max_length=500, description="short and practical: no medical or judicial details")
    municipality_nis: str | None = Field(default=None, pattern=r"^[0-9]{5}$",
                                         description="the participant's home municipality (for the counts)")

    @field_validator("needs")
    @classmethod
    def _known_needs(cls, value: list[str]) -> list[str]:
        return validate_need_codes(value)

    @field_validator("languages")
    @classmethod
    def _language_codes(cls, value: list[str]) -> list[str]:
        if any(not (2 <= len(code) <= 3 and code.isascii() and code.isalpha() and code.islower()) for code in value):
            msg = "languages are ISO 639 codes such as nl, fr, ar"
            raise ValueError(msg)
        return list(dict.fromkeys(value))

    @field_validator("first_name")
    @classmethod
    def _one_line(cls, value: str) -> str:
        return plain_text(value)

    @field_validator("note")
    @classmethod
    def _note(cls, value: str) -> str:
        return plain_text(value, multiline=True)

    def personal_fields(self) -> dict:
        """The part that identifies the person: stored encrypted, erased after retention."""
        return {
            "contact": self.contact.model_dump(exclude_none=True, exclude_defaults=True) or {"self": True},
            "first_name": self.first_name,
            "languages": self.languages,
            "availability": [slot.model_dump() for slot in self.availability],
            "note": self.note,
        }


def event_time() -> datetime:
    """Events and audit lines keep microseconds: several in one second stay in order."""
    return datetime.now(timezone.utc)


def is_coach_of(user: models.User, referral: models.Referral) -> bool:
    return user.role == models.Role.COACH.value and referral.coach_id == user.id


def is_receiving_partner(session: Session, user: models.User, referral: models.Referral) -> bool:
    return user.role == models.Role.PARTNER.value and referral.organization_id in user_organization_ids(session, user)


def record_access(session: Session, *, referral_id: str, action: str, user: models.User | None = None,
                  actor: str = "") -> None:
    """One line of the audit trail (added to the session; the caller commits)."""
    session.add(models.ReferralAccess(referral_id=referral_id, user_id=user.id if user else None,
                                      actor=user.email if user else actor, action=action, at=event_time()))


def get_visible_referral(session: Session, *, user: models.User, referral_id: str) -> models.Referral:
    """The referral if this user is its coach or a partner of the receiving organisation; else 404."""
    referral = session.get(models.Referral, referral_id) if plain_id(referral_id) else None
    if referral is None or not (is_coach_of(user, referral) or is_receiving_partner(session, user, referral)):
        raise ReferralNotFound("no such referral for this account")
    return referral


def open_referral(session: Session, *, user: models.User, referral_id: str) -> models.Referral:
    """:func:`get_visible_referral`, and the audit trail records who opened it."""
    referral = get_visible_referral(session, user=user, referral_id=referral_id)
    with committing(session):
        record_access(session, referral_id=referral.id, action="view", user=user)
    return referral


def list_referrals(session: Session, *, user: models.User) -> list[models.Referral]:
    """A coach's own referrals, or those addressed to a partner's organisations; newest first."""
    query = select(models.Referral)
    if user.role == models.Role.COACH.value:
        query = query.where(models.Referral.coach_id == user.id)
    else:
        query = query.where(models.Referral.organization_id.in_(user_organization_ids(session, user)))
    return list(session.exec(query.order_by(models.Referral.created_at.desc(), models.Referral.id)).all())


def notice_text(service: models.Service, *, base_url: str) -> tuple[str, str]:
    """The partners' notification: the service and a link, never anything about the person."""
    body = "\n".join([
        "Dag,",
        "",
        f"Er is een nieuwe verwijzing voor {service.name}.",
        f"Meld je aan om ze te bekijken: {base_url}/verwijzingen",
        "",
        "Deze mail bevat bewust geen gegevens over de deelnemer.",
    ])
    return "Sociale kaart: er is een nieuwe verwijzing", body


def status_notice_text(*, base_url: str) -> tuple[str, str]:
    """The coach's notification of an answer: not even the service or the status, only a link."""
    body = "\n".join([
        "Dag,",
        "",
        "Er is nieuws over een verwijzing die je verstuurde.",
        f"Meld je aan om te zien wat de dienst antwoordde: {base_url}/verwijzingen",
        "",
        "Deze mail bevat bewust geen gegevens over de deelnemer.",
    ])
    return "Sociale kaart: nieuws over een verwijzing", body


def receiving_partners(session: Session, organization_id: str) -> list[models.User]:
    """The active partner accounts of an organisation: who is told, who can answer."""
    return list(session.exec(
        select(models.User)
        .join(models.UserOrganization, models.UserOrganization.user_id == models.User.id)
        .where(models.UserOrganization.organization_id == organization_id,
               models.User.role == models.Role.PARTNER.value, models.User.active == True)  # noqa: E712
        .order_by(models.User.email)
    ).all())


def _queue_notices(session: Session, referral: models.Referral, service: models.Service, *, base_url: str) -> None:
    partners = receiving_partners(session, referral.organization_id)
    subject, body = notice_text(service, base_url=base_url)
    for partner in partners:
        session.add(models.OutboxMessage(kind=NOTICE_KIND, dedupe_key=f"{NOTICE_KIND}:{referral.id}:{partner.id}",
                                         recipient=partner.email, subject=subject, body=body))


def _referable_service(session: Session, service_id: str) -> models.Service:
    service = session.get(models.Service, service_id) if plain_id(service_id) else None
    if service is None or not service.published or service.status != models.ServiceStatus.ACTIVE.value:
        raise UnknownReferralService("unknown, unpublished or inactive service")
    return service


def create_referral(session: Session, *, cipher, user: models.User, data: ReferralCreate,
                    base_url: str) -> models.Referral:
    """Store a referral (personal fields encrypted), its first event, the audit line and the notices."""
    if user.role != models.Role.COACH.value:
        raise PermissionDenied("only a coach sends referrals")
    if data.consent is not True:
        raise ConsentRequired("the participant's consent is required (\"consent\": true)")
    service = _referable_service(session, data.service_id)
    if data.municipality_nis is not None and session.get(models.Municipality, data.municipality_nis) is None:
        raise UnknownMunicipality(f"unknown municipality {data.municipality_nis}")
    moment = now_utc()
    referral = models.Referral(
        service_id=service.id, organization_id=service.organization_id, coach_id=user.id, status="sent",
        need_codes=data.needs, municipality_nis=data.municipality_nis, consent_at=moment, created_at=moment,
        updated_at=moment, personal_encrypted=encrypt_json(cipher, data.personal_fields()),
    )
    with committing(session):
        session.add(referral)
        session.flush()
        session.add(models.ReferralEvent(referral_id=referral.id, at=event_time(), kind="created", status="sent",
                                         service_id=service.id, actor_role="coach"))
        record_access(session, referral_id=referral.id, action="create", user=user)
        _queue_notices(session, referral, service, base_url=base_url)
    session.refresh(referral)
    return referral


def _conditional_update(session: Session, referral: models.Referral, expected_version: int | None, **values) -> None:
    """Apply ``values`` only if nobody changed the referral since ``expected_version``, else a 409
    with the current version (raised inside the caller's :func:`committing`: nothing is written)."""
    version = referral.version if expected_version is None else expected_version
    result = session.exec(
        update(models.Referral)
        .where(models.Referral.id == referral.id, models.Referral.version == version)
        .values(**values, version=version + 1, updated_at=now_utc())
    )
    if result.rowcount != 1:
        session.refresh(referral)  # the version someone else committed
        raise ReferralConflict(referral.version)


def _record_event(session: Session, referral: models.Referral, event: models.ReferralEvent, *, user: models.User,
                  action: str) -> None:
    """The event and its audit line, in the transaction of the change they record."""
    session.add(event)
    record_access(session, referral_id=referral.id, action=action, user=user)


def set_status(session: Session, *, user: models.User, referral_id: str, status: str, reason: str | None = None,
               expected_version: int | None = None, base_url: str = "") -> models.Referral:
    """A receiving partner's answer: received, contacted, appointment, started, or not_started with a reason."""
    referral = get_visible_referral(session, user=user, referral_id=referral_id)
    if not is_receiving_partner(session, user, referral):
        raise ReferralNotFound("only the receiving organisation answers")
    if status not in PARTNER_STATUSES:
        raise InvalidReferralAnswer(f"status must be one of {', '.join(PARTNER_STATUSES)}")
    if (status == "not_started") != (reason is not None) or (reason is not None and reason not in REASONS):
        raise InvalidReferralAnswer(f"not_started needs a reason ({', '.join(REASONS)}); other statuses none")
    if referral.status in CLOSED_STATUSES:
        raise ReferralClosed(f"the referral is {referral.status}")
    moment = now_utc()
    closed_at = moment if status in CLOSED_STATUSES else None
    with committing(session):
        _conditional_update(session, referral, expected_version, status=status, reason=reason, closed_at=closed_at)
        event = models.ReferralEvent(referral_id=referral.id, at=event_time(), kind="status", status=status,
                                     reason=reason, service_id=referral.service_id, actor_role="partner")
        coach = session.get(models.User, referral.coach_id)
        if coach is not None and coach.active and base_url:
            subject, body = status_notice_text(base_url=base_url)
            session.add(models.OutboxMessage(kind=STATUS_NOTICE_KIND, recipient=coach.email, subject=subject,
                                             body=body, dedupe_key=f"{STATUS_NOTICE_KIND}:{referral.id}:{event.id}"))
        _record_event(session, referral, event, user=user, action="status")
    session.refresh(referral)
    return referral


def withdraw_referral(session: Session, *, user: models.User, referral_id: str,
                      expected_version: int | None = None) -> models.Referral:
    """The referring coach takes an open referral back."""
    referral = get_visible_referral(session, user=user, referral_id=referral_id)
    if not is_coach_of(user, referral):
        raise ReferralNotFound("only the referring coach withdraws")
    if referral.status in CLOSED_STATUSES:
        raise ReferralClosed(f"the referral is {referral.status}")
    moment = now_utc()
    with committing(session):
        _conditional_update(session, referral, expected_version, status="withdrawn", reason=None, closed_at=moment)
        event = models.ReferralEvent(referral_id=referral.id, at=event_time(), kind="withdrawn", status="withdrawn",
                                     service_id=referral.service_id, actor_role="coach")
        _record_event(session, referral, event, user=user, action="withdraw")
    session.refresh(referral)
    return referral


def forward_referral(session: Session, *, user: models.User, referral_id: str, service_id: str,
                     expected_version: int | None = None) -> models.Referral:
    """A receiving partner hands an open referral to another active service of the same organisation."""
    referral = get_visible_referral(session, user=user, referral_id=referral_id)
    if not is_receiving_partner(session, user, referral):
        raise ReferralNotFound("only the receiving organisation forwards")
    if referral.status in CLOSED_STATUSES:
        raise ReferralClosed(f"the referral is {referral.status}")
    target = session.get(models.Service, service_id) if plain_id(service_id) else None
    if (target is None or target.organization_id != referral.organization_id or target.id == referral.service_id
            or target.status != models.ServiceStatus.ACTIVE.value):
        raise ForwardNotAllowed("forward only to another active service of the receiving organisation")
    with committing(session):
        _conditional_update(session, referral, expected_version, service_id=target.id)
        event = models.ReferralEvent(referral_id=referral.id, at=event_time(), kind="forwarded",
                                     status=referral.status, service_id=target.id, actor_role="partner")
        _record_event(session, referral, event, user=user, action="forward")
    session.refresh(referral)
    return referral


def add_message(session: Session, *, cipher, user: models.User, referral_id: str, text: str) -> models.Referral:
    """A message between the coach and the receiving partners, encrypted like the personal fields."""
    referral = get_visible_referral(session, user=user, referral_id=referral_id)
    if referral.erased_at is not None:
        raise ReferralErased("personal fields erased")
    role = "coach" if is_coach_of(user, referral) else "partner"
    with committing(session):
        event = models.ReferralEvent(referral_id=referral.id, at=event_time(), kind="message",
                                     status=referral.status, service_id=referral.service_id, actor_role=role,
                                     text_encrypted=encrypt_json(cipher, text.strip()))
        referral.updated_at = now_utc()
        session.add(referral)
        _record_event(session, referral, event, user=user, action="message")
    session.refresh(referral)
    return referral


def referral_events(session: Session, referral_id: str) -> list[models.ReferralEvent]:
    return list(session.exec(
        select(models.ReferralEvent).where(models.ReferralEvent.referral_id == referral_id)
        .order_by(models.ReferralEvent.at, models.ReferralEvent.id)
    ).all())


def decrypted_view(session: Session, *, cipher, referral: models.Referral) -> dict:
    """The personal fields and the history with messages in the clear, for the people allowed to see them."""
    personal = decrypt_json(cipher, referral.personal_encrypted)
    events = [
        {"at": event.at, "kind": event.kind, "status": event.status, "reason": event.reason,
         "service_id": event.service_id, "actor_role": event.actor_role,
         "text": decrypt_json(cipher, event.text_encrypted) if event.kind == "message" else None}
        for event in referral_events(session, referral.id)
    ]
    return {"personal": personal, "events": events}


def is_open(referral: models.Referral) -> bool:
    return referral.status in OPEN_STATUSES


def as_utc_text(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None
