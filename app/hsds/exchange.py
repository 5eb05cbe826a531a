"""Whole datasets out as HSDS 3.0 (nested JSON and the tabular CSV datapackage), reading
dataset files, and the schema validation both directions share.

The import (:mod:`app.hsds.importing`) validates every record (the official compiled schema, then our rules: known
needs, points inside the 44 municipalities, sane ages) and runs in ONE transaction: a dry
run reports what would be created, updated, left unchanged or rejected and writes
nothing; a real import with any rejection writes nothing either.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from sqlmodel import Session, select

from app.core import models
from app.core.auth import now_utc
from app.domain.demo_data import is_demonstration
from app.hsds.serialize import (
    extension_taxonomy_json,
    extension_terms_json,
    load_related,
    location_json,
    organization_json,
    service_json,
    taxonomies_json,
    taxonomy_term_json,
)

SPEC_DIR = Path(__file__).resolve().parents[3] / "shared" / "specs" / "hsds-3.0"

#: The HSDS 3.0 tabular resources we write, as the spec's ``compiled/tabular.json`` has them: resource name,
#: file path and every column in the spec's order (columns we hold no data for stay empty). Resources we have
#: nothing for (program, contact, funding, ...) are left out. tests/hsds checks this against the spec file.
RESOURCES: dict[str, tuple[str, tuple[str, ...]]] = {
    "organization": ("organizations.csv", (
        "id", "name", "alternate_name", "description", "email", "website", "tax_status", "tax_id", "year_incorporated",
        "legal_status", "logo", "uri", "parent_organization_id")),
    "service": ("services.csv", (
        "id", "organization_id", "program_id", "name", "alternate_name", "description", "url", "email", "status",
        "interpretation_services", "application_process", "fees_description", "wait_time", "fees", "accreditations",
        "eligibility_description", "minimum_age", "maximum_age", "assured_date", "assurer_email", "licenses", "alert",
        "last_modified")),
    "attribute": ("attributes.csv", ("id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value")),
    "service_at_location": ("service_at_location.csv", ("id", "service_id", "location_id", "description")),
    "location": ("locations.csv", (
        "id", "location_type", "url", "organization_id", "name", "alternate_name", "description", "transportation",
        "latitude", "longitude", "external_identifier", "external_identifier_type")),
    "phone": ("phones.csv", (
        "id", "location_id", "service_id", "organization_id", "contact_id", "service_at_location_id", "number",
        "extension", "type", "description")),
    "address": ("addresses.csv", (
        "id", "location_id", "attention", "address_1", "address_2", "city", "region", "state_province", "postal_code",
        "country", "address_type")),
    "schedule": ("schedules.csv", (
        "id", "service_id", "location_id", "service_at_location_id", "valid_from", "valid_to", "dtstart", "timezone",
        "until", "count", "wkst", "freq", "interval", "byday", "byweekno", "bymonthday", "byyearday", "description",
        "opens_at", "closes_at", "schedule_link", "attending_type", "notes")),
    "service_area": ("service_areas.csv", ("id", "service_id", "name", "description", "extent", "extent_type", "uri")),
    "language": ("languages.csv", ("id", "service_id", "location_id", "phone_id", "name", "code", "note")),
    "accessibility": ("accessibility.csv", ("id", "location_id", "description", "details", "url")),
    "taxonomy_term": ("taxonomy_terms.csv", (
        "id", "code", "name", "description", "parent_id", "taxonomy", "language", "taxonomy_id", "term_uri")),
    "metadata": ("metadata.csv", (
        "id", "resource_id", "resource_type", "last_action_date", "last_action_type", "field_name", "previous_value",
        "replacement_value", "updated_by")),
    "taxonomy": ("taxonomies.csv", ("id", "name", "description", "uri", "version")),
}
#: the spec's column types other than string (its ``datapackage_type``), for the columns of RESOURCES
FIELD_TYPES: dict[str, str] = {
    "organization.year_incorporated": "number", "service.minimum_age": "number", "service.maximum_age": "number",
    "service.assured_date": "date", "service.last_modified": "datetime", "location.latitude": "number",
    "location.longitude": "number", "phone.extension": "number", "schedule.valid_from": "date",
    "schedule.valid_to": "date", "schedule.dtstart": "date", "schedule.timezone": "number", "schedule.until": "date",
    "schedule.count": "number", "schedule.interval": "number", "schedule.opens_at": "time",
    "schedule.closes_at": "time", "metadata.last_action_date": "date",
}
#: file names an older export of ours used; still read (the columns were a subset of the spec's)
LEGACY_PATHS = {"service_at_location": "service_at_locations.csv"}
#: the children of a service object, by resource
SERVICE_CHILDREN = {"phone": "phones", "schedule": "schedules", "service_area": "service_areas",
                    "language": "languages", "service_at_location": "service_at_locations"}


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


def _history(session: Session, resource_ids: list[str]) -> dict[str, list[models.ChangeRecord]]:
    history: dict[str, list[models.ChangeRecord]] = {}
    for row in session.exec(select(models.ChangeRecord).where(models.ChangeRecord.resource_id.in_(resource_ids))):
        history.setdefault(row.resource_id, []).append(row)
    return history


def export_json(session: Session) -> dict:
    """The whole dataset, published or not (it is the partnership's own backup and exchange).

    Deactivated locations are included with their ``sociale-kaart:active`` attribute set to false; every
    object carries its published history (``metadata``: coach-only fields and editors' addresses left out).
    """
    services = list(session.exec(select(models.Service).order_by(models.Service.id)).all())
    related = load_related(session, services)
    service_docs = [service_json(service, related, nested_locations=False) for service in services]
    organizations = list(session.exec(select(models.Organization).order_by(models.Organization.id)).all())
    all_locations = list(session.exec(select(models.Location).order_by(models.Location.id)).all())
    history = _history(session, [o.id for o in organizations] + [loc.id for loc in all_locations])
    locations: dict[str, list[dict]] = {}
    for location in all_locations:
        locations.setdefault(location.organization_id, []).append(location_json(location, history.get(location.id, ())))
    organization_docs = []
    for org in organizations:
        doc = organization_json(org, [], [], history.get(org.id, ()))
        organization_docs.append({**doc, "locations": locations.get(org.id, [])})
    return {
        "hsds_version": "3.0",
        "generated": now_utc().isoformat(),
        "demo": is_demonstration([*services, *organizations, *all_locations]),
        "organizations": organization_docs,
        "services": service_docs,
        "taxonomies": [*taxonomies_json(), extension_taxonomy_json()],
        "taxonomy_terms": [taxonomy_term_json(t) for t in session.exec(select(models.TaxonomyTerm).order_by(models.TaxonomyTerm.code))]
        + extension_terms_json(),
    }


def _cell(resource: str, column: str, value: Any) -> str:
    """One CSV cell in the form of the spec's column type (dates ``YYYY-MM-DD``, times ``HH:MM:SS``)."""
    if value is None:
        return ""
    kind = FIELD_TYPES.get(f"{resource}.{column}", "string")
    text = str(value)
    if kind == "date":
        return text[:10]  # a metadata change time is published as its date in the tabular form
    if kind == "time" and len(text) == 5:
        return f"{text}:00"
    return text


def dataset_to_tables(dataset: dict) -> dict[str, list[dict]]:
    """The nested dataset as one list of rows (column: cell text) per tabular resource."""
    tables: dict[str, list[dict]] = {name: [] for name in RESOURCES}
    for org in dataset.get("organizations", []):
        tables["organization"].append(org)
        tables["attribute"] += org.get("attributes", [])
        tables["metadata"] += org.get("metadata", [])
        for location in org.get("locations", []):
            tables["location"].append(location)
            tables["address"] += location.get("addresses", [])
            tables["accessibility"] += location.get("accessibility", [])
            tables["attribute"] += location.get("attributes", [])
            tables["metadata"] += location.get("metadata", [])
    for service in dataset.get("services", []):
        tables["service"].append(service)
        for resource, key in SERVICE_CHILDREN.items():
            tables[resource] += service.get(key, [])
        tables["attribute"] += service.get("attributes", [])
        tables["metadata"] += service.get("metadata", [])
    tables["taxonomy_term"] = list(dataset.get("taxonomy_terms", []))
    tables["taxonomy"] = list(dataset.get("taxonomies", []))
    return {name: [{column: _cell(name, column, row.get(column)) for column in RESOURCES[name][1]} for row in rows]
            for name, rows in tables.items()}


def tables_to_dataset(tables: dict[str, list[dict]]) -> dict:
    """Tabular rows (by resource name) back into the nested form the import reads."""
    def grouped(name: str, key: str) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = {}
        for row in tables.get(name, []):
            out.setdefault(row.get(key) or "", []).append(_typed(name, row))
        return out

    addresses, access = grouped("address", "location_id"), grouped("accessibility", "location_id")
    attributes, history = grouped("attribute", "link_id"), grouped("metadata", "resource_id")
    locations: dict[str, list[dict]] = {}
    for row in tables.get("location", []):
        location = {**_typed("location", row), "addresses": addresses.get(row["id"], []),
                    "accessibility": access.get(row["id"], []), "attributes": attributes.get(row["id"], []),
                    "metadata": history.get(row["id"], [])}
        locations.setdefault(row.get("organization_id") or "", []).append(location)
    organizations = [{**_typed("organization", row), "locations": locations.get(row["id"], []),
                      "attributes": attributes.get(row["id"], []), "metadata": history.get(row["id"], [])}
                     for row in tables.get("organization", [])]
    children = {key: grouped(resource, "service_id") for resource, key in SERVICE_CHILDREN.items()}
    services = [{**_typed("service", row), **{key: children[key].get(row["id"], []) for key in children},
                 "attributes": attributes.get(row["id"], []), "metadata": history.get(row["id"], [])}
                for row in tables.get("service", [])]
    return {"hsds_version": "3.0", "organizations": organizations, "services": services,
            "taxonomies": [_typed("taxonomy", row) for row in tables.get("taxonomy", [])],
            "taxonomy_terms": [_typed("taxonomy_term", row) for row in tables.get("taxonomy_term", [])]}


def _typed(resource: str, row: dict) -> dict:
    """CSV cells are text: empty means absent; numbers become numbers and times ``HH:MM`` as in the JSON form."""
    out = {}
    for key, value in row.items():
        if key is None or value in (None, ""):
            continue  # key None: cells beyond the header, left out
        kind = FIELD_TYPES.get(f"{resource}.{key}", "string")
        if kind == "number":
            try:
                number = float(value)
                value = int(number) if number.is_integer() and key not in ("latitude", "longitude") else number
            except (TypeError, ValueError):
                pass  # left as text: the schema check reports it
        elif kind == "time" and len(value) == 8 and value.endswith(":00"):
            value = value[:5]
        out[key] = value
    return out


def export_tabular(session: Session, target: Path) -> Path:
    """A zip with one CSV per HSDS tabular resource and a ``datapackage.json`` (frictionless tabular data package)."""
    tables = dataset_to_tables(export_json(session))
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.partial")
    with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        resources = []
        for name, (path, columns) in RESOURCES.items():
            buffer = io.StringIO()
            writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
            writer.writeheader()
            writer.writerows(tables[name])
            archive.writestr(path, buffer.getvalue())
            resources.append({
                "name": name, "path": path, "profile": "tabular-data-resource", "format": "csv",
                "mediatype": "text/csv", "encoding": "utf-8",
                "schema": {"fields": [{"name": column, "type": FIELD_TYPES.get(f"{name}.{column}", "string")}
                                      for column in columns], "primaryKey": ["id"]},
            })
        archive.writestr("datapackage.json", json.dumps({
            "name": "sociale-kaart-hsds", "profile": "tabular-data-package", "title": "Sociale kaart (HSDS 3.0)",
            "licenses": [{"name": "CC-BY-4.0"}], "resources": resources}, indent=2))
    temporary.replace(target)
    return target


class DatasetFileError(ValueError):
    """A file that is not an HSDS dataset we can read (the message says why)."""


class TabularError(DatasetFileError):
    """A zip that is not an HSDS tabular data package we can read."""


def read_tabular(source: Path) -> dict:
    """Read a tabular data package (the spec's file names; our older ``service_at_locations.csv`` too)."""
    tables: dict[str, list[dict]] = {}
    try:
        with zipfile.ZipFile(source) as archive:
            names = set(archive.namelist())
            for resource, (path, _columns) in RESOURCES.items():
                found = next((name for name in (path, LEGACY_PATHS.get(resource)) if name in names), None)
                if found is not None:
                    text = archive.read(found).decode("utf-8-sig")
                    tables[resource] = list(csv.DictReader(io.StringIO(text)))
    except (zipfile.BadZipFile, OSError) as exc:
        msg = f"{source.name} is not a readable zip file: {exc}"
        raise TabularError(msg) from exc
    except UnicodeDecodeError as exc:
        msg = f"{source.name}: a CSV file is not UTF-8 text ({exc.reason})"
        raise TabularError(msg) from exc
    if "service" not in tables and "organization" not in tables:
        expected = ", ".join(path for path, _columns in RESOURCES.values())
        msg = f"{source.name} holds no HSDS tabular resources (expected files such as: {expected})"
        raise TabularError(msg)
    return tables_to_dataset(tables)


def load_dataset_file(path: Path) -> dict:
    """An HSDS dataset from ``.zip`` (tabular) or JSON; :class:`DatasetFileError` when it cannot be read."""
    if path.is_dir():
        msg = f"{path} is a folder, not a dataset file"
        raise DatasetFileError(msg)
    if path.suffix == ".zip":
        return read_tabular(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        msg = f"{path.name} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        raise DatasetFileError(msg) from None
    except UnicodeDecodeError as exc:
        msg = f"{path.name} is not UTF-8 text ({exc.reason})"
        raise DatasetFileError(msg) from None


__all__ = ["RESOURCES", "DatasetFileError", "TabularError", "export_json", "export_tabular", "load_dataset_file",
           "location_json", "read_tabular", "schema_errors", "spec_dir"]
