"""Sending the queue against the in-memory gateway (``crm_twitter.x.fake_gateway``): what the desk
does with X's answers — the timeline, the case, the cost ledger, refusals — without HTTP.

The wire itself (tweepy, payload shapes, faults on the connection) is tested against the HTTP
sandbox in test_send.py and tests/x_gateway.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from crm_twitter.models import ApiCall, CaseEvent, DirectMessage, Notification, OutboundMessage, Tweet
from crm_twitter.models.messages import Party
from crm_twitter.services.compose import reply_compose
from crm_twitter.x import outbound as outbound_module
from crm_twitter.x.errors import XAuthError, XBadRequest, XTransientError
from crm_twitter.x.fake_gateway import FakeGateway
from crm_twitter.x.outbound import outbound_send
from tests.factories import BrandAccountFactory, CaseFactory, TweetFactory, XUserFactory

pytestmark = pytest.mark.django_db

BRAND_X_ID = "900000042"


@pytest.fixture
def fake_x(monkeypatch, settings) -> FakeGateway:
    settings.CRM_TWITTER = {**settings.CRM_TWITTER, "OUTBOUND_BACKOFF_SECONDS": 0, "OUTBOUND_MAX_BACKOFF_SECONDS": 0}
    FakeGateway.reset()
    FakeGateway.shared = FakeGateway(x_user_id=BRAND_X_ID)
    monkeypatch.setattr(outbound_module, "XGateway", FakeGateway)
    yield FakeGateway.shared
    FakeGateway.reset()


@pytest.fixture
def case():
    brand = BrandAccountFactory(handle="shophelp", x_user_id=BRAND_X_ID)
    customer = XUserFactory(x_id="700000001", handle="alice_buys", name="Alice")
    return CaseFactory(brand_account=brand, customer=customer.customer, customer_x_user=customer, language="en")


@pytest.fixture
def mention(case) -> Tweet:
    return TweetFactory(
        case=case,
        brand_account=case.brand_account,
        author=case.customer_x_user,
        party=Party.CUSTOMER,
        text="@shophelp my parcel never arrived",
        mentioned_user_ids=[BRAND_X_ID],
        created_at=timezone.now() - dt.timedelta(minutes=5),
    )


def test_a_public_reply_is_sent_once_under_the_mention_and_joins_the_timeline(fake_x, case, mention, agent):
    message = reply_compose(case=case, actor=agent, channel="public", text="Sorry! Please DM us. ^AS")
    outbound_send(message_id=message.pk)
    outbound_send(message_id=message.pk)  # a second run of the task sends nothing

    [call] = fake_x.calls_to("create_reply")
    assert call.kwargs == {"text": message.text, "in_reply_to_tweet_id": mention.x_id}
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.SENT and message.attempts == 1
    tweet = Tweet.objects.get(x_id=message.x_id)
    assert tweet.case == case and tweet.sent_via_desk and tweet.sent_by == agent
    case.refresh_from_db()
    assert case.status == "acknowledged" and case.first_response_at is not None
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.REPLY_SENT, data__x_id=message.x_id).exists()
    assert ApiCall.objects.filter(endpoint="POST /2/tweets", case=case, resource_kind="reply_to_mention").exists()


def test_a_dm_reaches_the_customer_and_leaves_the_senders_version_alone(fake_x, case, mention, agent):
    message = reply_compose(case=case, actor=agent, channel="dm", text="Could you send a photo of the label?")
    case.refresh_from_db()
    seen = case.version
    outbound_send(message_id=message.pk)

    [call] = fake_x.calls_to("send_dm")
    assert call.kwargs["participant_id"] == case.customer_x_user.x_id
    dm = DirectMessage.objects.get(x_event_id=OutboundMessage.objects.get(pk=message.pk).x_id)
    assert dm.case == case and dm.direction == "outbound" and dm.recipient == case.customer_x_user
    case.refresh_from_db()
    assert case.status == "in_dm" and case.version == seen


def test_a_reply_x_refuses_fails_with_the_reason_an_event_and_a_notification(fake_x, case, mention, agent):
    fake_x.script("create_reply", XBadRequest("This post is gone", status_code=404, code="not_found"))
    message = reply_compose(case=case, actor=agent, channel="public", text="Sorry about that!")
    outbound_send(message_id=message.pk)

    message.refresh_from_db()
    assert (message.status, message.error_code) == ("failed", "not_found")
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.REPLY_FAILED).exists()
    assert Notification.objects.filter(user=agent, kind="send_failed", case=case).exists()


def test_revoked_credentials_fail_with_an_auth_reason(fake_x, case, mention, agent):
    fake_x.script("create_reply", XAuthError("Unauthorized", status_code=401))
    message = reply_compose(case=case, actor=agent, channel="public", text="Hello")
    outbound_send(message_id=message.pk)
    message.refresh_from_db()
    assert (message.status, message.error_code) == ("failed", "auth")
    assert "reconnect" in message.last_error


def test_a_server_error_before_sending_is_retried_and_then_goes_through(fake_x, case, mention, agent):
    fake_x.script("create_reply", XTransientError("503", request_sent=False))
    message = reply_compose(case=case, actor=agent, channel="public", text="We are on it")
    outbound_send(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.QUEUED and not message.ambiguous

    outbound_send(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.SENT
    assert len(fake_x.calls_to("create_reply")) == 2
