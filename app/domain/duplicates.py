"""Duplicate detection: organisations and services that closely match what is being created."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from rapidfuzz import fuzz, utils
from sqlmodel import Session, select

from app.core import models
from app.domain.errors import DomainError


class PossibleDuplicates(DomainError):
    code = "possible_duplicates"
    status_code = 409
    message_nl = "Er bestaat al een gelijkaardige dienst. Controleer of het niet om dezelfde gaat."

    def __init__(self, candidates: list[dict[str, Any]]) -> None:
        self.candidates = candidates
        super().__init__(f"{len(candidates)} similar existing record(s)")

    @property
    def detail(self) -> dict[str, Any]:
        return {"candidates": self.candidates}


def _similarity(a: str, b: str) -> float:
    """Word order and spacing ("Budget hulp" vs "Budgethulp") should not hide a duplicate."""
    squashed = fuzz.ratio(utils.default_process(a).replace(" ", ""), utils.default_process(b).replace(" ", ""))
    return max(fuzz.token_sort_ratio(a, b, processor=utils.default_process), squashed)


def similar_organizations(session: Session, *, name: str, limit: int = 5, threshold: float = 85.0) -> list[dict[str, Any]]:
    scored = [
        {"id": org.id, "name": org.name, "score": round(_similarity(name, org.name), 1)}
        for org in session.exec(select(models.Organization)).all()
    ]
    return sorted((c for c in scored if c["score"] >= threshold), key=lambda c: -c["score"])[:limit]


def _address(location: models.Location) -> str:
    return ", ".join(part for part in (location.address_1, f"{location.postcode} {location.city}".strip()) if part)


def _address_similarity(a: models.Location, b: models.Location) -> float | None:
    """How alike two addresses are; ``None`` when there is too little to compare.

    Different postcodes are different places; within one postcode the street and number decide.
    """
    if a.postcode and b.postcode and a.postcode != b.postcode:
        return 0.0
    if a.address_1 and b.address_1:
        return _similarity(a.address_1, b.address_1)
    return None


def similar_services(
    session: Session, *, name: str, organization_id: str, location_ids: Collection[str] = (), limit: int = 5,
    threshold: float = 85.0,
) -> list[dict[str, Any]]:
    """Existing services whose name, address and organisation closely match, best first.

    With addresses on both sides (the chosen locations and the existing service's) the
    address weighs in, so the same name at another address of a chain is not a duplicate
    while the same offer entered twice at one address is; without, name and organisation decide.
    """
    organizations = {org.id: org.name for org in session.exec(select(models.Organization)).all()}
    wanted_org = organizations.get(organization_id, "")
    wanted = list(session.exec(select(models.Location).where(models.Location.id.in_(list(location_ids))))) if location_ids else []
    located: dict[str, list[models.Location]] = {}
    for link, location in session.exec(
        select(models.ServiceAtLocation, models.Location)
        .join(models.Location, models.Location.id == models.ServiceAtLocation.location_id)
        .order_by(models.Location.name)
    ):
        located.setdefault(link.service_id, []).append(location)
    scored = []
    for service in session.exec(select(models.Service)).all():
        name_score = _similarity(name, service.name)
        org_score = 100.0 if service.organization_id == organization_id else _similarity(
            wanted_org, organizations.get(service.organization_id, "")
        )
        theirs = located.get(service.id, [])
        pairs = [score for a in wanted for b in theirs if (score := _address_similarity(a, b)) is not None]
        if pairs:
            score = 0.55 * name_score + 0.15 * org_score + 0.30 * max(pairs)
        else:
            score = 0.75 * name_score + 0.25 * org_score
        if score >= threshold:
            scored.append({"id": service.id, "name": service.name,
                           "organization": organizations.get(service.organization_id, ""),
                           "address": "; ".join(_address(location) for location in theirs[:2]),
                           "score": round(score, 1)})
    return sorted(scored, key=lambda item: -item["score"])[:limit]
