"""The X Activity API stream (desks without a public URL): same ingest, reconnects with backoff."""

from __future__ import annotations

import threading
import time
from io import StringIO

import pytest
from django.core.management import call_command

from crm_twitter.models import Case, DirectMessage, Tweet, WebhookDelivery
from crm_twitter.x import activity
from crm_twitter.x.activity_events import DEFAULT_SUBSCRIBED_EVENTS
from crm_twitter.x.activity_stream import activity_stream_consume
from crm_twitter.x.errors import XAuthError

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def subscribed(sandbox):
    brand = sandbox.brand_account("AcmeHelp")
    activity.account_subscribe(
        gateway=sandbox.gateway(brand.x_user_id), user_id=brand.x_user_id, event_types=DEFAULT_SUBSCRIBED_EVENTS
    )
    return brand


def once_streaming(sandbox, fn, *, within: float = 60.0) -> threading.Thread:
    """Act on the sandbox from another thread as soon as a client holds the stream open (the
    sandbox has no DB): a condition, not a guess at how long connecting takes on a busy machine."""
    streams = sandbox.server.activity.data.streams
    opened = threading.Event()

    def run():
        deadline = time.monotonic() + within
        while not streams and time.monotonic() < deadline:
            opened.wait(0.01)
        fn()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_the_stream_brings_a_mention_and_the_dm_that_follows_into_one_case(sandbox, subscribed):
    state = sandbox.state
    hana = state.add_user("hana")

    def customer_writes():
        state.customer_tweet(hana, "@AcmeHelp the package came open and empty")
        state.customer_dm(hana, "AcmeHelp", "Order 40007777, here are the photos")

    once_streaming(sandbox, customer_writes)
    out = StringIO()
    call_command("crm_twitter_webhooks", "stream", "--max-events", "2", stdout=out)

    assert "2 events over 1 connection(s): 2 processed" in out.getvalue()
    case = Case.objects.get()
    assert case.tweets.count() == 1 and DirectMessage.objects.get().case == case
    assert set(WebhookDelivery.objects.values_list("source", flat=True)) == {"stream"}


def test_a_refused_connection_is_retried_with_backoff_and_nothing_is_lost(sandbox, subscribed):
    sandbox.faults.server_error("GET /2/activity/stream", status=503, times=2)
    waits = []
    ivan = sandbox.state.add_user("ivan")

    def sleep(seconds):
        waits.append(seconds)
        if len(waits) == 2:  # the third connection is the good one: the customer writes once it is open
            once_streaming(sandbox, lambda: sandbox.state.customer_tweet(ivan, "@AcmeHelp refund please"))

    result = activity_stream_consume(
        gateway=lambda: sandbox.gateway(subscribed.x_user_id), max_events=1, backoff=0.01, sleep=sleep
    )

    assert (result.events, result.connections) == (1, 3)
    assert waits[1] > waits[0]  # the wait doubles
    assert Tweet.objects.get().text == "@AcmeHelp refund please"


def test_revoked_credentials_stop_the_stream_instead_of_retrying(sandbox, subscribed):
    from crm_twitter.sandbox.state import SANDBOX_APP_BEARER_TOKEN

    sandbox.state.revoke_token(SANDBOX_APP_BEARER_TOKEN)
    with pytest.raises(XAuthError):
        activity_stream_consume(
            gateway=lambda: sandbox.gateway(subscribed.x_user_id), max_events=1, sleep=lambda s: None
        )
