"""Deleted tweets (webhook and lookups), and DMs as they really arrive: first contact, joins and
leaves, group conversations, media."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crm_twitter.models import Case, DirectMessage, Media, Tweet
from crm_twitter.services.compose import reply_target_default
from crm_twitter.x.ingest import tweets_ingest
from crm_twitter.x.webhooks import webhook_payload_enqueue, webhook_payload_ingest
from tests.factories import BrandAccountFactory
from tests.x_reality.conftest import case_of, row

pytestmark = pytest.mark.django_db
# ../shared beside the repo (absent on a user's machine: those tests skip).
FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "account-activity"


def delete_event(brand, tweet: dict) -> dict:
    return {
        "for_user_id": brand.x_user_id,
        "tweet_delete_events": [
            {"status": {"id": tweet["id"], "user_id": tweet["author_id"]}, "timestamp_ms": "1764300000000"}
        ],
    }


# --- deletes --------------------------------------------------------------------------------------


def test_a_deleted_tweet_stays_in_the_timeline_flagged_and_is_never_a_reply_target(sandbox, brand, sync):
    alice = sandbox.state.add_user("alice")
    first = sandbox.state.customer_tweet(alice, "@AcmeHelp parcel lost, order 40001111")
    sync()
    second = sandbox.state.customer_tweet(alice, "@AcmeHelp hello?? anyone", in_reply_to=first)
    sync()
    case = case_of(first)
    assert reply_target_default(case=case).x_id == second["id"]

    sandbox.state.delete_tweet(second)
    payload = delete_event(brand, second)
    assert webhook_payload_enqueue(payload=payload)  # deletions are not dropped at the door
    counts = webhook_payload_ingest(payload=payload)

    assert counts["deleted"] == 1
    stored = row(second)
    assert stored.is_deleted and stored.text == "@AcmeHelp hello?? anyone"  # kept for the audit trail
    assert stored.case == case
    assert reply_target_default(case=case).x_id == first["id"]


def test_deleting_an_edited_post_deletes_every_version(sandbox, brand, sync):
    bob = sandbox.state.add_user("bob")
    first = sandbox.state.customer_tweet(bob, "@AcmeHelp broken lamp")
    sync()
    edited = sandbox.state.edit_tweet(first, "@AcmeHelp broken lamp, photos below")
    sync()
    webhook_payload_ingest(payload=delete_event(brand, first))
    assert row(first).is_deleted and row(edited).is_deleted
    assert reply_target_default(case=case_of(first)) is None


def test_a_lookup_saying_not_found_marks_a_known_tweet_deleted(sandbox, brand, sync):
    alice = sandbox.state.add_user("alice")
    tweet = sandbox.state.customer_tweet(alice, "@AcmeHelp refund please")
    sync()
    sandbox.state.delete_tweet(tweet)

    page = sandbox.gateway("AcmeHelp").get_tweets([tweet["id"]])
    assert page.errors and not page.data
    tweets_ingest(account=brand, page=page)
    assert row(tweet).is_deleted


# --- DMs ------------------------------------------------------------------------------------------


def test_a_dm_from_someone_without_a_case_opens_a_dm_case(sandbox, brand, sync):
    olga = sandbox.state.add_user("olga")
    sandbox.state.customer_dm(olga, "AcmeHelp", "Hi, my order 40002222 arrived damaged")
    sync()
    case = Case.objects.get()
    assert case.customer_x_user.handle == "olga"
    assert case.direct_messages.count() == 1
    assert case.orders.count() == 0  # no such order imported: nothing linked, nothing invented


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Hola, mi pedido todavía no ha llegado y ya pasaron tres semanas", "es"),
        ("您好，我的包裹三个星期了还没到", "zh"),
        ("مرحبا، طلبي لم يصل حتى الآن", "ar"),
    ],
)
def test_a_first_contact_dm_gets_its_language_on_the_message_the_customer_and_the_case(
    sandbox, brand, sync, text, lang
):
    """X gives DMs no language: the desk reads it, so routing and templates follow the customer."""
    user = sandbox.state.add_user("mira")
    sandbox.state.customer_dm(user, "AcmeHelp", text)
    sync()
    case = Case.objects.get()
    assert case.direct_messages.get().lang == lang
    assert case.language == lang and case.customer.language == lang
    assert case.suggested_category is not None and case.suggestion_model.startswith("shipped-")


def test_joins_leaves_and_group_dms_never_make_cases(sandbox, brand, sync):
    pia, quin = sandbox.state.add_user("pia"), sandbox.state.add_user("quin")
    sandbox.state.dm_participants_event("ParticipantsJoin", pia, "AcmeHelp")
    sandbox.state.group_dm(pia, ["AcmeHelp", quin], "lol check this deal")
    sync()
    assert Case.objects.count() == 0
    assert DirectMessage.objects.filter(case__isnull=False).count() == 0


def test_a_webhook_dm_with_a_gif_keeps_the_media_as_evidence(db):
    path = FIXTURES / "zammad_dm_incoming_with_media.json"
    if not path.exists():
        pytest.skip("fixture not available")
    payload = json.loads(path.read_text())
    BrandAccountFactory(handle="zammadhelp", x_user_id=payload["for_user_id"])
    assert webhook_payload_ingest(payload=payload) == {"tweets": 0, "dms": 1}

    dm = DirectMessage.objects.get()
    assert dm.case is not None
    media = Media.objects.get(direct_message=dm)
    assert media.type == "animated_gif" and media.is_evidence
    assert media.url.startswith("https://pbs.twimg.com/dm_gif_preview/")


def test_a_webhook_tweet_with_an_edit_history_joins_the_original(brand, sandbox, sync):
    alice = sandbox.state.add_user("alice")
    first = sandbox.state.customer_tweet(alice, "@AcmeHelp no refund yet")
    sync()
    new_id = str(int(first["id"]) + 1000)
    event = {
        "created_at": "Fri Nov 27 10:00:00 +0000 2026",
        "id_str": new_id,
        "text": "@AcmeHelp no refund yet (3 weeks!)",
        "user": {"id_str": alice["id"], "screen_name": "alice", "name": "alice"},
        "entities": {"user_mentions": [{"screen_name": "AcmeHelp", "id_str": brand.x_user_id, "indices": [0, 9]}]},
        "edit_history": {"initial_tweet_id": first["id"], "edit_tweet_ids": [first["id"], new_id]},
        "lang": "en",
    }
    webhook_payload_ingest(payload={"for_user_id": brand.x_user_id, "tweet_create_events": [event]})
    assert Tweet.objects.get(x_id=new_id).case == case_of(first)
    assert Case.objects.count() == 1
    assert case_of(first).contact_count == 1


# --- Account Activity deliveries of public posts --------------------------------------------------


def v1_tweet(author: dict, text: str, *, x_id: str, **extra) -> dict:
    return {
        "created_at": "Fri Nov 27 10:00:00 +0000 2026",
        "id_str": x_id,
        "text": text,
        "user": {"id_str": author["id"], "screen_name": author["username"], "name": author["name"]},
        "entities": {"user_mentions": []},
        "lang": "en",
        **extra,
    }


def test_a_webhook_quote_of_the_brand_opens_a_case_and_a_webhook_retweet_does_not(brand, sandbox):
    promo = sandbox.state.tweet("AcmeHelp", "New collection out now")
    rita = sandbox.state.add_user("rita")
    quote = v1_tweet(rita, "and my order from March still hasn't arrived", x_id="1900000000000000001")
    quote.update({"is_quote_status": True, "quoted_status_id_str": promo["id"]})
    retweet = v1_tweet(rita, "RT @AcmeHelp: New collection out now", x_id="1900000000000000002")
    retweet["retweeted_status"] = {"id_str": promo["id"], "text": promo["text"]}
    webhook_payload_ingest(payload={"for_user_id": brand.x_user_id, "tweet_create_events": [quote, retweet]})

    case = Case.objects.get()
    assert case.customer_x_user.handle == "rita"
    assert Tweet.objects.get(x_id=retweet["id_str"]).case is None


def test_a_delete_event_for_a_tweet_never_seen_is_harmless(brand):
    counts = webhook_payload_ingest(
        payload={"for_user_id": brand.x_user_id, "tweet_delete_events": [{"status": {"id": "123", "user_id": "9"}}]}
    )
    assert counts == {"tweets": 0, "dms": 0, "deleted": 0}


def test_the_brand_replying_from_x_to_an_unstored_thread_start_still_answers_the_case(sandbox, brand, sync):
    sam = sandbox.state.add_user("sam")
    root = sandbox.state.customer_tweet(sam, "My parcel is two weeks late, no update at all")  # no @brand
    follow = sandbox.state.customer_tweet(sam, "@AcmeHelp any news?", in_reply_to=root)
    sync()
    assert not Tweet.objects.filter(x_id=root["id"]).exists()
    sandbox.state.brand_reply("AcmeHelp", root, "@sam Sorry Sam, please DM us your order number")
    sync()
    case = case_of(follow)
    assert case.first_response_at is not None


def test_withheld_content_is_kept_so_agents_know_why_it_may_not_show(sandbox, brand, sync):
    tom = sandbox.state.add_user("tom")
    post = sandbox.state.customer_tweet(
        tom, "@AcmeHelp scam company", withheld={"copyright": False, "country_codes": ["DE", "FR"]}
    )
    sync()
    assert row(post).raw["withheld"]["country_codes"] == ["DE", "FR"]
    assert row(post).case is not None
