"""django-q2 tasks of the media archive and evidence packs (thin: each calls one service)."""

from __future__ import annotations


def media_archive_task(media_keys: list[str] | None = None) -> dict:
    """After an ingested page with media (by key), and every minute (``crm_twitter:media-archive``)
    for whatever is due: first fetches, retries after their backoff, anything a task missed."""
    from crm_twitter.services.media_archive import media_archive

    return media_archive(media_keys=media_keys).as_dict()


def evidence_pack_build_task(pack_id: int) -> dict:
    """Build one requested evidence pack (enqueued by ``evidence_pack_request`` after commit)."""
    from crm_twitter.evidence.build import evidence_pack_build
    from crm_twitter.models import EvidencePack
    from crm_twitter.tasks.rows import unless_gone

    def build() -> dict:
        pack = evidence_pack_build(pack_id=pack_id)
        return {"pack": pack.pk, "status": pack.status}

    return unless_gone(
        EvidencePack, pack_id, build, task="evidence_pack_build_task", gone={"pack": pack_id, "status": "gone"}
    )
