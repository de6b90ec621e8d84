"""Building evidence packs: requested from the case page or the API (background), or by the command.

``evidence_pack_request`` records the request and enqueues ``evidence_pack_build`` after commit;
``evidence_pack_write`` builds synchronously into a directory (the command). Both go through
``_build``: the PDF into a temporary file, then the ZIP entry by entry (``package.PackWriter``),
with the record streamed from the database (``records.CaseRecord``), so a case with thousands
of messages is built in bounded memory. Each pack writes an audit event on its case.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from crm_twitter.evidence import signing
from crm_twitter.evidence.package import FORMAT, PackWriter
from crm_twitter.evidence.pdf import write_pdf
from crm_twitter.evidence.records import CaseRecord, case_summary
from crm_twitter.evidence.storage import PACK_PREFIX, archive_storage
from crm_twitter.models import Case, CaseEvent, EvidencePack

logger = logging.getLogger(__name__)

TASK = "crm_twitter.tasks.evidence.evidence_pack_build_task"


@dataclass(frozen=True)
class BuiltPack:
    pdf_path: Path
    zip_path: Path
    pdf_sha256: str
    zip_sha256: str
    zip_size: int
    message_count: int
    media_count: int
    media_missing: int
    public_key: str


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _who(user: Any) -> str:
    if user is None:
        return "crm_twitter (system)"
    name = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return f"{user.get_username()}" + (f" ({name})" if name else "")


def file_stem(case: Case) -> str:
    """``<reference>``: the names the command writes (a reference is letters, digits and dashes)."""
    reference = case.reference or f"case-{case.pk}"
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in reference)


def _build(
    case: Case, directory: Path, *, include_notes: bool, redact_third_parties: bool, generated_by: str
) -> BuiltPack:
    now = timezone.now().astimezone(dt.UTC).replace(microsecond=0)
    stem = file_stem(case)
    pdf_path = directory / f"{stem}.pdf"
    zip_path = directory / f"{stem}.zip"
    record = CaseRecord.load(case, redact_third_parties=redact_third_parties)
    summary = case_summary(case)
    public_key = signing.public_key_text()
    messages = list(record.messages())  # light entries, read twice (PDF and timeline), never model rows
    context = {
        "case": case,
        "summary": summary,
        "messages": messages,
        "events": record.events(include_notes=include_notes),
        "media_missing": record.media_missing,
        "message_count": len(messages),
        "media_count": record.media_count,
        "include_notes": include_notes,
        "redact_third_parties": redact_third_parties,
        "generated_by": generated_by,
        "generated_at": now,
        "generated_at_text": now.strftime("%Y-%m-%d %H:%M:%S"),
        "public_key": public_key,
    }
    with pdf_path.open("wb") as target:
        write_pdf(context, target)
    seen_media: set[str] = set()
    with zipfile.ZipFile(zip_path, "w", allowZip64=True) as archive:
        writer = PackWriter(archive)
        with pdf_path.open("rb") as source:
            writer.add_stream(pdf_path.name, source)
        for message in messages:
            for media in message.media:
                if media.archived and media.zip_path not in seen_media:
                    writer.add_media(media.zip_path, media.storage_name)
                    seen_media.add(media.zip_path)
        header = {
            "format": FORMAT,
            "case_reference": summary.reference,
            "generated_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "times": "UTC",
        }
        count = writer.add_timeline(header, messages)
        writer.finish(
            {
                "format": FORMAT,
                "case_reference": summary.reference,
                "case_id": case.pk,
                "brand_account": summary.brand_handle,
                "customer_handle": summary.customer_handle,
                "generated_by": generated_by,
                "generated_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "options": {"include_notes": include_notes, "redact_third_parties": redact_third_parties},
                "messages": count,
                "media_archived": len(seen_media),
                "media_not_archived": [
                    {"media_key": m.media_key, "type": m.type, "reason": m.error} for m in record.media_missing
                ],
                "public_key": public_key,
            }
        )
    return BuiltPack(
        pdf_path=pdf_path,
        zip_path=zip_path,
        pdf_sha256=_file_sha256(pdf_path),
        zip_sha256=_file_sha256(zip_path),
        zip_size=zip_path.stat().st_size,
        message_count=count,
        media_count=record.media_count,
        media_missing=len(record.media_missing),
        public_key=public_key,
    )


def _audit(case: Case, pack: EvidencePack, built: BuiltPack, actor: Any) -> None:
    from crm_twitter.services.lifecycle import event_add

    event_add(
        case,
        CaseEvent.Kind.EVIDENCE_PACK,
        actor,
        message=(
            f"Evidence pack generated: {built.message_count} messages, {built.media_count - built.media_missing} "
            f"media archived, {built.media_missing} not archived"
            + (", internal notes included" if pack.include_notes else "")
            + (", third parties redacted" if pack.redact_third_parties else "")
        ),
        data={
            "evidence_pack": pack.pk,
            "zip_sha256": built.zip_sha256,
            "pdf_sha256": built.pdf_sha256,
            "public_key": built.public_key,
            "include_notes": pack.include_notes,
            "redact_third_parties": pack.redact_third_parties,
        },
    )


def evidence_pack_request(
    *, case: Case, user: Any, include_notes: bool = False, redact_third_parties: bool = False
) -> EvidencePack:
    """Record a request and build it in the background once committed. The caller has checked
    that ``user`` may see the case."""
    pack = EvidencePack.objects.create(
        case=case, requested_by=user, include_notes=include_notes, redact_third_parties=redact_third_parties
    )

    def enqueue() -> None:
        from django_q.tasks import async_task

        async_task(TASK, pack.pk, group="crm_twitter:evidence")

    transaction.on_commit(enqueue)
    return pack


def evidence_pack_build(*, pack_id: int) -> EvidencePack:
    """Build a requested pack into storage (the background task). A failure is recorded on the pack."""
    claimed = EvidencePack.objects.filter(pk=pack_id, status=EvidencePack.Status.QUEUED).update(
        status=EvidencePack.Status.BUILDING, started_at=timezone.now()
    )
    pack = EvidencePack.objects.select_related("case", "requested_by").get(pk=pack_id)
    if not claimed:
        return pack  # built already, or being built by another worker
    directory = Path(tempfile.mkdtemp(prefix="crm-evidence-"))
    try:
        built = _build(
            pack.case,
            directory,
            include_notes=pack.include_notes,
            redact_third_parties=pack.redact_third_parties,
            generated_by=_who(pack.requested_by),
        )
        storage = archive_storage()
        prefix = f"{PACK_PREFIX}/{pack.case_id}/{pack.pk}"
        with built.pdf_path.open("rb") as handle:
            pdf_name = storage.save(f"{prefix}/{built.pdf_path.name}", File(handle, name=built.pdf_path.name))
        with built.zip_path.open("rb") as handle:
            zip_name = storage.save(f"{prefix}/{built.zip_path.name}", File(handle, name=built.zip_path.name))
        with transaction.atomic():
            pack.status = EvidencePack.Status.READY
            pack.pdf_file.name, pack.zip_file.name = pdf_name, zip_name
            pack.pdf_sha256, pack.zip_sha256, pack.zip_size = built.pdf_sha256, built.zip_sha256, built.zip_size
            pack.public_key = built.public_key
            pack.message_count, pack.media_count = built.message_count, built.media_count
            pack.media_missing = built.media_missing
            pack.finished_at = timezone.now()
            pack.save()
            _audit(pack.case, pack, built, pack.requested_by)
    except Exception as exc:
        logger.exception("crm_twitter: evidence pack %s failed", pack_id)
        EvidencePack.objects.filter(pk=pack_id).update(
            status=EvidencePack.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now()
        )
        pack.refresh_from_db()
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    return pack


def evidence_pack_write(
    *,
    case: Case,
    output: Path,
    include_notes: bool = False,
    redact_third_parties: bool = False,
    generated_by: str | None = None,
) -> tuple[EvidencePack, BuiltPack]:
    """Build a pack into ``output`` as exactly ``<reference>.pdf`` and ``<reference>.zip`` (the command),
    recorded as a pack of the case with its audit event."""
    output.mkdir(parents=True, exist_ok=True)
    pack = EvidencePack.objects.create(
        case=case,
        include_notes=include_notes,
        redact_third_parties=redact_third_parties,
        status=EvidencePack.Status.BUILDING,
        started_at=timezone.now(),
    )
    scratch = Path(tempfile.mkdtemp(prefix="crm-evidence-", dir=output))
    try:
        built = _build(
            case,
            scratch,
            include_notes=include_notes,
            redact_third_parties=redact_third_parties,
            generated_by=generated_by or _who(None),
        )
        final_pdf, final_zip = output / built.pdf_path.name, output / built.zip_path.name
        os.replace(built.pdf_path, final_pdf)  # whole files appear, never half-written ones
        os.replace(built.zip_path, final_zip)
        built = BuiltPack(**{**built.__dict__, "pdf_path": final_pdf, "zip_path": final_zip})
    except Exception as exc:
        EvidencePack.objects.filter(pk=pack.pk).update(
            status=EvidencePack.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now()
        )
        raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    with transaction.atomic():
        EvidencePack.objects.filter(pk=pack.pk).update(
            status=EvidencePack.Status.READY,
            pdf_sha256=built.pdf_sha256,
            zip_sha256=built.zip_sha256,
            zip_size=built.zip_size,
            public_key=built.public_key,
            message_count=built.message_count,
            media_count=built.media_count,
            media_missing=built.media_missing,
            finished_at=timezone.now(),
        )
        pack.refresh_from_db()
        _audit(case, pack, built, None)
    return pack, built
