"""Composing replies and DMs: checks before queueing, and the queue row + event on success."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from crm_twitter.models import CaseEvent, OutboundMessage
from crm_twitter.services.compose import outbound_cancel, outbound_retry, reply_compose, reply_preview
from crm_twitter.services.errors import ComposeRefused
from tests.factories import (
    BrandAccountFactory,
    CaseFactory,
    OrderFactory,
    OutboundMessageFactory,
    TweetFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    brand = BrandAccountFactory(handle="shophelp", x_user_id="900000042")
    return CaseFactory(brand_account=brand, language="en")


def customer_tweet(case, text="@shophelp my parcel never arrived", minutes_ago=10, **kwargs):
    defaults = {"mentioned_user_ids": ["900000042"]} if "@shophelp" in text else {}
    defaults.update(kwargs)
    return TweetFactory(
        case=case,
        brand_account=case.brand_account,
        author=case.customer_x_user,
        text=text,
        created_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
        **defaults,
    )


def test_a_public_reply_goes_to_the_latest_customer_tweet_mentioning_the_brand(
    case, agent, django_capture_on_commit_callbacks
):
    customer_tweet(case, minutes_ago=30)
    latest = customer_tweet(case, "@shophelp still nothing!", minutes_ago=5)
    customer_tweet(case, "and I am really upset", minutes_ago=1, mentioned_user_ids=[])  # no mention: X forbids
    with django_capture_on_commit_callbacks() as callbacks:
        message = reply_compose(case=case, actor=agent, channel="public", text="Sorry! Please DM us.")
    assert message.status == OutboundMessage.Status.QUEUED
    assert message.channel == OutboundMessage.Channel.PUBLIC_REPLY
    assert message.in_reply_to_tweet_id == latest.x_id
    assert message.created_by == agent
    event = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.REPLY_QUEUED)
    assert event.data["outbound_id"] == message.pk and event.actor == agent
    assert len(callbacks) == 1  # the send task is enqueued only after commit


def test_nothing_is_enqueued_when_the_transaction_rolls_back(case, agent, django_capture_on_commit_callbacks):
    customer_tweet(case)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reply_compose(case=case, actor=agent, channel="public", text="On it!")
    assert len(callbacks) == 1
    assert OutboundMessage.objects.count() == 1


def test_a_dm_goes_to_the_customer(case, agent):
    message = reply_compose(case=case, actor=agent, channel="dm", text="Your order 40001234 ships today.")
    assert message.recipient == case.customer_x_user
    assert message.in_reply_to_tweet_id == ""


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Your order 40001234 is on its way", "order_number"),
        ("We emailed jane@example.com", "email"),
        ("Tracking RR123456789CN", "tracking_number"),
    ],
)
def test_private_data_in_a_public_reply_is_refused_with_a_dm_offer(case, agent, text, kind):
    customer_tweet(case)
    with pytest.raises(ComposeRefused) as exc:
        reply_compose(case=case, actor=agent, channel="public", text=text)
    assert exc.value.code == "private_data"
    assert exc.value.offer_channel == "dm"
    assert [f.kind for f in exc.value.findings] == [kind]
    assert exc.value.findings[0].text in exc.value.message and "DM" in exc.value.message
    assert not OutboundMessage.objects.exists()
    # … and the same text is fine by DM
    reply_compose(case=case, actor=agent, channel="dm", text=text)


def test_the_cases_own_order_numbers_are_caught_whatever_their_format(case, agent):
    customer_tweet(case)
    case.orders.add(OrderFactory(order_number="ZX-9A"))
    with pytest.raises(ComposeRefused) as exc:
        reply_compose(case=case, actor=agent, channel="public", text="About ZX-9A: sorry!")
    assert exc.value.findings[0].kind == "order_number"


@pytest.mark.parametrize(
    ("channel", "text", "code"),
    [
        ("public", "   ", "empty"),
        ("dm", "", "empty"),
        ("public", "a" * 281, "too_long"),
        ("public", "中" * 141, "too_long"),
    ],
)
def test_empty_or_too_long_text_is_refused(case, agent, channel, text, code):
    customer_tweet(case)
    with pytest.raises(ComposeRefused) as exc:
        reply_compose(case=case, actor=agent, channel=channel, text=text)
    assert exc.value.code == code


def test_a_dm_over_the_dm_limit_is_refused(case, agent, settings):
    settings.CRM_TWITTER = {"DM_MAX_LENGTH": 20}
    with pytest.raises(ComposeRefused) as exc:
        reply_compose(case=case, actor=agent, channel="dm", text="x" * 21)
    assert exc.value.code == "too_long"


def test_a_reply_to_a_tweet_that_does_not_mention_the_brand_is_refused_with_the_feb_2026_rule(case, agent):
    mention = customer_tweet(case)
    other = customer_tweet(case, "my cat likes the box", minutes_ago=1, mentioned_user_ids=[])
    with pytest.raises(ComposeRefused) as exc:
        reply_compose(case=case, actor=agent, channel="public", text="Hi!", in_reply_to_tweet_id=other.x_id)
    assert exc.value.code == "reply_not_allowed"
    assert "February 2026" in exc.value.message and "DM" in exc.value.message
    assert exc.value.suggested_tweet_id == mention.x_id


def test_a_case_without_a_mention_offers_only_a_dm(case, agent):
    customer_tweet(case, "no mention here", mentioned_user_ids=[])
    with pytest.raises(ComposeRefused) as exc:
        reply_compose(case=case, actor=agent, channel="public", text="Hi!")
    assert exc.value.code == "no_reply_target" and exc.value.offer_channel == "dm"


def test_a_customer_who_refuses_dms_is_not_dmed(case, agent):
    case.customer_x_user.accepts_dms = False
    case.customer_x_user.save()
    with pytest.raises(ComposeRefused) as exc:
        reply_compose(case=case, actor=agent, channel="dm", text="Hello")
    assert exc.value.code == "dm_not_allowed"
    assert f"@{case.customer_x_user.handle}" in exc.value.message


def test_preview_warns_that_a_link_costs_far_more(case):
    customer_tweet(case)
    plain = reply_preview(case=case, channel="public", text="Sorry, please DM us.")
    assert plain.ok and plain.warnings == () and plain.estimated_cost == Decimal("0.010")
    linked = reply_preview(case=case, channel="public", text="Sorry, see https://example.com/help")
    assert linked.ok  # a warning, not a refusal
    assert linked.resource_kind == "post_with_url" and linked.estimated_cost == Decimal("0.200")
    assert "0.200" in linked.warnings[0] and "0.010" in linked.warnings[0]
    assert linked.weighted_length == len("Sorry, see ") + 23


def test_preview_reports_problems_without_raising(case):
    customer_tweet(case)
    verdict = reply_preview(case=case, channel="public", text="Order 40001234 " + "x" * 300)
    assert not verdict.ok and verdict.error_code == "too_long"
    assert verdict.weighted_length > verdict.limit == 280
    assert [f.kind for f in verdict.findings] == ["order_number"]
    dm = reply_preview(case=case, channel="dm", text="Order 40001234")
    assert dm.ok and dm.limit == 10_000 and dm.findings == () and dm.estimated_cost == Decimal("0.015")


def test_preview_suggests_the_privacy_template_when_the_customer_overshared(case):
    customer_tweet(case)
    case.has_private_data_in_public = True
    case.save()
    verdict = reply_preview(case=case, channel="public", text="Hi")
    assert verdict.suggested_template_id is not None
    assert any("delete" in w for w in verdict.warnings)


def test_a_failed_message_can_be_edited_and_retried(case, agent):
    message = OutboundMessageFactory(
        case=case, status="failed", error_code="too_long", last_error="X says too long", attempts=3
    )
    retried = outbound_retry(message=message, actor=agent, text="Shorter text")
    assert (retried.status, retried.text, retried.attempts, retried.last_error) == ("queued", "Shorter text", 0, "")
    event = CaseEvent.objects.filter(kind=CaseEvent.Kind.REPLY_QUEUED).last()
    assert event.data["previous_text"] == "Thanks, we are looking into it."


def test_a_retry_is_checked_again(case, agent):
    customer_tweet(case)
    message = OutboundMessageFactory(
        case=case, channel="public_reply", status="failed", in_reply_to_tweet_id=case.tweets.first().x_id
    )
    with pytest.raises(ComposeRefused) as exc:
        outbound_retry(message=message, actor=agent, text="Order 40001234")
    assert exc.value.code == "private_data"
    message.refresh_from_db()
    assert message.status == "failed"


def test_only_failed_messages_can_be_retried(case, agent):
    message = OutboundMessageFactory(case=case, status="sent")
    with pytest.raises(ComposeRefused):
        outbound_retry(message=message, actor=agent)


def test_queued_messages_can_be_cancelled_but_not_sent_ones(case, agent):
    queued = OutboundMessageFactory(case=case)
    assert outbound_cancel(message=queued, actor=agent).status == "cancelled"
    sending = OutboundMessageFactory(case=case, status="sending")
    with pytest.raises(ComposeRefused) as exc:
        outbound_cancel(message=sending, actor=agent)
    assert exc.value.code == "not_cancellable"


def test_composing_takes_a_fixed_number_of_queries(case, agent, django_assert_max_num_queries):
    for minutes in range(20):
        customer_tweet(case, f"@shophelp update {minutes}", minutes_ago=minutes + 1)
    case.orders.add(OrderFactory(), OrderFactory())
    with django_assert_max_num_queries(12):
        reply_compose(case=case, actor=agent, channel="public", text="Thanks for your patience!")
