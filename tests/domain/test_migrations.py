"""Alembic owns the schema: upgrade from empty works and matches the models."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from app.db import alembic_config, make_engine, upgrade_database


@pytest.fixture
def empty_database_url(tmp_path) -> Iterator[str]:
    """A brand-new empty database on the backend under test."""
    base = os.environ.get("SK_TEST_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"sk_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


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
