"""Polling faster than the once-a-minute schedule: one task fills its tick with polls spaced by the
account's interval (no real sleeping: the sleeper moves a frozen clock), and the tick's claim keeps
a second tick from running the same account meanwhile."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from crm_twitter.models import BrandAccount, Tweet
from crm_twitter.x.sync import TICK_END, TICK_INTERVAL, account_sync_tick, sync_due_accounts

pytestmark = pytest.mark.django_db

MENTIONS = "GET /2/users/:id/mentions"
OWN_POSTS = "GET /2/users/:id/tweets"
DM_EVENTS = "GET /2/dm_events"
TICK = dt.timedelta(seconds=60)


@pytest.fixture
def busy(settings):
    """A small mention window, so 30 mentions every 15 s put the account at the 15 s floor."""
    settings.CRM_TWITTER = {**settings.CRM_TWITTER, "MENTIONS_WINDOW": 40}


@pytest.fixture
def clock():
    with time_machine.travel(timezone.now(), tick=True) as traveller:
        yield traveller


class Stream:
    """Customers mentioning the brand: ``burst`` new mentions per call."""

    def __init__(self, sandbox, size: int) -> None:
        self.sandbox = sandbox
        self.people = [sandbox.state.add_user(f"c{i}") for i in range(size)]
        self.sent = 0

    def burst(self, count: int | None = None) -> None:
        for person in self.people[: count or len(self.people)]:
            self.sent += 1
            self.sandbox.state.customer_tweet(person, f"@brandhelp still waiting #{self.sent}")


class Sleeper:
    """Instead of sleeping: move the clock, let customers post, and check the claim is held."""

    def __init__(self, clock, account_id: int, until: dt.datetime, stream: Stream | None = None, on_sleep=None):
        self.clock, self.account_id, self.until = clock, account_id, until
        self.stream, self.on_sleep = stream, on_sleep
        self.slept: list[float] = []

    def __call__(self, seconds: float) -> None:
        # While the loop sleeps, the row holds the tick's claim: the next tick (at ``until``)
        # does not find the account due and cannot enqueue it a second time.
        assert BrandAccount.objects.get(pk=self.account_id).next_sync_at > self.until
        self.slept.append(seconds)
        self.clock.shift(seconds)
        if self.stream:
            self.stream.burst()
        if self.on_sleep:
            self.on_sleep(len(self.slept))


def calls_to(sandbox, endpoint: str) -> int:
    return len(sandbox.state.requests_to(endpoint))


def test_a_busy_account_at_a_15_s_interval_gets_4_polls_per_tick(sandbox, busy, clock):
    brand = sandbox.brand_account("brandhelp", last_synced_at=timezone.now() - dt.timedelta(seconds=15))
    stream = Stream(sandbox, 30)
    stream.burst()
    until = timezone.now() + TICK
    sleeper = Sleeper(clock, brand.pk, until, stream)

    result = account_sync_tick(account_id=brand.pk, until=until, sleep=sleeper)

    assert len(result.polls) == 4
    assert [p.interval_seconds for p in result.polls] == [15, 15, 15, 15]
    assert all(14 <= s <= 15 for s in sleeper.slept)
    assert result.ended == TICK_END
    # Only mentions are polled again: DM lookup allows one call a minute, own posts are not urgent.
    assert calls_to(sandbox, MENTIONS) == 4
    assert (calls_to(sandbox, OWN_POSTS), calls_to(sandbox, DM_EVENTS)) == (1, 1)
    assert Tweet.objects.count() == stream.sent == 30 * 4
    # The claim is given up: the account is due again when its last poll said, i.e. next tick.
    brand.refresh_from_db()
    assert brand.next_sync_at == result.polls[-1].next_sync_at
    assert brand.next_sync_at <= until + dt.timedelta(seconds=15)


def test_a_quiet_account_gets_one_poll_per_tick(sandbox, clock):
    brand = sandbox.brand_account("brandhelp", last_synced_at=timezone.now() - dt.timedelta(seconds=60))
    Stream(sandbox, 2).burst()
    until = timezone.now() + TICK
    sleeper = Sleeper(clock, brand.pk, until)

    result = account_sync_tick(account_id=brand.pk, until=until, sleep=sleeper)

    assert len(result.polls) == 1 and result.ended == TICK_INTERVAL
    assert sleeper.slept == []
    brand.refresh_from_db()
    assert brand.next_sync_at == result.polls[0].next_sync_at
    assert brand.sync_interval_seconds == 60


def test_a_429_ends_the_loop(sandbox, busy, clock):
    brand = sandbox.brand_account("brandhelp", last_synced_at=timezone.now() - dt.timedelta(seconds=15))
    stream = Stream(sandbox, 30)
    stream.burst()
    until = timezone.now() + TICK

    def rate_limit_the_third_poll(sleeps: int) -> None:
        if sleeps == 2:
            sandbox.faults.rate_limit(MENTIONS, reset_in=120)

    sleeper = Sleeper(clock, brand.pk, until, stream, on_sleep=rate_limit_the_third_poll)

    result = account_sync_tick(account_id=brand.pk, until=until, sleep=sleeper)

    assert len(result.polls) == 3
    assert result.ended == "rate_limited"
    assert len(sleeper.slept) == 2
    brand.refresh_from_db()
    assert brand.sync_health == BrandAccount.SyncHealth.RATE_LIMITED
    assert brand.next_sync_at >= timezone.now() + dt.timedelta(seconds=100)  # after the reset, not before


def test_without_a_tick_deadline_the_task_polls_once(sandbox, busy):
    from crm_twitter.tasks.sync import sync_account_task

    brand = sandbox.brand_account("brandhelp", last_synced_at=timezone.now() - dt.timedelta(seconds=15))
    Stream(sandbox, 30).burst()

    summary = sync_account_task(brand.pk)

    assert summary["polls"] == 1 and summary["new_tweets"] == 30 and summary["ended"] == "single"


def test_the_task_fills_the_tick_it_was_enqueued_for(sandbox, monkeypatch):
    from crm_twitter.tasks.sync import sync_account_task

    brand = sandbox.brand_account("brandhelp")
    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, *args, **kw: queued.append((func, args)))
    now = timezone.now()

    assert sync_due_accounts(now=now) == [brand.pk]

    [(func, (account_id, until))] = queued
    assert func == "crm_twitter.tasks.sync.sync_account_task"
    assert dt.datetime.fromisoformat(until) == now + TICK
    summary = sync_account_task(account_id, until)
    assert summary["polls"] == 1 and summary["stopped"] == ""


def test_two_schedulers_ticking_at_once_enqueue_each_account_once(monkeypatch):
    from tests.factories import BrandAccountFactory

    now = timezone.now()
    accounts = [BrandAccountFactory(next_sync_at=None) for _ in range(3)]
    queued: list[int] = []

    def enqueue(func, account_id, until, **kw):
        if not queued:
            # A second scheduler ticks while the first is between its SELECT and its claims.
            queued.append(account_id)
            sync_due_accounts(now=now)
        else:
            queued.append(account_id)

    monkeypatch.setattr("django_q.tasks.async_task", enqueue)

    sync_due_accounts(now=now)

    assert sorted(queued) == sorted(a.pk for a in accounts)
