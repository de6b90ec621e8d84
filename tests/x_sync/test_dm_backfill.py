"""A first DM backfill larger than one run: resumed from a stored page token across runs, against
the HTTP sandbox with real tweepy — nothing lost, nothing doubled, new DMs never wait behind it."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import time_machine
from django.utils import timezone

from crm_twitter.models import BrandAccount, DirectMessage
from crm_twitter.x.errors import XBadRequest
from crm_twitter.x.sync import account_sync

pytestmark = pytest.mark.django_db

DM_EVENTS = "GET /2/dm_events"
# X's DM lookup: 15 requests per 15 minutes per user (the sandbox's default for the endpoint).
RATE_WINDOW = dt.timedelta(minutes=15, seconds=5)


@pytest.fixture
def pages_per_run(settings):
    def set_cap(pages: int) -> None:
        settings.CRM_TWITTER = {**settings.CRM_TWITTER, "MAX_PAGES_PER_SYNC": pages}

    return set_cap


@pytest.fixture
def brand(sandbox):
    return sandbox.brand_account("brandhelp")


def dm_history(sandbox, brand, count: int, *, days: float = 20.0) -> list[str]:
    """``count`` customer DMs spread over the last ``days`` days, oldest first; their ids."""
    people = [sandbox.state.add_user(f"dm{i}") for i in range(25)]
    now = sandbox.state.now()
    step = days * 86400 / count
    return [
        sandbox.state.customer_dm(people[i % 25], brand.x_user_id, f"order {i}", created_at=now - (count - i) * step)[
            "id"
        ]
        for i in range(count)
    ]


def new_dm(sandbox, brand, text: str = "any news?") -> str:
    person = sandbox.state.add_user(f"late{len(sandbox.state.users)}")
    return sandbox.state.customer_dm(person, brand.x_user_id, text)["id"]


def dm_calls(sandbox) -> list[dict]:
    return sandbox.state.requests_to(DM_EVENTS)


def stored_ids() -> list[str]:
    return list(DirectMessage.objects.values_list("x_event_id", flat=True))


def sync_dms(brand):
    return account_sync(account_id=brand.pk, streams=["dms"])


def test_a_backfill_of_20_pages_completes_across_runs_with_new_dms_first_and_minimal_calls(
    sandbox, brand, pages_per_run
):
    pages_per_run(5)
    history = dm_history(sandbox, brand, 2000)
    arrived: list[str] = []

    with time_machine.travel(timezone.now(), tick=True) as clock:
        first = sync_dms(brand)
        assert first.stopped_reason == "max_pages"
        assert len(dm_calls(sandbox)) == 5
        brand.refresh_from_db()
        assert brand.dm_backfill_token and brand.dm_backfill_started_at
        assert brand.dm_newest_event_id == ""  # the cursor waits for the walk to reach its end
        assert DirectMessage.objects.count() == 500

        # New DMs arrive while the backfill is pending: the very next run stores them first.
        arrived.append(new_dm(sandbox, brand))
        second = sync_dms(brand)
        assert arrived[0] in stored_ids()
        assert len(dm_calls(sandbox)) == 10  # 1 page of news + 4 pages of history
        assert second.new_dms == 1 + 400

        third = sync_dms(brand)
        assert third.new_dms == 400
        assert len(dm_calls(sandbox)) == 15  # the 15-per-15-minutes quota is spent

        # Before the reset nothing asks X (no 429, no busy loop): the new DM waits for the quota.
        arrived.append(new_dm(sandbox, brand))
        assert sync_dms(brand).calls == 0
        assert len(dm_calls(sandbox)) == 15

        clock.shift(RATE_WINDOW)
        arrived.append(new_dm(sandbox, brand))
        fourth = sync_dms(brand)
        assert set(arrived) <= set(stored_ids())
        assert fourth.new_dms == 2 + 400
        fifth = sync_dms(brand)
        assert fifth.complete
        assert fifth.new_dms == 300
        # 20 pages of history, plus one page of news per later run: nothing else is read twice.
        assert len(dm_calls(sandbox)) == 20 + 4

        # Done: the next run reads one page, meets stored events and stops.
        again = sync_dms(brand)
        assert again.complete and again.calls == 1 and again.new_dms == 0

    ids = stored_ids()
    assert len(ids) == len(set(ids)) == 2000 + 3
    assert set(ids) == set(history) | set(arrived)
    brand.refresh_from_db()
    assert brand.dm_newest_event_id == max(arrived, key=int)
    assert (brand.dm_backfill_token, brand.dm_backfill_newest_id, brand.dm_backfill_started_at) == ("", "", None)


class _ServerErrorAfter:
    """The real gateway; after ``pages`` DM pages the sandbox answers 503 once."""

    def __init__(self, gateway, sandbox, pages: int) -> None:
        self.gateway, self.sandbox, self.pages = gateway, sandbox, pages

    def __getattr__(self, name):
        return getattr(self.gateway, name)

    def get_dm_events(self, **kwargs):
        page = self.gateway.get_dm_events(**kwargs)
        self.pages -= 1
        if self.pages == 0:
            self.sandbox.faults.server_error(DM_EVENTS, status=503)
        return page


def test_a_5xx_mid_walk_resumes_from_the_stored_token(sandbox, brand):
    from crm_twitter.x.gateway import XGateway

    history = dm_history(sandbox, brand, 700)
    failing = _ServerErrorAfter(XGateway.for_account(brand), sandbox, pages=2)

    first = account_sync(account_id=brand.pk, streams=["dms"], gateway=failing)

    assert first.stopped_reason == "transient"
    assert DirectMessage.objects.count() == 200
    brand.refresh_from_db()
    token = brand.dm_backfill_token
    assert token and brand.dm_newest_event_id == ""

    second = sync_dms(brand)

    assert second.complete
    resumed = [call for call in dm_calls(sandbox)[3:] if call["query"].get("pagination_token")]
    assert resumed[0]["query"]["pagination_token"] == token
    # 2 pages + the 503, then 1 page of news (none) + the 5 pages left of the walk.
    assert len(dm_calls(sandbox)) == 3 + 1 + 5
    ids = stored_ids()
    assert len(ids) == len(set(ids)) and set(ids) == set(history)
    brand.refresh_from_db()
    assert brand.dm_newest_event_id == history[-1] and brand.dm_backfill_token == ""


def test_a_token_x_no_longer_accepts_restarts_the_walk_from_the_newest_page(sandbox, brand, pages_per_run, caplog):
    pages_per_run(3)
    history = dm_history(sandbox, brand, 450)
    sync_dms(brand)
    brand.refresh_from_db()
    stale = brand.dm_backfill_token
    assert stale and DirectMessage.objects.count() == 300
    sandbox.state.expire_pagination_tokens()
    late = new_dm(sandbox, brand)

    with caplog.at_level(logging.WARNING, logger="crm_twitter.x.sync"):
        second = sync_dms(brand)

    assert any("refused the stored DM page token" in w for w in second.warnings)
    assert "restarts from the newest page" in caplog.text
    refused = [c for c in dm_calls(sandbox) if c["query"].get("pagination_token") == stale]
    assert [c["status"] for c in refused] == [400]
    assert late in stored_ids()
    brand.refresh_from_db()
    assert brand.dm_newest_event_id == ""  # the cursor never moved past what is stored
    assert brand.dm_backfill_token and brand.dm_backfill_token != stale  # a fresh walk took the slot

    for _ in range(5):
        if not brand.dm_backfill_token:
            break
        sync_dms(brand)
        brand.refresh_from_db()
    ids = stored_ids()
    assert len(ids) == len(set(ids)) and set(ids) == {*history, late}
    assert brand.dm_newest_event_id == late and brand.dm_backfill_token == ""


def test_a_garbage_token_is_refused_as_x_refuses_it_and_the_walk_restarts_cleanly(sandbox, brand):
    history = dm_history(sandbox, brand, 150)
    with pytest.raises(XBadRequest) as refused:
        sandbox.gateway(brand.x_user_id).get_dm_events(pagination_token="not-a-token")
    assert refused.value.status_code == 400 and refused.value.code == "invalid_token"
    BrandAccount.objects.filter(pk=brand.pk).update(
        dm_backfill_token="not-a-token", dm_backfill_newest_id=history[-1], dm_backfill_started_at=timezone.now()
    )

    result = sync_dms(brand)

    assert result.complete
    ids = stored_ids()
    assert len(ids) == len(set(ids)) and set(ids) == set(history)
    brand.refresh_from_db()
    assert brand.dm_newest_event_id == history[-1]
    assert (brand.dm_backfill_token, brand.dm_backfill_newest_id, brand.dm_backfill_started_at) == ("", "", None)


def test_more_new_dms_than_one_run_reads_take_over_the_walk_instead_of_stalling_it(sandbox, brand, pages_per_run):
    pages_per_run(2)
    sandbox.state.set_rate_limit(DM_EVENTS, 1000)  # this test is about the page cap, not the quota
    history = dm_history(sandbox, brand, 500)
    sync_dms(brand)  # 2 pages of 5: a walk is pending
    burst = [new_dm(sandbox, brand, f"burst {i}") for i in range(350)]  # 4 pages of news

    runs = 0
    brand.refresh_from_db()
    while brand.dm_backfill_token and runs < 12:
        sync_dms(brand)
        brand.refresh_from_db()
        runs += 1

    assert brand.dm_backfill_token == ""
    ids = stored_ids()
    assert len(ids) == len(set(ids)) and set(ids) == {*history, *burst}
    assert brand.dm_newest_event_id == burst[-1]


class WorkerKilled(BaseException):
    """Like a SIGKILL mid-run: nothing in the sync catches it."""


def test_a_crash_after_a_committed_page_resumes_below_it(sandbox, brand, monkeypatch, pages_per_run):
    from crm_twitter.x.sync.state import SyncRun

    pages_per_run(50)
    history = dm_history(sandbox, brand, 300)
    real_page_done = SyncRun.page_done

    def killed_after_two_pages(self, stream, page_no, result):
        real_page_done(self, stream, page_no, result)
        if page_no == 2:
            raise WorkerKilled

    monkeypatch.setattr(SyncRun, "page_done", killed_after_two_pages)
    with pytest.raises(WorkerKilled):
        sync_dms(brand)
    monkeypatch.undo()
    brand.refresh_from_db()
    assert DirectMessage.objects.count() == 200 and brand.dm_backfill_token

    assert sync_dms(brand).complete
    ids = stored_ids()
    assert len(ids) == len(set(ids)) and set(ids) == set(history)
    # 2 pages, then 1 page of news (none) and the last page of the walk.
    assert len(dm_calls(sandbox)) == 2 + 1 + 1


def test_sandbox_page_tokens_stay_valid_while_newer_events_arrive(sandbox, brand):
    dm_history(sandbox, brand, 250)
    gateway = sandbox.gateway(brand.x_user_id)
    first = gateway.get_dm_events(max_results=100)
    expected = gateway.get_dm_events(pagination_token=first.next_token, max_results=100)
    for i in range(30):
        new_dm(sandbox, brand, f"newer {i}")

    later = gateway.get_dm_events(pagination_token=first.next_token, max_results=100)

    assert [e["id"] for e in later.data] == [e["id"] for e in expected.data]
    sandbox.state.expire_pagination_tokens()
    with pytest.raises(XBadRequest):
        gateway.get_dm_events(pagination_token=first.next_token, max_results=100)
