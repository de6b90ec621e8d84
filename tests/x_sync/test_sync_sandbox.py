"""account_sync against the HTTP sandbox with real tweepy: pages, cursors, faults, rate limits, spend."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db.models import Count, Sum
from django.utils import timezone

from crm_twitter.conf import app_settings
from crm_twitter.models import ApiCall, BrandAccount, Case, DirectMessage, Media, Notification, Tweet, XUser
from crm_twitter.x.sync import account_sync
from crm_twitter.x.sync import timeline as sync_timeline
from tests.factories import OrderFactory, UserFactory

pytestmark = pytest.mark.django_db

MENTIONS = "GET /2/users/:id/mentions"
OWN_POSTS = "GET /2/users/:id/tweets"
DM_EVENTS = "GET /2/dm_events"


@pytest.fixture
def brand(sandbox):
    return sandbox.brand_account("brandhelp")


def customers(sandbox, n: int, prefix: str = "cust") -> list[dict]:
    return [sandbox.state.add_user(f"{prefix}{i}", followers=10 + i) for i in range(n)]


def mention_storm(sandbox, people: list[dict], per_person: int = 1) -> list[dict]:
    tweets = []
    for round_no in range(per_person):
        for person in people:
            tweets.append(sandbox.state.customer_tweet(person, f"@brandhelp parcel {round_no} never arrived"))
    return tweets


def calls_to(sandbox, endpoint: str) -> int:
    return len(sandbox.state.requests_to(endpoint))


def test_250_new_mentions_arrive_in_3_calls_and_land_in_the_right_cases(sandbox, brand):
    people = customers(sandbox, 125)
    mention_storm(sandbox, people, per_person=2)

    result = account_sync(account_id=brand.pk, streams=["mentions"])

    assert len(sandbox.state.request_log) == 3
    assert result.complete and result.new_tweets == 250
    assert Tweet.objects.count() == 250
    assert Case.objects.count() == 125
    # Each case holds exactly its customer's two tweets.
    per_case = Case.objects.annotate(n=Count("tweets")).values_list("n", flat=True)
    assert set(per_case) == {2}
    for case in Case.objects.select_related("customer_x_user")[:10]:
        assert set(case.tweets.values_list("author_id", flat=True)) == {case.customer_x_user_id}


def test_an_immediate_rerun_makes_one_call_and_no_new_rows(sandbox, brand):
    mention_storm(sandbox, customers(sandbox, 30))
    account_sync(account_id=brand.pk, streams=["mentions"])
    calls_before = calls_to(sandbox, MENTIONS)

    result = account_sync(account_id=brand.pk, streams=["mentions"])

    assert calls_to(sandbox, MENTIONS) - calls_before == 1
    assert result.new_tweets == 0
    assert Tweet.objects.count() == 30


def test_a_full_sync_reads_mentions_own_posts_and_dms(sandbox, brand):
    mention_storm(sandbox, customers(sandbox, 3))
    result = account_sync(account_id=brand.pk)
    assert result.complete
    assert calls_to(sandbox, MENTIONS) == 1
    assert calls_to(sandbox, OWN_POSTS) == 1
    assert calls_to(sandbox, DM_EVENTS) == 1
    brand.refresh_from_db()
    assert brand.mentions_since_id
    assert brand.sync_health == BrandAccount.SyncHealth.OK
    assert brand.next_sync_at > timezone.now()


def test_spend_for_250_mentions_equals_resources_served_times_prices(sandbox, brand):
    mention_storm(sandbox, customers(sandbox, 125), per_person=2)
    account_sync(account_id=brand.pk, streams=["mentions"])

    expected = sum(
        (Decimal(app_settings.PRICES[kind]) * count for kind, count in sandbox.state.resources_served.items()),
        Decimal("0"),
    )
    recorded = ApiCall.objects.aggregate(total=Sum("cost"))["total"]
    assert expected > 0
    assert recorded == expected
    # Re-reading the same mentions the same day is not billed again.
    brand.refresh_from_db()
    account_sync(account_id=brand.pk, streams=["mentions"], backfill_days=1)
    assert ApiCall.objects.aggregate(total=Sum("cost"))["total"] == expected


def test_a_crash_between_insert_and_cursor_update_duplicates_nothing(sandbox, brand, monkeypatch):
    mention_storm(sandbox, customers(sandbox, 150))

    def crash(**kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(sync_timeline, "cursor_advance", crash)
    with pytest.raises(RuntimeError):
        account_sync(account_id=brand.pk, streams=["mentions"])
    assert Tweet.objects.count() == 150  # rows committed page by page
    brand.refresh_from_db()
    assert brand.mentions_since_id == ""  # …but the cursor did not move

    monkeypatch.undo()
    result = account_sync(account_id=brand.pk, streams=["mentions"])
    assert result.complete and result.new_tweets == 0
    assert Tweet.objects.count() == 150
    assert Case.objects.count() == 150
    brand.refresh_from_db()
    assert brand.mentions_since_id


def test_a_429_stops_the_run_records_the_reset_and_the_next_run_after_it_completes(sandbox, brand):
    mention_storm(sandbox, customers(sandbox, 20))
    sandbox.faults.rate_limit(MENTIONS, reset_in=120)

    result = account_sync(account_id=brand.pk)

    assert result.stopped_reason == "rate_limited"
    assert Tweet.objects.count() == 0
    brand.refresh_from_db()
    assert brand.sync_health == BrandAccount.SyncHealth.RATE_LIMITED
    state = brand.rate_limits[MENTIONS]
    assert state["remaining"] == 0
    reset = dt.datetime.fromisoformat(state["reset"])
    assert reset > timezone.now()
    assert brand.next_sync_at >= reset
    # Before the reset a run does not even call X (no busy loop).
    calls = len(sandbox.state.request_log)
    again = account_sync(account_id=brand.pk)
    assert len(sandbox.state.request_log) == calls
    assert again.stopped_reason == "rate_limited"

    with time_machine.travel(reset + dt.timedelta(seconds=5)):
        done = account_sync(account_id=brand.pk)
    assert done.complete
    assert Tweet.objects.count() == 20


class _FaultAfterFirstPage:
    """Wraps the real gateway: after the first mentions page, the sandbox answers 503 once."""

    def __init__(self, gateway, sandbox):
        self.gateway, self.sandbox, self.pages = gateway, sandbox, 0

    def __getattr__(self, name):
        return getattr(self.gateway, name)

    def get_mentions(self, *args, **kwargs):
        page = self.gateway.get_mentions(*args, **kwargs)
        self.pages += 1
        if self.pages == 1:
            self.sandbox.faults.server_error(MENTIONS, status=503)
        return page


def test_a_5xx_mid_pagination_loses_nothing_on_the_next_run(sandbox, brand):
    from crm_twitter.x.gateway import XGateway

    tweets = mention_storm(sandbox, customers(sandbox, 250))
    gateway = _FaultAfterFirstPage(XGateway.for_account(brand), sandbox)

    first = account_sync(account_id=brand.pk, streams=["mentions"], gateway=gateway)

    assert first.stopped_reason == "transient"
    assert Tweet.objects.count() == 100
    brand.refresh_from_db()
    assert brand.mentions_since_id == ""
    assert brand.sync_health == BrandAccount.SyncHealth.ERROR

    second = account_sync(account_id=brand.pk, streams=["mentions"])
    assert second.complete
    assert set(Tweet.objects.values_list("x_id", flat=True)) == {t["id"] for t in tweets}


def test_a_malformed_response_writes_nothing_and_keeps_the_cursor(sandbox, brand):
    mention_storm(sandbox, customers(sandbox, 5))
    sandbox.faults.malformed(MENTIONS)
    result = account_sync(account_id=brand.pk, streams=["mentions"])
    assert result.stopped_reason == "malformed"
    assert Tweet.objects.count() == 0
    brand.refresh_from_db()
    assert brand.mentions_since_id == ""
    assert account_sync(account_id=brand.pk, streams=["mentions"]).new_tweets == 5


def test_dms_page_until_an_already_stored_event(sandbox, brand):
    people = customers(sandbox, 3)
    for person in people:
        sandbox.state.customer_tweet(person, "@brandhelp help please")
    for i in range(150):
        sandbox.state.customer_dm(people[i % 3], brand.x_user_id, f"details {i}")
    account_sync(account_id=brand.pk)
    assert DirectMessage.objects.count() == 150
    assert calls_to(sandbox, DM_EVENTS) == 2
    # Every DM joined its sender's open case (opened by the public tweet).
    assert Case.objects.count() == 3
    assert not DirectMessage.objects.filter(case__isnull=True).exists()

    sandbox.state.customer_dm(people[0], brand.x_user_id, "any news?")
    account_sync(account_id=brand.pk)
    assert calls_to(sandbox, DM_EVENTS) == 3  # one page reached the stored events
    assert DirectMessage.objects.count() == 151


def test_replies_the_brand_sent_from_x_count_as_responses(sandbox, brand):
    ann = sandbox.state.add_user("ann")
    complaint = sandbox.state.customer_tweet(ann, "@brandhelp broken zipper")
    account_sync(account_id=brand.pk)
    sandbox.state.brand_reply("brandhelp", complaint, "@ann so sorry, please DM us")
    account_sync(account_id=brand.pk)
    case = Case.objects.get()
    reply = Tweet.objects.get(direction="outbound")
    assert reply.case == case
    assert case.first_response_at is not None
    assert case.status == "acknowledged"
    assert Case.objects.count() == 1


def test_suspended_author_and_media_key_without_object_are_handled(sandbox, brand):
    gone = sandbox.state.add_user("gone")
    sandbox.state.customer_tweet(gone, "@brandhelp where is my money")
    sandbox.state.suspend(gone)
    ann = sandbox.state.add_user("ann", protected=True)
    sandbox.state.customer_tweet(ann, "@brandhelp photos of the damage", media=2, missing_media=1)

    result = account_sync(account_id=brand.pk, streams=["mentions"])

    assert result.complete
    assert XUser.objects.get(x_id=gone["id"]).is_unavailable
    assert XUser.objects.get(x_id=ann["id"]).protected
    assert Media.objects.count() == 2
    assert Tweet.objects.count() == 2


def test_emoji_and_cjk_survive_the_round_trip_byte_for_byte(sandbox, brand):
    li = sandbox.state.add_user("lilei", name="李雷 🚚")
    text = "@brandhelp 我的包裹三周还没到 😡📦 注文番号 #40001234 を確認してください"
    sandbox.state.customer_tweet(li, text, lang="zh")
    account_sync(account_id=brand.pk, streams=["mentions"])
    assert Tweet.objects.get().text.encode() == text.encode()
    assert XUser.objects.get(x_id=li["id"]).name == "李雷 🚚"


def test_order_numbers_posted_publicly_or_by_dm_link_the_order(sandbox, brand):
    public_order = OrderFactory(order_number="40001234")
    tracked_order = OrderFactory(order_number="55554444", tracking_number="RR123456789CN")
    ann = sandbox.state.add_user("ann")
    bo = sandbox.state.add_user("bo")
    sandbox.state.customer_tweet(ann, "@brandhelp order #40001234 never arrived!")
    sandbox.state.customer_tweet(bo, "@brandhelp my parcel is stuck")
    sandbox.state.customer_dm(bo, brand.x_user_id, "tracking rr123456789cn")
    account_sync(account_id=brand.pk)
    ann_case = Case.objects.get(customer_x_user__x_id=ann["id"])
    bo_case = Case.objects.get(customer_x_user__x_id=bo["id"])
    assert list(ann_case.orders.all()) == [public_order]
    assert list(bo_case.orders.all()) == [tracked_order]
    assert ann_case.events.filter(kind="order_linked").count() == 1
    assert Tweet.objects.get(author__x_id=ann["id"]).contains_private_data


def test_past_the_budget_sync_stops_and_alerts(sandbox, brand):
    manager = UserFactory(username="boss", roles=["crm_manager"])
    BrandAccount.objects.filter(pk=brand.pk).update(monthly_budget=Decimal("0.01"))
    mention_storm(sandbox, customers(sandbox, 20))
    account_sync(account_id=brand.pk, streams=["mentions"])  # spends $0.02
    calls = len(sandbox.state.request_log)

    result = account_sync(account_id=brand.pk)

    assert result.stopped_reason == "budget"
    assert len(sandbox.state.request_log) == calls
    brand.refresh_from_db()
    assert brand.sync_health == BrandAccount.SyncHealth.STOPPED
    assert Notification.objects.filter(user=manager, kind="sync_alert").count() == 1


def test_past_the_slowdown_ratio_polling_slows_but_never_beyond_the_window(sandbox, brand):
    BrandAccount.objects.filter(pk=brand.pk).update(monthly_budget=Decimal("1.00"))
    ApiCall.objects.create(account=brand, endpoint=MENTIONS, cost=Decimal("0.85"))
    result = account_sync(account_id=brand.pk, streams=["mentions"])
    brand.refresh_from_db()
    assert brand.sync_health == BrandAccount.SyncHealth.SLOWED
    assert result.interval_seconds > app_settings.SYNC_INTERVAL_SECONDS


def test_progress_is_reported_per_page(sandbox, brand):
    mention_storm(sandbox, customers(sandbox, 120))
    seen = []
    account_sync(account_id=brand.pk, streams=["mentions"], progress=seen.append)
    assert [(p.stream, p.page, p.received) for p in seen] == [("mentions", 1, 100), ("mentions", 2, 20)]


def test_a_dm_rate_limit_does_not_hold_back_mentions(sandbox, brand):
    mention_storm(sandbox, customers(sandbox, 5))
    sandbox.faults.rate_limit(DM_EVENTS, reset_in=600)
    result = account_sync(account_id=brand.pk)
    assert Tweet.objects.count() == 5
    assert any("DM events rate limited" in w for w in result.warnings)
    brand.refresh_from_db()
    assert brand.rate_limits[DM_EVENTS]["remaining"] == 0
    assert brand.sync_health == BrandAccount.SyncHealth.OK
    assert brand.next_sync_at < timezone.now() + dt.timedelta(seconds=120)
    # The next run skips DMs until their reset instead of asking again.
    calls = calls_to(sandbox, DM_EVENTS)
    account_sync(account_id=brand.pk)
    assert calls_to(sandbox, DM_EVENTS) == calls


def test_the_monthly_post_read_cap_pauses_sync(sandbox, brand, settings):
    settings.CRM_TWITTER = {**settings.CRM_TWITTER, "MONTHLY_POST_READ_CAP": 10}
    mention_storm(sandbox, customers(sandbox, 12))
    account_sync(account_id=brand.pk, streams=["mentions"])
    calls = len(sandbox.state.request_log)
    result = account_sync(account_id=brand.pk)
    assert result.stopped_reason == "post_read_cap"
    assert len(sandbox.state.request_log) == calls
