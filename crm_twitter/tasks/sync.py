"""django-q2 tasks of the X sync (thin: each calls one service)."""

from __future__ import annotations

import datetime as dt


def sync_account_task(account_id: int, until: str | None = None) -> dict:
    """One scheduler tick of one brand account (enqueued by ``sync_due_accounts`` with the tick's
    end as ``until``; without it — the admin's "sync now" — a single sync)."""
    from crm_twitter.models import BrandAccount
    from crm_twitter.services.categorisation import cases_suggest_pending
    from crm_twitter.tasks.rows import unless_gone
    from crm_twitter.x.sync import account_sync_tick

    result = unless_gone(
        BrandAccount,
        account_id,
        lambda: account_sync_tick(account_id=account_id, until=dt.datetime.fromisoformat(until) if until else None),
        task="sync_account_task",
        gone=None,
    )
    if result is None:
        return {"account_id": account_id, "stopped": "gone"}
    suggested = cases_suggest_pending() if result.new_tweets or result.new_dms else 0
    return {
        "suggested": suggested,
        "account_id": account_id,
        "polls": len(result.polls),
        "calls": result.calls,
        "new_tweets": result.new_tweets,
        "new_dms": result.new_dms,
        "stopped": result.polls[-1].stopped_reason,
        "ended": result.ended,
    }


def sync_due_accounts() -> list[int]:
    """Every minute (``crm_twitter:sync-due-accounts``): enqueue a sync for each account that is due."""
    from crm_twitter.x.sync import sync_due_accounts as due_accounts_sync

    return due_accounts_sync()


def profile_refresh_task() -> int:
    """Hourly (``crm_twitter:profile-refresh``): refresh day-old profiles of customers with open cases."""
    from crm_twitter.x.sync import profiles_refresh

    return profiles_refresh()


def webhook_event_task(payload: dict) -> dict:
    """Ingest one decoded Account Activity delivery (queued by ``webhook_payload_enqueue``)."""
    from crm_twitter.services.categorisation import cases_suggest_pending
    from crm_twitter.x.webhooks import webhook_payload_ingest

    result = webhook_payload_ingest(payload=payload)
    cases_suggest_pending()
    return result


def webhook_deliveries_catch_up_task() -> dict:
    """Every minute: deliveries whose task was lost, and failed ones due for another try."""
    from crm_twitter.services.categorisation import cases_suggest_pending
    from crm_twitter.x.deliveries import webhook_deliveries_catch_up

    outcomes = webhook_deliveries_catch_up()
    if outcomes:
        cases_suggest_pending()
    return outcomes


def webhook_delivery_task(delivery_id: int) -> dict:
    """Process one stored webhook delivery (enqueued by the webhook view once the row is committed)."""
    from crm_twitter.models import WebhookDelivery
    from crm_twitter.services.categorisation import cases_suggest_pending
    from crm_twitter.tasks.rows import unless_gone
    from crm_twitter.x.deliveries import webhook_delivery_process

    delivery = unless_gone(
        WebhookDelivery,
        delivery_id,
        lambda: webhook_delivery_process(delivery_id=delivery_id),
        task="webhook_delivery_task",
        gone=None,
    )
    if delivery is None:
        return {"delivery_id": delivery_id, "outcome": "gone"}
    if delivery.counts.get("tweets") or delivery.counts.get("dms"):
        cases_suggest_pending()
    return {"delivery_id": delivery_id, "outcome": delivery.outcome, **delivery.counts}
