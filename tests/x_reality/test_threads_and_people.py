"""Who a public message belongs to, as real X threads look: edits, long posts, quotes, retweets,
bystanders, the brand answering from X itself, leading @mentions, spam bursts."""

from __future__ import annotations

import pytest

from crm_twitter.models import Case, Party, Tweet
from tests.x_reality.conftest import case_of, row

pytestmark = pytest.mark.django_db


# --- edits ------------------------------------------------------------------------------------------


def test_an_edit_polled_later_joins_the_original_case_without_counting_twice(sandbox, brand, sync):
    alice = sandbox.state.add_user("alice")
    first = sandbox.state.customer_tweet(alice, "@AcmeHelp my parcel never arived")
    sync()
    case = case_of(first)
    contacts = case.contact_count

    edited = sandbox.state.edit_tweet(first, "@AcmeHelp my parcel never arrived, order #40000123")
    sync()

    assert Case.objects.count() == 1
    assert case_of(edited) == case
    assert row(edited).party == Party.CUSTOMER
    case.refresh_from_db()
    assert case.contact_count == contacts  # an edit is not a new contact
    assert row(edited).text.endswith("order #40000123")


def test_an_edit_made_before_the_first_poll_opens_one_case(sandbox, brand, sync):
    bob = sandbox.state.add_user("bob")
    first = sandbox.state.customer_tweet(bob, "@AcmeHelp wrong size sent")
    edited = sandbox.state.edit_tweet(first, "@AcmeHelp wrong size sent (XL instead of M)")
    sync()

    assert Case.objects.count() == 1
    assert Tweet.objects.filter(case__isnull=False).count() == 1  # X shows only the latest version
    assert case_of(edited).contact_count == 1


def test_an_edit_and_its_original_in_one_page_make_one_case(brand, sandbox):
    from crm_twitter.x.ingest import tweets_ingest
    from tests.x_sync.conftest import page, tweet_json, user_json

    carol = user_json("5550001", "carol")
    original = tweet_json("5550001", "@AcmeHelp refund?", mentions=[(brand.x_user_id, "AcmeHelp")])
    edit = tweet_json("5550001", "@AcmeHelp refund please", mentions=[(brand.x_user_id, "AcmeHelp")])
    original["edit_history_tweet_ids"] = [original["id"], edit["id"]]
    edit["edit_history_tweet_ids"] = [original["id"], edit["id"]]
    edit["conversation_id"] = original["id"]
    tweets_ingest(account=brand, page=page([edit, original], users=[carol]))

    case = Case.objects.get()
    assert set(case.tweets.values_list("x_id", flat=True)) == {original["id"], edit["id"]}
    assert case.contact_count == 1


# --- long posts -------------------------------------------------------------------------------------


def test_a_long_post_is_stored_routed_and_matched_on_its_full_text(sandbox, brand, sync):
    from tests.factories import OrderFactory

    order = OrderFactory(order_number="77001234")
    dana = sandbox.state.add_user("dana")
    story = "@AcmeHelp " + "I have been waiting for weeks and nobody answers my emails. " * 6
    post = sandbox.state.customer_tweet(dana, story + "My order is #77001234, please refund me.")
    assert "77001234" not in post["text"]  # X cut it: only note_tweet has the number

    sync()

    stored = row(post)
    assert stored.text == post["note_tweet"]["text"]
    assert stored.raw["truncated_text"] == post["text"]
    case = stored.case
    assert list(case.orders.all()) == [order]
    assert case.has_private_data_in_public
    assert "note_tweet" in sandbox.state.requests_to("GET /2/users/:id/mentions")[0]["query"]["tweet.fields"]


# --- quotes and retweets ----------------------------------------------------------------------------


def test_a_quote_of_the_brand_with_a_complaint_opens_a_case_and_retweets_never_do(sandbox, brand, sync):
    promo = sandbox.state.tweet("AcmeHelp", "Black Friday: 40% off everything!")
    erin = sandbox.state.add_user("erin")
    quote = sandbox.state.customer_tweet(erin, "@AcmeHelp still no refund for my last order, 3 weeks", quote=promo)
    fan = sandbox.state.add_user("fan")
    sandbox.state.retweet(fan, promo)
    sandbox.state.retweet(fan, quote)  # "RT @erin: @AcmeHelp still no refund…" reaches the mentions
    sync()

    assert Case.objects.count() == 1
    assert case_of(quote).customer_x_user.handle == "erin"
    assert Tweet.objects.filter(kind=Tweet.Kind.RETWEET, case__isnull=False).count() == 0


# --- third parties ----------------------------------------------------------------------------------


def test_a_bystander_saying_same_here_is_a_third_party_never_the_customer(sandbox, brand, sync):
    alice = sandbox.state.add_user("alice")
    complaint = sandbox.state.customer_tweet(alice, "@AcmeHelp my parcel is lost")
    sync()
    case = case_of(complaint)

    gus = sandbox.state.add_user("gus")
    metoo = sandbox.state.customer_tweet(gus, "@alice @AcmeHelp same happened to me!", in_reply_to=complaint)
    sync()

    assert case_of(metoo) == case
    assert row(metoo).party == Party.THIRD_PARTY
    case.refresh_from_db()
    assert case.customer_x_user.handle == "alice"
    assert Case.objects.count() == 1  # decision: no automatic case for bystanders


def test_a_bystander_with_an_open_case_of_their_own_lands_in_their_own_case(sandbox, brand, sync):
    alice, hal = sandbox.state.add_user("alice"), sandbox.state.add_user("hal")
    complaint = sandbox.state.customer_tweet(alice, "@AcmeHelp my parcel is lost")
    own = sandbox.state.customer_tweet(hal, "@AcmeHelp where is my refund")
    sync()
    reply = sandbox.state.customer_tweet(hal, "@alice @AcmeHelp they ignore me too", in_reply_to=complaint)
    sync()

    assert case_of(reply) == case_of(own)
    assert row(reply).party == Party.CUSTOMER
    assert case_of(complaint).customer_x_user.handle == "alice"


def test_the_brand_answering_a_bystander_from_x_is_not_a_response_to_the_customer(sandbox, brand, sync):
    alice, gus = sandbox.state.add_user("alice"), sandbox.state.add_user("gus")
    complaint = sandbox.state.customer_tweet(alice, "@AcmeHelp my parcel is lost")
    metoo = None
    sync()
    metoo = sandbox.state.customer_tweet(gus, "@alice @AcmeHelp same!", in_reply_to=complaint)
    sync()
    sandbox.state.brand_reply("AcmeHelp", metoo, "@gus Sorry to hear that, please DM us.")
    sync()

    case = case_of(complaint)
    assert case.first_response_at is None
    assert case.status == "new"
    assert case.tweets.filter(party=Party.BRAND).count() == 1  # still in the timeline

    sandbox.state.brand_reply("AcmeHelp", complaint, "@alice Sorry! Please DM us your order number.")
    sync()
    case.refresh_from_db()
    assert case.first_response_at is not None


def test_a_customer_replying_under_an_unrelated_viral_thread_opens_their_own_case(sandbox, brand, sync):
    news = sandbox.state.add_user("newsdesk")
    viral = sandbox.state.customer_tweet(news, "Shoppers report parcel delays across Europe this week")
    ida, jo = sandbox.state.add_user("ida"), sandbox.state.add_user("jo")
    ida_reply = sandbox.state.customer_tweet(ida, "@newsdesk @AcmeHelp my order is 3 weeks late", in_reply_to=viral)
    sync()
    jo_reply = sandbox.state.customer_tweet(jo, "@newsdesk @AcmeHelp mine arrived broken", in_reply_to=viral)
    sync()

    ida_case, jo_case = case_of(ida_reply), case_of(jo_reply)
    assert ida_case != jo_case
    assert jo_case.customer_x_user.handle == "jo"
    assert row(jo_reply).party == Party.CUSTOMER


# --- addressing -------------------------------------------------------------------------------------


def test_a_reply_to_the_brand_without_its_handle_in_the_text_joins_the_case(brand, sandbox):
    from crm_twitter.x.ingest import tweets_ingest
    from tests.x_sync.conftest import page, tweet_json, user_json

    kim = user_json("5550002", "kim")
    first = tweet_json("5550002", "@AcmeHelp item damaged", mentions=[(brand.x_user_id, "AcmeHelp")])
    tweets_ingest(account=brand, page=page([first], users=[kim]))
    answer = tweet_json(brand.x_user_id, "@kim so sorry, DM us", reply_to=first["id"], conversation_id=first["id"])
    tweets_ingest(account=brand, page=page([answer], users=[]))
    # Kim removed @AcmeHelp from the recipients: only in_reply_to_user_id says who she answers.
    again = tweet_json(
        "5550002",
        "photos attached",
        reply_to=answer["id"],
        conversation_id=first["id"],
        in_reply_to_user_id=brand.x_user_id,
    )
    tweets_ingest(account=brand, page=page([again], users=[kim]))

    case = Case.objects.get()
    assert set(case.tweets.values_list("x_id", flat=True)) == {first["id"], answer["id"], again["id"]}
    assert Tweet.objects.get(x_id=again["id"]).party == Party.CUSTOMER


def test_leading_mentions_only_is_still_the_customer_talking(sandbox, brand, sync):
    alice = sandbox.state.add_user("alice")
    complaint = sandbox.state.customer_tweet(alice, "@AcmeHelp parcel lost")
    sync()
    # A reply whose visible text is empty (display_text_range starts after the mentions): a photo.
    photo = sandbox.state.customer_tweet(
        alice, "@AcmeHelp ", in_reply_to=complaint, media=["torn box"], display_text_range=[10, 10]
    )
    sync()
    assert case_of(photo) == case_of(complaint)
    assert row(photo).media.count() == 1


# --- bursts -----------------------------------------------------------------------------------------


def test_thirty_mentions_in_a_minute_from_one_account_make_one_case(sandbox, brand, sync):
    bot = sandbox.state.add_user("angrybot")
    for n in range(30):
        sandbox.state.customer_tweet(bot, f"@AcmeHelp REFUND NOW {n}", created_at=sandbox.state.now() - 60 + n * 2)
    sync()
    assert Case.objects.count() == 1
    assert Case.objects.get().tweets.count() == 30


def test_a_burst_over_several_polls_still_makes_one_case(sandbox, brand, sync):
    bot = sandbox.state.add_user("angrybot")
    for batch in range(3):
        for n in range(10):
            sandbox.state.customer_tweet(bot, f"@AcmeHelp refund {batch}-{n}")
        sync()
    assert Case.objects.count() == 1


def test_a_public_burst_while_in_dm_is_one_nudge_not_thirty(sandbox, brand, sync):
    alice = sandbox.state.add_user("alice")
    sandbox.state.customer_tweet(alice, "@AcmeHelp my parcel is lost")
    sync()
    sandbox.state.brand_dm("AcmeHelp", alice, "Hi Alice, could you send your order number?")
    sync()
    case = Case.objects.get()
    assert case.status == "in_dm"
    level = case.escalation_level

    for n in range(30):
        sandbox.state.customer_tweet(alice, f"@AcmeHelp ANSWER MY DM {n}")
    sync()

    case.refresh_from_db()
    assert Case.objects.count() == 1
    assert case.public_nudge_count == 1
    assert case.escalation_level <= level + 1


def test_a_customer_who_changed_their_handle_is_still_the_same_customer(sandbox, brand, sync):
    old = sandbox.state.add_user("old_handle")
    first = sandbox.state.customer_tweet(old, "@AcmeHelp parcel lost")
    sync()
    renamed = sandbox.state.add_user("new_handle", user_id=old["id"])
    again = sandbox.state.customer_tweet(renamed, "@AcmeHelp still lost")
    sync()
    assert case_of(again) == case_of(first)
    assert row(again).author.handle == "new_handle"
