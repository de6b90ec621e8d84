"""Encryption at rest for X credentials (Fernet: AES-128-CBC + HMAC-SHA256).

The key comes from ``CRM_TWITTER['ENCRYPTION_KEY']`` (one key or a list, newest first, for
rotation) or, when unset, is derived from ``SECRET_KEY`` so a demo works with no set-up.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

from crm_twitter.conf import app_settings


class InvalidEncryptionKey(ValueError):
    pass


class DecryptionFailed(Exception):
    """Stored credentials cannot be decrypted with the configured key(s)."""


def _key_to_fernet(key: str | bytes) -> Fernet:
    raw = key.encode() if isinstance(key, str) else key
    try:
        return Fernet(raw)
    except (ValueError, TypeError):
        # Accept any passphrase: stretch it to a valid 32-byte urlsafe key.
        if len(raw) < 16:
            raise InvalidEncryptionKey("must be a Fernet key or a passphrase of at least 16 characters.") from None
        return Fernet(base64.urlsafe_b64encode(hashlib.sha256(raw).digest()))


def build_fernet(key: Any) -> MultiFernet:
    keys = key if isinstance(key, (list, tuple)) else [key]
    if not keys or not all(isinstance(k, (str, bytes)) for k in keys):
        raise InvalidEncryptionKey("must be a string or a non-empty list of strings.")
    return MultiFernet([_key_to_fernet(k) for k in keys])


def _fernet() -> MultiFernet:
    key = app_settings.ENCRYPTION_KEY
    if key is None:
        key = "crm_twitter-credentials:" + settings.SECRET_KEY
    return build_fernet(key)


def encrypt_text(plain: str) -> str:
    return _fernet().encrypt(plain.encode("utf-8")).decode("ascii")


def decrypt_text(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError) as exc:
        raise DecryptionFailed("stored credentials cannot be decrypted with the configured key") from exc
