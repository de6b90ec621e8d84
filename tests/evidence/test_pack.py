"""Evidence packs: the command's files, the PDF's text, the signed manifest and tampering."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pypdfium2
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from crm_twitter.evidence import signing
from crm_twitter.evidence.verify import verify_pack
from crm_twitter.models import CaseEvent, EvidencePack

pytestmark = pytest.mark.django_db


def _export(case, tmp_path, *flags):
    out = tmp_path / "out"
    call_command(
        "crm_twitter_evidence", case.reference, "--output", str(out), *flags, stdout=io.StringIO(), stderr=io.StringIO()
    )
    return out


def _pdf_text(path) -> str:
    """The PDF's extractable text (what a reviewer can search and copy), by PDFium."""
    document = pypdfium2.PdfDocument(str(path))
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


_RTL = re.compile("[\u0590-\u08ff]")


def _flat(text: str) -> str:
    return "".join(text.split())


def test_command_writes_exactly_the_pdf_and_the_zip(evidence_case, tmp_path):
    out = _export(evidence_case, tmp_path)

    assert sorted(p.name for p in out.iterdir()) == ["CS-2026-000042.pdf", "CS-2026-000042.zip"]
    with zipfile.ZipFile(out / "CS-2026-000042.zip") as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
        timeline = json.loads(archive.read("timeline.json"))
    assert {"CS-2026-000042.pdf", "timeline.json", "manifest.json", "manifest.json.sig"} <= names
    assert {"media/3_100.jpg", "media/3_101.jpg"} <= names
    assert manifest["case_reference"] == "CS-2026-000042"
    assert manifest["generated_by"] and manifest["generated_at"].endswith("Z")
    assert {row["path"] for row in manifest["files"]} == names - {"manifest.json", "manifest.json.sig"}
    assert all(set(row) == {"path", "sha256", "bytes"} for row in manifest["files"])
    assert [m["reason"] for m in manifest["media_not_archived"]] == ["not_found: X answered 404: the medium is gone"]
    texts = [m["text"] for m in timeline["messages"]]
    assert texts == [m.text for m in evidence_case.messages]  # chronological, tweets and DMs merged
    first = timeline["messages"][0]
    assert first["x_id"] == evidence_case.messages[0].x_id and first["author"]["handle"] == "li_wei"
    assert first["direction"] == "inbound" and first["time"] == "2026-11-03T09:15:00Z"
    assert first["media"][0]["sha256"] == evidence_case.messages[0].media.get(media_key="3_100").sha256


def test_pdf_text_holds_every_message_in_full_cjk_and_arabic_included(evidence_case, tmp_path, caplog):
    out = _export(evidence_case, tmp_path)
    text = _flat(_pdf_text(out / "CS-2026-000042.pdf"))

    for message in evidence_case.messages:
        if _RTL.search(message.text):  # mixed-direction lines are laid out visually: compare word by word
            assert all(word in text for word in message.text.split() if any(c.isalnum() for c in word))
        else:
            assert _flat(message.text) in text, message.text
    assert "耳机坏了" in text
    assert _flat("صورة السماعات المكسورة") in text  # Arabic in logical order: shaped right to left
    assert "📦" in text and "✅" in text
    assert "40001234" in text and "paypal" in text  # the cover: order and payment method
    assert "Refund59.90EUR" in text and "kept" in text  # the promise and whether it was kept
    assert "not_found" in text  # the medium X no longer serves is named
    assert "INTERNAL" not in text  # notes only when asked for
    # Every character had a glyph (CJK: WenQuanYi, Arabic: DejaVu, emoji: Symbola), none a blank box.
    assert not [r.getMessage() for r in caplog.records if "notdef" in r.getMessage()]


def test_include_notes_and_redaction(evidence_case, tmp_path):
    out = _export(evidence_case, tmp_path, "--include-notes", "--redact-third-parties")
    text = _pdf_text(out / "CS-2026-000042.pdf")

    assert "INTERNAL: customer is a reseller?" in text
    assert "nosy_neighbour" not in text and "same happened to me" not in text
    assert "Third party 1" in text
    with zipfile.ZipFile(out / "CS-2026-000042.zip") as archive:
        assert b"nosy_neighbour" not in archive.read("timeline.json")


def test_a_pack_verifies_and_its_generation_is_audited(evidence_case, tmp_path):
    out = _export(evidence_case, tmp_path)
    stdout = io.StringIO()

    call_command("crm_twitter_evidence", "--verify", str(out / "CS-2026-000042.zip"), stdout=stdout)

    assert stdout.getvalue().startswith("OK: CS-2026-000042.zip")
    event = CaseEvent.objects.get(case=evidence_case, kind=CaseEvent.Kind.EVIDENCE_PACK)
    pack = EvidencePack.objects.get(case=evidence_case)
    assert pack.status == "ready" and event.data["zip_sha256"] == pack.zip_sha256
    assert "2 media archived, 1 not archived" in event.message


def _rewrite(source, target, change):
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            new.writestr(info, change(info.filename, old.read(info.filename)))


def test_one_changed_byte_fails_verification(evidence_case, tmp_path):
    pack = _export(evidence_case, tmp_path) / "CS-2026-000042.zip"
    assert verify_pack(pack).ok

    # A changed photo in a well-formed ZIP (CRC recomputed): the hash gives it away.
    def flip(name, data):
        return data[:-3] + bytes([data[-3] ^ 1]) + data[-2:] if name == "media/3_100.jpg" else data

    forged = tmp_path / "forged.zip"
    _rewrite(pack, forged, flip)
    result = verify_pack(forged)
    assert not result.ok
    assert result.problems == ["media/3_100.jpg: its SHA-256 or size differs from the manifest (changed)"]

    # One byte flipped in the file itself.
    raw = bytearray(pack.read_bytes())
    offset = raw.index(b"%PDF") + 200
    raw[offset] ^= 0x01
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(raw))
    assert not verify_pack(damaged).ok
    with pytest.raises(CommandError):
        call_command("crm_twitter_evidence", "--verify", str(damaged), stdout=io.StringIO(), stderr=io.StringIO())


def test_a_re_signed_or_extended_manifest_fails(evidence_case, tmp_path, settings):
    pack = _export(evidence_case, tmp_path) / "CS-2026-000042.zip"

    # Someone recomputes the manifest after changing a file, but cannot sign with the desk's key.
    def new_manifest(name, data):
        if name == "manifest.json":
            return data.replace(b'"case_reference": "CS-2026-000042"', b'"case_reference": "CS-2026-000043"')
        return data

    edited = tmp_path / "edited.zip"
    _rewrite(pack, edited, new_manifest)
    assert verify_pack(edited).problems == ["the signature does not match manifest.json: the manifest was changed"]

    # A pack signed by another key does not pass as ours.
    settings.CRM_TWITTER = {**settings.CRM_TWITTER, "EVIDENCE_SIGNING_KEY": signing.new_private_key_pem()}
    other = _export(evidence_case, tmp_path / "other") / "CS-2026-000042.zip"
    settings.CRM_TWITTER = {k: v for k, v in settings.CRM_TWITTER.items() if k != "EVIDENCE_SIGNING_KEY"}
    assert "not the expected" in verify_pack(other).problems[0]

    # A file slipped into the ZIP.
    with zipfile.ZipFile(pack, "a") as archive:
        archive.writestr("media/extra.jpg", b"\xff\xd8\xff")
    assert verify_pack(pack).problems == ["media/extra.jpg: in the ZIP but not in the manifest"]


def test_unknown_case_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="No case"):
        call_command("crm_twitter_evidence", "CS-NOPE", "--output", str(tmp_path))
