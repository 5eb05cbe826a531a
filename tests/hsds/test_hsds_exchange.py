"""HSDS 3.0 out (schema-valid, nothing internal) and in (dry run, commit, rejections, atomicity)."""

from __future__ import annotations

import copy
import json

import pytest
from sqlmodel import Session, select

from app.core import models
from app.hsds import importing
from app.hsds.exchange import export_json, export_tabular, read_tabular, schema_errors
from app.hsds.importing import import_dataset
from tests.conftest import SHARED_DATA

SPEC = SHARED_DATA.parent / "specs" / "hsds-3.0"


@pytest.fixture(scope="module")
def exported(fresh_engine):
    with Session(fresh_engine) as session:
        return export_json(session)


def test_every_exported_service_and_organization_validates_against_the_compiled_schemas(exported):
    assert len(exported["services"]) > 400 and len(exported["organizations"]) > 150
    for service in exported["services"]:
        assert schema_errors("service", service, SPEC) == [], service["id"]
    for organization in exported["organizations"]:
        assert schema_errors("organization", organization, SPEC) == [], organization["id"]
    broken = {**exported["services"][0], "minimum_age": "twelve"}
    assert schema_errors("service", broken, SPEC)  # the validator really checks


def test_nothing_internal_is_exported(exported, fresh_engine):
    text = json.dumps(exported)
    with Session(fresh_engine) as session:
        internal = session.exec(select(models.Service.internal_phone)).all()
    assert "Interne nota" not in text and "internal_" not in text
    assert not any(phone and phone in text for phone in internal)


def run_import(engine, regions, dataset, *, dry_run):
    with Session(engine) as session:
        return import_dataset(session, dataset, regions=regions, dry_run=dry_run, actor="test", spec=SPEC)


def test_round_trip_is_unchanged_and_one_change_is_exactly_one_update(fresh_engine, regions, exported):
    report = run_import(fresh_engine, regions, exported, dry_run=True)
    assert report.rejected == [] and report.created == [] and report.updated == []
    changed = copy.deepcopy(exported)
    target = changed["services"][0]
    target["description"] = "Nieuwe beschrijving via HSDS-import"
    report = run_import(fresh_engine, regions, changed, dry_run=True)
    assert report.updated == [target["id"]]
    with Session(fresh_engine) as session:
        assert session.get(models.Service, target["id"]).description != target["description"]  # dry run wrote nothing
    report = run_import(fresh_engine, regions, changed, dry_run=False)
    assert report.applied and report.updated == [target["id"]]
    with Session(fresh_engine) as session:
        assert session.get(models.Service, target["id"]).description == target["description"]
        history = session.exec(select(models.ChangeRecord).where(
            models.ChangeRecord.resource_id == target["id"], models.ChangeRecord.last_action_type == "import")).all()
        assert "description" in {record.field_name for record in history}


def test_rejections_are_reported_and_block_the_whole_import(fresh_engine, regions, exported):
    bad = copy.deepcopy(exported)
    bad["services"][1]["attributes"].append({"id": "0b0b0b0b-0000-4000-8000-000000000001", "link_type": "need", "value": "flying-lessons"})
    bad["services"][2]["status"] = "maybe"
    bad["organizations"][0]["locations"].append({"id": "loc-in-gent", "location_type": "physical",
                                                 "organization_id": bad["organizations"][0]["id"],
                                                 "latitude": 51.0543, "longitude": 3.7174})
    bad["services"].append("not a service")
    bad["services"].append(copy.deepcopy(bad["services"][6]))  # the same service twice
    bad["services"][3]["description"] = "Zou niet mogen landen"
    bad["services"][4]["email"] = "geen-adres"  # formats are checked, not only types
    bad["services"][5]["assured_date"] = "2024-02-30"  # a date that does not exist
    bad["organizations"][0]["locations"].append({"id": "loc-without-point", "organization_id": "x",
                                                 "latitude": "noord", "longitude": None})
    report = run_import(fresh_engine, regions, bad, dry_run=False)
    reasons = {entry["id"]: " ".join(entry["reasons"]) for entry in report.rejected}
    assert "flying-lessons" in reasons[bad["services"][1]["id"]]
    assert "status" in reasons[bad["services"][2]["id"]]
    assert "44 municipalities" in reasons["loc-in-gent"] and "44 municipalities" in reasons["loc-without-point"]
    assert "email" in reasons[bad["services"][4]["id"]]
    assert "day is out of range" in reasons[bad["services"][5]["id"]]
    assert any(entry["kind"] == "service" and entry["reasons"] == ["not an object"] for entry in report.rejected)
    assert "occurs twice" in reasons[bad["services"][6]["id"]]
    assert not report.applied
    with Session(fresh_engine) as session:
        assert session.get(models.Service, bad["services"][3]["id"]).description != "Zou niet mogen landen"
    assert run_import(fresh_engine, regions, ["not", "a", "dataset"], dry_run=False).rejected


def test_a_crash_midway_leaves_the_database_unchanged(fresh_engine, regions, exported, monkeypatch):
    changed = copy.deepcopy(exported)
    for service in changed["services"][:10]:
        service["name"] = service["name"] + " (gewijzigd)"
    calls = {"n": 0}
    original = importing._replace_children

    def crash_after_five(session, service_id, doc, **options):
        calls["n"] += 1
        if calls["n"] > 5:
            raise RuntimeError("disk full")
        return original(session, service_id, doc, **options)

    monkeypatch.setattr(importing, "_replace_children", crash_after_five)
    with pytest.raises(RuntimeError):
        run_import(fresh_engine, regions, changed, dry_run=False)
    with Session(fresh_engine) as session:
        names = {s.name for s in session.exec(select(models.Service)).all()}
    assert not any(name.endswith("(gewijzigd)") for name in names)


def test_the_tabular_form_round_trips(fresh_engine, regions, tmp_path):
    with Session(fresh_engine) as session:
        path = export_tabular(session, tmp_path / "hsds.zip")
    import zipfile

    names = set(zipfile.ZipFile(path).namelist())
    assert {"datapackage.json", "services.csv", "organizations.csv", "locations.csv", "schedules.csv"} <= names
    package = json.loads(zipfile.ZipFile(path).read("datapackage.json"))
    assert package["profile"] == "tabular-data-package"
    dataset = read_tabular(path)
    report = run_import(fresh_engine, regions, dataset, dry_run=True)
    assert report.rejected == [] and report.created == [] and report.updated == []
