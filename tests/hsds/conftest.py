"""A separate database per module for tests that import (and so write) whole datasets."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from app.demo import generate_demo_data, load_demo_data
from tests.conftest import DEMO_SEED, DEMO_TODAY, separate_database


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
