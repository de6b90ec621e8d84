"""Keep a copy of every photo, GIF and video customers send, because X's URLs do not last.

A tweet deleted by its author, a customer who leaves X, a DM conversation deleted: X's media URL
dies with them, and it is exactly then that a chargeback or a regulator asks for the photos.
Soon after ingest (``media_archive_after_commit``, then a background task) each medium is fetched
under ``crm_twitter.evidence.safe_fetch``'s rules and stored through Django's storage API with its
SHA-256, size, content type, source URL and fetch time. A failure is recorded on the row with its
reason and retried with exponential backoff when a later attempt can succeed (timeouts, 5xx, 429);
an allow-list refusal, an internal address, a redirect off X, an oversized or non-media answer or
a medium X says is gone fails at once. A schedule (``crm_twitter:media-archive``) catches up on
whatever a task missed and on retries. The archived copy stays when the tweet is deleted.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from crm_twitter.conf import app_settings
from crm_twitter.evidence.safe_fetch import Fetched, FetchFailed, fetch_media, guarded_session
from crm_twitter.evidence.storage import archive_storage, media_name
from crm_twitter.models import ArchiveStatus, BrandAccount, Media

logger = logging.getLogger(__name__)

TASK = "crm_twitter.tasks.evidence.media_archive_task"
CLAIM_SECONDS = 15 * 60  # a run that died leaves its rows to the next one after this


@dataclass
class ArchiveRun:
    archived: int = 0
    failed: int = 0
    retrying: int = 0
    bytes: int = 0
    errors: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "archived": self.archived,
            "failed": self.failed,
            "retrying": self.retrying,
            "bytes": self.bytes,
            "errors": dict(self.errors),
        }


def media_source_url(media: Media) -> str:
    """What to fetch: a photo's file; for a video or GIF its best MP4 variant (X lists them with
    ``media.fields=variants``), else its preview image."""
    if media.type == Media.Type.PHOTO and media.url:
        return media.url
    variants = (media.raw or {}).get("variants") if isinstance(media.raw, dict) else None
    mp4s = [
        v
        for v in variants or []
        if isinstance(v, dict) and v.get("content_type") == "video/mp4" and isinstance(v.get("url"), str)
    ]
    if mp4s:
        return max(mp4s, key=lambda v: int(v.get("bit_rate") or 0))["url"]
    return media.url or media.preview_image_url


def media_archive_after_commit(media_keys: Sequence[str]) -> None:
    """Ingest's hook: once the page is committed, a task archives its new media (one task a page).

    Exactly once with the page: the task exists if and only if the page's rows were committed.
    With django-q2's ORM broker on the page's own database the task row is written inside the
    page's transaction (``_queue_in_transaction``): one commit for both, where queueing it after
    the commit cost a second commit (a second WAL flush) per page. With any other broker (Redis)
    the task is queued on commit, and if that enqueue fails the schedule archives the media
    within a minute.
    """
    if not media_keys or not app_settings.MEDIA_ARCHIVE:
        return
    keys = list(media_keys)

    def enqueue() -> None:
        from django_q.tasks import async_task

        async_task(TASK, keys, group="crm_twitter:media-archive")

    if _queue_in_transaction():
        enqueue()  # same database, same transaction: a failure here fails the page, as its own rows would
        return

    def enqueue_logged() -> None:
        try:
            enqueue()
        except Exception:
            logger.exception("crm_twitter: could not enqueue the media archive; the schedule will catch up")

    transaction.on_commit(enqueue_logged)


def _queue_in_transaction(using: str = "default") -> bool:
    """Is the task queue a table of the database whose transaction is open (ORM broker, not sync)?

    Then a task row written now commits or rolls back with the page. A synchronous queue
    (``sync``: the task runs at once, in tests and ``Q_SYNC``) must wait for the commit, as must
    any broker outside this database.
    """
    from django_q.conf import Conf

    if Conf.SYNC or not Conf.ORM or Conf.BROKER_CLASS or Conf.IRON_MQ or isinstance(Conf.SQS, dict):
        return False
    return using == Conf.ORM and transaction.get_connection(using).in_atomic_block


def _due(now: dt.datetime) -> Q:
    return Q(archive_status=ArchiveStatus.PENDING) & (
        Q(archive_next_attempt_at__isnull=True) | Q(archive_next_attempt_at__lte=now)
    )


def _claim(candidates: Iterable[int], now: dt.datetime) -> list[int]:
    """Mark rows as taken by this run (a far ``archive_next_attempt_at``), so two workers never
    fetch the same medium; the UPDATE re-checks "due" under the row lock."""
    ids = list(candidates)
    if not ids:
        return []
    until = now + dt.timedelta(seconds=CLAIM_SECONDS, microseconds=random.randrange(1, 999_999))
    Media.objects.filter(_due(now), pk__in=ids).update(archive_next_attempt_at=until)
    return list(Media.objects.filter(pk__in=ids, archive_next_attempt_at=until).values_list("pk", flat=True))


def media_archive(*, media_keys: Sequence[str] | None = None, limit: int | None = None) -> ArchiveRun:
    """Archive the given media (by key), or the ones due, at most ``limit`` (``MEDIA_ARCHIVE_BATCH``)."""
    now = timezone.now()
    limit = limit or int(app_settings.MEDIA_ARCHIVE_BATCH)
    query = Media.objects.filter(_due(now))
    if media_keys is not None:
        query = query.filter(media_key__in=list(media_keys))
    candidates = query.order_by("archive_next_attempt_at", "id").values_list("pk", flat=True)[:limit]
    ids = _claim(candidates, now)
    run = ArchiveRun()
    if not ids:
        return run
    rows = list(Media.objects.filter(pk__in=ids).select_related("direct_message__brand_account"))
    session = guarded_session()
    openers: dict[int, object] = {}

    def download(media: Media) -> Fetched | FetchFailed:
        try:
            url = media_source_url(media)
            if not url:
                return FetchFailed("no_url", "X gave no URL for this medium", retryable=False)
            return fetch_media(url, session=session, opener=_opener(media, openers))
        except FetchFailed as exc:
            return exc
        except Exception as exc:  # a bug or an unexpected library error must not lose the batch
            logger.exception("crm_twitter: archiving medium %s failed", media.media_key)
            return FetchFailed("error", f"{type(exc).__name__}: {exc}"[:300], retryable=True)

    threads = max(1, int(app_settings.MEDIA_ARCHIVE_THREADS))
    try:
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="crm-media") as pool:
            for media, outcome in zip(rows, pool.map(download, rows), strict=True):
                _record(media, outcome, run)
    finally:
        session.close()
    return run


def _opener(media: Media, openers: dict[int, object]):
    """DM media goes through the account's gateway (OAuth); public media needs no credentials."""
    dm = media.direct_message
    if dm is None:
        return None
    account: BrandAccount = dm.brand_account
    if account.pk not in openers:
        from crm_twitter.x.gateway import XGateway

        openers[account.pk] = XGateway.for_account(account).media_opener()
    return openers[account.pk]


def _backoff(attempts: int) -> dt.timedelta:
    base = int(app_settings.MEDIA_BACKOFF_SECONDS)
    return dt.timedelta(seconds=min(base * 2 ** max(0, attempts - 1), int(app_settings.MEDIA_MAX_BACKOFF_SECONDS)))


def _record(media: Media, outcome: Fetched | FetchFailed, run: ArchiveRun) -> None:
    now = timezone.now()
    attempts = media.archive_attempts + 1
    if isinstance(outcome, FetchFailed):
        run.errors[outcome.code] = run.errors.get(outcome.code, 0) + 1
        retry = outcome.retryable and attempts < int(app_settings.MEDIA_MAX_ATTEMPTS)
        Media.objects.filter(pk=media.pk).update(
            archive_status=ArchiveStatus.PENDING if retry else ArchiveStatus.FAILED,
            archive_attempts=attempts,
            archive_next_attempt_at=now + _backoff(attempts) if retry else None,
            archive_error_code=outcome.code[:32],
            archive_error=str(outcome)[:500],
        )
        if retry:
            run.retrying += 1
        else:
            run.failed += 1
            logger.warning("crm_twitter: medium %s not archived: %s (%s)", media.media_key, outcome.code, outcome)
        return
    storage = archive_storage()
    name = media_name(outcome.sha256, outcome.extension)
    try:
        if not storage.exists(name):
            name = storage.save(name, File(outcome.file, name=name.rsplit("/", 1)[-1]))
    finally:
        outcome.file.close()
    Media.objects.filter(pk=media.pk).update(
        archive_status=ArchiveStatus.ARCHIVED,
        archive_file=name,
        archive_source_url=outcome.url[:1000],
        sha256=outcome.sha256,
        size=outcome.size,
        content_type=outcome.content_type[:100],
        fetched_at=now,
        archive_attempts=attempts,
        archive_next_attempt_at=None,
        archive_error_code="",
        archive_error="",
    )
    run.archived += 1
    run.bytes += outcome.size
