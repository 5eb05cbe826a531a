"""Our records as Open Referral HSDS 3.0 objects (field names and shapes as the spec).

Loaded in bulk for a set of services (no query per service). Nothing internal leaves:
no internal phone lines, no internal notes. Our extensions travel as HSDS ``attributes``
whose ``link_type`` starts with ``sociale-kaart:``; needs and target groups are attributes
linked to their taxonomy terms.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from app.core import models
from app.operations.reference_data import taxonomy_term_id

HSDS_NAMESPACE = uuid.UUID("0c9f3b3e-5e0c-4a8e-9f0e-7d7a4b1c2e11")
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
PROVINCES = {"1": "Antwerpen", "2": "Vlaams-Brabant", "3": "West-Vlaanderen"}
EXTENSION = "sociale-kaart:"
TAXONOMY_IDS = {kind: str(uuid.uuid5(HSDS_NAMESPACE, f"taxonomy:{kind}")) for kind in ("need", "target-group")}
#: HSDS wants every attribute linked to a taxonomy term: our extensions are the terms of one more taxonomy
EXTENSION_TAXONOMY_ID = str(uuid.uuid5(HSDS_NAMESPACE, "taxonomy:sociale-kaart"))
EXTENSION_TERMS = {
    "referral_required_from": "Enkel na doorverwijzing door deze soorten organisaties (codes, komma's ertussen)",
    "outreach": "Komt aan huis binnen het werkgebied (true/false)",
    "waiting_list": "Wachtlijst: none, short, long of closed",
    "free_of_charge": "Gratis (true/false)",
    "closed_on_public_holidays": "Gesloten op wettelijke feestdagen (true/false)",
    "published": "Gepubliceerd op de sociale kaart (true/false)",
    "demo": "Demonstratiedata (true/false)",
    "what_to_bring": "Wat meebrengen",
    "closure": "Gesloten periode: JJJJ-MM-DD/JJJJ-MM-DD, dan de reden",
    "geocode_precision": "Nauwkeurigheid van het punt: coordinates, address, street, place, postcode of municipality",
    "active": "Locatie in gebruik (true/false); een gedeactiveerde locatie wordt niet getoond",
    "organization_type": "Soort organisatie: ocmw, caw, vdab, cgg, municipality, ngo, education, health, other",
}


def derived_id(*parts: object) -> str:
    """A stable UUID for objects we store as columns (phones, addresses, attributes...)."""
    return str(uuid.uuid5(HSDS_NAMESPACE, ":".join(map(str, parts))))


def clean(value: Any) -> Any:
    """Drop ``None`` (HSDS string fields may be absent, never null) recursively."""
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value


@dataclass
class Related:
    """Everything around a set of services, loaded with one query per table."""

    organizations: dict[str, models.Organization] = field(default_factory=dict)
    needs: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    groups: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    areas: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    links: dict[str, list[models.ServiceAtLocation]] = field(default_factory=lambda: defaultdict(list))
    locations: dict[str, models.Location] = field(default_factory=dict)
    schedules: dict[str, list[models.Schedule]] = field(default_factory=lambda: defaultdict(list))
    closures: dict[str, list[models.Closure]] = field(default_factory=lambda: defaultdict(list))
    history: dict[str, list[models.ChangeRecord]] = field(default_factory=lambda: defaultdict(list))
    municipality_names: dict[str, str] = field(default_factory=dict)


def load_related(session: Session, services: Iterable[models.Service], *, with_history: bool = True) -> Related:
    services = list(services)
    ids = [s.id for s in services]
    related = Related()
    if not ids:
        return related
    org_ids = {s.organization_id for s in services}
    related.organizations = {o.id: o for o in session.exec(select(models.Organization).where(models.Organization.id.in_(org_ids)))}
    for row in session.exec(select(models.ServiceNeed).where(models.ServiceNeed.service_id.in_(ids))):
        related.needs[row.service_id].append(row.need_code)
    for row in session.exec(select(models.ServiceTargetGroup).where(models.ServiceTargetGroup.service_id.in_(ids))):
        related.groups[row.service_id].append(row.target_group_code)
    for row in session.exec(select(models.ServiceArea).where(models.ServiceArea.service_id.in_(ids))):
        related.areas[row.service_id].append(row.municipality_nis)
    for row in session.exec(select(models.ServiceAtLocation).where(models.ServiceAtLocation.service_id.in_(ids))):
        related.links[row.service_id].append(row)
    location_ids = {link.location_id for links in related.links.values() for link in links}
    if location_ids:
        related.locations = {
            loc.id: loc for loc in session.exec(select(models.Location).where(models.Location.id.in_(location_ids)))
        }
    for row in session.exec(select(models.Schedule).where(models.Schedule.service_id.in_(ids))):
        related.schedules[row.service_id].append(row)
    for row in session.exec(select(models.Closure).where(models.Closure.service_id.in_(ids))):
        related.closures[row.service_id].append(row)
    if with_history:
        for row in session.exec(select(models.ChangeRecord).where(models.ChangeRecord.resource_id.in_(ids))):
            related.history[row.resource_id].append(row)
    related.municipality_names = {m.nis: m.name_nl for m in session.exec(select(models.Municipality))}
    return related


def _term_attribute(link_id: str, link_entity: str, taxonomy: str, code: str) -> dict:
    return {
        "id": derived_id("attribute", link_id, taxonomy, code), "link_id": link_id, "link_entity": link_entity,
        "link_type": taxonomy, "taxonomy_term_id": taxonomy_term_id(taxonomy, code), "value": code,
    }


def extension_term_id(name: str) -> str:
    if name not in EXTENSION_TERMS:
        msg = f"unknown extension {name!r}"
        raise KeyError(msg)
    return derived_id("taxonomy_term", EXTENSION, name)


def _extension(link_id: str, link_entity: str, name: str, value: Any) -> dict:
    return {
        "id": derived_id("attribute", link_id, name), "link_id": link_id, "link_entity": link_entity,
        "link_type": EXTENSION + name, "taxonomy_term_id": extension_term_id(name),
        "value": value if isinstance(value, str) else str(value).lower(),
    }


#: what published history says instead of an editor's e-mail address
PUBLIC_EDITOR = "redacteur"


def public_editor(updated_by: str) -> str:
    """Who changed a field, as published: never a person's e-mail address."""
    return PUBLIC_EDITOR if "@" in updated_by else updated_by


def _published_values(row: models.ChangeRecord) -> dict:
    if row.field_name == "assured_by":  # an account's address: say that an editor verified
        return {"previous_value": public_editor(row.previous_value), "replacement_value": public_editor(row.replacement_value)}
    return {"previous_value": row.previous_value, "replacement_value": row.replacement_value}


def metadata_json(rows: Iterable[models.ChangeRecord]) -> list[dict]:
    """Published change history (HSDS ``metadata``): coach-only fields and editors' addresses left out."""
    return [
        {"id": row.id, "resource_id": row.resource_id, "resource_type": row.resource_type,
         "last_action_date": row.last_action_date.isoformat(), "last_action_type": row.last_action_type,
         "field_name": row.field_name, **_published_values(row), "updated_by": public_editor(row.updated_by)}
        for row in sorted(rows, key=lambda r: (r.last_action_date, r.id))
        if row.field_name not in models.INTERNAL_SERVICE_FIELDS
    ]


def closure_value(closure: models.Closure) -> str:
    """A closure as one extension attribute value: an ISO 8601 date interval, then the reason."""
    return f"{closure.starts_on.isoformat()}/{closure.ends_on.isoformat()} {closure.reason}".strip()


def location_json(location: models.Location, history: Iterable[models.ChangeRecord] = ()) -> dict:
    province = PROVINCES.get(location.municipality_nis[:1], "")
    return clean({
        "id": location.id, "location_type": "physical", "organization_id": location.organization_id,
        "name": location.name, "latitude": location.latitude, "longitude": location.longitude,
        "transportation": location.transportation or None,
        "external_identifier": location.municipality_nis, "external_identifier_type": "nis",
        "addresses": [{
            "id": derived_id("address", location.id), "location_id": location.id,
            "address_1": location.address_1 or location.name, "city": location.city or "",
            "state_province": province, "postal_code": location.postcode, "country": "BE", "address_type": "physical",
        }],
        "accessibility": [] if location.wheelchair_level is None else [{
            "id": derived_id("accessibility", location.id), "location_id": location.id,
            "description": location.accessibility_description or None,
            "details": f"wheelchair_level={location.wheelchair_level}",
        }],
        "attributes": [_extension(location.id, "location", "geocode_precision", location.geocode_precision),
                       _extension(location.id, "location", "active", location.active),
                       _extension(location.id, "location", "demo", location.demo)],
        "metadata": metadata_json(history),
    })


def service_json(service: models.Service, related: Related, *, nested_locations: bool = True) -> dict:
    organization = related.organizations.get(service.organization_id)
    attributes = [_term_attribute(service.id, "service", "need", code) for code in sorted(related.needs[service.id])]
    attributes += [
        _term_attribute(service.id, "service", "target-group", code) for code in sorted(related.groups[service.id])
    ]
    attributes += [
        _extension(service.id, "service", "referral_required_from", ",".join(service.referral_required_from)),
        _extension(service.id, "service", "outreach", service.outreach),
        _extension(service.id, "service", "waiting_list", service.waiting_list),
        _extension(service.id, "service", "free_of_charge", service.free_of_charge),
        _extension(service.id, "service", "closed_on_public_holidays", service.closed_on_public_holidays),
        _extension(service.id, "service", "published", service.published),
        _extension(service.id, "service", "demo", service.demo),
    ]
    if service.what_to_bring:
        attributes.append(_extension(service.id, "service", "what_to_bring", service.what_to_bring))
    # HSDS has no closed-period object (a schedule says when a service is open): one extension attribute each
    attributes += [
        {**_extension(service.id, "service", "closure", closure_value(closure)),
         "id": derived_id("attribute", service.id, "closure", closure.starts_on, closure.ends_on, closure.reason)}
        for closure in sorted(related.closures[service.id], key=lambda c: (c.starts_on, c.ends_on, c.reason))
    ]
    links = []
    for link in related.links[service.id]:
        location = related.locations.get(link.location_id)
        item = {"id": link.id, "service_id": service.id, "location_id": link.location_id}
        if nested_locations:
            # published output: a deactivated location is not shown (the full export keeps the link)
            if location is None or not location.active:
                continue
            item["location"] = location_json(location)
        links.append(item)
    body = {
        "id": service.id, "organization_id": service.organization_id, "name": service.name,
        "alternate_name": service.alternate_name, "description": service.description, "url": service.url,
        "email": service.email, "status": service.status,
        "interpretation_services": "Tolk mogelijk" if service.interpretation_available else None,
        "application_process": service.application_process or None,
        "fees_description": service.fees_description or None,
        "wait_time": f"{service.waiting_weeks} weken" if service.waiting_weeks else None,
        "eligibility_description": service.eligibility_description or None,
        "minimum_age": service.minimum_age, "maximum_age": service.maximum_age,
        "assured_date": service.assured_date.isoformat() if service.assured_date else None,
        # who verified is a person's account: publish the organisation's own address instead
        "assurer_email": (organization.email if organization is not None else None) if service.assured_date else None,
        "last_modified": service.last_modified.isoformat() if service.last_modified else None,
        "phones": [{"id": derived_id("phone", service.id), "service_id": service.id, "number": service.phone}]
        if service.phone else [],
        "schedules": [
            {"id": row.id, "service_id": service.id, "freq": "WEEKLY", "wkst": "MO",
             "byday": WEEKDAY_CODES[row.weekday - 1], "opens_at": row.opens_at.strftime("%H:%M"),
             "closes_at": row.closes_at.strftime("%H:%M"),
             "valid_from": row.valid_from.isoformat() if row.valid_from else None,
             "valid_to": row.valid_to.isoformat() if row.valid_to else None,
             "description": "op afspraak" if row.by_appointment else None, "timezone": 1}
            for row in sorted(related.schedules[service.id], key=lambda r: (r.weekday, r.opens_at))
        ],
        "service_areas": [
            {"id": derived_id("service_area", service.id, nis), "service_id": service.id,
             "name": related.municipality_names.get(nis, nis), "extent": nis, "extent_type": "nis",
             "description": "Komt aan huis in deze gemeente"}
            for nis in sorted(related.areas[service.id])
        ],
        "service_at_locations": links,
        "languages": [
            {"id": derived_id("language", service.id, code), "service_id": service.id, "code": code, "name": code}
            for code in service.languages
        ],
        "organization": clean({
            "id": organization.id, "name": organization.name, "description": organization.description or organization.name,
            "email": organization.email, "website": organization.website,
        }) if organization else None,
        "attributes": attributes,
        "metadata": metadata_json(related.history[service.id]),
    }
    return clean(body)


def organization_json(organization: models.Organization, services: list[dict], locations: list[models.Location],
                      history: Iterable[models.ChangeRecord] = ()) -> dict:
    return clean({
        "id": organization.id, "name": organization.name, "alternate_name": organization.alternate_name,
        "description": organization.description or organization.name, "email": organization.email,
        "website": organization.website,
        "services": [{k: v for k, v in s.items() if k not in ("organization",)} for s in services],
        "locations": [location_json(location) for location in locations],
        "attributes": [_extension(organization.id, "organization", "organization_type", organization.organization_type),
                       _extension(organization.id, "organization", "demo", organization.demo)],
        "metadata": metadata_json(history),
    })


def taxonomies_json() -> list[dict]:
    return [
        {"id": TAXONOMY_IDS["need"], "name": "Sociale kaart: noden", "version": "1",
         "description": "Needs of participants (codes in English kebab-case, labels in Dutch)."},
        {"id": TAXONOMY_IDS["target-group"], "name": "Sociale kaart: doelgroepen", "version": "1",
         "description": "Target groups a service can be restricted to."},
    ]


def extension_taxonomy_json() -> dict:
    return {"id": EXTENSION_TAXONOMY_ID, "name": "Sociale kaart: extensies", "version": "1",
            "description": "Fields of the sociale kaart that HSDS 3.0 has no place for, as attributes "
                           "whose link_type is 'sociale-kaart:' and the term's code."}


def extension_terms_json() -> list[dict]:
    return [{"id": extension_term_id(name), "code": name, "name": EXTENSION + name, "description": description,
             "taxonomy": "sociale-kaart", "taxonomy_id": EXTENSION_TAXONOMY_ID, "language": "nl"}
            for name, description in EXTENSION_TERMS.items()]


def taxonomy_term_json(term: models.TaxonomyTerm) -> dict:
    code = term.code.removeprefix("target-group:")
    return clean({
        "id": term.id, "code": code, "name": term.name, "description": term.description or term.name,
        "parent_id": taxonomy_term_id(term.taxonomy, term.parent_code) if term.parent_code else None,
        "taxonomy": term.taxonomy, "taxonomy_id": TAXONOMY_IDS.get(term.taxonomy), "language": "nl",
    })
