"""Issue #20, ingest speed: what a page reads once and commits once.

* The media archive's task row is written inside the page's transaction when django-q2's broker
  is this database (one commit for the page and its task; gone with the page if it rolls back);
  with another broker, or a synchronous queue, it is still queued once the page commits.
* A page that opens cases and applies messages reads the SLA policies once.
* The parked messages a page may complete are read by one precomposed statement that finds
  exactly what the ORM querysets (``_parked_tweets`` / ``_parked_dms``) find.

Each holds on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django_q.conf import Conf
from django_q.models import OrmQ

from crm_twitter.models import Direction, Tweet
from crm_twitter.services.media_archive import TASK
from crm_twitter.services.message_routing import (
    MessageItem,
    _parked_dms,
    _parked_items,
    _parked_tweets,
    parked_related,
)
from crm_twitter.x.ingest import tweets_ingest
from tests.factories import CustomerFactory, DirectMessageFactory, TweetFactory, XUserFactory
from tests.x_sync.conftest import BRAND_X_ID, page, tweet_json, user_json

pytestmark = pytest.mark.django_db

MOMENT = dt.datetime(2026, 11, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)


def _photo_page(n: int = 1):
    users = [user_json(str(31_000 + n), f"photo{n}")]
    key = f"3_{41_000 + n}"
    tweet = tweet_json(
        users[0]["id"], "@brandhelp it came broken", mentions=[(BRAND_X_ID, "brandhelp")], media_keys=[key]
    )
    media = [{"media_key": key, "type": "photo", "url": f"https://pbs.twimg.com/media/{key}.jpg"}]
    return page([tweet], users, media)


def _archive_tasks() -> list[OrmQ]:
    return [q for q in OrmQ.objects.all() if q.task["func"] == TASK]


@pytest.fixture
def orm_broker(monkeypatch):
    """The broker as deployed without Redis (project settings): this database, not synchronous."""
    monkeypatch.setattr(Conf, "ORM", "default")
    monkeypatch.setattr(Conf, "SYNC", False)


def test_with_the_orm_broker_the_task_row_is_written_in_the_pages_transaction(
    brand, orm_broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = tweets_ingest(account=brand, page=_photo_page())
    assert result.new_tweets == 1
    tasks = _archive_tasks()
    assert len(tasks) == 1  # there before the commit: the commit writes page and task together
    assert tasks[0].task["args"] == ([f"3_{41_001}"],)
    assert callbacks == []  # nothing left for after the commit (it would be a second commit)


def test_with_the_orm_broker_a_page_rolled_back_leaves_no_task(brand, orm_broker):
    with pytest.raises(RuntimeError), transaction.atomic():
        tweets_ingest(account=brand, page=_photo_page())
        raise RuntimeError("the page fails after its media were stored")
    assert _archive_tasks() == [] and not Tweet.objects.exists()


@pytest.mark.parametrize("broker", ["redis", "sync"])
def test_otherwise_the_task_is_queued_once_the_page_commits(
    brand, broker, monkeypatch, django_capture_on_commit_callbacks
):
    if broker == "redis":  # django-q2 takes the ORM broker only when "orm" is configured
        monkeypatch.setattr(Conf, "ORM", None)
    else:  # a synchronous queue would run the archive before the media rows are committed
        monkeypatch.setattr(Conf, "ORM", "default")
        monkeypatch.setattr(Conf, "SYNC", True)
    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, *args, **kw: queued.append((func, args)))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        tweets_ingest(account=brand, page=_photo_page())
    assert queued == [] and len(callbacks) == 1
    callbacks[0]()
    assert queued == [(TASK, ([f"3_{41_001}"],))]


def test_a_page_that_opens_and_feeds_cases_reads_the_sla_policies_once(brand):
    old = user_json("32001", "returning")
    tweets_ingest(
        account=brand,
        page=page([tweet_json(old["id"], "@brandhelp parcel lost", mentions=[(BRAND_X_ID, "brandhelp")])], [old]),
    )
    new = user_json("32002", "newcomer")
    both = page(
        [
            tweet_json(old["id"], "@brandhelp still nothing??", mentions=[(BRAND_X_ID, "brandhelp")]),
            tweet_json(new["id"], "@brandhelp wrong size sent", mentions=[(BRAND_X_ID, "brandhelp")]),
        ],
        [old, new],
    )
    with CaptureQueriesContext(connection) as ctx:
        result = tweets_ingest(account=brand, page=both)
    assert len(result.cases_opened) == 1 and len(result.cases_joined) == 1  # one opened, one fed
    policies = [q for q in ctx.captured_queries if "crm_twitter_slapolicy" in q["sql"]]
    assert len(policies) == 1


def _parked_world(brand):
    """Parked brand replies and DMs, and rows that look parked but are not (each for a reason)."""
    brand_user = XUserFactory(x_id=BRAND_X_ID, handle="brandhelp")
    customer = CustomerFactory()
    buyer = XUserFactory(customer=customer, name="Ana ✨")
    stranger = XUserFactory(customer=None)
    thread = "1860000000000000001"
    common = {"brand_account": brand, "author": brand_user, "direction": Direction.OUTBOUND, "case": None}
    TweetFactory(**common, x_id="1860000000000000010", in_reply_to_tweet_id=thread, conversation_id=thread)
    TweetFactory(**common, x_id="1860000000000000011", in_reply_to_tweet_id="1860000000000000099", created_at=MOMENT)
    TweetFactory(**common, x_id="1860000000000000012", in_reply_to_tweet_id=thread, sent_via_desk=True)
    TweetFactory(**common, x_id="1860000000000000013", in_reply_to_tweet_id=thread, is_deleted=True)
    TweetFactory(**common, x_id="1860000000000000014", in_reply_to_tweet_id=thread, kind=Tweet.Kind.RETWEET)
    TweetFactory(**common, x_id="1860000000000000015", in_reply_to_tweet_id="", conversation_id=thread)
    dm = {"brand_account": brand, "sender": brand_user, "direction": Direction.OUTBOUND, "case": None}
    DirectMessageFactory(**dm, x_event_id="51", recipient=buyer, dm_conversation_id=f"{buyer.x_id}-{BRAND_X_ID}")
    DirectMessageFactory(**dm, x_event_id="52", recipient=stranger, dm_conversation_id=f"7-{BRAND_X_ID}")
    DirectMessageFactory(**dm, x_event_id="53", recipient=buyer, dm_conversation_id="group", created_at=MOMENT)
    DirectMessageFactory(**dm, x_event_id="54", recipient=buyer, dm_conversation_id="1-2", sent_via_desk=True)
    DirectMessageFactory(**dm, x_event_id="55", recipient=buyer, dm_conversation_id="1-2", event_type="Join")
    items = [
        MessageItem(
            x_id=thread,
            channel="public",
            brand_account_id=brand.pk,
            author_pk=buyer.pk,
            author_x_id=buyer.x_id,
            author_customer_id=customer.pk,
            author_name=buyer.name,
            created_at=MOMENT,
            conversation_id=thread,
        ),
        MessageItem(
            x_id="1860000000000000099",
            channel="public",
            brand_account_id=brand.pk,
            author_pk=stranger.pk,
            author_x_id=stranger.x_id,
            author_customer_id=None,
            author_name="",
            created_at=MOMENT,
            conversation_id="1860000000000000099",
        ),
        MessageItem(
            x_id="61",
            channel="dm",
            brand_account_id=brand.pk,
            author_pk=stranger.pk,
            author_x_id=stranger.x_id,
            author_customer_id=None,
            author_name="",
            created_at=MOMENT,
            conversation_id=f"7-{BRAND_X_ID}",
        ),
    ]
    return items, buyer


def test_parked_messages_of_a_page_are_read_by_one_statement_as_the_orm_reads_them(brand):
    items, buyer = _parked_world(brand)
    public = [i for i in items if i.channel == "public"]
    tweet_ids = {i.x_id for i in public}
    threads = tweet_ids | {i.conversation_id for i in public}
    authors = {i.author_pk for i in items}
    orm = _parked_items(
        _parked_tweets().filter(Q(in_reply_to_tweet_id__in=tweet_ids) | Q(conversation_id__in=threads)),
        _parked_dms().filter(Q(dm_conversation_id__in={f"7-{BRAND_X_ID}"}) | Q(recipient_id__in=authors)),
    )

    with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
        fast = parked_related(items)

    assert len(ctx.captured_queries) == 1
    if connection.vendor == "postgresql":  # locked until the page commits, as the ORM's were
        assert "FOR UPDATE OF t" in ctx.captured_queries[0]["sql"]
        assert "FOR UPDATE OF d" in ctx.captured_queries[0]["sql"]
    assert [i.x_id for i in fast] == ["1860000000000000011", "1860000000000000010", "51", "52"]
    assert fast == orm  # every field, in the same order: tweets first, each by (created_at, id)
    by_id = {i.x_id: i for i in fast}
    assert by_id["51"].recipient_customer_id == buyer.customer_id and by_id["51"].recipient_pk == buyer.pk
    assert by_id["52"].recipient_customer_id is None
    assert by_id["1860000000000000011"].created_at == MOMENT


def test_a_page_without_public_messages_or_people_reads_no_parked_messages():
    with CaptureQueriesContext(connection) as ctx:
        assert parked_related([]) == []
    assert ctx.captured_queries == []
