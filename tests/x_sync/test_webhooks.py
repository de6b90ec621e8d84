"""The Account Activity webhook: CRC, signatures over raw bytes, and the shared ingest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.urls import reverse

from crm_twitter.models import Case, DirectMessage, Media, Tweet, WebhookDelivery, XUser
from crm_twitter.x.ingest import tweets_ingest
from crm_twitter.x.webhooks import (
    crc_response_token,
    webhook_payload_ingest,
    webhook_payload_pages,
    webhook_signature_valid,
)
from tests.factories import BrandAccountFactory
from tests.x_sync.conftest import page

# ../shared beside the repo (absent on a user's machine: those tests skip).
FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "account-activity"
SECRET = "DDD"  # Zammad's spec secret; the vectors below are computed with it.


def fixture(name: str) -> dict:
    path = FIXTURES / name
    if not path.exists():
        pytest.skip(f"fixture {path} not available")
    return json.loads(path.read_text())


def ruby_json(obj) -> bytes:
    """Compact JSON with <, > and & escaped like Ruby's to_json (what X's signer saw)."""
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode()


@pytest.fixture
def secret(settings):
    settings.CRM_TWITTER = {**(getattr(settings, "CRM_TWITTER", None) or {}), "WEBHOOK_CONSUMER_SECRET": SECRET}
    return SECRET


def test_crc_response_token_matches_the_known_vector():
    assert crc_response_token(crc_token="some_random", consumer_secret=SECRET) == (
        "sha256=VE19eUk6krbdSqWPdvH71xtFhApBAU81uPW3UT65vOs="
    )


def test_crc_challenge_over_http(client, secret):
    response = client.get(reverse("crm_twitter_x:webhook"), {"crc_token": "some_random"})
    assert response.status_code == 200
    assert response.json() == {"response_token": "sha256=VE19eUk6krbdSqWPdvH71xtFhApBAU81uPW3UT65vOs="}


def test_signature_vectors_verify_over_the_raw_bytes():
    assert webhook_signature_valid(
        body=b'{"for_user_id":123,"key":"value"}',
        consumer_secret=SECRET,
        signature="sha256=JjEmBe1lVKT8XldrYUKibF+D5ehp8f0jDk3PXZSHEWI=",
    )
    dm = fixture("zammad_webhook1_direct_message.signed.json")
    assert webhook_signature_valid(
        body=json.dumps(dm["params"], separators=(",", ":")).encode(),
        consumer_secret=SECRET,
        signature=dm["headers"]["x-twitter-webhooks-signature"],
    )
    tweet = fixture("zammad_webhook1_tweet.signed.json")
    signature = tweet["headers"]["x-twitter-webhooks-signature"]
    # Only X's own bytes verify: re-serialising the JSON the Python way breaks the signature.
    assert webhook_signature_valid(body=ruby_json(tweet["params"]), consumer_secret=SECRET, signature=signature)
    assert not webhook_signature_valid(
        body=json.dumps(tweet["params"], separators=(",", ":")).encode(), consumer_secret=SECRET, signature=signature
    )


@pytest.mark.django_db
def test_a_signed_post_is_accepted_and_enqueued(client, secret, django_capture_on_commit_callbacks, monkeypatch):
    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda *a, **kw: queued.append(a))
    dm = fixture("zammad_webhook1_direct_message.signed.json")
    body = json.dumps(dm["params"], separators=(",", ":")).encode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("crm_twitter_x:webhook"),
            body,
            content_type="application/json",
            headers={"x-twitter-webhooks-signature": dm["headers"]["x-twitter-webhooks-signature"]},
        )
    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert delivery.body.encode() == body and delivery.signature_verified
    assert (delivery.format, delivery.for_user_id, delivery.outcome) == ("v1", "123", "pending")
    assert queued == [("crm_twitter.tasks.sync.webhook_delivery_task", delivery.pk)]


@pytest.mark.django_db
@pytest.mark.parametrize("signature", [None, "", "sha256=AAAA", "sha256=JjEmBe1lVKT8XldrYUKibF+D5ehp8f0jDk3PXZSHEWI="])
def test_missing_or_wrong_signatures_are_refused_with_403(client, secret, signature, monkeypatch):
    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda *a, **kw: queued.append(a))
    headers = {} if signature is None else {"x-twitter-webhooks-signature": signature}
    response = client.post(
        reverse("crm_twitter_x:webhook"),
        b'{"for_user_id":"123","tweet_create_events":[]}',
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 403
    assert queued == []
    assert not WebhookDelivery.objects.exists()


@pytest.mark.django_db
def test_without_a_configured_secret_the_webhook_refuses_everything(client):
    assert client.get(reverse("crm_twitter_x:webhook"), {"crc_token": "x"}).status_code == 403


def test_v1_events_become_v2_pages():
    mention = fixture("zammad_tweet_create_user_mention.json")
    tweets, dms = webhook_payload_pages(mention)
    assert dms is None
    tweet = tweets.data[0]
    assert tweet["id"] == "1205348660982083584"
    assert tweet["author_id"] == "1205290247124217856"
    assert tweet["created_at"] == "2019-12-13T04:48:09.000Z"
    assert tweet["entities"]["mentions"][0]["id"] == "2975699229"
    assert tweets.includes["users"][0]["username"] == "pennbrooke1"

    dm = fixture("zammad_dm_incoming_with_media.json")
    _, dms = webhook_payload_pages(dm)
    event = dms.data[0]
    assert event["sender_id"] == "1205290247124217856"
    assert event["dm_conversation_id"] == "2975699229-1205290247124217856"  # lower id first, as X does
    assert event["attachments"]["media_keys"] == ["16_1209117874389843969"]
    assert dms.includes["media"][0]["type"] == "animated_gif"


@pytest.mark.django_db
def test_a_thread_delivered_by_webhook_lands_in_one_case():
    brand = BrandAccountFactory(handle="ScruffyMcG", x_user_id="2975699229")
    webhook_payload_ingest(payload=fixture("zammad_tweet_create_user_mention.json"))
    webhook_payload_ingest(payload=fixture("zammad_tweet_create_reply_in_thread.json"))
    case = Case.objects.get()
    assert case.brand_account == brand
    assert set(case.tweets.values_list("x_id", flat=True)) == {"1205348660982083584", "1207623566339919872"}
    reply = Tweet.objects.get(x_id="1207623566339919872")
    assert reply.conversation_id == "1205348660982083584"
    assert reply.text == "@ScruffyMcG This is only a test."


@pytest.mark.django_db
def test_a_dm_with_media_delivered_by_webhook_is_stored_with_its_media():
    BrandAccountFactory(handle="ScruffyMcG", x_user_id="2975699229")
    counts = webhook_payload_ingest(payload=fixture("zammad_dm_incoming_with_media.json"))
    assert counts == {"tweets": 0, "dms": 1}
    dm = DirectMessage.objects.get()
    assert dm.sender.handle == "pennbrooke1"
    assert dm.case is not None
    assert Media.objects.get().direct_message == dm
    assert webhook_payload_ingest(payload=fixture("zammad_dm_incoming_with_media.json")) == {"tweets": 0, "dms": 0}


@pytest.mark.django_db
def test_the_same_message_by_webhook_and_by_poll_exists_once():
    brand = BrandAccountFactory(handle="ScruffyMcG", x_user_id="2975699229")
    payload = fixture("zammad_tweet_create_user_mention.json")
    webhook_payload_ingest(payload=payload)
    polled = {
        "id": "1205348660982083584",
        "text": "@ScruffyMcG This is a test of Twitter API webhooks.",
        "author_id": "1205290247124217856",
        "created_at": "2019-12-13T04:48:09.000Z",
        "conversation_id": "1205348660982083584",
    }
    result = tweets_ingest(
        account=brand,
        page=page([polled], [{"id": "1205290247124217856", "username": "pennbrooke1", "name": "pennbrooke"}]),
    )
    assert result.new_tweets == 0
    assert Tweet.objects.count() == 1
    assert XUser.objects.filter(x_id="1205290247124217856").count() == 1
    assert Case.objects.count() == 1


@pytest.mark.django_db
def test_the_webhook_task_ingests_a_delivery():
    from crm_twitter.tasks.sync import webhook_event_task

    BrandAccountFactory(handle="ScruffyMcG", x_user_id="2975699229")
    assert webhook_event_task(fixture("zammad_tweet_create_user_mention.json")) == {"tweets": 1, "dms": 0}


@pytest.mark.django_db
@pytest.mark.parametrize("depth", [65, 100_000])
def test_a_signed_but_deeply_nested_body_is_refused_with_400(client, secret, depth, monkeypatch):
    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda *a, **kw: queued.append(a))
    body = ('{"for_user_id":"123","tweet_create_events":[' + "[" * depth + "]" * depth + "]}").encode()

    response = client.post(
        reverse("crm_twitter_x:webhook"),
        body,
        content_type="application/json",
        headers={"x-twitter-webhooks-signature": crc_response_token(crc_token=body.decode(), consumer_secret=SECRET)},
    )

    assert response.status_code == 400
    assert b"nested too deeply" in response.content
    assert queued == []
