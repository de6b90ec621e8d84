"""Serving a ready pack's files: shared by the web page and the API (which check visibility first)."""

from __future__ import annotations

from django.http import FileResponse, Http404

from crm_twitter.evidence.build import file_stem
from crm_twitter.evidence.storage import archive_storage
from crm_twitter.models import EvidencePack


def pack_file_response(pack: EvidencePack, kind: str) -> FileResponse:
    """The PDF or ZIP of a ready pack, as an attachment named ``<reference>.<kind>``."""
    field = pack.pdf_file if kind == "pdf" else pack.zip_file
    if pack.status != EvidencePack.Status.READY or not field.name:
        raise Http404("The pack is not ready")
    handle = archive_storage().open(field.name, "rb")
    content_type = "application/pdf" if kind == "pdf" else "application/zip"
    return FileResponse(
        handle, as_attachment=True, filename=f"{file_stem(pack.case)}.{kind}", content_type=content_type
    )
