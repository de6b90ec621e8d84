"""Mentions and the brand's own posts: ``since_id`` + pagination; the cursor moves once the gap is closed."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from typing import Any

from crm_twitter.conf import app_settings
from crm_twitter.x.ingest import tweets_ingest
from crm_twitter.x.sync.locks import cursor_advance, ingest_locked
from crm_twitter.x.sync.pacing import sync_alert
from crm_twitter.x.sync.state import CURSOR_FIELDS, MENTIONS, SyncRun

logger = logging.getLogger(__name__)


def oldest_created(page: Any) -> dt.datetime | None:
    times = []
    for item in page.data or []:
        value = item.get("created_at") if isinstance(item, dict) else None
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                times.append(dt.datetime.fromisoformat(value.replace("Z", "+00:00")))
    return min(times) if times else None


def timeline_sync(run: SyncRun, stream: str) -> None:
    """Mentions or own posts: since_id + pagination; the cursor moves once the gap is closed."""
    account = run.account
    since_id = getattr(account, CURSOR_FIELDS[stream]) or None
    cutoff = None
    if run.backfill_days is not None:
        since_id = None  # a backfill re-reads back to the cutoff; ingest skips what is stored
        cutoff = run.now - dt.timedelta(days=run.backfill_days)
    elif since_id is None:
        cutoff = run.now - dt.timedelta(days=app_settings.SYNC_BACKFILL_DAYS)
    fetch = run.gateway.get_mentions if stream == MENTIONS else run.gateway.get_user_posts
    token = None
    newest = None
    page_no = 0
    received = 0
    while True:
        if page_no >= app_settings.MAX_PAGES_PER_SYNC:
            run.stopped = "max_pages"
            run.warnings.append(f"{stream}: stopped after {page_no} pages; the rest follows next run")
            return
        run.calls += 1
        page = fetch(account.x_user_id, since_id=since_id, pagination_token=token, max_results=100)
        page_no += 1
        if newest is None:
            newest = (page.meta or {}).get("newest_id")
        result = ingest_locked(account, page, tweets_ingest)
        received += result.received
        run.page_done(stream, page_no, result)
        token = page.next_token
        if not token:
            break
        oldest = oldest_created(page)
        if cutoff is not None and oldest is not None and oldest < cutoff:
            break
    if stream == MENTIONS and since_id and received >= app_settings.MENTIONS_WINDOW:
        message = (
            f"@{account.handle}: {received} mentions since the last sync reached X's {app_settings.MENTIONS_WINDOW}"
            "-mention window; older ones may be out of reach. Polling more often."
        )
        run.warnings.append(message)
        logger.warning("crm_twitter sync: %s", message)
        sync_alert(account, message)
    if newest:
        cursor_advance(account=account, stream=stream, value=newest)
