"""Alembic owns the schema: upgrade from empty and from earlier releases (0001, 0002) keeps the data and matches the models."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel, select

from app.core.db import alembic_config, make_engine, upgrade_database
from tests.isolated_db import empty_database


@pytest.fixture
def empty_database_url(tmp_path) -> Iterator[str]:
    """A brand-new empty database on the backend under test."""
    with empty_database(tmp_path, prefix="sk_migrations") as url:
        yield url


def test_upgrade_from_empty_creates_every_table_and_matches_the_models(empty_database_url):
    upgrade_database(empty_database_url)
    engine = make_engine(empty_database_url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert set(SQLModel.metadata.tables) <= tables
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, SQLModel.metadata)
        assert differences == [], f"models and migrations differ: {differences}"
    finally:
        engine.dispose()


def test_downgrade_to_base_and_up_again(empty_database_url):
    config = alembic_config(empty_database_url)
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    engine = make_engine(empty_database_url)
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    command.upgrade(config, "head")


def test_upgrade_from_the_previous_release_keeps_the_data(empty_database_url):
    """0001 is the first release's schema; its data must survive the upgrade to head."""
    config = alembic_config(empty_database_url)
    command.upgrade(config, "0001")
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO organization (id, name, description, organization_type, demo, version, created_at, last_modified) "
                "VALUES ('11111111-1111-4111-8111-111111111111', 'Oude organisatie', '', 'ngo', false, 1, "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ))
            connection.execute(text(
                "INSERT INTO municipality (nis, name_nl, name_fr, population, area_km2, centroid_latitude, "
                "centroid_longitude, geometry_geojson) VALUES ('34022', 'Kortrijk', 'Courtrai', 1, 1, 50.8, 3.2, '{}')"
            ))
            connection.execute(text(
                "INSERT INTO location (id, organization_id, name, address_1, postcode, city, municipality_nis, latitude, "
                "longitude, x_metric, y_metric, geocode_precision, accessibility_description, transportation, demo, "
                "version, created_at, last_modified) VALUES ('22222222-2222-4222-8222-222222222222', "
                "'11111111-1111-4111-8111-111111111111', 'Oude locatie', '', '8500', 'Kortrijk', '34022', 50.8, 3.2, 0, 0, "
                "'address', '', '', false, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ))
        command.upgrade(config, "head")
        with engine.connect() as connection:
            name = connection.execute(text("SELECT name FROM organization")).scalar_one()
        assert name == "Oude organisatie"
        with engine.connect() as connection:
            assert connection.execute(text("SELECT active FROM location")).scalar_one() in (True, 1)
        assert {"app_user", "change_record", "outbox_message"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _no_difference_between_models_and_schema(url: str) -> None:
    """``alembic check``: autogenerate finds nothing to add, drop or alter."""
    command.check(alembic_config(url))
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, SQLModel.metadata) == []
    finally:
        engine.dispose()


PREVIOUS_RELEASE = "0002"
#: one row per table in revision 0002's shape (no location.active yet), the way that release wrote them
ROWS_0002 = [
    ("partnership", {"slug": "zuid-west-vlaanderen", "name": "Zuid-West-Vlaanderen", "programme": "x"}),
    ("municipality", {"nis": "34022", "name_nl": "Kortrijk", "name_fr": "Courtrai", "population": 77000,
                      "area_km2": 80.0, "centroid_latitude": 50.82, "centroid_longitude": 3.26,
                      "geometry_geojson": "{}"}),
    ("municipality_partnership", {"municipality_nis": "34022", "partnership_slug": "zuid-west-vlaanderen"}),
    ("organization", {"id": "11111111-1111-4111-8111-111111111111", "name": "Oude organisatie", "description": "",
                      "organization_type": "ngo", "demo": False, "version": 3, "created_at": "2026-01-05 10:00:00",
                      "last_modified": "2026-01-05 10:00:00"}),
    ("location", {"id": "22222222-2222-4222-8222-222222222222", "organization_id": "11111111-1111-4111-8111-111111111111",
                  "name": "Oude locatie", "address_1": "Kerkstraat 1", "postcode": "8500", "city": "Kortrijk",
                  "municipality_nis": "34022", "latitude": 50.828, "longitude": 3.265, "x_metric": 0.0,
                  "y_metric": 0.0, "geocode_precision": "address", "wheelchair_level": 2,
                  "accessibility_description": "", "transportation": "", "demo": False, "version": 1,
                  "created_at": "2026-01-05 10:00:00", "last_modified": "2026-01-05 10:00:00"}),
    ("service", {"id": "33333333-3333-4333-8333-333333333333", "organization_id": "11111111-1111-4111-8111-111111111111",
                 "name": "Oude dienst", "description": "Hulp bij wonen", "internal_notes": "", "status": "active",
                 "published": True, "eligibility_description": "", "referral_required_from": "[]",
                 "application_process": "", "what_to_bring": "", "fees_description": "", "free_of_charge": True,
                 "languages": '["nl", "fr"]', "interpretation_available": False, "outreach": False,
                 "waiting_list": "short", "waiting_weeks": 4, "closed_on_public_holidays": True,
                 "assured_date": "2026-01-05", "demo": False, "version": 7,
                 "created_at": "2026-01-05 10:00:00", "last_modified": "2026-02-01 09:30:00"}),
    ("service_need", {"service_id": "33333333-3333-4333-8333-333333333333", "need_code": "housing"}),
    ("service_at_location", {"id": "44444444-4444-4444-8444-444444444444",
                             "service_id": "33333333-3333-4333-8333-333333333333",
                             "location_id": "22222222-2222-4222-8222-222222222222"}),
    ("change_record", {"id": "55555555-5555-4555-8555-555555555555", "resource_id": "33333333-3333-4333-8333-333333333333",
                       "resource_type": "service", "last_action_date": "2026-02-01 09:30:00",
                       "last_action_type": "update", "field_name": "waiting_weeks", "previous_value": "2",
                       "replacement_value": "4", "updated_by": "partner@example.org"}),
]


def test_upgrade_from_the_previous_release_0002_keeps_accounts_services_and_history(empty_database_url):
    from app.core import models
    from app.core.auth import authenticate, hash_password, load_session, token_hash, user_organization_ids
    from app.domain.catalog import load_catalog
    from sqlmodel import Session

    config = alembic_config(empty_database_url)
    command.upgrade(config, PREVIOUS_RELEASE)
    password, session_token = "een-lang-oud-wachtwoord", "oude-sessie-token"
    rows = ROWS_0002 + [
        ("app_user", {"id": "66666666-6666-4666-8666-666666666666", "email": "partner@example.org", "name": "Partner",
                      "password_hash": hash_password(password), "role": "partner", "partnership_slug": None,
                      "active": True, "created_at": "2026-01-05 10:00:00", "last_login_at": None}),
        ("user_organization", {"user_id": "66666666-6666-4666-8666-666666666666",
                               "organization_id": "11111111-1111-4111-8111-111111111111"}),
        ("user_session", {"token_hash": token_hash(session_token), "user_id": "66666666-6666-4666-8666-666666666666",
                          "csrf_token": "oud-csrf", "created_at": "2026-01-05 10:00:00",
                          "expires_at": "2999-01-01 00:00:00"}),
    ]
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            for table, values in rows:
                columns = ", ".join(values)
                placeholders = ", ".join(f":{name}" for name in values)
                connection.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"), values)
        engine.dispose()

        command.upgrade(config, "head")

        with engine.connect() as connection:
            for table, _values in rows:
                assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() == 1, table
            service = connection.execute(text("SELECT name, version, waiting_weeks, languages FROM service")).one()
            assert (service.name, service.version, service.waiting_weeks) == ("Oude dienst", 7, 4)
        # the app reads the migrated data: sign-in, the old session, the catalogue, the history
        with Session(engine) as session:
            user = authenticate(session, email="partner@example.org", password=password)
            assert user_organization_ids(session, user) == {"11111111-1111-4111-8111-111111111111"}
            loaded = load_session(session, session_token)
            assert loaded is not None and loaded[0].id == user.id
            location = session.get(models.Location, "22222222-2222-4222-8222-222222222222")
            assert location.active is True and location.name == "Oude locatie"
            catalog = load_catalog(session)
            migrated = catalog.by_id("33333333-3333-4333-8333-333333333333")
            assert migrated is not None and migrated.needs == frozenset({"housing"})
            assert set(migrated.languages) == {"nl", "fr"} and len(migrated.location_indices) == 1
            history = session.exec(select(models.ChangeRecord)).all()
            assert [(h.field_name, h.previous_value, h.replacement_value) for h in history] == [("waiting_weeks", "2", "4")]
        _no_difference_between_models_and_schema(empty_database_url)
    finally:
        engine.dispose()


def test_alembic_check_finds_no_difference_after_upgrading_from_empty(empty_database_url):
    upgrade_database(empty_database_url)
    _no_difference_between_models_and_schema(empty_database_url)
