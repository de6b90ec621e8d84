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
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from crm_twitter.conf import app_settings
from crm_twitter.models import BrandAccount, Notification
from crm_twitter.roles import Ability, users_with
from crm_twitter.services.notifications import MESSAGE_MAX, NotificationSpec, notifications_send_many
from crm_twitter.x import costs
from crm_twitter.x.ingest import IngestRejected, IngestResult, dm_events_ingest, tweets_ingest

logger = logging.getLogger(__name__)

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
# Where an unfinished DM walk resumes (see ``_sync_dms``).
DM_BACKFILL_FIELDS = ("dm_backfill_token", "dm_backfill_newest_id", "dm_backfill_started_at")
# Namespace of our PostgreSQL advisory locks (first key); the account id is the second.
LOCK_NAMESPACE = zlib.crc32(b"crm_twitter.sync") & 0x7FFFFFFF
# Poll at least twice within the time a busy account takes to produce MENTIONS_WINDOW mentions.
WINDOW_SAFETY = 0.5
BUDGET_SLOWDOWN_FACTOR = 4


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
class _Run:
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


# --- locks and cursors -------------------------------------------------------------------------------


@contextlib.contextmanager
def account_sync_lock(account_id: int) -> Iterator[None]:
    """Hold the account's sync lock for a whole run (PostgreSQL advisory lock; waits for a running sync).

    On SQLite (one machine) page writes are serialised by the database itself, and cursors only
    move forward, so concurrent runs stay correct without it.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_NAMESPACE, account_id])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, account_id])


def _ingest_locked(account: BrandAccount, page: Any, ingest: Callable[..., IngestResult]) -> IngestResult:
    """Ingest one page while holding the account row lock, so existence checks and inserts of two
    workers never interleave."""
    with transaction.atomic():
        locked = BrandAccount.objects.select_for_update().get(pk=account.pk)
        return ingest(account=locked, page=page)


def _id_int(value: str | None) -> int:
    return int(value) if value and str(value).isdigit() else 0


def cursor_advance(*, account: BrandAccount, stream: str, value: str) -> bool:
    """Move a stream's cursor forward to ``value`` — only forward, and only after its rows committed."""
    name = CURSOR_FIELDS[stream]
    with transaction.atomic():
        locked = BrandAccount.objects.select_for_update().get(pk=account.pk)
        if _id_int(value) <= _id_int(getattr(locked, name)):
            setattr(account, name, getattr(locked, name))
            return False
        setattr(locked, name, value)
        locked.save(update_fields=[name, "updated_at"])
    setattr(account, name, value)
    return True


# --- rate limits ---------------------------------------------------------------------------------------


def endpoint_blocked_until(account: BrandAccount, endpoint: str, now: dt.datetime) -> dt.datetime | None:
    """When the endpoint's quota is spent and its reset is still ahead, that reset time."""
    state = (account.rate_limits or {}).get(endpoint) or {}
    if state.get("remaining") != 0 or not state.get("reset"):
        return None
    try:
        reset = dt.datetime.fromisoformat(str(state["reset"]).replace("Z", "+00:00"))
    except ValueError:
        return None
    return reset if reset > now else None


# --- streams -------------------------------------------------------------------------------------------


def _oldest_created(page: Any) -> dt.datetime | None:
    times = []
    for item in page.data or []:
        value = item.get("created_at") if isinstance(item, dict) else None
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                times.append(dt.datetime.fromisoformat(value.replace("Z", "+00:00")))
    return min(times) if times else None


def _sync_timeline(run: _Run, stream: str) -> None:
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
        result = _ingest_locked(account, page, tweets_ingest)
        received += result.received
        run.page_done(stream, page_no, result)
        token = page.next_token
        if not token:
            break
        oldest = _oldest_created(page)
        if cutoff is not None and oldest is not None and oldest < cutoff:
            break
    if stream == MENTIONS and since_id and received >= app_settings.MENTIONS_WINDOW:
        message = (
            f"@{account.handle}: {received} mentions since the last sync reached X's {app_settings.MENTIONS_WINDOW}"
            "-mention window; older ones may be out of reach. Polling more often."
        )
        run.warnings.append(message)
        logger.warning("crm_twitter sync: %s", message)
        _alert(account, message)
    if newest:
        cursor_advance(account=account, stream=stream, value=newest)


@dataclass
class _DmWalk:
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


def _dm_ingest_and_mark(run: _Run, page: Any, walk: _DmWalk) -> IngestResult:
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
            locked.dm_backfill_newest_id = str(max(walk.newest, _id_int(locked.dm_backfill_newest_id)))
            locked.dm_backfill_started_at = locked.dm_backfill_started_at or run.now
            locked.save(update_fields=[*DM_BACKFILL_FIELDS, "updated_at"])
            walk.expected = token
            for name in DM_BACKFILL_FIELDS:
                setattr(account, name, getattr(locked, name))
        elif token and walk.owns_slot:
            walk.owns_slot = False
            logger.warning("crm_twitter sync @%s: another sync took over the DM walk", account.handle)
    return result


def _dm_walk(run: _Run, walk: _DmWalk, *, token: str | None, floor: int, cutoff: dt.datetime) -> _DmWalk:
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
        ids = [_id_int(e.get("id")) for e in page.data or [] if isinstance(e, dict)]
        next_token = page.next_token
        oldest_at = _oldest_created(page)
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


def _dm_walk_close(account: BrandAccount, walk: _DmWalk, *, reached_cursor: bool) -> None:
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
            newest = max(newest, _id_int(locked.dm_backfill_newest_id))
            if locked.dm_backfill_token or locked.dm_backfill_newest_id or locked.dm_backfill_started_at:
                locked.dm_backfill_token = locked.dm_backfill_newest_id = ""
                locked.dm_backfill_started_at = None
                fields += DM_BACKFILL_FIELDS
        elif not reached_cursor:
            return
        if newest > _id_int(locked.dm_newest_event_id):
            locked.dm_newest_event_id = str(newest)
            fields.append("dm_newest_event_id")
        if fields:
            locked.save(update_fields=[*fields, "updated_at"])
    for name in ("dm_newest_event_id", *DM_BACKFILL_FIELDS):
        setattr(account, name, getattr(locked, name))


def _dm_head_takes_slot(account: BrandAccount, head: _DmWalk, *, pending: str) -> None:
    """The newest pages could not be read down to the pending walk in this run (page cap or 429):
    more arrived since than one run (or one rate-limit window) can read, so walking them again
    from the top next run would never get there. The head walk takes the slot instead, resuming
    below its last page and ending at the cursor; the pending walk's pages are read once more on
    the way (ingest skips them; X bills a re-read once a day). Nothing is lost, and it terminates.
    """
    if not head.resume_token:
        return  # not one page read: the pending walk stays as it was
    newest = str(max(head.newest, _id_int(account.dm_backfill_newest_id)))
    if _dm_slot_update(account, expected=pending, dm_backfill_token=head.resume_token, dm_backfill_newest_id=newest):
        logger.info(
            "crm_twitter sync @%s: more new DMs than one run reads; the DM walk now resumes below them",
            account.handle,
        )


def _sync_dms(run: _Run) -> None:
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
        walk = _dm_walk(run, _DmWalk(owns_slot=False), token=None, floor=0, cutoff=cutoff)
        cursor = _id_int(account.dm_newest_event_id)
        covered = walk.reached_end or run.backfill_days >= lookback or (walk.oldest and walk.oldest <= cursor)
        if walk.finished and walk.newest and covered:
            cursor_advance(account=account, stream=DMS, value=str(walk.newest))
        return

    cutoff = run.now - dt.timedelta(days=lookback)
    cursor = _id_int(account.dm_newest_event_id)
    pending = account.dm_backfill_token
    if not pending:
        walk = _dm_walk(run, _DmWalk(), token=None, floor=cursor, cutoff=cutoff)
        if walk.finished:
            _dm_walk_close(account, walk, reached_cursor=True)
        return

    # (a) The newest pages first, down to the range the pending walk already stored.
    top = max(cursor, _id_int(account.dm_backfill_newest_id))
    head = _DmWalk(owns_slot=False)
    try:
        _dm_walk(run, head, token=None, floor=top, cutoff=cutoff)
    except XRateLimited:
        _dm_head_takes_slot(account, head, pending=pending)
        raise
    if not head.finished:
        if run.stopped == "max_pages":
            _dm_head_takes_slot(account, head, pending=pending)
        return
    if head.newest > _id_int(account.dm_backfill_newest_id):
        # The head and the pending walk's range are one range now.
        _dm_slot_update(account, expected=pending, dm_backfill_newest_id=str(head.newest))

    # (b) The pending walk, from where it stopped, down to the cursor.
    walk = _DmWalk(expected=pending)
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
        walk = _dm_walk(run, _DmWalk(), token=None, floor=cursor, cutoff=cutoff)
        if walk.finished:
            _dm_walk_close(account, walk, reached_cursor=True)
        return
    if walk.finished:
        _dm_walk_close(account, walk, reached_cursor=False)


# --- interval, budget and alerts -----------------------------------------------------------------------


def _alert(account: BrandAccount, message: str) -> None:
    """Tell the people who can act (supervisors, managers, superusers: ``Ability.SYNC_ALERTS``),
    in the app and by e-mail like every notification — once per message per day."""
    since = timezone.now() - dt.timedelta(days=1)
    already = set(
        Notification.objects.filter(
            kind=Notification.Kind.SYNC_ALERT, message=message[:MESSAGE_MAX], created_at__gte=since
        ).values_list("user_id", flat=True)
    )
    notifications_send_many(
        specs=[
            NotificationSpec(user_id=user_id, case_id=None, kind=Notification.Kind.SYNC_ALERT, message=message)
            for user_id in users_with(Ability.SYNC_ALERTS).values_list("pk", flat=True)
            if user_id not in already
        ]
    )


def sync_interval_compute(
    *, account: BrandAccount, new_mentions: int, now: dt.datetime, budget_state: str = costs.BUDGET_OK
) -> tuple[int, str]:
    """The next polling interval (seconds) and a warning when X's mention window is at risk.

    The mention rate seen since the last sync predicts how long the 800-mention window lasts; we
    poll at least twice in that time. Past the budget slowdown ratio the interval grows, but never
    beyond what the window allows — slowing down must not lose mentions we could still reach.
    """
    base = int(app_settings.SYNC_INTERVAL_SECONDS)
    low, high = int(app_settings.SYNC_MIN_INTERVAL_SECONDS), int(app_settings.SYNC_MAX_INTERVAL_SECONDS)
    window = int(app_settings.MENTIONS_WINDOW)
    warning = ""
    safe = float(high)
    if account.last_synced_at and new_mentions:
        elapsed = max(1.0, (now - account.last_synced_at).total_seconds())
        rate = new_mentions / elapsed
        safe = window / rate * WINDOW_SAFETY
        if safe < low or new_mentions >= window * WINDOW_SAFETY:
            warning = (
                f"@{account.handle}: {new_mentions} mentions in {int(elapsed)} s — X's {window}-mention window "
                f"fills in about {int(window / rate)} s; mentions are polled every {low} s "
                "(SYNC_MIN_INTERVAL_SECONDS, several polls per scheduler tick) and may not keep up."
            )
    interval = min(base, safe)
    if budget_state == costs.BUDGET_SLOWED:
        interval = min(base * BUDGET_SLOWDOWN_FACTOR, safe)
    return max(low, min(high, int(interval))), warning


def _finish(
    run: _Run, *, health: str, message: str, next_at: dt.datetime | None = None, interval: int | None = None
) -> SyncResult:
    account = run.account
    with transaction.atomic():
        locked = BrandAccount.objects.select_for_update().get(pk=account.pk)
        locked.sync_health = health
        locked.sync_message = message[:2000]
        locked.last_synced_at = run.now if run.calls else locked.last_synced_at
        if interval is not None:
            locked.sync_interval_seconds = interval
        # While a tick's poll loop runs, the row keeps the tick's claim so no other tick enqueues it.
        locked.next_sync_at = max(next_at, run.hold_until) if next_at and run.hold_until else next_at
        locked.save(
            update_fields=[
                "sync_health",
                "sync_message",
                "last_synced_at",
                "sync_interval_seconds",
                "next_sync_at",
                "updated_at",
            ]
        )
    return SyncResult(
        account_id=account.pk,
        calls=run.calls,
        pages=run.pages,
        received=run.received,
        new_tweets=run.new_tweets,
        new_dms=run.new_dms,
        cases_opened=run.cases_opened,
        complete=not run.stopped,
        stopped_reason=run.stopped,
        next_sync_at=next_at,
        interval_seconds=interval,
        warnings=tuple(run.warnings),
    )


# --- the run -------------------------------------------------------------------------------------------


def account_sync(
    *,
    account_id: int,
    backfill_days: int | None = None,
    progress: Callable[[SyncProgress], None] | None = None,
    streams: Sequence[str] = ALL_STREAMS,
    gateway: Any = None,
    hold_until: dt.datetime | None = None,
) -> SyncResult:
    """Pull an account's new mentions, own posts and DM events into cases, within quota and budget.

    ``result.next_sync_at`` is when the account should be polled next; with ``hold_until`` (a poll
    loop's claim, see ``account_sync_tick``) the row keeps at least that time meanwhile.
    """
    from crm_twitter.x.errors import XAuthError, XError, XMalformedResponse, XRateLimited, XTransientError

    account = BrandAccount.objects.get(pk=account_id)
    now = timezone.now()
    if not account.is_active:
        return SyncResult(account_id=account_id, stopped_reason="inactive")

    with account_sync_lock(account_id):
        account.refresh_from_db()
        now = timezone.now()
        run = _Run(
            account=account,
            gateway=None,
            now=now,
            progress=progress,
            backfill_days=backfill_days,
            hold_until=hold_until,
        )
        budget = costs.account_budget_state(account=account, now=now)
        if budget.state == costs.BUDGET_STOPPED:
            run.stopped = "budget"
            message = (
                f"@{account.handle}: monthly X budget reached (${budget.spent} of ${budget.budget}); "
                "sync stopped until the budget is raised or the month ends."
            )
            if account.sync_health != BrandAccount.SyncHealth.STOPPED:
                logger.warning("crm_twitter sync: %s", message)
                _alert(account, message)
            return _finish(
                run,
                health=BrandAccount.SyncHealth.STOPPED,
                message=message,
                next_at=now + dt.timedelta(seconds=int(app_settings.SYNC_MAX_INTERVAL_SECONDS)),
            )

        cap = int(app_settings.MONTHLY_POST_READ_CAP or 0)
        if cap and costs.post_reads_this_month(now=now) >= cap:
            run.stopped = "post_read_cap"
            message = f"X's monthly post-read cap ({cap}) is reached; sync paused until next month."
            if account.sync_health != BrandAccount.SyncHealth.STOPPED:
                _alert(account, message)
            return _finish(
                run,
                health=BrandAccount.SyncHealth.STOPPED,
                message=message,
                next_at=now + dt.timedelta(seconds=int(app_settings.SYNC_MAX_INTERVAL_SECONDS)),
            )

        if gateway is None:
            from crm_twitter.x.gateway import XGateway

            gateway = XGateway.for_account(account)
        run.gateway = gateway
        health, message = BrandAccount.SyncHealth.OK, ""
        try:
            for stream in streams:
                run.current_stream = stream
                blocked = endpoint_blocked_until(account, ENDPOINTS[stream], now)
                if blocked:
                    # DM lookup allows 15 requests per 15 minutes: skip, never wait.
                    run.reset_at = max(run.reset_at or blocked, blocked)
                    if stream != DMS:
                        run.stopped = "rate_limited"
                        break
                    continue
                try:
                    if stream == DMS:
                        _sync_dms(run)
                    else:
                        _sync_timeline(run, stream)
                except XRateLimited as exc:
                    # The endpoint's quota is spent until the reset: the next run does not even ask.
                    account.refresh_from_db(fields=["rate_limits"])
                    endpoint = ENDPOINTS[stream]
                    previous = (account.rate_limits or {}).get(endpoint) or {}
                    costs.account_rate_limit_store(
                        account=account,
                        endpoint=endpoint,
                        limit=previous.get("limit"),
                        remaining=0,
                        reset_at=exc.reset_at,
                    )
                    if stream == DMS:
                        # DM lookup's 15 requests / 15 min must not hold back mentions polling.
                        run.warnings.append(f"DM events rate limited until {exc.reset_at:%H:%M:%S} UTC")
                        continue
                    run.stopped, run.reset_at = "rate_limited", exc.reset_at
                if run.stopped:
                    break
        except XTransientError as exc:
            run.stopped, run.stopped_detail = "transient", str(exc)
        except (XMalformedResponse, IngestRejected) as exc:
            run.stopped, run.stopped_detail = "malformed", str(exc)
        except XAuthError as exc:
            run.stopped, run.stopped_detail = "auth", str(exc)
        except XError as exc:
            run.stopped, run.stopped_detail = "error", str(exc)

    account.refresh_from_db()
    interval, warning = sync_interval_compute(
        account=account, new_mentions=run.new_mentions, now=now, budget_state=budget.state
    )
    if warning:
        run.warnings.append(warning)
        logger.warning("crm_twitter sync: %s", warning)
    next_at = timezone.now() + dt.timedelta(seconds=interval)
    if run.stopped == "rate_limited":
        health = BrandAccount.SyncHealth.RATE_LIMITED
        message = f"Rate limited by X until {run.reset_at:%Y-%m-%d %H:%M:%S} UTC."
        next_at = max(next_at, run.reset_at) if run.reset_at else next_at
    elif run.stopped == "auth":
        health, message = BrandAccount.SyncHealth.AUTH_FAILED, f"X refused the credentials: {run.stopped_detail}"
        next_at = timezone.now() + dt.timedelta(seconds=int(app_settings.SYNC_MAX_INTERVAL_SECONDS))
    elif run.stopped in {"transient", "malformed", "error"}:
        health, message = BrandAccount.SyncHealth.ERROR, f"Sync stopped ({run.stopped}): {run.stopped_detail}"
        logger.error("crm_twitter sync @%s: %s", account.handle, message)
    elif budget.state == costs.BUDGET_SLOWED:
        health = BrandAccount.SyncHealth.SLOWED
        message = f"Past {int(app_settings.BUDGET_SLOWDOWN_RATIO * 100)}% of the monthly budget: polling slowed."
    if run.stopped == "max_pages":
        next_at = timezone.now() + dt.timedelta(seconds=int(app_settings.SYNC_MIN_INTERVAL_SECONDS))
    if warning and not message:
        message = warning
    return _finish(run, health=health, message=message, next_at=next_at, interval=interval)


# django-q2 runs schedules at most once a minute; a claim outlives its tick by this much, so a task
# that starts late or whose last poll runs past the tick is not enqueued a second time meanwhile.
SYNC_CLAIM_GRACE_SECONDS = 60
# Why a tick's poll loop ran no further poll (besides a poll's own ``stopped_reason``).
TICK_INTERVAL = "interval"  # the account's interval is the tick or longer: the schedule polls it
TICK_END = "tick_end"  # the next poll would fall into the next tick
TICK_SINGLE = "single"  # no tick deadline given (a manual "sync now"): one poll
# A poll that stopped for one of these does not end the loop: the next poll continues its work.
_LOOP_ON = frozenset({"", "max_pages"})


def sync_tick_seconds() -> int:
    """How often the ``crm_twitter:sync-due-accounts`` schedule runs (whole minutes in django-q2)."""
    from crm_twitter.schedules import schedule_specs

    for spec in schedule_specs():
        if spec.func == "crm_twitter.tasks.sync.sync_due_accounts":
            return int(spec.minutes) * 60
    return 60


@dataclass(frozen=True)
class SyncTickResult:
    """The polls one scheduler tick ran for an account, and why it ran no more."""

    account_id: int
    polls: tuple[SyncResult, ...]
    ended: str  # TICK_INTERVAL, TICK_END, TICK_SINGLE, or the last poll's stopped_reason

    @property
    def calls(self) -> int:
        return sum(p.calls for p in self.polls)

    @property
    def new_tweets(self) -> int:
        return sum(p.new_tweets for p in self.polls)

    @property
    def new_dms(self) -> int:
        return sum(p.new_dms for p in self.polls)


def account_sync_tick(
    *,
    account_id: int,
    until: dt.datetime | None = None,
    clock: Callable[[], dt.datetime] = timezone.now,
    sleep: Callable[[float], None] = time.sleep,
) -> SyncTickResult:
    """One scheduler tick of an account's polling: a full sync, then — while the account's interval
    is shorter than the tick — further mentions polls spaced by that interval until ``until``.

    Why: django-q2 schedules tick once a minute at best, but a busy account may need a poll every
    15 s so X's 800-mention window is never overrun. Only mentions are polled again: that window is
    what is at risk, DM lookup allows just one call a minute (15 per 15 minutes) and the brand's
    own posts are not urgent. The loop sleeps between polls (no busy loop, nothing like tweepy's
    ``wait_on_rate_limit``) and ends at the tick's end, when the interval grows back to the tick or
    longer, or when a poll stops on anything but the page cap (429, budget, auth, error…).
    While it runs, the account row keeps the tick's claim (``until`` plus a grace) as its
    ``next_sync_at``, so the next tick cannot enqueue it again; at the end the row gets the time
    its last poll asked for. Each poll takes the account's sync lock as any sync does.
    Without ``until`` (a manual "sync now") there is no tick to fill: one poll.
    """
    if until is None:
        return SyncTickResult(account_id=account_id, polls=(account_sync(account_id=account_id),), ended=TICK_SINGLE)
    tick = sync_tick_seconds()
    hold = until + dt.timedelta(seconds=SYNC_CLAIM_GRACE_SECONDS)
    polls: list[SyncResult] = []
    streams: Sequence[str] = ALL_STREAMS
    while True:
        result = account_sync(account_id=account_id, streams=streams, hold_until=hold)
        polls.append(result)
        if result.stopped_reason not in _LOOP_ON:
            ended = result.stopped_reason
            break
        if result.interval_seconds is None or result.interval_seconds >= tick:
            ended = TICK_INTERVAL
            break
        now = clock()
        next_start = max(now, result.next_sync_at or now)
        if next_start >= until:
            ended = TICK_END
            break
        sleep((next_start - now).total_seconds())
        streams = (MENTIONS,)
    if result.next_sync_at is not None:
        # Give up the claim: the account is due again when its last poll said.
        BrandAccount.objects.filter(pk=account_id).update(next_sync_at=result.next_sync_at)
    return SyncTickResult(account_id=account_id, polls=tuple(polls), ended=ended)


def sync_due_accounts(*, now: dt.datetime | None = None, enqueue: bool = True) -> list[int]:
    """Accounts whose next sync is due; each is claimed and enqueued as its own task (or synced inline).

    The claim moves ``next_sync_at`` past this tick (plus a grace) with a conditional UPDATE per
    account, so two schedulers ticking at once (two clusters) never enqueue the same account twice,
    and a task still queued or looping is not enqueued again next tick. The task gets the tick's
    end (``until``) to fill with further polls when the account is busy (``account_sync_tick``);
    the run itself then sets the real ``next_sync_at`` (and a lost task is retried once the claim
    expires).
    """
    now = now or timezone.now()
    due_now = Q(next_sync_at__isnull=True) | Q(next_sync_at__lte=now)
    due = list(
        BrandAccount.objects.filter(is_active=True)
        .filter(due_now)
        .order_by("next_sync_at", "pk")
        .values_list("pk", flat=True)
    )
    if not enqueue:
        for account_id in due:
            account_sync(account_id=account_id)
        return due
    from django_q.tasks import async_task

    until = now + dt.timedelta(seconds=sync_tick_seconds())
    claim = until + dt.timedelta(seconds=SYNC_CLAIM_GRACE_SECONDS)
    claimed = []
    for account_id in due:
        if not BrandAccount.objects.filter(pk=account_id).filter(due_now).update(next_sync_at=claim):
            continue  # another scheduler claimed it a moment ago
        claimed.append(account_id)
        async_task(
            "crm_twitter.tasks.sync.sync_account_task",
            account_id,
            until.isoformat(),
            task_name=f"crm_twitter:sync:{account_id}",
            group="crm_twitter:sync",
        )
    return claimed


def profiles_refresh(*, limit: int = 100, now: dt.datetime | None = None) -> int:
    """Refresh the X profiles (followers, name, protected) of customers with open cases.

    Only profiles older than a day are fetched, and never one X already billed us for today.
    """
    from crm_twitter.models import OPEN_STATUSES, Case, XUser
    from crm_twitter.x.errors import XError
    from crm_twitter.x.gateway import XGateway
    from crm_twitter.x.ingest import users_upsert

    now = now or timezone.now()
    stale = now - dt.timedelta(days=1)
    rows = list(
        Case.objects.filter(status__in=OPEN_STATUSES, customer_x_user__isnull=False, brand_account__is_active=True)
        .filter(Q(customer_x_user__profile_fetched_at__isnull=True) | Q(customer_x_user__profile_fetched_at__lt=stale))
        .values_list("brand_account_id", "customer_x_user__x_id")
        .distinct()[: limit * 10]
    )
    by_account: dict[int, list[str]] = {}
    for account_id, x_id in rows:
        ids = by_account.setdefault(account_id, [])
        if x_id not in ids and sum(len(v) for v in by_account.values()) < limit:
            ids.append(x_id)
    refreshed = 0
    for account in BrandAccount.objects.filter(pk__in=by_account):
        ids = by_account[account.pk]
        ids = [
            i for i in ids if i not in costs.resources_billed_today(account=account, kind="user_read", resource_ids=ids)
        ]
        if not ids:
            continue
        try:
            page = XGateway.for_account(account).get_users(ids)
        except XError as exc:
            logger.warning("crm_twitter profile refresh @%s: %s", account.handle, exc)
            continue
        returned = {u.get("id") for u in page.data or []}
        with transaction.atomic():
            users_upsert(users=[u for u in page.data or [] if isinstance(u, dict) and u.get("id")])
            XUser.objects.filter(x_id__in=returned).update(profile_fetched_at=now)
            gone = [i for i in ids if i not in returned]
            if gone:
                XUser.objects.filter(x_id__in=gone).update(is_unavailable=True, profile_fetched_at=now)
        refreshed += len(ids)
    return refreshed
