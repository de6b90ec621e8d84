"""Posting and DMs through the gateway, including what X refuses."""

import pytest

from crm_twitter.x.errors import XBadRequest


def test_reply_to_a_mention_is_posted_in_the_thread(sandbox, brand, alice, gateway, calls):
    mention = sandbox.state.customer_tweet(alice, "@AcmeHelp my order never came")

    sent = gateway.create_reply(
        text="@alice_buys Sorry! Please DM us your order number.", in_reply_to_tweet_id=mention["id"]
    )

    posted = sandbox.state.posts[-1]
    assert posted["id"] == sent.id
    assert posted["conversation_id"] == mention["id"]
    assert posted["referenced_tweets"] == [{"type": "replied_to", "id": mention["id"]}]
    assert sent.text == posted["text"]
    assert calls[-1].endpoint == "POST /2/tweets"
    assert calls[-1].status_code == 201
    assert calls[-1].resource_kind == "reply_to_mention"
    assert calls[-1].resource_ids == (sent.id,)
    assert sandbox.state.resources_served["reply_to_mention"] == 1


def test_a_reply_with_a_link_is_billed_as_a_post_with_url(sandbox, brand, alice, gateway, calls):
    mention = sandbox.state.customer_tweet(alice, "@AcmeHelp how do I return this?")

    gateway.create_reply(text="Start here: https://acme.com/returns", in_reply_to_tweet_id=mention["id"])

    assert calls[-1].resource_kind == "post_with_url"
    assert sandbox.state.resources_served["post_with_url"] == 1


def test_a_standalone_post_is_a_post_create(sandbox, gateway, calls):
    sent = gateway.create_post(text="Our carrier in Spain has delays this week; we are on it.")

    assert calls[-1].resource_kind == "post_create"
    assert sandbox.state.posts[-1]["id"] == sent.id


def test_replying_to_someone_who_never_mentioned_the_brand_is_refused(sandbox, brand, alice, gateway, calls):
    unrelated = sandbox.state.customer_tweet(alice, "Just bought a new blender")

    with pytest.raises(XBadRequest) as caught:
        gateway.create_reply(text="@alice_buys Enjoy!", in_reply_to_tweet_id=unrelated["id"])

    assert caught.value.code == "reply_not_allowed"
    assert caught.value.status_code == 403
    assert sandbox.state.posts == []
    assert calls[-1].status_code == 403
    assert calls[-1].resource_ids == ()
    assert "reply_not_allowed" in calls[-1].error


def test_replying_to_a_post_that_quotes_the_brand_is_allowed(sandbox, brand, alice, gateway):
    announcement = sandbox.state.tweet(brand, "Summer sale starts today")
    quote = sandbox.state.customer_tweet(alice, "Still waiting for my last order...", quote=announcement)

    sent = gateway.create_reply(text="@alice_buys Let's sort that out, DM us.", in_reply_to_tweet_id=quote["id"])

    assert sandbox.state.posts[-1]["id"] == sent.id


def test_replying_to_a_deleted_tweet_is_not_found(sandbox, brand, alice, gateway):
    mention = sandbox.state.customer_tweet(alice, "@AcmeHelp angry tweet")
    sandbox.state.delete_tweet(mention)

    with pytest.raises(XBadRequest) as caught:
        gateway.create_reply(text="@alice_buys Hi!", in_reply_to_tweet_id=mention["id"])

    assert caught.value.code == "not_found"


def test_posting_the_same_text_twice_is_a_duplicate(sandbox, brand, alice, gateway):
    mention = sandbox.state.customer_tweet(alice, "@AcmeHelp help")
    gateway.create_reply(text="@alice_buys We're on it.", in_reply_to_tweet_id=mention["id"])

    with pytest.raises(XBadRequest) as caught:
        gateway.create_reply(text="@alice_buys We're on it.", in_reply_to_tweet_id=mention["id"])

    assert caught.value.code == "duplicate"
    assert len(sandbox.state.posts) == 1


def test_a_post_over_280_weighted_characters_is_too_long(sandbox, brand, alice, gateway):
    mention = sandbox.state.customer_tweet(alice, "@AcmeHelp 你好")

    with pytest.raises(XBadRequest) as caught:
        gateway.create_reply(text="您好" * 71, in_reply_to_tweet_id=mention["id"])  # 142 CJK chars weigh 284

    assert caught.value.code == "too_long"
    assert caught.value.status_code == 400


def test_dm_is_sent_into_the_one_to_one_conversation(sandbox, brand, alice, gateway, calls):
    sent = gateway.send_dm(participant_id=alice["id"], text="Hi Alice, could you share your order number?")

    event = sandbox.state.dm_events[-1]
    assert sent.dm_event_id == event["id"]
    assert sent.dm_conversation_id == f"{brand['id']}-{alice['id']}"
    assert event["sender_id"] == brand["id"]
    assert calls[-1].endpoint == "POST /2/dm_conversations/with/:id/messages"
    assert calls[-1].resource_kind == "dm_create"
    assert calls[-1].resource_ids == (sent.dm_event_id,)


def test_dm_to_someone_who_does_not_accept_dms_is_refused(sandbox, gateway):
    closed = sandbox.state.add_user("no_dms_please", accepts_dms=False)

    with pytest.raises(XBadRequest) as caught:
        gateway.send_dm(participant_id=closed["id"], text="Hello")

    assert caught.value.code == "dm_not_allowed"
    assert caught.value.status_code == 403
    assert sandbox.state.dm_events == []


@pytest.mark.parametrize(
    "text",
    [
        "@alice_buys 非常抱歉！您的包裹已重新发货 📦✨",
        "@alice_buys ご迷惑をおかけして申し訳ございません🙇‍♀️",
        "@alice_buys Lo sentimos 😔 — ¿nos envías el número de pedido?",
        "@alice_buys Entschuldigung! Größe 👍🏽 – Rückerstattung läuft",
        "@alice_buys 👨‍👩‍👧‍👦🏳️‍🌈 Merci, c'est réglé !",
    ],
)
def test_text_in_any_language_and_emoji_survives_byte_for_byte(sandbox, brand, alice, gateway, text):
    mention = sandbox.state.customer_tweet(alice, "@AcmeHelp 😡 我的订单呢？")

    sent = gateway.create_reply(text=text, in_reply_to_tweet_id=mention["id"])
    read_back = gateway.get_tweets([sent.id, mention["id"]])
    dm = gateway.send_dm(participant_id=alice["id"], text=text)
    dm_back = gateway.get_dm_events()

    texts = {t["id"]: t["text"] for t in read_back.data}
    assert texts[sent.id].encode("utf-8") == text.encode("utf-8")
    assert texts[mention["id"]] == "@AcmeHelp 😡 我的订单呢？"
    assert {e["id"]: e["text"] for e in dm_back.data}[dm.dm_event_id].encode("utf-8") == text.encode("utf-8")
