"""Polling X for an account's new mentions, its own posts and DM events — nothing lost, nothing twice.

The rules that keep the desk complete and the bill small:

* Cursors (``mentions_since_id``, ``own_posts_since_id``, ``dm_newest_event_id``) advance only
  after every page down to the old cursor was ingested and committed. A crash, a 5xx or a 429
  mid-way leaves the cursor where it was, so the next run fetches the gap again; ingest is
  idempotent, so the overlap costs nothing in rows (and X bills a re-read once per day only).
* DM lookup has no since_id: we page back until an event at or below the committed DM cursor
  (i.e. one already stored by a complete run), or X's 30-day window ends. A walk too long for one
  run (a first backfill of a busy account: page cap, 15 requests per 15 minutes) keeps its page
  token on the account and resumes next run, after the newest pages were read (``_sync_dms``).
* A 429 stops the run and records the reset; the account's ``next_sync_at`` is set after it.
  Nothing sleeps or retries in a loop (tweepy's ``wait_on_rate_limit`` is not used).
* One sync per account at a time: a PostgreSQL advisory lock per account around the run, and a
  ``select_for_update`` of the account row around each page's ingest and each cursor move, so
  two workers on two machines neither duplicate nor skip anything.
* The polling interval adapts: short enough that X's 800-mention window is never overrun on a
  busy account (warned about when at risk), longer past ``BUDGET_SLOWDOWN_RATIO`` of the monthly
  budget (never longer than the window allows), and no polling at all once the budget is spent.
  An interval shorter than the scheduler's one-minute tick is honoured by the tick's task, which
  polls mentions again within its minute (``account_sync_tick``).

The package, by concept: ``state`` (streams, cursors, progress and result), ``locks`` (one sync
per account, forward-only cursors), ``timeline`` (mentions and own posts), ``dm_walk`` (DM
events), ``pacing`` (quotas, interval, alerts), ``run`` (``account_sync``), ``tick`` (the
scheduler's side) and ``profiles``. The names tasks, commands and tests use are re-exported here.
"""

from __future__ import annotations

from crm_twitter.x.sync.locks import account_sync_lock, cursor_advance
from crm_twitter.x.sync.pacing import endpoint_blocked_until, sync_interval_compute
from crm_twitter.x.sync.profiles import profiles_refresh
from crm_twitter.x.sync.run import account_sync
from crm_twitter.x.sync.state import ALL_STREAMS, DMS, MENTIONS, OWN_POSTS, SyncProgress, SyncResult
from crm_twitter.x.sync.tick import (
    TICK_END,
    TICK_INTERVAL,
    TICK_SINGLE,
    SyncTickResult,
    account_sync_tick,
    sync_due_accounts,
    sync_tick_seconds,
)

__all__ = [
    "ALL_STREAMS",
    "DMS",
    "MENTIONS",
    "OWN_POSTS",
    "TICK_END",
    "TICK_INTERVAL",
    "TICK_SINGLE",
    "SyncProgress",
    "SyncResult",
    "SyncTickResult",
    "account_sync",
    "account_sync_lock",
    "account_sync_tick",
    "cursor_advance",
    "endpoint_blocked_until",
    "profiles_refresh",
    "sync_due_accounts",
    "sync_interval_compute",
    "sync_tick_seconds",
]
