"""A separate database per module for tests that import (and so write) whole datasets."""

from __future__ import annotations

import pytest

from tests.conftest import separate_database, separate_demo_database


@pytest.fixture(scope="module")
def fresh_engine(regions, places, tmp_path_factory):
    """The demo dataset in a database of this test module's own."""
    with separate_demo_database(tmp_path_factory, regions, places, "hsds") as engine:
        yield engine


@pytest.fixture
def empty_engine(regions, tmp_path_factory):
    """Reference data (municipalities, taxonomy) only: no organisations, locations or services."""
    with separate_database(tmp_path_factory, regions, "empty") as engine:
        yield engine
