"""Importing a whole HSDS 3.0 dataset: validated, all or nothing.

Every record is validated (the official compiled schema, then our rules: known needs, points
inside the 44 municipalities, sane ages) and the import runs in ONE transaction: a dry run
reports what would be created, updated, left unchanged or rejected and writes nothing; a real
import with any rejection writes nothing either. Reading the file: :func:`app.hsds.exchange.load_dataset_file`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path

from sqlmodel import Session, delete, select

from app.core import models
from app.core.auth import now_utc
from app.core.db import committing
from app.domain.history import record_change
from app.domain.taxonomy import needs_by_code, target_groups_by_code
from app.hsds.exchange import SPEC_DIR, schema_errors
from app.hsds.serialize import EXTENSION, WEEKDAY_CODES, load_related, service_json
from geo.regions import RegionIndex


@dataclass
class ImportReport:
    dry_run: bool
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)
    applied: bool = False
    #: change-history entries (HSDS ``metadata``) taken over that were not here yet
    history_added: int = 0

    def to_dict(self) -> dict:
        return {"dry_run": self.dry_run, "applied": self.applied, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "rejected": self.rejected, "history_added": self.history_added,
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


def _closures(doc: dict) -> list[tuple[date, date, str]]:
    """The ``sociale-kaart:closure`` attributes: ``YYYY-MM-DD/YYYY-MM-DD reason`` (ValueError when unreadable)."""
    closures = []
    for value in _attributes(doc, EXTENSION + "closure"):
        interval, _space, reason = str(value).partition(" ")
        first, _slash, last = interval.partition("/")
        starts_on, ends_on = date.fromisoformat(first), date.fromisoformat(last or first)
        if ends_on < starts_on:
            msg = f"closure {interval} ends before it starts"
            raise ValueError(msg)
        closures.append((starts_on, ends_on, reason.strip()[:200]))
    return closures


def _history_records(doc: dict, resource_type: str) -> list[models.ChangeRecord]:
    """The object's published history (HSDS ``metadata``) as our change records (ValueError when unreadable)."""
    records = []
    for entry in doc.get("metadata") or []:
        if not isinstance(entry, dict) or not entry.get("id"):
            msg = "a metadata entry without an id"
            raise ValueError(msg)
        if entry.get("field_name") in models.INTERNAL_SERVICE_FIELDS:
            continue  # coach-only fields never have a public history
        moment = datetime.fromisoformat(str(entry.get("last_action_date", "")))
        records.append(models.ChangeRecord(
            id=str(entry["id"])[:36], resource_id=str(entry.get("resource_id") or doc.get("id", ""))[:36],
            resource_type=str(entry.get("resource_type") or resource_type)[:40],
            last_action_date=moment if moment.tzinfo else moment.replace(tzinfo=UTC),
            last_action_type=str(entry.get("last_action_type", ""))[:20], field_name=str(entry.get("field_name", ""))[:80],
            previous_value=str(entry.get("previous_value", "")), replacement_value=str(entry.get("replacement_value", "")),
            updated_by=str(entry.get("updated_by", ""))[:200],
        ))
    return records


def _add_history(session: Session, records: list[models.ChangeRecord], report: ImportReport) -> None:
    """Take over the history entries not here yet (the same id is the same entry)."""
    unique = list({record.id: record for record in records}.values())
    ids = [record.id for record in unique]
    present: set[str] = set()
    for start in range(0, len(ids), 500):
        present |= set(session.exec(select(models.ChangeRecord.id).where(models.ChangeRecord.id.in_(ids[start:start + 500]))))
    new = [record for record in unique if record.id not in present]
    session.add_all(new)
    report.history_added = len(new)


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


def _replace_children(session: Session, service_id: str, doc: dict, *, new: bool) -> None:
    if not new:
        for table in (models.ServiceNeed, models.ServiceTargetGroup, models.ServiceArea, models.Schedule,
                      models.ServiceAtLocation, models.Closure):
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
    session.add_all(models.Closure(service_id=service_id, starts_on=starts_on, ends_on=ends_on, reason=reason)
                    for starts_on, ends_on, reason in _closures(doc))


class _NotApplied(Exception):
    """A dry run, or a dataset with rejections: everything the import wrote is rolled back."""


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
        with committing(session):
            organizations = [o for o in dataset.get("organizations", []) if isinstance(o, dict)]
            location_docs = [loc for o in organizations for loc in o.get("locations", []) if isinstance(loc, dict)]
            known_locations = {loc.get("id") for loc in location_docs}
            known_locations |= set(session.exec(select(models.Location.id)).all())
            history: list[models.ChangeRecord] = []
            for org in organizations:
                errors = schema_errors("organization", {**org, "locations": [], "services": []}, folder)
                if not errors:
                    try:
                        history += _history_records(org, "organization")
                    except (ValueError, TypeError) as exc:
                        errors = [f"unreadable metadata: {exc}"[:300]]
                if errors:
                    report.rejected.append({"id": org.get("id", ""), "kind": "organization", "reasons": errors})
                    continue
                _upsert_organization(session, org, report, actor)
            session.flush()
            for location in location_docs:
                try:
                    location_history = _history_records(location, "location")
                except (ValueError, TypeError) as exc:
                    report.rejected.append({"id": location.get("id", ""), "kind": "location",
                                            "reasons": [f"unreadable metadata: {exc}"[:300]]})
                    continue
                if _upsert_location(session, location, regions, report, actor):
                    history += location_history
            session.flush()
            service_ids = [doc["id"] for doc in dataset.get("services", []) if isinstance(doc, dict)
                           and isinstance(doc.get("id"), str)]
            before = _service_snapshots(session, service_ids)
            touched: dict[str, bool] = {}
            for doc in dataset.get("services", []):
                if not isinstance(doc, dict):
                    report.rejected.append({"id": "", "kind": "service", "reasons": ["not an object"]})
                    continue
                errors = schema_errors("service", doc, folder)
                if not errors and (doc["id"] in touched or doc["id"] in report.created):
                    errors = [f"service {doc['id']} occurs twice in the dataset"]
                if not errors and session.get(models.Organization, doc.get("organization_id", "")) is None:
                    errors = [f"unknown organization_id {doc.get('organization_id')}"]
                values, service_history = {}, []
                if not errors:
                    try:
                        values = _service_values(doc)
                        _closures(doc)
                        service_history = _history_records(doc, "service")
                    except (ValueError, TypeError, KeyError) as exc:  # e.g. a date or time the schema lets through
                        errors = [f"unreadable value: {exc}"[:300]]
                if not errors:
                    errors = _service_rules(doc, values, known_locations, municipalities)
                if errors:
                    report.rejected.append({"id": doc.get("id", ""), "kind": "service", "reasons": errors})
                    continue
                _upsert_service(session, doc, values, report, actor, before=before, touched=touched)
                history += service_history
            session.flush()
            after = _service_snapshots(session, list(touched))
            for service_id, changed in touched.items():
                unchanged = not changed and before[service_id] == after[service_id]
                (report.unchanged if unchanged else report.updated).append(service_id)
            _add_history(session, history, report)
            session.flush()
            if dry_run or report.rejected:
                raise _NotApplied  # committing rolls it all back
    except _NotApplied:
        return report
    report.applied = True
    return report


def _upsert_organization(session: Session, doc: dict, report: ImportReport, actor: str) -> None:
    values = {"name": doc["name"], "alternate_name": doc.get("alternate_name"), "description": doc.get("description", ""),
              "email": doc.get("email"), "website": doc.get("website"), "demo": _extension(doc, "demo") == "true"}
    org_type = _extension(doc, "organization_type")
    if org_type:
        values["organization_type"] = org_type
    _upsert(session, models.Organization, doc["id"], values, report, actor, "organization")


def _upsert_location(session: Session, doc: dict, regions: RegionIndex, report: ImportReport, actor: str) -> bool:
    try:
        latitude, longitude = float(doc["latitude"]), float(doc["longitude"])
    except (KeyError, TypeError, ValueError):
        latitude = longitude = None
    municipality = regions.locate(longitude, latitude) if latitude is not None and longitude is not None else None
    if municipality is None or not doc.get("id") or not doc.get("organization_id"):
        report.rejected.append({"id": doc.get("id", ""), "kind": "location",
                                "reasons": ["the location has no coordinates inside the 44 municipalities"]})
        return False
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
              "accessibility_description": access.get("description", ""), "transportation": doc.get("transportation", ""),
              "active": _extension(doc, "active", "true") != "false", "demo": _extension(doc, "demo") == "true"}
    existing = session.get(models.Location, doc["id"])
    if existing is not None and (existing.latitude, existing.longitude) == (values["latitude"], values["longitude"]):
        # x/y are derived from latitude/longitude: unchanged point, unchanged projection
        values.update(x_metric=existing.x_metric, y_metric=existing.y_metric)
    _upsert(session, models.Location, doc["id"], values, report, actor, "location")
    return True


def _service_snapshots(session: Session, service_ids: list[str]) -> dict[str, str]:
    """Each service as its HSDS JSON text (without history), loaded in batches: what an import
    compares to tell an update from an unchanged record."""
    snapshots: dict[str, str] = {}
    for start in range(0, len(service_ids), 500):
        services = session.exec(select(models.Service).where(models.Service.id.in_(service_ids[start:start + 500]))).all()
        related = load_related(session, services, with_history=False)
        for service in services:
            snapshots[service.id] = json.dumps(service_json(service, related, nested_locations=False), sort_keys=True,
                                               default=str)
    return snapshots


def _upsert_service(session: Session, doc: dict, values: dict, report: ImportReport, actor: str, *,
                    before: dict[str, str], touched: dict[str, bool]) -> None:
    """Create or update one service; an existing one is classified later, from ``touched``."""
    new = doc["id"] not in before
    changed = _upsert(session, models.Service, doc["id"], values, report, actor, "service", count=False)
    session.flush()
    _replace_children(session, doc["id"], doc, new=new)
    if new:
        report.created.append(doc["id"])
    else:
        touched[doc["id"]] = changed


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
