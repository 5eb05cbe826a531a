"""The HSDS 3.0 tabular data package: the spec's resources, paths and columns, history, round trip."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import date, datetime, time

import jsonschema
import pytest
from sqlmodel import Session, select

from app.core import models
from app.core.auth import create_user, now_utc
from app.domain.editing import ClosureIn, ServiceChanges, update_service, verify_service
from app.domain.history import record_change
from app.hsds.exchange import (
    RESOURCES,
    TabularError,
    export_json,
    export_tabular,
    read_tabular,
    schema_errors,
)
from app.hsds.importing import import_dataset
from app.hsds.serialize import load_related, service_json
from tests.conftest import SHARED_DATA

SPEC = SHARED_DATA.parent / "specs" / "hsds-3.0"
EDITOR = "an.editor@example.org"
ROUND_TRIP_ACTOR = "hsds round trip"


def spec_resources() -> dict[str, dict]:
    """The spec's own tabular schema: resource name -> its item schema (name, path, properties, order)."""
    schema = json.loads((SPEC / "compiled" / "tabular.json").read_text(encoding="utf-8"))
    return {name: entry["items"] for name, entry in schema["properties"].items()}


def spec_columns(item: dict) -> list[tuple[str, str]]:
    """(column, type) in the spec's order: the properties that are not nested arrays or objects."""
    return [(name, prop.get("datapackage_type") or prop["type"]) for name, prop in item["properties"].items()
            if prop.get("type") not in ("array", "object")]


def parses_as(kind: str, cell: str) -> bool:
    parse = {"number": float, "date": date.fromisoformat, "time": time.fromisoformat,
             "datetime": datetime.fromisoformat, "string": str}[kind]
    try:
        parse(cell)
    except ValueError:
        return False
    return kind != "time" or re.fullmatch(r"\d\d:\d\d:\d\d", cell) is not None


def read_package(path) -> tuple[dict, dict[str, list[dict]]]:
    with zipfile.ZipFile(path) as archive:
        package = json.loads(archive.read("datapackage.json"))
        tables = {resource["name"]: list(csv.DictReader(io.StringIO(archive.read(resource["path"]).decode("utf-8"))))
                  for resource in package["resources"]}
        headers = {resource["name"]: next(csv.reader(io.StringIO(archive.read(resource["path"]).decode("utf-8"))))
                   for resource in package["resources"]}
    return package, {"tables": tables, "headers": headers}


@pytest.fixture(scope="module")
def edited(fresh_engine):
    """History worth exporting: an editor's edit (with a coach-only field), a verification, a closure, and a
    deactivated location that one service still links to."""
    with Session(fresh_engine) as session:
        link = session.exec(select(models.ServiceAtLocation).order_by(models.ServiceAtLocation.id)).first()
        service = session.get(models.Service, link.service_id)
        editor = create_user(session, email=EDITOR, password="een-lang-wachtwoord", role="partner",
                             organization_ids=[service.organization_id])
        update_service(session, user=editor, service_id=service.id, expected_version=service.version,
                       changes=ServiceChanges(
                           description="Beschrijving aangepast door de partner.", internal_notes="Interne nota: bel Jan",
                           closures=[ClosureIn(starts_on=date(2026, 12, 24), ends_on=date(2027, 1, 2),
                                               reason="Kerstvakantie")]))
        verify_service(session, user=editor, service_id=service.id, today=date(2026, 11, 2))
        location = session.get(models.Location, link.location_id)
        location.active = False
        record_change(session, resource="location", resource_id=location.id, action="deactivate", actor=EDITOR,
                      changes={"active": (True, False)})
        session.add(location)
        session.commit()
        return {"service": service.id, "location": location.id, "link": link.id}


@pytest.fixture(scope="module")
def package(fresh_engine, edited, tmp_path_factory):
    with Session(fresh_engine) as session:
        return export_tabular(session, tmp_path_factory.mktemp("tabular") / "hsds.zip")


def test_resources_paths_and_columns_are_the_specs(package):
    spec = spec_resources()
    datapackage, content = read_package(package)
    assert datapackage["profile"] == "tabular-data-package"
    names = [resource["name"] for resource in datapackage["resources"]]
    assert set(names) == set(RESOURCES) and "metadata" in names and "service_at_location" in names
    assert names == sorted(names, key=lambda name: spec[name]["datapackage_metadata"]["order"])  # the spec's order
    for resource in datapackage["resources"]:
        item = spec[resource["name"]]
        assert resource["path"] == item["path"], resource["name"]
        assert [(f["name"], f["type"]) for f in resource["schema"]["fields"]] == spec_columns(item), resource["name"]
        assert content["headers"][resource["name"]] == [name for name, _kind in spec_columns(item)]
        assert (resource["profile"], resource["format"], resource["mediatype"]) == (
            item["datapackage_metadata"]["profile"], item["datapackage_metadata"]["format"],
            item["datapackage_metadata"]["mediatype"])
    with zipfile.ZipFile(package) as archive:
        assert "service_at_locations.csv" not in archive.namelist()
        assert set(archive.namelist()) == {"datapackage.json"} | {r["path"] for r in datapackage["resources"]}


def test_every_row_is_valid_against_the_specs_tabular_schema(package):
    spec = spec_resources()
    datapackage, content = read_package(package)
    tables = content["tables"]
    assert len(tables["service"]) > 400 and len(tables["metadata"]) >= 5
    for resource in datapackage["resources"]:
        name, item = resource["name"], spec[resource["name"]]
        validator_class = jsonschema.validators.validator_for(item)
        validator = validator_class(item, format_checker=validator_class.FORMAT_CHECKER)
        kinds = dict(spec_columns(item))
        ids = [row["id"] for row in tables[name]]
        assert len(ids) == len(set(ids)), f"{name}: ids are unique"
        for row in tables[name]:
            for column, cell in row.items():
                assert cell == "" or parses_as(kinds[column], cell), f"{name}.{column}: {cell!r} is no {kinds[column]}"
            for column in item.get("tabular_required") or []:
                assert row[column], f"{name}.{column} is required in the tabular form"
            # the row as the schema's object: empty cells absent, number columns as numbers
            record = {column: float(cell) if kinds[column] == "number" else cell for column, cell in row.items() if cell}
            errors = [error.message for error in validator.iter_errors(record)]
            assert errors == [], f"{name} {row['id']}: {errors}"
    # references between resources resolve
    ids_of = {name: {row["id"] for row in rows} for name, rows in tables.items()}
    assert {row["organization_id"] for row in tables["service"]} <= ids_of["organization"]
    assert {row["organization_id"] for row in tables["location"]} <= ids_of["organization"]
    assert {row["service_id"] for row in tables["service_at_location"]} <= ids_of["service"]
    assert {row["location_id"] for row in tables["service_at_location"]} <= ids_of["location"]
    for name in ("phone", "schedule", "service_area", "language"):
        assert {row["service_id"] for row in tables[name]} <= ids_of["service"], name
    for name in ("address", "accessibility"):
        assert {row["location_id"] for row in tables[name]} <= ids_of["location"], name
    owners = ids_of["service"] | ids_of["organization"] | ids_of["location"]
    assert {row["link_id"] for row in tables["attribute"]} <= owners
    assert {row["resource_id"] for row in tables["metadata"]} <= owners
    assert {row["taxonomy_id"] for row in tables["taxonomy_term"]} <= ids_of["taxonomy"]


def test_metadata_is_the_published_history_without_internal_fields_or_addresses(package, fresh_engine, edited):
    _datapackage, content = read_package(package)
    history = [row for row in content["tables"]["metadata"] if row["resource_id"] == edited["service"]]
    fields = {row["field_name"] for row in history}
    assert {"description", "closures", "assured_date", "assured_by"} <= fields
    assert "internal_notes" not in fields
    assert not any("@" in cell for row in content["tables"]["metadata"] for cell in row.values())
    assured_by = next(row for row in history if row["field_name"] == "assured_by")
    assert assured_by["replacement_value"] == "redacteur" and assured_by["updated_by"] == "redacteur"
    description = next(row for row in history if row["field_name"] == "description")
    assert description["replacement_value"] == "Beschrijving aangepast door de partner."
    assert description["last_action_type"] == "update" and description["resource_type"] == "service"
    # exactly what the JSON export publishes (the tabular form gives the change's date)
    with Session(fresh_engine) as session:
        exported = export_json(session)
    doc = next(s for s in exported["services"] if s["id"] == edited["service"])
    assert sorted((m["id"], m["field_name"], m["replacement_value"], m["last_action_date"][:10]) for m in doc["metadata"]) == \
        sorted((row["id"], row["field_name"], row["replacement_value"], row["last_action_date"]) for row in history)
    location_history = [row for row in content["tables"]["metadata"] if row["resource_id"] == edited["location"]]
    assert [(row["field_name"], row["replacement_value"], row["updated_by"]) for row in location_history] == \
        [("active", "false", "redacteur")]


def test_closures_and_deactivated_locations_are_exported_but_not_published_nested(package, fresh_engine, edited):
    _datapackage, content = read_package(package)
    tables = content["tables"]
    closures = [row["value"] for row in tables["attribute"]
                if row["link_id"] == edited["service"] and row["link_type"] == "sociale-kaart:closure"]
    assert closures == ["2026-12-24/2027-01-02 Kerstvakantie"]
    active = {row["link_id"]: row["value"] for row in tables["attribute"] if row["link_type"] == "sociale-kaart:active"}
    assert active[edited["location"]] == "false"
    assert set(active.values()) == {"true", "false"} and len(active) == len(tables["location"])
    assert edited["link"] in {row["id"] for row in tables["service_at_location"]}  # the full export keeps the link
    with Session(fresh_engine) as session:
        service = session.get(models.Service, edited["service"])
        published = service_json(service, load_related(session, [service]))
        exported = export_json(session)
    assert edited["location"] not in {link["location_id"] for link in published["service_at_locations"]}
    assert schema_errors("service", published, SPEC) == []
    doc = next(s for s in exported["services"] if s["id"] == edited["service"])
    assert schema_errors("service", doc, SPEC) == []
    owner = next(o for o in exported["organizations"] if any(loc["id"] == edited["location"] for loc in o["locations"]))
    assert schema_errors("organization", owner, SPEC) == []


def test_export_import_into_an_empty_database_and_export_again_is_the_same(package, empty_engine, regions, tmp_path,
                                                                          edited):
    started = now_utc()
    with Session(empty_engine) as session:
        assert session.exec(select(models.Service)).first() is None
        report = import_dataset(session, read_tabular(package), regions=regions, dry_run=False,
                                actor=ROUND_TRIP_ACTOR, spec=SPEC)
    assert report.rejected == [] and report.applied and report.updated == []
    _datapackage, first = read_package(package)
    assert len(report.created) == sum(len(first["tables"][name]) for name in ("organization", "location", "service"))
    assert report.history_added == len(first["tables"]["metadata"])
    with Session(empty_engine) as session:
        again = export_tabular(session, tmp_path / "again.zip")
        assert session.get(models.Location, edited["location"]).active is False
        closure = session.exec(select(models.Closure).where(models.Closure.service_id == edited["service"])).one()
        assert (closure.starts_on, closure.ends_on, closure.reason) == (date(2026, 12, 24), date(2027, 1, 2), "Kerstvakantie")
    _datapackage, second = read_package(again)
    assert first["headers"] == second["headers"]
    for name, rows in first["tables"].items():
        before, after = sorted(rows, key=lambda r: r["id"]), sorted(second["tables"][name], key=lambda r: r["id"])
        if name == "metadata":
            # the import adds its own entries to the history: who imported what, and when
            exported_ids = {r["id"] for r in before}
            added = [row for row in after if row["id"] not in exported_ids]
            assert added and all(r["last_action_type"] == "import" and r["updated_by"] == ROUND_TRIP_ACTOR for r in added)
            added_ids = {row["id"] for row in added}
            after = [row for row in after if row["id"] not in added_ids]
        if name == "service":
            # a created record was modified here and now (HSDS clients sync with modified_after)
            assert all(datetime.fromisoformat(row["last_modified"]) >= started for row in after)
            before = [{**row, "last_modified": ""} for row in before]
            after = [{**row, "last_modified": ""} for row in after]
        assert before == after, name


def test_our_old_file_name_is_still_read(package, tmp_path):
    legacy = tmp_path / "legacy.zip"
    with zipfile.ZipFile(package) as source, zipfile.ZipFile(legacy, "w") as target:
        for name in source.namelist():
            if name == "service_at_location.csv":
                rows = list(csv.DictReader(io.StringIO(source.read(name).decode("utf-8"))))
                buffer = io.StringIO()
                writer = csv.DictWriter(buffer, fieldnames=("id", "service_id", "location_id"), extrasaction="ignore")
                writer.writeheader()
                writer.writerows(rows)
                target.writestr("service_at_locations.csv", buffer.getvalue())
            elif name != "datapackage.json":
                target.writestr(name, source.read(name))
    assert read_tabular(legacy) == read_tabular(package)


def test_unreadable_packages_get_a_clear_message(tmp_path):
    not_a_zip = tmp_path / "export.zip"
    not_a_zip.write_text("id,name\n", encoding="utf-8")
    with pytest.raises(TabularError, match="not a readable zip"):
        read_tabular(not_a_zip)
    unknown = tmp_path / "unknown.zip"
    with zipfile.ZipFile(unknown, "w") as archive:
        archive.writestr("diensten.csv", "id,naam\n1,Iets\n")
    with pytest.raises(TabularError, match="no HSDS tabular resources.*services.csv"):
        read_tabular(unknown)
