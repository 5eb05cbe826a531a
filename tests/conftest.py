"""Shared fixtures: prepared geodata, a database (SQLite or PostgreSQL), the app.

``SK_TEST_DATABASE_URL`` selects the database (CI sets it to the local PostgreSQL for
the second run); without it each session uses a fresh SQLite file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from app.core import models  # noqa: F401  (registers tables)
from app.core.config import PROJECT_ROOT, Settings
from app.core.db import make_engine

SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
DEMO_TODAY = date(2026, 11, 2)
DEMO_SEED = 20241


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--realdata", action="store_true",
                     help="also run the tests marked realdata (the real OSM roads and NMBS feed; a few minutes)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--realdata"):
        return
    skip = pytest.mark.skip(reason="real-data set: run with --realdata (make test-realdata; CI runs it)")
    for item in items:
        if item.get_closest_marker("realdata") is not None:
            item.add_marker(skip)


def _test_database_url(tmp_dir: Path) -> str:
    url = os.environ.get("SK_TEST_DATABASE_URL", "")
    return url or f"sqlite:///{tmp_dir / 'test.db'}"


def reset_schema(engine: Engine) -> None:
    """Drop everything (including Alembic's version table) and create the models' tables."""
    SQLModel.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    SQLModel.metadata.create_all(engine)
    stamp_head(engine)


def stamp_head(engine: Engine) -> None:
    """Record the migrations' head as Alembic would: the models' tables are that schema
    (tests/domain/test_migrations.py proves there is no drift), so /healthz reports ready."""
    from app.server.readiness import expected_revision

    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
        connection.execute(text("DELETE FROM alembic_version"))
        connection.execute(text("INSERT INTO alembic_version (version_num) VALUES (:head)"), {"head": expected_revision()})


@contextmanager
def separate_database(tmp_path_factory, regions, label: str) -> Iterator[Engine]:
    """A new database (PostgreSQL when the tests run on it, else SQLite) with the tables and reference data."""
    from app.operations.reference_data import sync_reference_data
    from tests.isolated_db import empty_database

    with empty_database(tmp_path_factory.mktemp(label), prefix=f"sk_{label}") as url:
        engine = make_engine(url)
        SQLModel.metadata.create_all(engine)
        stamp_head(engine)
        with Session(engine) as session:
            sync_reference_data(session, regions)
        try:
            yield engine
        finally:
            engine.dispose()


@contextmanager
def separate_demo_database(tmp_path_factory, regions, places, label: str) -> Iterator[Engine]:
    """:func:`separate_database` with the demo data loaded (generated anew: loaded ORM objects
    belong to one database)."""
    from app.operations.demo import generate_demo_data, load_demo_data

    with separate_database(tmp_path_factory, regions, label) as engine:
        with Session(engine) as session:
            load_demo_data(session, generate_demo_data(regions, places, seed=DEMO_SEED, today=DEMO_TODAY))
        yield engine


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The project's own ``data/``, prepared once (idempotent, fast when up to date), with the
    travel sources and the street index as ``sk data`` makes them."""
    from geo.prepare import ensure_data
    from geo.travel_data import ensure_travel_data

    target = PROJECT_ROOT / "data"
    ensure_data(SHARED_DATA, target)
    ensure_travel_data(SHARED_DATA, target, progress=False)
    return target


@pytest.fixture(scope="session")
def settings(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        data_dir=data_dir,
        shared_data_dir=SHARED_DATA,
        database_url=_test_database_url(tmp_path_factory.mktemp("db")),
        demo_seed=DEMO_SEED,
        # the suite runs on its small fixtures: never on the real networks `make run` caches in data/networks
        network_dir_name="networks-tests",
        gaps_at_startup=False,
    )


@pytest.fixture(scope="session")
def regions(settings: Settings):
    from geo.regions import load_regions

    return load_regions(settings.geo_dir)


@pytest.fixture(scope="session")
def places(settings: Settings):
    from geo.places import load_places

    return load_places(settings.geo_dir)


@pytest.fixture(scope="session")
def demo_dataset(regions, places):
    from app.operations.demo import generate_demo_data

    return generate_demo_data(regions, places, seed=DEMO_SEED, today=DEMO_TODAY)


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.sqlalchemy_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def loaded_engine(engine: Engine, regions, demo_dataset) -> Engine:
    """A database with reference data and the demo dataset (loaded once per session)."""
    from app.operations.demo import load_demo_data
    from app.operations.reference_data import sync_reference_data

    reset_schema(engine)
    # the dataset's objects stay readable by the demo tests after the commit
    with Session(engine, expire_on_commit=False) as session:
        sync_reference_data(session, regions)
        load_demo_data(session, demo_dataset)
    return engine


@pytest.fixture
def db(loaded_engine: Engine) -> Iterator[Session]:
    with Session(loaded_engine) as session:
        yield session


@pytest.fixture(scope="session")
def app_state(settings: Settings, loaded_engine: Engine):
    from app.server.app_state import build_state

    return build_state(settings, engine=loaded_engine)


@pytest.fixture(scope="session")
def client(app_state):
    from fastapi.testclient import TestClient

    from app.server.main import create_app

    with TestClient(create_app(state=app_state)) as test_client:
        yield test_client
