"""Fixtures for the geo tests: the shared reference folder and the gazetteer.

``data_dir``, ``regions`` and ``places`` come from ``tests/conftest.py``, which prepares
the project's ``data/`` once per session (idempotent, milliseconds when up to date).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.gazetteer import Gazetteer
from tests.conftest import SHARED_DATA


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return SHARED_DATA


@pytest.fixture(scope="session")
def geo_dir(data_dir: Path) -> Path:
    return data_dir / "geo"


@pytest.fixture(scope="session")
def gazetteer(geo_dir: Path) -> Gazetteer:
    return Gazetteer.from_geo_dir(geo_dir)
