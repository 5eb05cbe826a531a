"""Fixtures for the transit tests: the hand-made GTFS folder zipped into tmp_path."""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

FIXTURE_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "gtfs"


def zip_feed(folder: Path, target: Path) -> Path:
    """Zip the ``.txt`` files of ``folder`` into ``target`` (a GTFS zip)."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.glob("*.txt")):
            archive.write(path, path.name)
    return target


@pytest.fixture
def feed_copy(tmp_path: Path) -> Path:
    """A writable copy of the fixture folder, for tests that break it on purpose."""
    target = tmp_path / "feed"
    shutil.copytree(FIXTURE_DIR, target)
    return target


@pytest.fixture
def make_zip(tmp_path: Path) -> Callable[[Path, str], Path]:
    def make(folder: Path, name: str = "feed.zip") -> Path:
        return zip_feed(folder, tmp_path / name)

    return make


@pytest.fixture
def fixture_zip(tmp_path: Path) -> Path:
    return zip_feed(FIXTURE_DIR, tmp_path / "fixture.zip")


@pytest.fixture
def fixture_router(fixture_zip: Path, tmp_path: Path):
    from routing.transit import load_feeds

    router, _report = load_feeds([fixture_zip], cache_dir=tmp_path / "cache")
    return router
