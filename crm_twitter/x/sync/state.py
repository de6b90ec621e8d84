"""What one sync run carries and reports: the streams, their endpoints and cursors, the progress
handed to a callback after every page, and the result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from crm_twitter.models import BrandAccount
from crm_twitter.x.ingest import IngestResult

MENTIONS = "mentions"
OWN_POSTS = "own_posts"
DMS = "dms"
ALL_STREAMS = (MENTIONS, OWN_POSTS, DMS)
ENDPOINTS = {
    MENTIONS: "GET /2/users/:id/mentions",
    OWN_POSTS: "GET /2/users/:id/tweets",
    DMS: "GET /2/dm_events",
}
CURSOR_FIELDS = {MENTIONS: "mentions_since_id", OWN_POSTS: "own_posts_since_id", DMS: "dm_newest_event_id"}
# Where an unfinished DM walk resumes (see ``dms_sync``).
DM_BACKFILL_FIELDS = ("dm_backfill_token", "dm_backfill_newest_id", "dm_backfill_started_at")


@dataclass(frozen=True)
class SyncProgress:
    """Handed to the progress callback after every page."""

    account: str
    stream: str
    page: int
    received: int
    new: int
    total_new: int
    calls: int


@dataclass(frozen=True)
class SyncResult:
    account_id: int
    calls: int = 0
    pages: int = 0
    received: int = 0
    new_tweets: int = 0
    new_dms: int = 0
    cases_opened: int = 0
    complete: bool = False
    stopped_reason: str = ""  # "", rate_limited, transient, malformed, auth, budget, inactive, max_pages, error
    next_sync_at: dt.datetime | None = None
    interval_seconds: int | None = None
    warnings: tuple[str, ...] = ()


@dataclass
class SyncRun:
    """The state of one run while it goes: the gateway, the counts so far and why it stopped."""

    account: BrandAccount
    gateway: Any
    now: dt.datetime
    progress: Callable[[SyncProgress], None] | None
    backfill_days: int | None
    hold_until: dt.datetime | None = None
    calls: int = 0
    pages: int = 0
    received: int = 0
    new_tweets: int = 0
    new_dms: int = 0
    new_mentions: int = 0
    cases_opened: int = 0
    stopped: str = ""
    stopped_detail: str = ""
    reset_at: dt.datetime | None = None
    current_stream: str = MENTIONS
    dm_pages: int = 0
    warnings: list[str] = field(default_factory=list)

    def page_done(self, stream: str, page_no: int, result: IngestResult) -> None:
        self.pages += 1
        self.received += result.received
        self.new_tweets += result.new_tweets
        self.new_dms += result.new_dms
        self.cases_opened += len(result.cases_opened)
        if stream == MENTIONS:
            self.new_mentions += result.new_tweets
        if self.progress:
            self.progress(
                SyncProgress(
                    account=self.account.handle,
                    stream=stream,
                    page=page_no,
                    received=result.received,
                    new=result.new_tweets + result.new_dms,
                    total_new=self.new_tweets + self.new_dms,
                    calls=self.calls,
                )
            )


def id_int(value: str | None) -> int:
    """An X id as a number for comparisons (X ids are decimal strings; anything else is 0)."""
    return int(value) if value and str(value).isdigit() else 0
