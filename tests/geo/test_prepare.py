"""Data preparation: copies, verifies, derives; idempotent; never a half-written file."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from geo.prepare import DataPreparationError, derive_regions_from_topojson, download, ensure_data, sha256_of
from geo.sources import SOURCES
from tests.conftest import SHARED_DATA


def test_a_second_run_changes_nothing(data_dir):
    report = ensure_data(SHARED_DATA, data_dir)
    assert report == {"changed": [], "derived": False}


def test_a_fresh_folder_is_filled_and_verified(tmp_path):
    report = ensure_data(SHARED_DATA, tmp_path)
    assert report["derived"] and report["municipalities"] == 44
    for source in SOURCES:
        assert sha256_of(tmp_path / "source" / source.path) == source.sha256
    attribution = json.loads((tmp_path / "geo" / "attribution.json").read_text())["lines"]
    assert any("OpenStreetMap" in line for line in attribution) and any("Statbel" in line for line in attribution)


def test_a_tampered_shared_file_is_refused(tmp_path):
    shared = tmp_path / "shared"
    for source in SOURCES:
        target = shared / source.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((SHARED_DATA / source.path).read_bytes())
    (shared / "rail/stations.csv").write_text("tampered\n")
    with pytest.raises(DataPreparationError, match="pinned SHA-256"):
        ensure_data(shared, tmp_path / "data")


def test_a_failed_download_leaves_no_partial_file(tmp_path):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"half a file")

    client = httpx.Client(transport=httpx.MockTransport(handler))
    target = tmp_path / "source" / "rail" / "stations.csv"
    with pytest.raises(DataPreparationError):
        download("https://example.invalid/stations.csv", target, expected_sha256="0" * 64, client=client, progress=False)
    assert not target.exists()
    assert list(target.parent.iterdir()) == []


def test_a_verified_download_lands(tmp_path):
    body = (SHARED_DATA / "rail/facilities.csv").read_bytes()
    client = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(200, content=body)))
    target = tmp_path / "facilities.csv"
    source = next(s for s in SOURCES if s.path == "rail/facilities.csv")
    download(source.url, target, expected_sha256=source.sha256, client=client, progress=False)
    assert sha256_of(target) == source.sha256


def test_regions_derived_from_belgium_json_match_the_shared_file():
    derived = derive_regions_from_topojson(SHARED_DATA / "boundaries/belgium.json")
    shared = json.loads((SHARED_DATA / "regions/partnership_municipalities_2025.geojson").read_text())
    from shapely.geometry import shape

    ours = {f["properties"]["nis"]: f for f in derived["features"]}
    theirs = {f["properties"]["nis"]: f for f in shared["features"]}
    assert set(ours) == set(theirs)
    for nis, feature in theirs.items():
        assert sorted(ours[nis]["properties"]["partnerships"]) == sorted(feature["properties"]["partnerships"])
        assert ours[nis]["properties"]["population_2020"] == feature["properties"]["population_2020"]
        area_ours, area_theirs = shape(ours[nis]["geometry"]).area, shape(feature["geometry"]).area
        assert abs(area_ours - area_theirs) / area_theirs < 0.01, nis


def test_without_shared_data_the_regions_are_derived(tmp_path):
    """The download path: the regions file has no URL of its own and is derived from belgium.json."""
    shared = tmp_path / "partial"
    for source in SOURCES:
        if source.path.startswith("regions/"):
            continue
        target = shared / source.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((SHARED_DATA / source.path).read_bytes())
    report = ensure_data(shared, tmp_path / "data")
    assert report["municipalities"] == 44
    assert not (tmp_path / "data" / "source" / "regions").exists()
    assert Path(tmp_path / "data" / "geo" / "municipalities.geojson").exists()
