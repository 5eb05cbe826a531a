"""A separate database per module for tests that import (and so write) whole datasets."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, SQLModel

from app.db import make_engine
from app.demo import generate_demo_data, load_demo_data
from app.reference import sync_reference_data
from tests.conftest import DEMO_SEED, DEMO_TODAY


@contextmanager
def separate_database(tmp_path_factory, regions, label: str) -> Iterator[Engine]:
    """A new database (PostgreSQL when the tests run on it, else SQLite) with the tables and reference data."""
    base = os.environ.get("SK_TEST_DATABASE_URL", "")
    admin = name = None
    if base.startswith("postgresql"):
        name = f"sk_{label}_{uuid.uuid4().hex[:8]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(base).set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp(label) / f'{label}.db'}"
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        sync_reference_data(session, regions)
    try:
        yield engine
    finally:
        engine.dispose()
        if admin is not None:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


@pytest.fixture(scope="module")
def fresh_engine(regions, places, tmp_path_factory):
    """The demo dataset in a database of this test module's own."""
    with separate_database(tmp_path_factory, regions, "hsds") as engine:
        with Session(engine) as session:
            load_demo_data(session, generate_demo_data(regions, places, seed=DEMO_SEED, today=DEMO_TODAY))
        yield engine


@pytest.fixture
def empty_engine(regions, tmp_path_factory):
    """Reference data (municipalities, taxonomy) only: no organisations, locations or services."""
    with separate_database(tmp_path_factory, regions, "empty") as engine:
        yield engine
