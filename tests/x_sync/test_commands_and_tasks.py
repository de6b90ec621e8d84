"""crm_twitter_sync, crm_twitter_schedules, the sync tasks and the adaptive polling interval."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from crm_twitter.models import BrandAccount, Tweet, XUser
from crm_twitter.x.costs import BUDGET_SLOWED
from crm_twitter.x.sync import sync_due_accounts, sync_interval_compute
from tests.factories import BrandAccountFactory, CaseFactory, XUserFactory

pytestmark = pytest.mark.django_db


def test_crm_twitter_sync_prints_a_line_per_page(sandbox):
    brand = sandbox.brand_account("brandhelp")
    for i in range(130):
        sandbox.state.customer_tweet(sandbox.state.add_user(f"c{i}"), "@brandhelp refund please")
    out = StringIO()
    call_command("crm_twitter_sync", "--account", "brandhelp", stdout=out)
    lines = out.getvalue().splitlines()
    assert "@brandhelp mentions page 1: 100 received, 100 new" in lines[0]
    assert "@brandhelp mentions page 2: 30 received, 30 new" in lines[1]
    assert any("complete" in line for line in lines)
    assert Tweet.objects.filter(brand_account=brand).count() == 130


def test_crm_twitter_sync_backfill_rereads_without_duplicates(sandbox):
    sandbox.brand_account("brandhelp")
    sandbox.state.customer_tweet(sandbox.state.add_user("ann"), "@brandhelp hello")
    call_command("crm_twitter_sync", stdout=StringIO())
    out = StringIO()
    call_command("crm_twitter_sync", "--account", "@brandhelp", "--backfill-days", "3", stdout=out)
    assert "1 received, 0 new" in out.getvalue()
    assert Tweet.objects.count() == 1


def test_crm_twitter_schedules_is_idempotent_and_leaves_other_schedules_alone():
    from django_q.models import Schedule

    Schedule.objects.create(name="host:backup", func="host.tasks.backup", schedule_type=Schedule.DAILY)
    Schedule.objects.create(name="crm_twitter:obsolete", func="crm_twitter.tasks.old", schedule_type=Schedule.DAILY)
    call_command("crm_twitter_schedules", stdout=StringIO())
    first = {s.name: (s.func, s.schedule_type, s.minutes, s.cron) for s in Schedule.objects.all()}
    out = StringIO()
    call_command("crm_twitter_schedules", stdout=out)
    second = {s.name: (s.func, s.schedule_type, s.minutes, s.cron) for s in Schedule.objects.all()}
    assert first == second
    assert "create" not in out.getvalue() and "update" not in out.getvalue()
    assert "host:backup" in second
    assert "crm_twitter:obsolete" not in second
    assert second["crm_twitter:sync-due-accounts"][0] == "crm_twitter.tasks.sync.sync_due_accounts"


def test_sync_due_accounts_enqueues_only_accounts_that_are_due(monkeypatch):
    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, *args, **kw: queued.append((func, args)))
    now = timezone.now()
    due = BrandAccountFactory(next_sync_at=now - dt.timedelta(seconds=1))
    never = BrandAccountFactory(next_sync_at=None)
    BrandAccountFactory(next_sync_at=now + dt.timedelta(minutes=5))
    BrandAccountFactory(is_active=False)
    assert set(sync_due_accounts(now=now)) == {due.pk, never.pk}
    assert {args[0] for _, args in queued} == {due.pk, never.pk}
    assert {func for func, _ in queued} == {"crm_twitter.tasks.sync.sync_account_task"}
    # Claimed: the next minute's schedule does not enqueue them again while they are queued.
    assert sync_due_accounts(now=now + dt.timedelta(seconds=60)) == []


def test_sync_account_task_runs_one_sync(sandbox):
    from crm_twitter.tasks.sync import sync_account_task

    brand = sandbox.brand_account("brandhelp")
    sandbox.state.customer_tweet(sandbox.state.add_user("ann"), "@brandhelp hi")
    result = sync_account_task(brand.pk)
    assert result["new_tweets"] == 1 and result["stopped"] == ""


def test_profile_refresh_fetches_day_old_profiles_once(sandbox):
    from crm_twitter.tasks.sync import profile_refresh_task

    brand = sandbox.brand_account("brandhelp")
    ann = sandbox.state.add_user("ann", followers=5000)
    stale = XUserFactory(
        x_id=ann["id"], handle="ann", followers_count=1, profile_fetched_at=timezone.now() - dt.timedelta(days=2)
    )
    CaseFactory(brand_account=brand, customer=stale.customer, customer_x_user=stale)
    assert profile_refresh_task() == 1
    stale.refresh_from_db()
    assert stale.followers_count == 5000
    assert profile_refresh_task() == 0  # fresh now: not fetched (nor paid for) again today
    assert len(sandbox.state.requests_to("GET /2/users")) == 1


def test_a_busy_account_polls_faster_and_warns_when_the_window_is_at_risk():
    account = BrandAccount(handle="busy", last_synced_at=timezone.now() - dt.timedelta(seconds=60))
    quiet, warning = sync_interval_compute(account=account, new_mentions=2, now=timezone.now())
    assert quiet == 60 and not warning
    busy, warning = sync_interval_compute(account=account, new_mentions=600, now=timezone.now())
    assert busy < 60
    assert "800-mention window" in warning


def test_a_slowed_budget_never_polls_slower_than_the_window_allows():
    account = BrandAccount(handle="busy", last_synced_at=timezone.now() - dt.timedelta(seconds=60))
    slowed, _ = sync_interval_compute(account=account, new_mentions=0, now=timezone.now(), budget_state=BUDGET_SLOWED)
    assert slowed == 240
    slowed_busy, _ = sync_interval_compute(
        account=account, new_mentions=200, now=timezone.now(), budget_state=BUDGET_SLOWED
    )
    # 200 mentions a minute fill 800 in 4 minutes: poll at least every 2 minutes despite the budget.
    assert slowed_busy <= 120


def test_nothing_from_another_account_is_touched_by_a_sync(sandbox):
    brand = sandbox.brand_account("brandhelp")
    BrandAccountFactory(handle="other")
    from crm_twitter.x.sync import account_sync

    account_sync(account_id=brand.pk)
    assert BrandAccount.objects.get(handle="other").last_synced_at is None
    assert XUser.objects.count() >= 0
