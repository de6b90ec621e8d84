"""Where archived media and evidence packs are written: a Django storage, named in settings.

``CRM_TWITTER["MEDIA_STORAGE"]`` is an alias of ``STORAGES`` ("default" unless said otherwise), so
the files go wherever the project keeps uploads: ``MEDIA_ROOT`` on disk, or S3 and the like
through django-storages (docs/evidence.md). Nothing here assumes a local path.
"""

from __future__ import annotations

from django.core.files.storage import Storage, storages

from crm_twitter.conf import app_settings

MEDIA_PREFIX = "crm_twitter/media"
PACK_PREFIX = "crm_twitter/evidence"


def archive_storage() -> Storage:
    return storages[app_settings.MEDIA_STORAGE or "default"]


def media_name(sha256: str, extension: str) -> str:
    """Content-addressed: the same file sent twice (a retweeted photo) is stored once."""
    return f"{MEDIA_PREFIX}/{sha256[:2]}/{sha256}{extension}"
