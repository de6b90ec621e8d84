"""Checking a pack: every file against the manifest, and the manifest against its signature.

Anyone holding a pack (the merchant's lawyer, a payment provider, a regulator) can run
``python manage.py crm_twitter_evidence --verify PACK.zip`` — or repeat the checks by hand with
``sha256sum`` and any Ed25519 tool (docs/evidence.md). A pack passes only if

* ``manifest.json.sig`` is a valid Ed25519 signature of ``manifest.json``'s exact bytes by the
  expected public key (the desk's own, or the one given);
* every file the manifest lists is in the ZIP with that SHA-256 and size;
* the ZIP holds nothing the manifest does not list (a file slipped in fails too).
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from crm_twitter.evidence import signing
from crm_twitter.evidence.package import CHUNK, MANIFEST, SIGNATURE


@dataclass
class Verification:
    ok: bool = False
    files_checked: int = 0
    problems: list[str] = field(default_factory=list)
    case_reference: str = ""
    generated_by: str = ""
    generated_at: str = ""
    public_key: str = ""


def verify_pack(source: str | Path | IO[bytes], *, public_key: str | None = None) -> Verification:
    """Check a pack; ``public_key`` (base64) defaults to this desk's signing key."""
    result = Verification()
    expected_key = public_key or signing.public_key_text()
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        result.problems.append(f"not a readable ZIP file: {exc}")
        return result
    with archive:
        names = set(archive.namelist())
        if MANIFEST not in names or SIGNATURE not in names:
            result.problems.append(f"{MANIFEST} or {SIGNATURE} is missing")
            return result
        try:
            manifest_bytes = archive.read(MANIFEST)
            signature = json.loads(archive.read(SIGNATURE))
            manifest = json.loads(manifest_bytes)
            files = manifest["files"]
        except (ValueError, KeyError, TypeError, zipfile.BadZipFile, OSError):
            result.problems.append("the manifest or its signature is damaged or not the expected JSON")
            return result
        result.case_reference = str(manifest.get("case_reference", ""))
        result.generated_by = str(manifest.get("generated_by", ""))
        result.generated_at = str(manifest.get("generated_at", ""))
        result.public_key = str(signature.get("public_key", ""))
        if signature.get("algorithm") != signing.ALGORITHM:
            result.problems.append(f"unknown signature algorithm {signature.get('algorithm')!r}")
        elif result.public_key != expected_key:
            result.problems.append(
                f"signed by key {result.public_key} (fingerprint {_fingerprint(result.public_key)}), "
                f"not the expected {expected_key}"
            )
        elif not signing.signature_valid(manifest_bytes, str(signature.get("signature", "")), expected_key):
            result.problems.append("the signature does not match manifest.json: the manifest was changed")
        listed = set()
        for row in files if isinstance(files, list) else []:
            path = str(row.get("path", "")) if isinstance(row, dict) else ""
            listed.add(path)
            if path not in names:
                result.problems.append(f"{path}: listed in the manifest but missing from the ZIP")
                continue
            digest, size = _hash_entry(archive, path)
            result.files_checked += 1
            if digest != row.get("sha256") or size != row.get("bytes"):
                result.problems.append(f"{path}: its SHA-256 or size differs from the manifest (changed)")
        for extra in sorted(names - listed - {MANIFEST, SIGNATURE}):
            result.problems.append(f"{extra}: in the ZIP but not in the manifest")
    result.ok = not result.problems
    return result


def _fingerprint(key: str) -> str:
    try:
        return signing.fingerprint(key)
    except ValueError:
        return "unreadable"


def _hash_entry(archive: zipfile.ZipFile, path: str) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    try:
        with archive.open(path) as entry:
            while chunk := entry.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
    except (zipfile.BadZipFile, OSError, ValueError):  # a changed byte can break the entry's CRC
        return "", -1
    return digest.hexdigest(), size
