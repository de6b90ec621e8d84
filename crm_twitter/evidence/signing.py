"""The Ed25519 key that signs evidence-pack manifests, and checking a signature.

The manifest lists every file of a pack with its SHA-256; signing the manifest's exact bytes
makes the whole pack tamper-evident: change one byte of a photo and its hash no longer matches,
change the hash too and the signature fails. Whoever receives a pack checks it against the
desk's public key, which the admin shows and ``crm_twitter_evidence --public-key`` prints.

The private key is ``CRM_TWITTER["EVIDENCE_SIGNING_KEY"]``: a PEM (PKCS#8) private key or the 32
raw bytes in base64. Unset, one is derived from ``SECRET_KEY`` so the demo signs with no set-up
(check ``crm_twitter.W172`` asks production for a real key: rotating SECRET_KEY would otherwise
change the public key every published pack is checked against).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

from crm_twitter.conf import app_settings

ALGORITHM = "Ed25519"


class InvalidSigningKey(ValueError):
    pass


def _b64decode(text: str) -> bytes:
    text = text.strip()
    padded = text + "=" * (-len(text) % 4)
    try:
        return base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidSigningKey("is neither a PEM private key nor 32 bytes in base64.") from None


def load_private_key(value: Any) -> Ed25519PrivateKey:
    """The configured key; ``InvalidSigningKey`` says what is wrong with a bad one."""
    if value is None:
        seed = hashlib.sha256(("crm_twitter-evidence:" + settings.SECRET_KEY).encode()).digest()
        return Ed25519PrivateKey.from_private_bytes(seed)
    if not isinstance(value, (str, bytes)):
        raise InvalidSigningKey("must be a string (PEM, or 32 bytes in base64).")
    text = value.decode() if isinstance(value, bytes) else value
    if "-----BEGIN" in text:
        try:
            key = serialization.load_pem_private_key(text.encode(), password=None)
        except (ValueError, TypeError) as exc:
            raise InvalidSigningKey(f"is not a readable PEM private key ({exc}).") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise InvalidSigningKey("is a PEM key but not an Ed25519 one.")
        return key
    raw = _b64decode(text)
    if len(raw) != 32:
        raise InvalidSigningKey(f"decodes to {len(raw)} bytes; an Ed25519 private key is 32.")
    return Ed25519PrivateKey.from_private_bytes(raw)


def signing_key() -> Ed25519PrivateKey:
    return load_private_key(app_settings.EVIDENCE_SIGNING_KEY)


def public_key_text(key: Ed25519PublicKey | None = None) -> str:
    """The public key as 32 raw bytes in base64 (44 characters): what people compare and publish."""
    key = key or signing_key().public_key()
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def public_key_pem() -> str:
    return (
        signing_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def fingerprint(public_key_b64: str) -> str:
    """A short SHA-256 fingerprint of a public key, for reading out over the phone."""
    digest = hashlib.sha256(base64.b64decode(public_key_b64)).hexdigest()[:32]
    return ":".join(digest[i : i + 4] for i in range(0, len(digest), 4))


def sign(data: bytes) -> dict[str, str]:
    """The signature document stored beside the manifest."""
    key = signing_key()
    return {
        "algorithm": ALGORITHM,
        "public_key": public_key_text(key.public_key()),
        "signature": base64.b64encode(key.sign(data)).decode("ascii"),
        "signed_file": "manifest.json",
    }


def signature_valid(data: bytes, signature_b64: str, public_key_b64: str) -> bool:
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64, validate=True))
        key.verify(base64.b64decode(signature_b64, validate=True), data)
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


def new_private_key_pem() -> str:
    """A fresh key for ``EVIDENCE_SIGNING_KEY`` (``crm_twitter_evidence --generate-key``)."""
    return (
        Ed25519PrivateKey.generate()
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode("ascii")
    )
