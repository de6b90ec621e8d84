"""Polling as the safety net: slower while X's webhook carries an account's traffic.

When the X Activity API delivered (and the desk processed) something for an account within
``WEBHOOK_LIVE_SECONDS``, the webhook is doing the work, and each poll mostly re-reads what is
already stored — billed reads for nothing. The poll interval then stretches to
``WEBHOOK_POLL_INTERVAL_SECONDS``, but never beyond what X's mention window allows (``safe``, from
the pacing rule), so a webhook that silently drops events still cannot cost us mentions. When
deliveries stop, the account counts as live for at most ``WEBHOOK_LIVE_SECONDS`` more; the poll
after that returns to the normal pace.

X sends no heartbeat on a webhook: a quiet account looks like a dead webhook and is polled at the
normal pace, which is the safe side.
"""

from __future__ import annotations

import datetime as dt

from crm_twitter.conf import app_settings
from crm_twitter.models import BrandAccount, WebhookDelivery

LIVE_OUTCOMES = (WebhookDelivery.Outcome.PROCESSED, WebhookDelivery.Outcome.DUPLICATE)


def webhook_delivering(*, account: BrandAccount, now: dt.datetime) -> bool:
    """Whether X's webhook delivered something usable for ``account`` within the live window."""
    if account.pk is None:  # an account not stored has no deliveries
        return False
    since = now - dt.timedelta(seconds=int(app_settings.WEBHOOK_LIVE_SECONDS))
    return WebhookDelivery.objects.filter(
        account_id=account.pk, received_at__gte=since, outcome__in=LIVE_OUTCOMES
    ).exists()


def webhook_paced_interval(*, account: BrandAccount, interval: int, safe: float, now: dt.datetime) -> int:
    """The poll interval with the webhook taken into account (see the module's rule)."""
    if not webhook_delivering(account=account, now=now):
        return interval
    return int(max(interval, min(int(app_settings.WEBHOOK_POLL_INTERVAL_SECONDS), safe)))
