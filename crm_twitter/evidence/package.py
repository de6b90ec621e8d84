"""The pack's ZIP: the PDF, the original media, ``timeline.json``, ``manifest.json`` and its signature.

Written entry by entry into a file (never assembled in memory): media are copied from storage in
chunks, ``timeline.json`` is written one message at a time, and each entry's SHA-256 and size are
taken from the bytes as they are written, so the manifest describes exactly what is in the ZIP.

Layout::

    <reference>.pdf
    media/<media key>.<ext>        the archived originals, byte for byte
    timeline.json                  every message: X id, author, direction, time, text, media hashes
    manifest.json                  {"files": [{"path", "sha256", "bytes"}], case reference, generated_by, …}
    manifest.json.sig              {"algorithm": "Ed25519", "public_key", "signature"} over manifest.json
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from crm_twitter.evidence import signing
from crm_twitter.evidence.records import MessageEntry
from crm_twitter.evidence.storage import archive_storage

FORMAT = "crm_twitter-evidence-pack/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.sig"
CHUNK = 256 * 1024


class _HashingWriter:
    """Wraps a ZIP entry: hashes and counts what is written through it."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.digest.update(data)
        self.size += len(data)
        self.target.write(data)


@dataclass
class PackWriter:
    archive: zipfile.ZipFile
    files: list[dict[str, Any]] = field(default_factory=list)

    def _entry(self, path: str, *, compress: bool) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))  # stable: no clock in the entry
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.external_attr = 0o644 << 16
        return info

    def add_stream(self, path: str, source: IO[bytes], *, compress: bool = False) -> dict[str, Any]:
        with self.archive.open(self._entry(path, compress=compress), "w", force_zip64=True) as entry:
            writer = _HashingWriter(entry)
            while chunk := source.read(CHUNK):
                writer.write(chunk)
        row = {"path": path, "sha256": writer.digest.hexdigest(), "bytes": writer.size}
        self.files.append(row)
        return row

    def add_timeline(self, header: dict[str, Any], messages: Iterable[MessageEntry]) -> int:
        """``timeline.json``, one message at a time; returns how many were written."""
        count = 0
        with self.archive.open(self._entry("timeline.json", compress=True), "w", force_zip64=True) as entry:
            writer = _HashingWriter(entry)
            head = json.dumps(header, ensure_ascii=False, indent=1)[:-2]  # the object without its closing "}"
            writer.write((head + ',\n "messages": [').encode())
            for message in messages:
                prefix = "\n  " if count == 0 else ",\n  "
                writer.write((prefix + json.dumps(message.as_json(), ensure_ascii=False)).encode())
                count += 1
            writer.write(b"\n ]\n}\n")
        self.files.append({"path": "timeline.json", "sha256": writer.digest.hexdigest(), "bytes": writer.size})
        return count

    def add_media(self, path: str, storage_name: str) -> dict[str, Any]:
        with archive_storage().open(storage_name, "rb") as source:
            return self.add_stream(path, source)

    def finish(self, manifest: dict[str, Any]) -> bytes:
        """Write ``manifest.json`` (listing every file added) and its signature; returns the manifest."""
        body = {**manifest, "files": list(self.files)}
        data = (json.dumps(body, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode()
        self.archive.writestr(self._entry(MANIFEST, compress=True), data)
        signature = signing.sign(data)
        self.archive.writestr(self._entry(SIGNATURE, compress=False), json.dumps(signature, indent=2) + "\n")
        return data
