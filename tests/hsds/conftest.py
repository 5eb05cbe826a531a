"""A separate database per module for tests that import (and so write) whole datasets."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel

from app.db import make_engine
from app.demo import generate_demo_data, load_demo_data
from app.reference import sync_reference_data
from tests.conftest import DEMO_SEED, DEMO_TODAY


@pytest.fixture(scope="module")
def fresh_engine(regions, places, tmp_path_factory):
    base = os.environ.get("SK_TEST_DATABASE_URL", "")
    admin = name = None
    if base.startswith("postgresql"):
        name = f"sk_hsds_{uuid.uuid4().hex[:8]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(base).set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('hsds') / 'hsds.db'}"
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        sync_reference_data(session, regions)
        load_demo_data(session, generate_demo_data(regions, places, seed=DEMO_SEED, today=DEMO_TODAY))
    yield engine
    engine.dispose()
    if admin is not None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
