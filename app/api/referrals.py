"""JSON API of the warm referral (#13); the pages in :mod:`app.web.referral_pages` use the same operations.

Authenticated by the session cookie; every write needs the session's CSRF token in the
``X-CSRF-Token`` header, as the editing API. A referral exists only for its coach and the
receiving organisation's partners (404 for anyone else); coordinators get counts only.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query
from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.core import models
from app.http.deps import SessionDep, StateDep, ViewerDep, check_csrf
from app.domain.referral_crypto import referral_cipher
from app.domain.referral_records import referral_counts
from app.domain.referrals import (
    REASON_NL,
    STATUS_NL,
    Reason,
    ReferralCreate,
    ReferralNotFound,
    Status,
    add_message,
    as_utc_text,
    create_referral,
    decrypted_view,
    forward_referral,
    list_referrals,
    open_referral,
    plain_text,
    receiving_partners,
    set_status,
    withdraw_referral,
)
from app.domain.taxonomy import needs_by_code
from app.domain.errors import DomainError
from app.http.errors import ERROR_RESPONSES
from geo.regions import PARTNERSHIPS

router = APIRouter(prefix="/api/v1/referrals", tags=["referrals"], responses=ERROR_RESPONSES)

ReferralId = Annotated[str, Path(max_length=36)]
CsrfHeader = Annotated[str | None, Header(alias="X-CSRF-Token", max_length=100)]


class ReferralSummary(BaseModel):
    """A referral without anything about the person (lists, status answers)."""

    id: str
    status: str
    status_nl: str
    reason: str | None
    reason_nl: str | None
    service: dict[str, str]
    organization_id: str
    needs: list[str]
    municipality_nis: str | None
    consent_at: str
    created_at: str
    updated_at: str
    closed_at: str | None
    erased: bool
    version: int


class ReferralDetail(ReferralSummary):
    """One referral with the personal fields and the history, for its coach and receiving partners."""

    personal: dict[str, Any] | None = Field(description="null once erased (retention or a participant's request)")
    events: list[dict[str, Any]]
    receiving_accounts: int = Field(description="active partner accounts of the receiving organisation; 0: nobody "
                                                "there is told or can answer, so contact the service yourself")


class ReferralList(BaseModel):
    data: list[ReferralSummary]
    count: int


class StatusAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Status
    reason: Reason | None = Field(default=None, description="required with not_started, else absent")
    version: int | None = Field(default=None, ge=1, description="the version you read; a newer one is a 409")


class Withdrawal(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(default=None, ge=1)


class Forward(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service_id: str = Field(min_length=1, max_length=36)
    version: int | None = Field(default=None, ge=1)


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=1000, description="practical only: no medical or judicial details")

    @field_validator("text")
    @classmethod
    def _printable(cls, value: str) -> str:
        return plain_text(value, multiline=True)


class ReferralCounts(BaseModel):
    total: int
    by_status: dict[str, int]
    by_reason: dict[str, int]
    by_need: dict[str, int]
    by_service: list[dict[str, Any]]
    by_municipality: list[dict[str, Any]]


class UnknownFilter(DomainError):
    code = "unknown_filter"
    status_code = 422
    message_nl = "Onbekende nood, partnerschap, reden of status."


def summary(session, referral: models.Referral) -> dict:
    service = session.get(models.Service, referral.service_id)
    return {
        "id": referral.id, "status": referral.status, "status_nl": STATUS_NL.get(referral.status, referral.status),
        "reason": referral.reason, "reason_nl": REASON_NL.get(referral.reason) if referral.reason else None,
        "service": {"id": referral.service_id, "name": service.name if service else ""},
        "organization_id": referral.organization_id, "needs": referral.need_codes,
        "municipality_nis": referral.municipality_nis, "consent_at": as_utc_text(referral.consent_at),
        "created_at": as_utc_text(referral.created_at), "updated_at": as_utc_text(referral.updated_at),
        "closed_at": as_utc_text(referral.closed_at), "erased": referral.erased_at is not None,
        "version": referral.version,
    }


def detail(session, state, referral: models.Referral) -> ReferralDetail:
    view = decrypted_view(session, cipher=referral_cipher(state.settings), referral=referral)
    events = [{**event, "at": as_utc_text(event["at"])} for event in view["events"]]
    return ReferralDetail(**summary(session, referral), personal=view["personal"], events=events,
                          receiving_accounts=len(receiving_partners(session, referral.organization_id)))


def _editor(viewer) -> models.User:
    return viewer.require(models.Role.COACH, models.Role.PARTNER)


def _reader(viewer, csrf_token: str | None = None, *, write: bool = False) -> models.User:
    """Signed in (401), the CSRF token on writes (403), then: a referral exists only for coaches and partners."""
    user = viewer.require()
    if write:
        check_csrf(viewer, csrf_token)
    if user.role not in (models.Role.COACH.value, models.Role.PARTNER.value):
        raise ReferralNotFound("referrals are for their coach and the receiving partners only")
    return user


@router.post("", status_code=201, response_model=ReferralDetail, summary="Send a referral (coach, with consent)")
def send_referral(state: StateDep, session: SessionDep, viewer: ViewerDep, body: ReferralCreate,
                  x_csrf_token: CsrfHeader = None) -> ReferralDetail:
    user = viewer.require(models.Role.COACH)
    check_csrf(viewer, x_csrf_token)
    referral = create_referral(session, cipher=referral_cipher(state.settings), user=user, data=body,
                               base_url=state.settings.public_base_url)
    return detail(session, state, referral)


@router.get("", response_model=ReferralList, summary="A coach's sent referrals, or a partner's received ones")
def referrals(session: SessionDep, viewer: ViewerDep) -> ReferralList:
    user = _editor(viewer)
    rows = [summary(session, referral) for referral in list_referrals(session, user=user)]
    return ReferralList(data=rows, count=len(rows))


@router.get("/stats", response_model=ReferralCounts, summary="Counts only (coordinators): never persons")
def stats(
    session: SessionDep, viewer: ViewerDep,
    need: Annotated[str | None, Query(max_length=80)] = None,
    partnership: Annotated[str | None, Query(max_length=40, description="people living in this partnership")] = None,
    reason: Annotated[str | None, Query(max_length=30)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
) -> ReferralCounts:
    user = viewer.require(models.Role.COORDINATOR)
    if ((need and need not in needs_by_code()) or (partnership and partnership not in PARTNERSHIPS)
            or (reason and reason not in REASON_NL) or (status and status not in STATUS_NL)):
        raise UnknownFilter("unknown need, partnership, reason or status")
    return ReferralCounts(**referral_counts(session, partnership_scope=user.partnership_slug, need=need,
                                            partnership=partnership, reason=reason, status=status))


@router.get("/{referral_id}", response_model=ReferralDetail, summary="One referral (its coach or receiving partners)")
def read_referral(state: StateDep, session: SessionDep, viewer: ViewerDep, referral_id: ReferralId) -> ReferralDetail:
    user = _reader(viewer)
    return detail(session, state, open_referral(session, user=user, referral_id=referral_id))


@router.post("/{referral_id}/status", response_model=ReferralSummary, summary="Answer with a status (receiving partner)")
def answer(state: StateDep, session: SessionDep, viewer: ViewerDep, referral_id: ReferralId, body: StatusAnswer,
           x_csrf_token: CsrfHeader = None) -> dict:
    user = _reader(viewer, x_csrf_token, write=True)
    return summary(session, set_status(session, user=user, referral_id=referral_id, status=body.status,
                                       reason=body.reason, expected_version=body.version,
                                       base_url=state.settings.public_base_url))


@router.post("/{referral_id}/withdraw", response_model=ReferralSummary, summary="Withdraw (the referring coach)")
def withdraw(session: SessionDep, viewer: ViewerDep, referral_id: ReferralId, body: Withdrawal | None = None,
             x_csrf_token: CsrfHeader = None) -> dict:
    user = _reader(viewer, x_csrf_token, write=True)
    version = body.version if body else None
    return summary(session, withdraw_referral(session, user=user, referral_id=referral_id, expected_version=version))


@router.post("/{referral_id}/forward", response_model=ReferralSummary,
             summary="Forward to another service of the same organisation (receiving partner)")
def forward(session: SessionDep, viewer: ViewerDep, referral_id: ReferralId, body: Forward,
            x_csrf_token: CsrfHeader = None) -> dict:
    user = _reader(viewer, x_csrf_token, write=True)
    return summary(session, forward_referral(session, user=user, referral_id=referral_id, service_id=body.service_id,
                                             expected_version=body.version))


@router.post("/{referral_id}/messages", status_code=201, response_model=ReferralSummary,
             summary="Add a message (the coach or a receiving partner)")
def message(state: StateDep, session: SessionDep, viewer: ViewerDep, referral_id: ReferralId, body: Message,
            x_csrf_token: CsrfHeader = None) -> dict:
    user = _reader(viewer, x_csrf_token, write=True)
    return summary(session, add_message(session, cipher=referral_cipher(state.settings), user=user,
                                        referral_id=referral_id, text=body.text))
