"""Ingest of X v2 pages: idempotent, all-or-nothing, byte-for-byte, and a fixed number of queries."""

from __future__ import annotations

import pytest

from crm_twitter.models import Case, Customer, Media, Tweet, XUser
from crm_twitter.x.ingest import IngestRejected, tweets_ingest
from tests.x_sync.conftest import BRAND_X_ID, page, tweet_json, user_json

pytestmark = pytest.mark.django_db


def test_new_complaints_become_tweets_in_new_cases_with_new_customers(brand):
    users = [user_json("501", "ann"), user_json("502", "bo")]
    tweets = [
        tweet_json("501", "@brandhelp my parcel never arrived", mentions=[(BRAND_X_ID, "brandhelp")]),
        tweet_json("502", "@brandhelp wrong item!", mentions=[(BRAND_X_ID, "brandhelp")]),
    ]

    result = tweets_ingest(account=brand, page=page(tweets, users))

    assert result.new_tweets == 2
    assert len(result.cases_opened) == 2
    assert Customer.objects.count() == 2
    ann = XUser.objects.get(x_id="501")
    assert ann.customer is not None
    case = Case.objects.get(customer_x_user=ann)
    assert case.customer == ann.customer
    assert list(case.tweets.values_list("text", flat=True)) == ["@brandhelp my parcel never arrived"]


def test_the_same_page_twice_stores_each_message_once(brand):
    p = page([tweet_json("501", "@brandhelp hello")], [user_json("501", "ann")])
    tweets_ingest(account=brand, page=p)
    again = tweets_ingest(account=brand, page=p)
    assert again.new_tweets == 0
    assert again.cases_opened == ()
    assert Tweet.objects.count() == 1
    assert Case.objects.count() == 1


def test_emoji_cjk_and_rtl_text_survive_byte_for_byte(brand):
    text = "@brandhelp 包裹没有到 😡🇨🇳 — المَلَف  \u200d👩‍👩‍👧 e\u0301"
    tweets_ingest(account=brand, page=page([tweet_json("501", text, lang="zh")], [user_json("501", "李雷")]))
    stored = Tweet.objects.get()
    assert stored.text == text
    assert stored.text.encode("utf-8") == text.encode("utf-8")
    assert XUser.objects.get(x_id="501").handle == "李雷"


def test_unknown_fields_are_kept_in_raw(brand):
    tweet = tweet_json("501", "@brandhelp hi", note_tweet={"text": "long"}, future_field=[1, 2])
    user = user_json("501", "ann", subscription_type="Premium")
    tweets_ingest(account=brand, page=page([tweet], [user]))
    assert Tweet.objects.get().raw["future_field"] == [1, 2]
    assert XUser.objects.get(x_id="501").raw["subscription_type"] == "Premium"


def test_a_deleted_or_protected_author_missing_from_includes_is_a_placeholder(brand):
    result = tweets_ingest(
        account=brand,
        page=page(
            [tweet_json("777", "@brandhelp still waiting")],
            errors=[{"resource_type": "user", "value": "777", "title": "Not Found Error"}],
        ),
    )
    assert result.new_tweets == 1
    author = XUser.objects.get(x_id="777")
    assert author.is_unavailable
    assert Tweet.objects.get().author == author


def test_a_media_key_without_a_media_object_is_skipped(brand):
    media = [{"media_key": "3_1", "type": "photo", "url": "https://pbs.twimg.com/media/a.jpg", "width": 10}]
    tweet = tweet_json("501", "@brandhelp broken on arrival", media_keys=["3_1", "3_404"])
    result = tweets_ingest(account=brand, page=page([tweet], [user_json("501", "ann")], media=media))
    assert result.media_missing == 1
    assert list(Media.objects.values_list("media_key", flat=True)) == ["3_1"]
    assert Media.objects.get().tweet.x_id == tweet["id"]


@pytest.mark.parametrize(
    "broken",
    [
        {"text": "no id", "author_id": "501", "created_at": "2026-11-01T00:00:00.000Z"},
        {"id": "123", "author_id": "501", "created_at": "2026-11-01T00:00:00.000Z"},
        {"id": "123", "text": "no author", "created_at": "2026-11-01T00:00:00.000Z"},
        {"id": "123", "text": "bad time", "author_id": "501", "created_at": "yesterday"},
    ],
)
def test_a_malformed_page_is_rejected_and_nothing_is_written(brand, broken):
    good = tweet_json("501", "@brandhelp fine")
    with pytest.raises(IngestRejected):
        tweets_ingest(account=brand, page=page([good, broken], [user_json("501", "ann")]))
    assert Tweet.objects.count() == 0
    assert XUser.objects.count() == 0
    assert Case.objects.count() == 0


def test_includes_user_without_username_rejects_the_page(brand):
    with pytest.raises(IngestRejected):
        tweets_ingest(account=brand, page=page([tweet_json("501", "hi")], [{"id": "501"}]))
    assert Tweet.objects.count() == 0


def _page_of(n: int, offset: int):
    users = [user_json(str(10_000 + offset + i), f"user{offset + i}") for i in range(n)]
    tweets = [
        tweet_json(u["id"], f"@brandhelp order 4{offset + i:07d} never came", mentions=[(BRAND_X_ID, "brandhelp")])
        for i, u in enumerate(users)
    ]
    return page(tweets, users)


def test_queries_per_page_do_not_grow_with_the_number_of_messages(brand, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        tweets_ingest(account=brand, page=_page_of(5, 0))
    with CaptureQueriesContext(connection) as large:
        tweets_ingest(account=brand, page=_page_of(100, 1000))
    assert Tweet.objects.count() == 105
    # SQLite splits big INSERTs by its parameter limit; beyond that the count is per page.
    assert len(large.captured_queries) <= len(small.captured_queries) + 15
    assert len(large.captured_queries) <= 45


def test_a_known_tweet_read_again_refreshes_its_public_metrics_only(brand):
    tweet = tweet_json("501", "@brandhelp hello")
    tweets_ingest(account=brand, page=page([tweet], [user_json("501", "ann")]))
    case_id = Tweet.objects.get().case_id
    tweet = {**tweet, "text": "edited elsewhere", "public_metrics": {"like_count": 40, "retweet_count": 2}}
    result = tweets_ingest(account=brand, page=page([tweet], [user_json("501", "ann")]))
    stored = Tweet.objects.get()
    assert result.new_tweets == 0
    assert stored.engagement == 42
    assert stored.text == "@brandhelp hello"
    assert stored.case_id == case_id


def test_a_known_author_reported_suspended_is_flagged_not_erased(brand):
    tweets_ingest(account=brand, page=page([tweet_json("501", "@brandhelp hi")], [user_json("501", "ann")]))
    tweets_ingest(
        account=brand,
        page=page(
            [tweet_json("501", "@brandhelp hello again")],
            errors=[
                {"resource_type": "user", "value": "501", "title": "Forbidden", "detail": "User has been suspended"}
            ],
        ),
    )
    ann = XUser.objects.get(x_id="501")
    assert ann.is_unavailable
    assert ann.handle == "ann"
    assert Tweet.objects.filter(author=ann).count() == 2
