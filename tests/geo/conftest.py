"""Fixtures for the geo tests: prepared geodata (once per session), regions, places, gazetteer.

The project's ``data/geo`` is reused when it is complete and matches the sources;
otherwise the data is prepared from ``../shared/data`` into a temporary folder, so the
tests never download anything and never change a developer's ``data/``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.gazetteer import Gazetteer
from geo.places import Place, load_places
from geo.prepare import ensure_data, is_prepared
from geo.regions import RegionIndex, load_regions

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"


def prepared_geo_dir(tmp_root: Path) -> Path:
    """``data/geo`` when up to date, else a fresh preparation from the shared data under ``tmp_root``."""
    project_geo = PROJECT_ROOT / "data" / "geo"
    if is_prepared(project_geo):
        return project_geo
    if not SHARED_DATA.is_dir():
        pytest.skip(f"no shared reference data at {SHARED_DATA} and data/geo is not prepared")
    ensure_data(SHARED_DATA, tmp_root, progress=False)
    return tmp_root / "geo"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"no shared reference data at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def geo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prepared_geo_dir(tmp_path_factory.mktemp("geo-data"))


@pytest.fixture(scope="session")
def regions(geo_dir: Path) -> RegionIndex:
    return load_regions(geo_dir)


@pytest.fixture(scope="session")
def places(geo_dir: Path) -> list[Place]:
    return load_places(geo_dir)


@pytest.fixture(scope="session")
def gazetteer(geo_dir: Path) -> Gazetteer:
    return Gazetteer.from_geo_dir(geo_dir)
