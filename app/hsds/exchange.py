"""Whole datasets in and out as HSDS 3.0: nested JSON and the tabular (CSV datapackage) form.

An import validates every record (the official compiled schema, then our rules: known
needs, points inside the 44 municipalities, sane ages) and runs in ONE transaction: a dry
run reports what would be created, updated, left unchanged or rejected and writes
nothing; a real import with any rejection writes nothing either.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date, time
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from sqlmodel import Session, delete, select

from app import models
from app.auth import now_utc
from app.domain.editing import record_change
from app.domain.taxonomy import needs_by_code, target_groups_by_code
from app.hsds.serialize import (
    EXTENSION,
    WEEKDAY_CODES,
    load_related,
    location_json,
    organization_json,
    service_json,
    taxonomies_json,
    taxonomy_term_json,
)
from geo.regions import RegionIndex

SPEC_DIR = Path(__file__).resolve().parents[3] / "shared" / "specs" / "hsds-3.0"

TABLES: dict[str, tuple[str, ...]] = {
    "organizations": ("id", "name", "alternate_name", "description", "email", "website"),
    "locations": ("id", "organization_id", "location_type", "name", "latitude", "longitude", "transportation",
                  "external_identifier", "external_identifier_type"),
    "addresses": ("id", "location_id", "address_1", "city", "state_province", "postal_code", "country", "address_type"),
    "accessibility": ("id", "location_id", "description", "details"),
    "services": ("id", "organization_id", "name", "alternate_name", "description", "url", "email", "status",
                 "interpretation_services", "application_process", "fees_description", "wait_time",
                 "eligibility_description", "minimum_age", "maximum_age", "assured_date", "assurer_email", "last_modified"),
    "phones": ("id", "service_id", "number"),
    "schedules": ("id", "service_id", "freq", "wkst", "byday", "opens_at", "closes_at", "valid_from", "valid_to",
                  "description"),
    "service_areas": ("id", "service_id", "name", "extent", "extent_type", "description"),
    "languages": ("id", "service_id", "code", "name"),
    "service_at_locations": ("id", "service_id", "location_id"),
    "attributes": ("id", "link_id", "link_entity", "link_type", "taxonomy_term_id", "value"),
    "taxonomy_terms": ("id", "code", "name", "description", "parent_id", "taxonomy", "taxonomy_id", "language"),
}


def spec_dir(shared_data_dir: Path | None = None) -> Path:
    return (shared_data_dir.parent / "specs" / "hsds-3.0") if shared_data_dir else SPEC_DIR


@cache
def validator(kind: str, folder: str) -> jsonschema.protocols.Validator:
    schema = json.loads((Path(folder) / "compiled" / f"{kind}.json").read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    # formats (uuid, uri, email, date-time) are checked too, not only types
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def schema_errors(kind: str, record: dict, folder: Path) -> list[str]:
    return [f"{'/'.join(map(str, error.path)) or kind}: {error.message}"[:300]
            for error in validator(kind, str(folder)).iter_errors(record)][:5]


# ---- export ------------------------------------------------------------------------------


def export_json(session: Session) -> dict:
    """The whole dataset, published or not (it is the partnership's own backup and exchange)."""
    services = list(session.exec(select(models.Service).order_by(models.Service.id)).all())
    related = load_related(session, services)
    service_docs = [service_json(service, related, nested_locations=False) for service in services]
    by_org: dict[str, list[dict]] = {}
    for doc in service_docs:
        by_org.setdefault(doc["organization_id"], []).append(doc)
    locations: dict[str, list[models.Location]] = {}
    for location in session.exec(select(models.Location).order_by(models.Location.id)).all():
        locations.setdefault(location.organization_id, []).append(location)
    organizations = [
        organization_json(org, [], locations.get(org.id, []))
        for org in session.exec(select(models.Organization).order_by(models.Organization.id)).all()
    ]
    return {
        "hsds_version": "3.0",
        "generated": now_utc().isoformat(),
        "demo": any(s.demo for s in services),
        "organizations": organizations,
        "services": service_docs,
        "taxonomies": taxonomies_json(),
        "taxonomy_terms": [taxonomy_term_json(t) for t in session.exec(select(models.TaxonomyTerm).order_by(models.TaxonomyTerm.code))],
    }


def dataset_to_tables(dataset: dict) -> dict[str, list[dict]]:
    tables: dict[str, list[dict]] = {name: [] for name in TABLES}
    for org in dataset.get("organizations", []):
        tables["organizations"].append(org)
        tables["attributes"] += org.get("attributes", [])
        for location in org.get("locations", []):
            tables["locations"].append(location)
            tables["addresses"] += location.get("addresses", [])
            tables["accessibility"] += location.get("accessibility", [])
            tables["attributes"] += location.get("attributes", [])
    for service in dataset.get("services", []):
        tables["services"].append(service)
        for key in ("phones", "schedules", "service_areas", "languages", "service_at_locations", "attributes"):
            tables[key] += service.get(key, [])
    tables["taxonomy_terms"] = list(dataset.get("taxonomy_terms", []))
    return {name: [{column: row.get(column) for column in TABLES[name]} for row in rows] for name, rows in tables.items()}


def tables_to_dataset(tables: dict[str, list[dict]]) -> dict:
    def grouped(name: str, key: str) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = {}
        for row in tables.get(name, []):
            out.setdefault(row.get(key) or "", []).append(_typed(name, row))
        return out

    addresses, access = grouped("addresses", "location_id"), grouped("accessibility", "location_id")
    attributes = grouped("attributes", "link_id")
    locations: dict[str, list[dict]] = {}
    for row in tables.get("locations", []):
        location = {**_typed("locations", row), "addresses": addresses.get(row["id"], []),
                    "accessibility": access.get(row["id"], []), "attributes": attributes.get(row["id"], [])}
        locations.setdefault(row.get("organization_id") or "", []).append(location)
    organizations = [{**_typed("organizations", row), "locations": locations.get(row["id"], []),
                      "attributes": attributes.get(row["id"], [])} for row in tables.get("organizations", [])]
    children = {name: grouped(name, "service_id") for name in ("phones", "schedules", "service_areas", "languages",
                                                                "service_at_locations")}
    services = [{**_typed("services", row), **{name: children[name].get(row["id"], []) for name in children},
                 "attributes": attributes.get(row["id"], [])} for row in tables.get("services", [])]
    return {"hsds_version": "3.0", "organizations": organizations, "services": services,
            "taxonomy_terms": [_typed("taxonomy_terms", row) for row in tables.get("taxonomy_terms", [])]}


def _typed(table: str, row: dict) -> dict:
    """CSV cells are text: empty means absent; numbers become numbers where HSDS says so."""
    out = {}
    for key, value in row.items():
        if value in (None, ""):
            continue
        if key in ("latitude", "longitude", "minimum_age", "maximum_age"):
            try:
                value = float(value)
                value = int(value) if key.endswith("_age") and value.is_integer() else value
            except (TypeError, ValueError):
                pass  # left as text: the schema check reports it
        out[key] = value
    return out


def export_tabular(session: Session, target: Path) -> Path:
    """A zip with one CSV per table and a ``datapackage.json`` (frictionless tabular data package)."""
    tables = dataset_to_tables(export_json(session))
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.partial")
    with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        resources = []
        for name, columns in TABLES.items():
            buffer = io.StringIO()
            writer = csv.DictWriter(buffer, fieldnames=columns)
            writer.writeheader()
            for row in tables[name]:
                writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
            archive.writestr(f"{name}.csv", buffer.getvalue())
            resources.append({"name": name, "path": f"{name}.csv", "profile": "tabular-data-resource",
                              "format": "csv", "mediatype": "text/csv",
                              "schema": {"fields": [{"name": column, "type": "string"} for column in columns]}})
        archive.writestr("datapackage.json", json.dumps({
            "name": "sociale-kaart-hsds", "profile": "tabular-data-package", "title": "Sociale kaart (HSDS 3.0)",
            "licenses": [{"name": "CC-BY-4.0"}], "resources": resources}, indent=2))
    temporary.replace(target)
    return target


def read_tabular(source: Path) -> dict:
    tables: dict[str, list[dict]] = {}
    with zipfile.ZipFile(source) as archive:
        names = set(archive.namelist())
        for name in TABLES:
            if f"{name}.csv" in names:
                tables[name] = list(csv.DictReader(io.StringIO(archive.read(f"{name}.csv").decode("utf-8"))))
    return tables_to_dataset(tables)


# ---- import ------------------------------------------------------------------------------


@dataclass
class ImportReport:
    dry_run: bool
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)
    applied: bool = False

    def to_dict(self) -> dict:
        return {"dry_run": self.dry_run, "applied": self.applied, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "rejected": self.rejected,
                "counts": {k: len(getattr(self, k)) for k in ("created", "updated", "unchanged", "rejected")}}


def _attributes(doc: dict, link_type: str) -> list[str]:
    return [a.get("value", "") for a in doc.get("attributes", []) if a.get("link_type") == link_type]


def _extension(doc: dict, name: str, default: str = "") -> str:
    values = _attributes(doc, EXTENSION + name)
    return values[0] if values else default


def _service_values(doc: dict) -> dict:
    weeks = "".join(ch for ch in doc.get("wait_time", "") if ch.isdigit())
    return {
        "organization_id": doc["organization_id"], "name": doc["name"], "alternate_name": doc.get("alternate_name"),
        "description": doc.get("description", ""), "url": doc.get("url"), "email": doc.get("email"),
        "phone": next((p["number"] for p in doc.get("phones", [])), None), "status": doc["status"],
        "interpretation_available": bool(doc.get("interpretation_services")),
        "application_process": doc.get("application_process", ""), "fees_description": doc.get("fees_description", ""),
        "waiting_weeks": int(weeks) if weeks else None,
        "eligibility_description": doc.get("eligibility_description", ""),
        "minimum_age": int(doc["minimum_age"]) if doc.get("minimum_age") is not None else None,
        "maximum_age": int(doc["maximum_age"]) if doc.get("maximum_age") is not None else None,
        "assured_date": date.fromisoformat(doc["assured_date"]) if doc.get("assured_date") else None,
        "languages": [lang["code"] for lang in doc.get("languages", []) if lang.get("code")],
        "referral_required_from": [c for c in _extension(doc, "referral_required_from").split(",") if c],
        "outreach": _extension(doc, "outreach") == "true",
        "waiting_list": _extension(doc, "waiting_list", "none") or "none",
        "free_of_charge": _extension(doc, "free_of_charge", "true") == "true",
        "closed_on_public_holidays": _extension(doc, "closed_on_public_holidays", "true") == "true",
        "published": _extension(doc, "published", "true") == "true",
        "demo": _extension(doc, "demo") == "true",
        "what_to_bring": _extension(doc, "what_to_bring"),
    }


def _service_rules(doc: dict, values: dict, known_locations: set[str], municipalities: set[str]) -> list[str]:
    problems = []
    needs = _attributes(doc, "need")
    unknown = [code for code in needs if code not in needs_by_code()]
    if unknown:
        problems.append(f"unknown need code(s): {', '.join(unknown)}")
    groups = [code for code in _attributes(doc, "target-group") if code not in target_groups_by_code()]
    if groups:
        problems.append(f"unknown target group(s): {', '.join(groups)}")
    low, high = values["minimum_age"], values["maximum_age"]
    if (low is not None and not 0 <= low <= 120) or (high is not None and not 0 <= high <= 120):
        problems.append("ages must lie between 0 and 120")
    if low is not None and high is not None and low > high:
        problems.append("minimum_age is above maximum_age")
    if values["waiting_list"] not in {w.value for w in models.WaitingList}:
        problems.append(f"unknown waiting list status {values['waiting_list']!r}")
    for link in doc.get("service_at_locations", []):
        if link.get("location_id") not in known_locations:
            problems.append(f"service_at_location {link.get('id')}: unknown location {link.get('location_id')}")
    for area in doc.get("service_areas", []):
        if area.get("extent_type") == "nis" and area.get("extent") not in municipalities:
            problems.append(f"service area {area.get('extent')} is not one of the 44 municipalities")
    for schedule in doc.get("schedules", []):
        if schedule.get("byday") not in WEEKDAY_CODES or not schedule.get("opens_at") or not schedule.get("closes_at"):
            problems.append(f"schedule {schedule.get('id')}: needs byday (MO..SU), opens_at and closes_at")
        elif schedule["opens_at"] >= schedule["closes_at"]:
            problems.append(f"schedule {schedule.get('id')}: closes before it opens")
    return problems


def _replace_children(session: Session, service_id: str, doc: dict) -> None:
    for table in (models.ServiceNeed, models.ServiceTargetGroup, models.ServiceArea, models.Schedule,
                  models.ServiceAtLocation):
        session.exec(delete(table).where(table.service_id == service_id))
    session.flush()
    session.add_all(models.ServiceNeed(service_id=service_id, need_code=c) for c in dict.fromkeys(_attributes(doc, "need")))
    session.add_all(models.ServiceTargetGroup(service_id=service_id, target_group_code=c)
                    for c in dict.fromkeys(_attributes(doc, "target-group")))
    session.add_all(models.ServiceArea(service_id=service_id, municipality_nis=a["extent"])
                    for a in doc.get("service_areas", []) if a.get("extent_type") == "nis")
    session.add_all(models.Schedule(
        id=s["id"], service_id=service_id, weekday=WEEKDAY_CODES.index(s["byday"]) + 1,
        opens_at=time.fromisoformat(s["opens_at"]), closes_at=time.fromisoformat(s["closes_at"]),
        valid_from=date.fromisoformat(s["valid_from"]) if s.get("valid_from") else None,
        valid_to=date.fromisoformat(s["valid_to"]) if s.get("valid_to") else None,
        by_appointment=s.get("description") == "op afspraak") for s in doc.get("schedules", []))
    session.add_all(models.ServiceAtLocation(id=link["id"], service_id=service_id, location_id=link["location_id"])
                    for link in doc.get("service_at_locations", []))


def import_dataset(
    session: Session, dataset: dict, *, regions: RegionIndex, dry_run: bool, actor: str, spec: Path | None = None,
) -> ImportReport:
    """Validate everything, then apply it in one transaction (or roll back: dry run / rejections)."""
    folder = spec or SPEC_DIR
    report = ImportReport(dry_run=dry_run)
    if not isinstance(dataset, dict) or not isinstance(dataset.get("services", []), list):
        report.rejected.append({"id": "", "kind": "dataset", "reasons": ["not an HSDS dataset object"]})
        return report
    municipalities = {m.nis for m in regions.municipalities}
    try:
        organizations = [o for o in dataset.get("organizations", []) if isinstance(o, dict)]
        location_docs = [loc for o in organizations for loc in o.get("locations", []) if isinstance(loc, dict)]
        known_locations = {loc.get("id") for loc in location_docs} | set(session.exec(select(models.Location.id)).all())
        for org in organizations:
            errors = schema_errors("organization", {**org, "locations": [], "services": []}, folder)
            if errors:
                report.rejected.append({"id": org.get("id", ""), "kind": "organization", "reasons": errors})
                continue
            _upsert_organization(session, org, report, actor)
        session.flush()
        for location in location_docs:
            _upsert_location(session, location, regions, report, actor)
        session.flush()
        for doc in dataset.get("services", []):
            if not isinstance(doc, dict):
                report.rejected.append({"id": "", "kind": "service", "reasons": ["not an object"]})
                continue
            errors = schema_errors("service", doc, folder)
            if not errors and session.get(models.Organization, doc.get("organization_id", "")) is None:
                errors = [f"unknown organization_id {doc.get('organization_id')}"]
            values = {}
            if not errors:
                try:
                    values = _service_values(doc)
                except (ValueError, TypeError, KeyError) as exc:  # e.g. a date or time the schema lets through
                    errors = [f"unreadable value: {exc}"[:300]]
            if not errors:
                errors = _service_rules(doc, values, known_locations, municipalities)
            if errors:
                report.rejected.append({"id": doc.get("id", ""), "kind": "service", "reasons": errors})
                continue
            _upsert_service(session, doc, values, report, actor)
        session.flush()
        if dry_run or report.rejected:
            session.rollback()
            return report
        session.commit()
        report.applied = True
        return report
    except Exception:
        session.rollback()
        raise


def _upsert_organization(session: Session, doc: dict, report: ImportReport, actor: str) -> None:
    values = {"name": doc["name"], "alternate_name": doc.get("alternate_name"), "description": doc.get("description", ""),
              "email": doc.get("email"), "website": doc.get("website")}
    org_type = _extension(doc, "organization_type")
    if org_type:
        values["organization_type"] = org_type
    _upsert(session, models.Organization, doc["id"], values, report, actor, "organization")


def _upsert_location(session: Session, doc: dict, regions: RegionIndex, report: ImportReport, actor: str) -> None:
    try:
        latitude, longitude = float(doc["latitude"]), float(doc["longitude"])
    except (KeyError, TypeError, ValueError):
        latitude = longitude = None
    municipality = regions.locate(longitude, latitude) if latitude is not None and longitude is not None else None
    if municipality is None or not doc.get("id") or not doc.get("organization_id"):
        report.rejected.append({"id": doc.get("id", ""), "kind": "location",
                                "reasons": ["the location has no coordinates inside the 44 municipalities"]})
        return
    address = (doc.get("addresses") or [{}])[0]
    access = (doc.get("accessibility") or [{}])[0]
    level = access.get("details", "").removeprefix("wheelchair_level=")
    from geo.projection import to_metric

    x, y = to_metric([longitude], [latitude])
    values = {"organization_id": doc["organization_id"], "name": doc.get("name") or address.get("address_1", ""),
              "address_1": address.get("address_1", ""), "postcode": address.get("postal_code", ""),
              "city": address.get("city", ""), "municipality_nis": municipality.nis, "latitude": latitude,
              "longitude": longitude, "x_metric": float(x[0]), "y_metric": float(y[0]),
              "geocode_precision": _extension(doc, "geocode_precision", "address") or "address",
              "wheelchair_level": int(level) if level.isdigit() else None,
              "accessibility_description": access.get("description", ""), "transportation": doc.get("transportation", "")}
    existing = session.get(models.Location, doc["id"])
    if existing is not None and (existing.latitude, existing.longitude) == (values["latitude"], values["longitude"]):
        # x/y are derived from latitude/longitude: unchanged point, unchanged projection
        values.update(x_metric=existing.x_metric, y_metric=existing.y_metric)
    _upsert(session, models.Location, doc["id"], values, report, actor, "location")


def _upsert_service(session: Session, doc: dict, values: dict, report: ImportReport, actor: str) -> None:
    existing = session.get(models.Service, doc["id"])
    before = json.dumps(service_json(existing, load_related(session, [existing], with_history=False),
                                     nested_locations=False), sort_keys=True, default=str) if existing else None
    changed = _upsert(session, models.Service, doc["id"], values, report, actor, "service", count=False)
    session.flush()
    _replace_children(session, doc["id"], doc)
    session.flush()
    service = session.get(models.Service, doc["id"])
    after = json.dumps(service_json(service, load_related(session, [service], with_history=False),
                                    nested_locations=False), sort_keys=True, default=str)
    if existing is None:
        report.created.append(doc["id"])
    elif changed or before != after:
        report.updated.append(doc["id"])
    else:
        report.unchanged.append(doc["id"])


def _upsert(session: Session, model, record_id: str, values: dict, report: ImportReport, actor: str, kind: str,
            *, count: bool = True) -> bool:
    existing = session.get(model, record_id)
    if existing is None:
        session.add(model(id=record_id, **values))
        record_change(session, resource=kind, resource_id=record_id, action="import", actor=actor,
                      changes={k: (None, v) for k, v in values.items()})
        if count:
            report.created.append(record_id)
        return True
    diff = {k: (getattr(existing, k), v) for k, v in values.items() if getattr(existing, k) != v}
    if diff:
        for key, (_before, after) in diff.items():
            setattr(existing, key, after)
        if hasattr(existing, "version"):
            existing.version += 1
        if hasattr(existing, "last_modified"):
            existing.last_modified = now_utc()
        record_change(session, resource=kind, resource_id=record_id, action="import", actor=actor, changes=diff)
    if count:
        (report.updated if diff else report.unchanged).append(record_id)
    return bool(diff)


def load_dataset_file(path: Path) -> dict:
    if path.suffix == ".zip":
        return read_tabular(path)
    return json.loads(path.read_text(encoding="utf-8"))


__all__ = ["ImportReport", "TABLES", "export_json", "export_tabular", "import_dataset",
           "load_dataset_file", "location_json", "read_tabular", "spec_dir"]
