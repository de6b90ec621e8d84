"""Dispute evidence: the media archive's safe fetching and the case evidence packs (PDF + signed ZIP).

See docs/evidence.md. Services: ``crm_twitter.services.media_archive`` (archiving media after
ingest) and ``crm_twitter.evidence.build`` (packs); the rest are the parts they are built from.
"""
