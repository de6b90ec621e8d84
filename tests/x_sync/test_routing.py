"""How a message finds its case: the DESIGN.md rules, as scenarios of real-shaped X pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from crm_twitter.models import BrandAccount, Case, CaseStatus, Customer, DirectMessage, Party, Tweet
from crm_twitter.x.ingest import dm_events_ingest, tweets_ingest
from tests.factories import BrandAccountFactory
from tests.x_sync.conftest import BRAND_X_ID, dm_json, page, tweet_json, user_json

pytestmark = pytest.mark.django_db

ANN = user_json("501", "ann", followers=300)
BO = user_json("502", "bo")
T0 = timezone.now() - dt.timedelta(hours=2)


def at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def complaint(brand, text="@brandhelp my parcel never arrived", user=ANN, minutes=0, **kw):
    tweet = tweet_json(user["id"], text, at=at(minutes), mentions=[(BRAND_X_ID, "brandhelp")], **kw)
    tweets_ingest(account=brand, page=page([tweet], [user]))
    return tweet


def test_a_reply_in_a_conversation_of_a_case_joins_that_case(brand):
    first = complaint(brand)
    reply = tweet_json("501", "@brandhelp here is a photo", at=at(5), reply_to=first["id"], conversation_id=first["id"])
    result = tweets_ingest(account=brand, page=page([reply], [ANN]))
    case = Case.objects.get()
    assert result.cases_opened == ()
    assert set(case.tweets.values_list("x_id", flat=True)) == {first["id"], reply["id"]}
    assert case.contact_count >= 2


def test_several_tweets_of_a_new_customer_in_one_page_open_one_case(brand):
    tweets = [
        tweet_json("501", f"@brandhelp message {i}", at=at(i), mentions=[(BRAND_X_ID, "brandhelp")]) for i in range(3)
    ]
    result = tweets_ingest(account=brand, page=page(tweets[::-1], [ANN]))
    assert len(result.cases_opened) == 1
    assert Case.objects.count() == 1
    assert Customer.objects.count() == 1
    assert Tweet.objects.filter(case=Case.objects.get()).count() == 3


def test_a_new_tweet_from_a_customer_with_an_open_case_joins_it(brand):
    complaint(brand)
    complaint(brand, "@brandhelp still nothing??", minutes=30)
    assert Case.objects.count() == 1
    assert Case.objects.get().tweets.count() == 2


def test_a_public_tweet_while_the_case_is_in_dm_is_a_public_nudge(brand):
    complaint(brand)
    case = Case.objects.get()
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.IN_DM)
    complaint(brand, "@brandhelp you stopped answering my DMs!", minutes=60)
    case.refresh_from_db()
    assert case.public_nudge_count == 1
    assert Case.objects.count() == 1


@pytest.mark.parametrize("status", [CaseStatus.PENDING_MERCHANT, CaseStatus.AWAITING_CUSTOMER])
def test_a_public_tweet_while_the_case_waits_is_a_public_nudge(brand, status):
    complaint(brand)
    Case.objects.update(status=status)
    complaint(brand, "@brandhelp any news?", minutes=60)
    assert Case.objects.get().public_nudge_count == 1


def test_a_public_tweet_on_a_new_case_is_not_a_nudge(brand):
    complaint(brand)
    complaint(brand, "@brandhelp hello?", minutes=10)
    assert Case.objects.get().public_nudge_count == 0


def test_a_third_party_replying_in_the_thread_joins_the_timeline_but_is_not_the_customer(brand):
    first = complaint(brand)
    reply = tweet_json(
        "502",
        "@ann @brandhelp same happened to me",
        at=at(3),
        reply_to=first["id"],
        conversation_id=first["id"],
        mentions=[("501", "ann"), (BRAND_X_ID, "brandhelp")],
    )
    result = tweets_ingest(account=brand, page=page([reply], [BO]))
    case = Case.objects.get()
    stored = Tweet.objects.get(x_id=reply["id"])
    assert result.cases_opened == ()
    assert stored.case == case
    assert stored.party == Party.THIRD_PARTY
    assert case.customer.x_users.get().x_id == "501"
    assert Customer.objects.count() == 1  # the third party did not become a customer


def test_a_retweet_never_opens_a_case(brand):
    original = tweet_json(BRAND_X_ID, "Our summer sale!", at=at(0))
    retweet = tweet_json(
        "501",
        "RT @brandhelp: Our summer sale!",
        at=at(1),
        retweet_of=original["id"],
        mentions=[(BRAND_X_ID, "brandhelp")],
    )
    result = tweets_ingest(account=brand, page=page([retweet], [ANN]))
    assert result.new_tweets == 1
    assert Case.objects.count() == 0
    assert Tweet.objects.get().kind == Tweet.Kind.RETWEET


def test_the_brands_own_reply_sent_from_x_is_an_outbound_response_not_a_case(brand):
    first = complaint(brand)
    own = tweet_json(
        BRAND_X_ID,
        "@ann sorry! Please DM us your order number",
        at=at(10),
        reply_to=first["id"],
        conversation_id=first["id"],
        mentions=[("501", "ann")],
    )
    result = tweets_ingest(account=brand, page=page([own], [user_json(BRAND_X_ID, "brandhelp")]))
    case = Case.objects.get()
    stored = Tweet.objects.get(x_id=own["id"])
    assert result.cases_opened == ()
    assert stored.direction == "outbound"
    assert stored.party == Party.BRAND
    assert stored.case == case
    assert case.first_response_at is not None
    assert case.status == CaseStatus.ACKNOWLEDGED


def test_a_brand_post_outside_any_case_opens_nothing(brand):
    tweets_ingest(
        account=brand, page=page([tweet_json(BRAND_X_ID, "New arrivals today")], [user_json(BRAND_X_ID, "brandhelp")])
    )
    assert Case.objects.count() == 0
    assert Tweet.objects.get().direction == "outbound"


def test_mentioning_an_executive_account_sets_mentions_executive(brand):
    ceo = BrandAccountFactory(handle="ceo", x_user_id="900000099", role=BrandAccount.Role.EXECUTIVE)
    tweet = tweet_json(
        "501",
        "@brandhelp @ceo three weeks and no refund",
        at=at(0),
        mentions=[(BRAND_X_ID, "brandhelp"), (ceo.x_user_id, "ceo")],
    )
    tweets_ingest(account=brand, page=page([tweet], [ANN]))
    case = Case.objects.get()
    assert case.escalation_level >= 1
    assert case.brand_account == brand  # the support account owns the case, not the executive's


def test_an_executive_mention_seen_by_the_executive_sync_still_lands_on_support(brand):
    ceo = BrandAccountFactory(handle="ceo", x_user_id="900000099", role=BrandAccount.Role.EXECUTIVE)
    tweet = tweet_json("501", "@ceo your support ignores me", at=at(0), mentions=[(ceo.x_user_id, "ceo")])
    tweets_ingest(account=ceo, page=page([tweet], [ANN]))
    case = Case.objects.get()
    assert case.brand_account == brand
    assert case.escalation_level >= 1


def test_a_dm_from_a_customer_with_an_open_case_joins_it(brand):
    complaint(brand)
    dm = dm_json("501", BRAND_X_ID, "Order 40001234, tracking RR123456789CN", at=at(20))
    result = dm_events_ingest(account=brand, page=page([dm], [ANN]))
    case = Case.objects.get()
    assert result.cases_opened == ()
    assert DirectMessage.objects.get().case == case


def test_a_dm_from_someone_without_a_case_opens_one(brand):
    result = dm_events_ingest(account=brand, page=page([dm_json("502", BRAND_X_ID, "hi, my refund?")], [BO]))
    assert len(result.cases_opened) == 1
    assert DirectMessage.objects.get().case_id == result.cases_opened[0]


def test_the_brands_dm_sent_from_x_moves_the_case_to_dm(brand):
    complaint(brand)
    dm = dm_json(BRAND_X_ID, "501", "Hi Ann, could you send your order number?", at=at(15))
    result = dm_events_ingest(account=brand, page=page([dm], [ANN, user_json(BRAND_X_ID, "brandhelp")]))
    case = Case.objects.get()
    assert result.cases_opened == ()
    assert DirectMessage.objects.get().direction == "outbound"
    assert case.status == CaseStatus.IN_DM


def test_a_reply_to_a_resolved_case_goes_back_to_the_workflow(brand):
    first = complaint(brand)
    Case.objects.update(status=CaseStatus.RESOLVED, resolved_at=timezone.now())
    reply = tweet_json(
        "501", "@brandhelp thanks, all sorted!", at=at(90), reply_to=first["id"], conversation_id=first["id"]
    )
    tweets_ingest(account=brand, page=page([reply], [ANN]))
    # Within the reopen window the same case takes the message (the workflow decides how).
    assert Tweet.objects.get(x_id=reply["id"]).case is not None
