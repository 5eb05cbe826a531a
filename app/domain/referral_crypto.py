"""Encryption at rest of a referral's personal fields (Fernet: AES-128-CBC with HMAC-SHA256).

The key comes from ``SK_REFERRAL_KEY`` (several comma-separated keys: the first encrypts,
all decrypt, so a key can be rotated) or, for development, from the key file under
``data/`` that ``sk init`` creates. Without either, referrals are refused with a clear
error instead of being stored in the clear.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from app.core.config import Settings
from app.domain.errors import DomainError

logger = logging.getLogger(__name__)


class ReferralKeyMissing(DomainError):
    code = "referral_key_missing"
    status_code = 503
    message_nl = "Doorverwijzen is nog niet ingesteld op deze server (er is geen sleutel). Verwittig de beheerder."


class ReferralKeyInvalid(DomainError):
    code = "referral_key_invalid"
    status_code = 503
    message_nl = "De sleutel voor verwijzingen past niet bij deze gegevens. Verwittig de beheerder."


def _keys_from(text: str) -> list[bytes]:
    return [part.strip().encode() for part in text.split(",") if part.strip()]


def referral_cipher(settings: Settings) -> MultiFernet:
    """The cipher from the settings' key, else from the development key file."""
    keys = _keys_from(settings.referral_key.get_secret_value())
    if not keys and settings.referral_key_file.is_file():
        keys = _keys_from(settings.referral_key_file.read_text(encoding="ascii"))
    if not keys:
        msg = f"no referral key: set SK_REFERRAL_KEY or run `sk init` to create {settings.referral_key_file}"
        raise ReferralKeyMissing(msg)
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError:
        msg = "SK_REFERRAL_KEY is not a valid Fernet key (32 url-safe base64-encoded bytes)"
        raise ReferralKeyInvalid(msg) from None


def ensure_development_key(settings: Settings) -> Path | None:
    """Create the development key file when no key is configured; return its path when created."""
    if settings.referral_key.get_secret_value() or settings.referral_key_file.exists():
        return None
    path = settings.referral_key_file
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(Fernet.generate_key() + b"\n")
    return path


def encrypt_json(cipher: MultiFernet, value) -> str:
    return cipher.encrypt(json.dumps(value, ensure_ascii=False).encode()).decode("ascii")


def decrypt_json(cipher: MultiFernet, token: str | None):
    """The stored value, or ``None`` when it was erased."""
    if token is None:
        return None
    try:
        return json.loads(cipher.decrypt(token.encode("ascii")))
    except InvalidToken:
        msg = "a referral's personal fields cannot be decrypted with the configured key(s)"
        raise ReferralKeyInvalid(msg) from None
