"""The referral key: from the settings, or the development key file ``sk init`` creates; rotation; a wrong key."""

from __future__ import annotations

import stat

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from app.core.config import Settings
from app.domain.referral_crypto import (
    ReferralKeyInvalid,
    ReferralKeyMissing,
    decrypt_json,
    encrypt_json,
    ensure_development_key,
    referral_cipher,
)


def settings_in(tmp_path, key: str = "") -> Settings:
    return Settings(data_dir=tmp_path, referral_key=SecretStr(key))


def test_without_a_key_nothing_can_be_encrypted(tmp_path):
    with pytest.raises(ReferralKeyMissing, match="referral.key"):
        referral_cipher(settings_in(tmp_path))


def test_the_development_key_file_is_created_once_and_private(tmp_path):
    settings = settings_in(tmp_path)
    created = ensure_development_key(settings)
    assert created == tmp_path / "referral.key"
    assert stat.S_IMODE(created.stat().st_mode) == 0o600
    first = created.read_bytes()
    assert ensure_development_key(settings) is None and created.read_bytes() == first, "never replaced: data stays readable"
    token = encrypt_json(referral_cipher(settings), {"first_name": "An"})
    assert decrypt_json(referral_cipher(settings), token) == {"first_name": "An"}
    assert ensure_development_key(settings_in(tmp_path / "prod", Fernet.generate_key().decode())) is None


def test_a_rotated_key_still_reads_old_records_and_a_wrong_key_reads_nothing(tmp_path):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = encrypt_json(referral_cipher(settings_in(tmp_path, old)), "geheim")
    assert decrypt_json(referral_cipher(settings_in(tmp_path, f"{new},{old}")), token) == "geheim"
    with pytest.raises(ReferralKeyInvalid):
        decrypt_json(referral_cipher(settings_in(tmp_path, new)), token)
    with pytest.raises(ReferralKeyInvalid):
        referral_cipher(settings_in(tmp_path, "geen-fernet-sleutel"))
    assert decrypt_json(referral_cipher(settings_in(tmp_path, new)), None) is None, "erased stays erased"


def test_sk_init_creates_the_development_key_and_says_where(tmp_path, monkeypatch, capsys):
    import app.server.bootstrap
    from app.server.cli import main
    from app.core.config import get_settings

    monkeypatch.setattr(app.server.bootstrap, "initialise", lambda settings, demo=None: {"demo_loaded": False})
    monkeypatch.setenv("SK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SK_REFERRAL_KEY", raising=False)
    get_settings.cache_clear()
    try:
        assert main(["init"]) == 0
    finally:
        get_settings.cache_clear()
    out, err = capsys.readouterr()
    assert (tmp_path / "referral.key").is_file()
    assert str(tmp_path / "referral.key") in err and "SK_REFERRAL_KEY" in err
    assert '"referral_key_created"' in out
