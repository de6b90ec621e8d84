"""DM events: no ``since_id`` and 15 requests per 15 minutes, so a walk pages back to stored events
(or X's 30-day window) and keeps its place on the account when it cannot finish in one run.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from crm_twitter.conf import app_settings
from crm_twitter.models import BrandAccount
from crm_twitter.x.ingest import IngestResult, dm_events_ingest
from crm_twitter.x.sync.locks import cursor_advance
from crm_twitter.x.sync.state import DM_BACKFILL_FIELDS, DMS, SyncRun, id_int
from crm_twitter.x.sync.timeline import oldest_created

logger = logging.getLogger(__name__)


@dataclass
class DmWalk:
    """One newest → oldest walk over DM events, and how it relates to the account's one resumable
    walk (the ``dm_backfill_*`` fields, "the slot").

    ``expected`` is the token the row's slot should hold; the slot is only written while it still
    does, so a second process that took it over (possible on SQLite, which has no advisory lock) is
    never overwritten. ``owns_slot`` False: the walk's progress is not stored page by page.
    ``resume_token``/``newest``/``oldest`` follow the committed pages, also when the walk is cut
    short by an exception.
    """

    expected: str = ""
    owns_slot: bool = True
    resume_token: str | None = None  # the page after the last committed one (None: finished or none yet)
    newest: int = 0
    oldest: int = 0
    finished: bool = False
    reached_end: bool = False  # X had no older page


def _dm_ingest_and_mark(run: SyncRun, page: Any, walk: DmWalk) -> IngestResult:
    """Ingest one DM page and, in the same transaction, store where the walk resumes.

    The page's rows and the resume point commit together: a worker killed right after leaves a
    token that points exactly below what is stored — nothing skipped, nothing read twice.
    """
    account = run.account
    with transaction.atomic():
        locked = BrandAccount.objects.select_for_update().get(pk=account.pk)
        result = dm_events_ingest(account=locked, page=page)
        token = walk.resume_token
        if token and walk.owns_slot and locked.dm_backfill_token == walk.expected:
            locked.dm_backfill_token = token
            locked.dm_backfill_newest_id = str(max(walk.newest, id_int(locked.dm_backfill_newest_id)))
            locked.dm_backfill_started_at = locked.dm_backfill_started_at or run.now
            locked.save(update_fields=[*DM_BACKFILL_FIELDS, "updated_at"])
            walk.expected = token
            for name in DM_BACKFILL_FIELDS:
                setattr(account, name, getattr(locked, name))
        elif token and walk.owns_slot:
            walk.owns_slot = False
            logger.warning("crm_twitter sync @%s: another sync took over the DM walk", account.handle)
    return result


def _dm_walk(run: SyncRun, walk: DmWalk, *, token: str | None, floor: int, cutoff: dt.datetime) -> DmWalk:
    """Page DM events back from ``token`` (None = the newest) until an event at or below ``floor``
    (stored already), X's window ``cutoff``, or the last page.

    Stops unfinished at ``MAX_PAGES_PER_SYNC`` (then ``run.stopped`` says so); a 429 or 5xx
    propagates. Either way every page read is committed, and — when the walk owns the slot — so
    is the token of the page after it.
    """
    while True:
        if run.dm_pages >= app_settings.MAX_PAGES_PER_SYNC:
            run.stopped = "max_pages"
            run.warnings.append(f"dms: stopped after {run.dm_pages} pages; the next run resumes the walk there")
            return walk
        run.calls += 1
        page = run.gateway.get_dm_events(pagination_token=token, max_results=100)
        run.dm_pages += 1
        ids = [id_int(e.get("id")) for e in page.data or [] if isinstance(e, dict)]
        next_token = page.next_token
        oldest_at = oldest_created(page)
        met_stored = bool(floor and any(i <= floor for i in ids))
        past_window = oldest_at is not None and oldest_at < cutoff
        walk.finished = not next_token or met_stored or past_window
        walk.reached_end = not next_token
        walk.resume_token = None if walk.finished else next_token
        if ids:
            walk.newest = max(walk.newest, *ids)
            walk.oldest = min(walk.oldest or walk.newest, *ids)
        result = _dm_ingest_and_mark(run, page, walk)
        run.page_done(DMS, run.dm_pages, result)
        if walk.finished:
            return walk
        token = next_token


def _dm_slot_update(account: BrandAccount, *, expected: str, **values: Any) -> bool:
    """Write ``dm_backfill_*`` fields if the slot still holds ``expected`` (else leave it alone)."""
    with transaction.atomic():
        locked = BrandAccount.objects.select_for_update().get(pk=account.pk)
        if locked.dm_backfill_token != expected:
            return False
        for name, value in values.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*values, "updated_at"])
    for name, value in values.items():
        setattr(account, name, value)
    return True


def _dm_walk_close(account: BrandAccount, walk: DmWalk, *, reached_cursor: bool) -> None:
    """A walk reached stored events (or X's limit): the cursor moves to the newest event of the
    range now stored without gaps, and the slot is emptied — one transaction, after the pages.

    ``reached_cursor``: the walk itself read down to the cursor, so its newest id is a true cursor
    even if the slot changed hands meanwhile. A resumed walk only covered the range below the
    slot's token: without the slot its newest id proves nothing, and nothing moves.
    """
    with transaction.atomic():
        locked = BrandAccount.objects.select_for_update().get(pk=account.pk)
        newest, fields = walk.newest, []
        if walk.owns_slot and locked.dm_backfill_token == walk.expected:
            newest = max(newest, id_int(locked.dm_backfill_newest_id))
            if locked.dm_backfill_token or locked.dm_backfill_newest_id or locked.dm_backfill_started_at:
                locked.dm_backfill_token = locked.dm_backfill_newest_id = ""
                locked.dm_backfill_started_at = None
                fields += DM_BACKFILL_FIELDS
        elif not reached_cursor:
            return
        if newest > id_int(locked.dm_newest_event_id):
            locked.dm_newest_event_id = str(newest)
            fields.append("dm_newest_event_id")
        if fields:
            locked.save(update_fields=[*fields, "updated_at"])
    for name in ("dm_newest_event_id", *DM_BACKFILL_FIELDS):
        setattr(account, name, getattr(locked, name))


def _dm_head_takes_slot(account: BrandAccount, head: DmWalk, *, pending: str) -> None:
    """The newest pages could not be read down to the pending walk in this run (page cap or 429):
    more arrived since than one run (or one rate-limit window) can read, so walking them again
    from the top next run would never get there. The head walk takes the slot instead, resuming
    below its last page and ending at the cursor; the pending walk's pages are read once more on
    the way (ingest skips them; X bills a re-read once a day). Nothing is lost, and it terminates.
    """
    if not head.resume_token:
        return  # not one page read: the pending walk stays as it was
    newest = str(max(head.newest, id_int(account.dm_backfill_newest_id)))
    if _dm_slot_update(account, expected=pending, dm_backfill_token=head.resume_token, dm_backfill_newest_id=newest):
        logger.info(
            "crm_twitter sync @%s: more new DMs than one run reads; the DM walk now resumes below them",
            account.handle,
        )


def dms_sync(run: SyncRun) -> None:
    """DM events: no since_id, 15 requests per 15 minutes — page back to stored events or 30 days.

    Everything at or below the cursor ``dm_newest_event_id`` is stored. A walk that cannot reach it
    in one run (page cap, 429, 5xx, a killed worker) keeps its place in ``dm_backfill_token``, with
    the newest event it read in ``dm_backfill_newest_id``. The next run first reads the newest pages
    down to that walk's range — new DMs never wait behind a backfill — then resumes the walk; when
    it reaches the cursor (or X's 30-day limit) the cursor jumps to the newest event, so nothing is
    read again. A token X refuses (400) is dropped and the walk restarts from the newest page. If
    more DMs arrived than one run can read down to the pending walk, the newest pages' walk takes
    the slot over (``_dm_head_takes_slot``) rather than starting from the top again every run.
    """
    from crm_twitter.x.errors import XBadRequest, XRateLimited

    account = run.account
    lookback = app_settings.DM_LOOKBACK_DAYS
    if run.backfill_days is not None:
        # A manual re-read back N days: one walk from the newest page that ignores the cursor and
        # leaves a pending walk alone. Its newest event becomes the cursor only if it also read
        # down to the cursor (or to the end of what X keeps): otherwise a gap may lie below it.
        cutoff = run.now - dt.timedelta(days=min(lookback, run.backfill_days))
        walk = _dm_walk(run, DmWalk(owns_slot=False), token=None, floor=0, cutoff=cutoff)
        cursor = id_int(account.dm_newest_event_id)
        covered = walk.reached_end or run.backfill_days >= lookback or (walk.oldest and walk.oldest <= cursor)
        if walk.finished and walk.newest and covered:
            cursor_advance(account=account, stream=DMS, value=str(walk.newest))
        return

    cutoff = run.now - dt.timedelta(days=lookback)
    cursor = id_int(account.dm_newest_event_id)
    pending = account.dm_backfill_token
    if not pending:
        walk = _dm_walk(run, DmWalk(), token=None, floor=cursor, cutoff=cutoff)
        if walk.finished:
            _dm_walk_close(account, walk, reached_cursor=True)
        return

    # (a) The newest pages first, down to the range the pending walk already stored.
    top = max(cursor, id_int(account.dm_backfill_newest_id))
    head = DmWalk(owns_slot=False)
    try:
        _dm_walk(run, head, token=None, floor=top, cutoff=cutoff)
    except XRateLimited:
        _dm_head_takes_slot(account, head, pending=pending)
        raise
    if not head.finished:
        if run.stopped == "max_pages":
            _dm_head_takes_slot(account, head, pending=pending)
        return
    if head.newest > id_int(account.dm_backfill_newest_id):
        # The head and the pending walk's range are one range now.
        _dm_slot_update(account, expected=pending, dm_backfill_newest_id=str(head.newest))

    # (b) The pending walk, from where it stopped, down to the cursor.
    walk = DmWalk(expected=pending)
    try:
        _dm_walk(run, walk, token=pending, floor=cursor, cutoff=cutoff)
    except XBadRequest as exc:
        if exc.code != "invalid_token":
            raise
        message = (
            f"@{account.handle}: X refused the stored DM page token ({exc.detail or exc.code}); "
            "the DM walk restarts from the newest page"
        )
        logger.warning("crm_twitter sync: %s", message)
        run.warnings.append(message)
        # The cursor stays: a walk from the newest page back to it re-reads, never skips, what
        # the refused walk had stored.
        _dm_slot_update(
            account, expected=walk.expected, dm_backfill_token="", dm_backfill_newest_id="", dm_backfill_started_at=None
        )
        walk = _dm_walk(run, DmWalk(), token=None, floor=cursor, cutoff=cutoff)
        if walk.finished:
            _dm_walk_close(account, walk, reached_cursor=True)
        return
    if walk.finished:
        _dm_walk_close(account, walk, reached_cursor=False)
