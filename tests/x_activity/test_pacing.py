"""Polling as the safety net: slower while the webhook delivers, back to normal when it stops."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from crm_twitter.models import BrandAccount, WebhookDelivery
from crm_twitter.x.sync import account_sync, sync_interval_compute

pytestmark = pytest.mark.django_db


def delivered(account, *, ago: dt.timedelta, outcome: str = "processed") -> WebhookDelivery:
    delivery = WebhookDelivery.objects.create(
        body="{}", body_sha256="0" * 64, signature_verified=True, format="xaa", account=account, outcome=outcome
    )
    WebhookDelivery.objects.filter(pk=delivery.pk).update(received_at=timezone.now() - ago)
    return delivery


def interval(account, *, new_mentions: int = 0) -> int:
    return sync_interval_compute(account=account, new_mentions=new_mentions, now=timezone.now())[0]


def test_an_account_whose_webhook_delivers_is_polled_every_ten_minutes(brand):
    assert interval(brand) == 60
    delivered(brand, ago=dt.timedelta(minutes=2))
    assert interval(brand) == 600


def test_polling_speeds_up_again_when_deliveries_stop(brand):
    delivered(brand, ago=dt.timedelta(minutes=11))
    assert interval(brand) == 60


def test_rejected_deliveries_do_not_count_as_a_working_webhook(brand):
    delivered(brand, ago=dt.timedelta(minutes=1), outcome="rejected")
    assert interval(brand) == 60


def test_a_busy_account_is_never_slowed_past_its_mention_window(brand):
    delivered(brand, ago=dt.timedelta(minutes=1))
    brand.last_synced_at = timezone.now() - dt.timedelta(seconds=60)
    # 200 mentions a minute: 800 last 4 minutes, so polls must come at least every 2 minutes.
    assert interval(brand, new_mentions=200) == 120


def test_a_sync_of_an_account_with_a_live_webhook_schedules_the_next_poll_later(sandbox):
    brand = sandbox.brand_account("AcmeHelp")
    delivered(brand, ago=dt.timedelta(seconds=30))
    account_sync(account_id=brand.pk)
    brand = BrandAccount.objects.get(pk=brand.pk)
    assert brand.sync_interval_seconds == 600
    assert brand.next_sync_at - timezone.now() > dt.timedelta(minutes=9)
