"""X Activity API deliveries from the sandbox to the desk over real HTTP: each event type lands in
the right case, once, whatever X's duplicates, retries, delays and ordering."""

from __future__ import annotations

import pytest

from crm_twitter.models import ApiCall, Case, Direction, DirectMessage, Tweet, WebhookDelivery
from crm_twitter.x.sync import account_sync

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_mention_reaches_the_desk_as_a_case_without_any_poll(desk):
    alice = desk.sandbox.state.add_user("alice", followers=120)
    tweet = desk.sandbox.state.customer_tweet(alice, "@AcmeHelp my parcel never arrived 😡")
    desk.settle()

    stored = Tweet.objects.get(x_id=tweet["id"])
    assert stored.case is not None
    assert stored.case.customer_x_user.handle == "alice"
    assert stored.text == "@AcmeHelp my parcel never arrived 😡"
    assert desk.sandbox.state.requests_to("GET /2/users/:id/mentions") == []  # nothing was polled
    delivery = WebhookDelivery.objects.get()
    assert (delivery.event_types, delivery.outcome, delivery.account) == (
        ["post.mention.create"],
        "processed",
        desk.brand,
    )


def test_every_subscribed_event_type_lands_in_the_customers_case(desk):
    state = desk.sandbox.state
    bob = state.add_user("bob")
    first = state.customer_tweet(bob, "@AcmeHelp the blender arrived broken")
    brand_reply = state.brand_reply("AcmeHelp", first, "@bob so sorry! Please DM us your order number")
    reply = state.customer_tweet(bob, "done, sent you a DM", in_reply_to=brand_reply)  # post.reply.create
    dm_in = state.customer_dm(bob, "AcmeHelp", "Order 40001234, photos attached", media=["broken jar"])
    dm_out = state.brand_dm("AcmeHelp", bob, "Thanks Bob, a replacement is on its way")  # dm.sent
    desk.settle()

    case = Case.objects.get()
    assert set(case.tweets.values_list("x_id", flat=True)) == {first["id"], reply["id"]}
    assert DirectMessage.objects.get(x_event_id=dm_in["id"]).case == case
    assert DirectMessage.objects.get(x_event_id=dm_in["id"]).direction == Direction.INBOUND
    assert DirectMessage.objects.get(x_event_id=dm_out["id"]).case == case
    assert DirectMessage.objects.get(x_event_id=dm_out["id"]).direction == Direction.OUTBOUND
    kinds = sorted(t for d in WebhookDelivery.objects.all() for t in d.event_types)
    assert kinds == ["dm.received", "dm.sent", "post.mention.create", "post.reply.create"]
    assert set(WebhookDelivery.objects.values_list("outcome", flat=True)) == {"processed"}


def test_a_delivery_repeated_three_times_and_then_polled_is_stored_once(desk):
    desk.faults(duplicates=3)
    carol = desk.sandbox.state.add_user("carol")
    tweet = desk.sandbox.state.customer_tweet(carol, "@AcmeHelp where is my refund?")
    desk.settle()

    result = account_sync(account_id=desk.brand.pk, streams=["mentions"])

    assert result.new_tweets == 0  # the poll found it already stored
    assert Tweet.objects.filter(x_id=tweet["id"]).count() == 1
    assert Case.objects.count() == 1
    assert Case.objects.get().contact_count == 1
    outcomes = sorted(WebhookDelivery.objects.values_list("outcome", flat=True))
    assert outcomes == ["duplicate", "duplicate", "processed"]
    # X bills the event once; the later poll of the same post the same UTC day costs nothing more.
    billed = ApiCall.objects.filter(resource_kind="post_read").values_list("billed_resources", flat=True)
    assert sum(billed) == 1


def test_a_dm_delivered_before_the_tweet_it_follows_up_threads_into_one_case(desk):
    desk.faults(reorder=2)
    state = desk.sandbox.state
    dave = state.add_user("dave")
    tweet = state.customer_tweet(dave, "@AcmeHelp wrong item delivered")
    dm = state.customer_dm(dave, "AcmeHelp", "Here is my order number 40005678")
    desk.settle()

    log = [d["event_type"] for d in desk.hub.control("GET", "activity", {}).body["deliveries"]]
    assert log == ["dm.received", "post.mention.create"]  # out of order, as asked
    case = Tweet.objects.get(x_id=tweet["id"]).case
    assert case is not None
    assert DirectMessage.objects.get(x_event_id=dm["id"]).case == case
    assert Case.objects.count() == 1


def test_a_reply_delivered_before_its_parent_joins_the_parents_case(desk):
    desk.faults(reorder=2)
    state = desk.sandbox.state
    erin = state.add_user("erin")
    parent = state.customer_tweet(erin, "@AcmeHelp customs charged me twice")
    child = state.customer_tweet(erin, "@AcmeHelp hello? anyone?", in_reply_to=parent)
    desk.settle()

    assert Tweet.objects.get(x_id=child["id"]).case == Tweet.objects.get(x_id=parent["id"]).case
    assert Case.objects.count() == 1


def test_deliveries_x_could_not_make_are_replayed_and_stored_once(desk):
    import datetime as dt

    from crm_twitter.x.activity import webhook_replay

    state = desk.sandbox.state
    desk.faults(fail=3)  # the first delivery's three attempts fail (the desk was down)
    frank = state.add_user("frank")
    lost = state.customer_tweet(frank, "@AcmeHelp my order never shipped")
    desk.settle()
    assert not Tweet.objects.filter(x_id=lost["id"]).exists()

    now = dt.datetime.now(dt.UTC)
    gateway = desk.sandbox.gateway(desk.brand.x_user_id)
    webhook_replay(gateway=gateway, webhook_id=desk.webhook_id, start=now - dt.timedelta(minutes=5), end=now)
    webhook_replay(gateway=gateway, webhook_id=desk.webhook_id, start=now - dt.timedelta(minutes=5), end=now)
    desk.settle()

    assert Tweet.objects.filter(x_id=lost["id"]).count() == 1
    assert sorted(WebhookDelivery.objects.values_list("outcome", flat=True)) == ["duplicate", "processed"]
