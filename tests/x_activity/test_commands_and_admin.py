"""``crm_twitter_webhooks`` against the sandbox, and the deliveries admin."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from crm_twitter.models import ApiCall, Tweet, WebhookDelivery

pytestmark = pytest.mark.django_db(transaction=True)


def run(*args: str) -> str:
    out = StringIO()
    call_command("crm_twitter_webhooks", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def brand(sandbox):
    return sandbox.brand_account("AcmeHelp")


def test_register_subscribe_list_unsubscribe_delete_through_the_command(sandbox, desk_server, webhook_secret, brand):
    url = desk_server.url + reverse("crm_twitter_x:webhook")

    assert f"registered for {url}" in run("register", "--url", url)
    assert "subscribed to post.mention.create, post.reply.create, dm.received, dm.sent" in run("subscribe")
    assert "subscribed to nothing new" in run("subscribe", "--account", "AcmeHelp")  # safe to run twice

    listing = run("list")
    assert "1 webhook(s)" in listing and url in listing
    assert "4 subscription(s)" in listing and "dm.received @AcmeHelp" in listing

    assert "removed dm.sent" in run("unsubscribe", "--events", "dm.sent")
    assert len(sandbox.server.activity.data.subscriptions) == 3
    webhook_id = next(iter(sandbox.server.activity.data.webhooks))
    assert "deleted" in run("delete", webhook_id)
    assert "0 webhook(s)" in run("list")
    # Management calls are recorded but cost nothing.
    assert ApiCall.objects.filter(endpoint="POST /2/activity/subscriptions").count() == 4
    assert sum(ApiCall.objects.values_list("cost", flat=True)) == 0


def test_registering_a_url_that_fails_the_crc_check_is_refused(sandbox, desk_server, settings, brand):
    settings.CRM_TWITTER = {**settings.CRM_TWITTER, "WEBHOOK_CONSUMER_SECRET": "a-different-secret"}
    with pytest.raises(CommandError, match="CRC check failed"):
        run("register", "--url", desk_server.url + reverse("crm_twitter_x:webhook"))
    assert sandbox.server.activity.data.webhooks == {}


def test_private_events_need_the_accounts_own_authorization(sandbox, brand):
    from crm_twitter.x import activity
    from crm_twitter.x.errors import XAuthError

    other = sandbox.state.add_user("someone")
    with pytest.raises(XAuthError):
        activity.subscription_create(
            gateway=sandbox.gateway(brand.x_user_id), event_type="dm.received", user_id=other["id"]
        )


def test_replay_needs_a_window_that_ends_after_it_starts(sandbox, desk_server, webhook_secret, brand):
    run("register", "--url", desk_server.url + reverse("crm_twitter_x:webhook"))
    with pytest.raises(CommandError, match="must end after it starts"):
        run("replay", "--from", "2026-12-05T12:00", "--to", "2026-12-05T10:00")
    now = dt.datetime.now(dt.UTC)
    out = run("replay", "--from", (now - dt.timedelta(hours=1)).isoformat(), "--to", now.isoformat())
    assert "replay job" in out


def test_the_admin_lists_deliveries_and_processes_one_again(admin_client, desk):
    state = desk.sandbox.state
    customer = state.add_user("gina")
    desk.brand.x_user_id, real_id = "1", desk.brand.x_user_id  # the desk mis-configured for a moment
    desk.brand.save()
    tweet = state.customer_tweet(customer, "@AcmeHelp my refund is stuck")
    desk.settle()
    delivery = WebhookDelivery.objects.get()
    assert delivery.outcome == "ignored"

    page = admin_client.get(reverse("admin:crm_twitter_webhookdelivery_changelist"))
    assert page.status_code == 200
    assert b"post.mention.create" in page.content and b"Nothing to ingest" in page.content

    desk.brand.x_user_id = real_id
    desk.brand.save()
    response = admin_client.post(
        reverse("admin:crm_twitter_webhookdelivery_changelist"),
        {"action": "reprocess", "_selected_action": [delivery.pk]},
        follow=True,
    )
    assert b"Processed again: 1 processed." in response.content
    delivery.refresh_from_db()
    assert (delivery.outcome, delivery.attempts, delivery.counts) == ("processed", 2, {"tweets": 1, "dms": 0})
    assert Tweet.objects.get(x_id=tweet["id"]).case is not None
    detail = admin_client.get(reverse("admin:crm_twitter_webhookdelivery_change", args=[delivery.pk]))
    assert json.loads(delivery.body)["data"]["payload"]["id"] in detail.content.decode()
