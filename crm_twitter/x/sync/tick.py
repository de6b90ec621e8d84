"""The scheduler's side: which accounts are due, claiming them, and a tick's poll loop for busy accounts."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from crm_twitter.models import BrandAccount
from crm_twitter.x.sync.run import account_sync
from crm_twitter.x.sync.state import ALL_STREAMS, MENTIONS, SyncResult

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
