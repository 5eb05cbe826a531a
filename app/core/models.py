"""Database models, aligned with Open Referral HSDS 3.0 where it fits.

Identifiers are UUID strings as HSDS requires. Geometry is stored portably (latitude
and longitude in WGS84 plus metric x/y in EPSG:3812, municipality outlines as GeoJSON
text) so that the same schema runs on SQLite and on PostgreSQL without extensions;
spatial work happens in memory with shapely (see ``geo/``).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timezone
from enum import IntEnum, StrEnum

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from geo.geocode_candidates import Precision


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


class ServiceStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    DEFUNCT = "defunct"
    TEMPORARILY_CLOSED = "temporarily closed"


class WaitingList(StrEnum):
    NONE = "none"  # no waiting list
    SHORT = "short"  # a few weeks
    LONG = "long"  # months
    CLOSED = "closed"  # not taking new people


class WheelchairLevel(IntEnum):
    """Measurable wheelchair accessibility of a location (higher is better)."""

    NOT_ACCESSIBLE = 0  # steps, no ramp
    WITH_HELP = 1  # one step or a steep ramp: possible with an assistant
    STEP_FREE = 2  # step-free entrance and doors >= 90 cm
    FULL = 3  # step-free plus an adapted toilet


#: a location's stored precision is the gazetteer's (one list of precisions)
GeocodePrecision = Precision


class Partnership(SQLModel, table=True):
    slug: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=80)
    programme: str = Field(max_length=80)


class Municipality(SQLModel, table=True):
    nis: str = Field(primary_key=True, max_length=5)
    name_nl: str = Field(max_length=80, index=True)
    name_fr: str = Field(max_length=80)
    population: int = 0
    area_km2: float = 0.0
    centroid_latitude: float = 0.0
    centroid_longitude: float = 0.0
    geometry_geojson: str = ""  # WGS84 GeoJSON geometry


class MunicipalityPartnership(SQLModel, table=True):
    __tablename__ = "municipality_partnership"

    municipality_nis: str = Field(foreign_key="municipality.nis", primary_key=True, max_length=5)
    partnership_slug: str = Field(foreign_key="partnership.slug", primary_key=True, max_length=40)


class TaxonomyTerm(SQLModel, table=True):
    """Needs and target groups, synced from :mod:`app.domain.taxonomy`."""

    __tablename__ = "taxonomy_term"

    id: str = Field(primary_key=True, max_length=36)
    code: str = Field(max_length=80, unique=True, index=True)
    taxonomy: str = Field(max_length=20)  # "need" or "target-group"
    name: str = Field(max_length=120)
    parent_code: str | None = Field(default=None, max_length=80)
    description: str = ""
    synonyms: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Organization(SQLModel, table=True):
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    name: str = Field(max_length=200, index=True)
    alternate_name: str | None = Field(default=None, max_length=200)
    description: str = ""
    email: str | None = Field(default=None, max_length=200)
    website: str | None = Field(default=None, max_length=300)
    #: ocmw, caw, vdab, cgg, municipality, ngo, education, health, other
    organization_type: str = Field(default="other", max_length=30)
    demo: bool = False
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow)
    last_modified: datetime = Field(default_factory=utcnow)


#: Service fields for coaches only: never in public output, published history or exports
INTERNAL_SERVICE_FIELDS = frozenset({"internal_phone", "internal_notes"})


class Service(SQLModel, table=True):
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    organization_id: str = Field(foreign_key="organization.id", index=True, max_length=36)
    name: str = Field(max_length=200, index=True)
    alternate_name: str | None = Field(default=None, max_length=200)
    description: str = ""
    url: str | None = Field(default=None, max_length=300)
    email: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    #: coach-only: a direct line for referrers, never in public output
    internal_phone: str | None = Field(default=None, max_length=40)
    #: coach-only notes, never in public output
    internal_notes: str = ""
    status: str = Field(default=ServiceStatus.ACTIVE.value, max_length=20, index=True)
    published: bool = True
    minimum_age: int | None = None
    maximum_age: int | None = None
    eligibility_description: str = ""
    #: organisation types one of which must refer the person (empty: anyone may come)
    referral_required_from: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    application_process: str = ""
    #: what the person should bring (printed on the referral sheet)
    what_to_bring: str = ""
    fees_description: str = ""
    free_of_charge: bool = True
    #: ISO 639 codes of languages the service is delivered in
    languages: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    interpretation_available: bool = False
    #: outreach: comes to the person within the service area (see ServiceArea)
    outreach: bool = False
    waiting_list: str = Field(default=WaitingList.NONE.value, max_length=10)
    waiting_weeks: int | None = None
    closed_on_public_holidays: bool = True
    assured_date: date | None = None
    assured_by: str | None = Field(default=None, max_length=200)
    demo: bool = False
    #: optimistic concurrency: every save increments it; a stale version is a conflict
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow)
    last_modified: datetime = Field(default_factory=utcnow)


class ServiceNeed(SQLModel, table=True):
    __tablename__ = "service_need"

    service_id: str = Field(foreign_key="service.id", primary_key=True, max_length=36)
    need_code: str = Field(primary_key=True, max_length=80, index=True)


class ServiceTargetGroup(SQLModel, table=True):
    """Target groups a service is restricted to; none means open to everyone."""

    __tablename__ = "service_target_group"

    service_id: str = Field(foreign_key="service.id", primary_key=True, max_length=36)
    target_group_code: str = Field(primary_key=True, max_length=80)


class ServiceArea(SQLModel, table=True):
    """Municipalities an outreach service comes to."""

    __tablename__ = "service_area"

    service_id: str = Field(foreign_key="service.id", primary_key=True, max_length=36)
    municipality_nis: str = Field(foreign_key="municipality.nis", primary_key=True, max_length=5)


class Location(SQLModel, table=True):
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    organization_id: str = Field(foreign_key="organization.id", index=True, max_length=36)
    name: str = Field(max_length=200)
    address_1: str = Field(default="", max_length=200)
    postcode: str = Field(default="", max_length=4)
    city: str = Field(default="", max_length=80)
    municipality_nis: str = Field(foreign_key="municipality.nis", index=True, max_length=5)
    latitude: float
    longitude: float
    #: EPSG:3812 metres, derived from latitude/longitude on save
    x_metric: float = 0.0
    y_metric: float = 0.0
    geocode_precision: str = Field(default=GeocodePrecision.ADDRESS.value, max_length=15)
    wheelchair_level: int | None = None  # WheelchairLevel; None: unknown
    accessibility_description: str = ""
    transportation: str = ""  # how to get there, in words
    #: a deactivated location is kept (history, links) but never searched or shown
    active: bool = True
    demo: bool = False
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow)
    last_modified: datetime = Field(default_factory=utcnow)


class ServiceAtLocation(SQLModel, table=True):
    __tablename__ = "service_at_location"
    __table_args__ = (UniqueConstraint("service_id", "location_id"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    service_id: str = Field(foreign_key="service.id", index=True, max_length=36)
    location_id: str = Field(foreign_key="location.id", index=True, max_length=36)


class Schedule(SQLModel, table=True):
    """One opening interval on one weekday; several rows make a day with a lunch break."""

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    service_id: str = Field(foreign_key="service.id", index=True, max_length=36)
    location_id: str | None = Field(default=None, foreign_key="location.id", max_length=36)
    weekday: int = Field(ge=1, le=7)  # ISO: 1 = Monday
    opens_at: time
    closes_at: time
    valid_from: date | None = None
    valid_to: date | None = None
    by_appointment: bool = False
    description: str = ""


class Closure(SQLModel, table=True):
    """A period the service is closed (holidays of the service, renovation...)."""

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    service_id: str = Field(foreign_key="service.id", index=True, max_length=36)
    starts_on: date
    ends_on: date
    reason: str = ""


class DatasetInfo(SQLModel, table=True):
    """Key/value facts about the loaded data (e.g. whether it is demonstration data)."""

    __tablename__ = "dataset_info"

    key: str = Field(primary_key=True, max_length=60)
    value: str = ""


class Role(StrEnum):
    COORDINATOR = "coordinator"  # a partnership's data quality (partnership_slug) or all (None)
    PARTNER = "partner"  # edits the services of their own organisations
    COACH = "coach"  # searches, sees internal contact lines


class User(SQLModel, table=True):
    __tablename__ = "app_user"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    email: str = Field(max_length=200, unique=True, index=True)
    name: str = Field(default="", max_length=200)
    password_hash: str = Field(max_length=200)
    role: str = Field(max_length=20)
    #: coordinator scope; None means all partnerships
    partnership_slug: str | None = Field(default=None, foreign_key="partnership.slug", max_length=40)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime | None = None


class UserOrganization(SQLModel, table=True):
    """The organisations a partner editor may edit."""

    __tablename__ = "user_organization"

    user_id: str = Field(foreign_key="app_user.id", primary_key=True, max_length=36)
    organization_id: str = Field(foreign_key="organization.id", primary_key=True, max_length=36)


class UserSession(SQLModel, table=True):
    """Server-side sessions: the cookie holds only a random token; logout deletes the row."""

    __tablename__ = "user_session"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(foreign_key="app_user.id", index=True, max_length=36)
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime


class Invite(SQLModel, table=True):
    """A one-time invitation link; only the token's hash is stored."""

    token_hash: str = Field(primary_key=True, max_length=64)
    email: str = Field(max_length=200)
    role: str = Field(max_length=20)
    partnership_slug: str | None = Field(default=None, max_length=40)
    organization_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_by: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


class ChangeRecord(SQLModel, table=True):
    """One changed field of one record: the HSDS ``metadata`` object."""

    __tablename__ = "change_record"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    resource_id: str = Field(index=True, max_length=36)
    resource_type: str = Field(max_length=40)  # service, organization, location, ...
    last_action_date: datetime = Field(default_factory=utcnow)
    last_action_type: str = Field(max_length=20)  # create, update, deactivate, verify, import
    field_name: str = Field(default="", max_length=80)
    previous_value: str = ""
    replacement_value: str = ""
    updated_by: str = Field(default="", max_length=200)


class OutboxMessage(SQLModel, table=True):
    """Mail to send (reminder digests): queued, then sent over SMTP; a failed attempt stays queued."""

    __tablename__ = "outbox_message"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    kind: str = Field(max_length=40)
    #: one message per purpose (e.g. a partner's digest of one month): queuing again changes nothing
    dedupe_key: str | None = Field(default=None, max_length=120, unique=True, index=True)
    recipient: str = Field(max_length=200)
    subject: str = Field(max_length=300)
    body: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    attempts: int = 0
    last_attempt_at: datetime | None = None
    #: why the last attempt failed (SMTP reply or connection error); empty once sent
    last_error: str = ""


class LoginThrottle(SQLModel, table=True):
    """Failed sign-ins per e-mail address and per client, in the database every worker and
    instance shares. The key is a hash (no e-mail address or IP address is stored)."""

    __tablename__ = "login_throttle"

    key_hash: str = Field(primary_key=True, max_length=64)
    failures: int = 0
    last_failure_at: datetime = Field(default_factory=utcnow, index=True)
    blocked_until: datetime | None = None


class PasswordReset(SQLModel, table=True):
    """A mailed, single-use, expiring password-reset link; only the token's hash is stored."""

    __tablename__ = "password_reset"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(foreign_key="app_user.id", index=True, max_length=36)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


class Referral(SQLModel, table=True):
    """A warm referral (#13): a coach sends a participant to a service, with consent.

    What identifies the person (contact, first name, languages, availability, note) lives
    only in ``personal_encrypted`` (Fernet, see :mod:`app.domain.referral_crypto`) and is
    erased after the retention period; the rest is the anonymous record the counts use.
    """

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    service_id: str = Field(foreign_key="service.id", index=True, max_length=36)
    #: the receiving organisation (its partners see the referral); a forward stays inside it
    organization_id: str = Field(foreign_key="organization.id", index=True, max_length=36)
    coach_id: str = Field(foreign_key="app_user.id", index=True, max_length=36)
    #: sent, received, contacted, appointment, started, not_started, withdrawn
    status: str = Field(default="sent", max_length=20, index=True)
    reason: str | None = Field(default=None, max_length=30)
    need_codes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    #: the participant's home municipality from the search (no address is ever stored)
    municipality_nis: str | None = Field(default=None, foreign_key="municipality.nis", max_length=5)
    personal_encrypted: str | None = None
    consent_at: datetime
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None
    erased_at: datetime | None = None
    #: optimistic concurrency: a status change is a conditional update on this version
    version: int = 1


class ReferralEvent(SQLModel, table=True):
    """The history of one referral: created, status changes, forwards, messages, withdrawal.

    ``text_encrypted`` holds a message's text (erased with the personal fields); the rest
    is anonymous and kept for the counts.
    """

    __tablename__ = "referral_event"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    referral_id: str = Field(foreign_key="referral.id", index=True, max_length=36)
    at: datetime = Field(default_factory=utcnow)
    kind: str = Field(max_length=20)  # created, status, forwarded, message, withdrawn, erased
    status: str | None = Field(default=None, max_length=20)
    reason: str | None = Field(default=None, max_length=30)
    service_id: str | None = Field(default=None, max_length=36)
    actor_role: str = Field(default="", max_length=20)
    text_encrypted: str | None = None


class ReferralAccess(SQLModel, table=True):
    """Audit trail: who opened, changed, exported or erased which referral, and when."""

    __tablename__ = "referral_access"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    referral_id: str = Field(index=True, max_length=36)
    user_id: str | None = Field(default=None, max_length=36)
    #: e-mail of the account, or "sk referral" for the coordinator's command line
    actor: str = Field(default="", max_length=200)
    action: str = Field(max_length=20)  # view, create, status, forward, message, withdraw, export, erase
    at: datetime = Field(default_factory=utcnow)
