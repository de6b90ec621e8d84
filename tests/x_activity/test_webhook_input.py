"""The webhook's door: signatures, CRC, and every kind of bad input — a clear 4xx or a kept,
flagged delivery; never a 500, never half a message."""

from __future__ import annotations

import copy
import json
import logging
from pathlib import Path

import pytest
from django.urls import reverse

from crm_twitter.models import ApiCall, Case, DirectMessage, Tweet, WebhookDelivery, XUser
from crm_twitter.sandbox.activity import SANDBOX_WEBHOOK_SECRET, sign
from tests.x_sync.conftest import BRAND_X_ID

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"


def envelope(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def post(client, body: bytes | dict, *, signature: str | None = "sign", **headers):
    raw = body if isinstance(body, bytes) else json.dumps(body, separators=(",", ":")).encode()
    if signature == "sign":
        signature = sign(SANDBOX_WEBHOOK_SECRET, raw)
    if signature is not None:
        headers["x-twitter-webhooks-signature"] = signature
    return client.post(reverse("crm_twitter_x:webhook"), raw, content_type="application/json", headers=headers)


@pytest.fixture
def send(client, brand, webhook_secret, inline_tasks, django_capture_on_commit_callbacks):
    """POST a signed body and run the processing task it queues."""

    def _send(body, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return post(client, body, **kwargs)

    return _send


def test_crc_answer_is_the_hmac_of_the_token_with_the_consumer_secret(client, webhook_secret):
    response = client.get(reverse("crm_twitter_x:webhook"), {"crc_token": "challenge-123"})
    assert response.status_code == 200
    assert response.json() == {"response_token": sign(SANDBOX_WEBHOOK_SECRET, b"challenge-123")}
    assert client.get(reverse("crm_twitter_x:webhook")).status_code == 400


def test_a_mention_envelope_opens_a_case_and_a_dm_envelope_joins_it(send):
    assert send(envelope("post_mention_create")).status_code == 200
    assert send(envelope("dm_received")).status_code == 200

    tweet = Tweet.objects.get(x_id="1863000000000000001")
    dm = DirectMessage.objects.get(x_event_id="1863000000000000002")
    assert tweet.case is not None and dm.case == tweet.case
    assert tweet.case.customer_x_user.handle == "nadia"
    assert dm.text == "Order 40001234 — the tracking stopped a week ago"
    assert list(WebhookDelivery.objects.values_list("outcome", flat=True)) == ["processed", "processed"]


@pytest.mark.parametrize("signature", [None, "", "sha256=AAAA", "sign-with-another-secret"])
def test_a_missing_or_wrong_signature_is_refused_with_403_and_nothing_is_kept(send, signature):
    body = json.dumps(envelope("post_mention_create")).encode()
    if signature == "sign-with-another-secret":
        signature = sign("not-the-secret", body)
    response = send(body, signature=signature)
    assert response.status_code == 403
    assert not WebhookDelivery.objects.exists()
    assert not Tweet.objects.exists()


def test_malformed_json_is_a_400_kept_as_rejected(send):
    response = send(b'{"data": {"event_type": "post.mention.create", ')
    assert response.status_code == 400
    assert b"Malformed JSON" in response.content
    delivery = WebhookDelivery.objects.get()
    assert delivery.outcome == "rejected" and delivery.signature_verified
    assert "Malformed JSON" in delivery.error


def test_a_body_that_is_not_an_object_is_a_400(send):
    assert send(b"[1, 2, 3]").status_code == 400
    assert WebhookDelivery.objects.get().error == "body is not a JSON object"


def test_an_envelope_without_data_is_kept_and_flagged(send):
    response = send({"event_type": "post.mention.create", "payload": {}})
    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert delivery.outcome == "rejected"
    assert "no `data`" in delivery.error


def test_an_unknown_event_type_is_kept_and_logged_not_dropped(send, caplog):
    body = envelope("post_mention_create")
    body["data"]["event_type"] = "profile.update.bio"
    body["data"]["payload"] = {"before": "old bio", "after": "new bio"}
    with caplog.at_level(logging.WARNING, logger="crm_twitter.x.deliveries"):
        assert send(body).status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert (delivery.outcome, delivery.event_types) == ("unhandled", ["profile.update.bio"])
    assert "profile.update.bio" in caplog.text
    assert json.loads(delivery.body)["data"]["payload"]["after"] == "new bio"  # kept as X sent it


def test_a_post_whose_author_is_missing_from_includes_writes_nothing(send):
    body = envelope("post_mention_create")
    body["data"]["includes"]["users"] = []
    assert send(body).status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert delivery.outcome == "rejected"
    assert "not in includes" in delivery.error
    assert not Tweet.objects.exists() and not XUser.objects.exists() and not Case.objects.exists()


def test_a_dm_whose_sender_is_missing_writes_nothing(send):
    body = envelope("dm_received")
    body["data"]["includes"]["users"] = [{"id": BRAND_X_ID, "username": "brandhelp", "name": "Brand"}]
    assert send(body).status_code == 200
    assert WebhookDelivery.objects.get().outcome == "rejected"
    assert not DirectMessage.objects.exists() and not Case.objects.exists()


def test_a_ten_megabyte_body_is_refused_with_413_before_anything_is_kept(send):
    body = json.dumps({"data": {"event_type": "post.mention.create", "pad": "x" * 10_000_000}}).encode()
    response = send(body)
    assert response.status_code == 413
    assert not WebhookDelivery.objects.exists()


def test_a_replayed_delivery_changes_nothing(send):
    body = json.dumps(envelope("post_mention_create")).encode()
    assert send(body).status_code == 200
    case = Case.objects.get()
    calls = ApiCall.objects.count()

    assert send(body).status_code == 200

    assert Tweet.objects.count() == 1 and Case.objects.count() == 1
    case.refresh_from_db()
    assert case.contact_count == 1
    assert ApiCall.objects.count() == calls  # a duplicate is not billed again
    assert sorted(WebhookDelivery.objects.values_list("outcome", flat=True)) == ["duplicate", "processed"]


def test_the_same_post_delivered_as_a_mention_and_a_reply_is_stored_once(send):
    mention = envelope("post_mention_create")
    reply = copy.deepcopy(mention)
    reply["data"]["event_type"] = "post.reply.create"
    reply["data"]["event_uuid"] = "1863456789012345999"
    send(mention)
    send(reply)
    assert Tweet.objects.count() == 1
    assert list(WebhookDelivery.objects.values_list("outcome", flat=True)) == ["processed", "processed"]


def test_a_delivery_for_an_unknown_account_is_kept_as_ignored(send):
    body = envelope("post_mention_create")
    body["data"]["filter"]["user_id"] = "123"
    assert send(body).status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert delivery.outcome == "ignored" and "123" in delivery.error
    assert not Tweet.objects.exists()


def test_an_xaa_post_is_billed_as_one_post_read(send, settings):
    send(envelope("post_mention_create"))
    call = ApiCall.objects.get(endpoint="XAA post.mention.create")
    assert (call.resource_kind, call.billed_resources, str(call.cost)) == ("post_read", 1, "0.0050")


def test_a_nul_character_in_the_envelope_is_kept_without_breaking_the_database(send):
    body = envelope("post_mention_create")
    body["data"]["event_type"] = "post.mention.create\u0000"
    assert send(body).status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert delivery.outcome == "unhandled"
    assert delivery.event_types == ["post.mention.create\ufffd"]


def test_a_broker_outage_still_answers_200_and_keeps_the_delivery_pending(
    client, brand, webhook_secret, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr("django_q.tasks.async_task", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, envelope("post_mention_create"))
    assert response.status_code == 200
    assert WebhookDelivery.objects.get().outcome == "pending"


def test_a_delivery_whose_task_was_lost_is_caught_up_and_a_failed_one_retried(client, brand, webhook_secret):
    import datetime as dt

    from django.utils import timezone

    from crm_twitter.x.deliveries import webhook_deliveries_catch_up

    # The broker was down: the view kept the row and answered 200, but no task ever ran.
    assert post(client, envelope("post_mention_create")).status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert delivery.outcome == "pending" and not Tweet.objects.exists()

    assert webhook_deliveries_catch_up() == {}  # too young: its own task may still come
    later = timezone.now() + dt.timedelta(minutes=3)
    assert webhook_deliveries_catch_up(now=later) == {"processed": 1}
    assert Tweet.objects.get(x_id="1863000000000000001").case is not None

    # An outage while processing leaves it failed; the catch-up tries again after a backoff.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(outcome="failed", attempts=1, processed_at=later)
    assert webhook_deliveries_catch_up(now=later + dt.timedelta(minutes=1)) == {}
    assert webhook_deliveries_catch_up(now=later + dt.timedelta(minutes=3)) == {"processed": 1}
    assert Tweet.objects.count() == 1  # stored once, however often it is processed
