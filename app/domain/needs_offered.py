"""The needs a partnership's services offer, as the labelled tree the public widget shows.

``GET /api/v1/public/needs``: the taxonomy's top-level needs with their children, only those
some active service in the partnership's municipalities covers (all of them without a
partnership), labelled in Dutch, French or English (Dutch where no translation exists).
"""

from __future__ import annotations

from app.domain.catalog import Catalog
from app.domain.errors import DomainError
from app.domain.taxonomy import NEEDS, Term
from geo.regions import PARTNERSHIPS, RegionIndex


class UnknownPartnership(DomainError):
    code = "unknown_partnership"
    status_code = 422
    message_nl = "Dit partnerschap bestaat niet."

    def __init__(self, slug: str) -> None:
        super().__init__(f"unknown partnership {slug!r}")


def label_in(term: Term, lang: str) -> str:
    """The term's label in ``lang`` (nl, fr or en), Dutch where it has no translation."""
    if lang == "fr" and term.label_fr:
        return term.label_fr
    if lang == "en" and term.label_en:
        return term.label_en
    return term.label_nl


def needs_offered_in(catalog: Catalog, municipalities: set[str]) -> set[str]:
    """The need codes of the active services that serve, or stand in, one of these municipalities."""
    offered: set[str] = set()
    for service in catalog.services:
        if not service.is_active:
            continue
        here = service.service_area & municipalities or any(
            catalog.locations[i].municipality_nis in municipalities for i in service.location_indices
        )
        if here:
            offered.update(service.needs)
    return offered


def offered_needs_tree(catalog: Catalog, regions: RegionIndex, partnership: str | None, lang: str) -> list[dict]:
    """``[{"code", "label", "children": [{"code", "label"}]}]`` of what the partnership offers."""
    offered: set[str] | None = None
    if partnership:
        if partnership not in PARTNERSHIPS:
            raise UnknownPartnership(partnership)
        offered = needs_offered_in(catalog, {m.nis for m in regions.in_partnership(partnership)})
    needs = []
    for term in NEEDS:
        children = [
            {"code": child.code, "label": label_in(child, lang)}
            for child in term.children
            if offered is None or child.code in offered
        ]
        if offered is None or children or term.code in offered:
            needs.append({"code": term.code, "label": label_in(term, lang), "children": children})
    return needs
