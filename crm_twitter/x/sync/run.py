"""One sync run of an account: budget and post-read cap first, then each stream, then the health,
message and next poll time stored on the account.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from crm_twitter.conf import app_settings
from crm_twitter.models import BrandAccount
from crm_twitter.x import costs
from crm_twitter.x.ingest import IngestRejected
from crm_twitter.x.sync.dm_walk import dms_sync
from crm_twitter.x.sync.locks import account_sync_lock
from crm_twitter.x.sync.pacing import endpoint_blocked_until, sync_alert, sync_interval_compute
from crm_twitter.x.sync.state import ALL_STREAMS, DMS, ENDPOINTS, SyncProgress, SyncResult, SyncRun
from crm_twitter.x.sync.timeline import timeline_sync

logger = logging.getLogger(__name__)


def _finish(
    run: SyncRun, *, health: str, message: str, next_at: dt.datetime | None = None, interval: int | None = None
) -> SyncResult:
    account = run.account
    with transaction.atomic():
        locked = BrandAccount.objects.select_for_update().get(pk=account.pk)
        locked.sync_health = health
        locked.sync_message = message[:2000]
        locked.last_synced_at = run.now if run.calls else locked.last_synced_at
        if interval is not None:
            locked.sync_interval_seconds = interval
        # While a tick's poll loop runs, the row keeps the tick's claim so no other tick enqueues it.
        locked.next_sync_at = max(next_at, run.hold_until) if next_at and run.hold_until else next_at
        locked.save(
            update_fields=[
                "sync_health",
                "sync_message",
                "last_synced_at",
                "sync_interval_seconds",
                "next_sync_at",
                "updated_at",
            ]
        )
    return SyncResult(
        account_id=account.pk,
        calls=run.calls,
        pages=run.pages,
        received=run.received,
        new_tweets=run.new_tweets,
        new_dms=run.new_dms,
        cases_opened=run.cases_opened,
        complete=not run.stopped,
        stopped_reason=run.stopped,
        next_sync_at=next_at,
        interval_seconds=interval,
        warnings=tuple(run.warnings),
    )


def account_sync(
    *,
    account_id: int,
    backfill_days: int | None = None,
    progress: Callable[[SyncProgress], None] | None = None,
    streams: Sequence[str] = ALL_STREAMS,
    gateway: Any = None,
    hold_until: dt.datetime | None = None,
) -> SyncResult:
    """Pull an account's new mentions, own posts and DM events into cases, within quota and budget.

    ``result.next_sync_at`` is when the account should be polled next; with ``hold_until`` (a poll
    loop's claim, see ``account_sync_tick``) the row keeps at least that time meanwhile.
    """
    from crm_twitter.x.errors import XAuthError, XError, XMalformedResponse, XRateLimited, XTransientError

    account = BrandAccount.objects.get(pk=account_id)
    now = timezone.now()
    if not account.is_active:
        return SyncResult(account_id=account_id, stopped_reason="inactive")

    with account_sync_lock(account_id):
        account.refresh_from_db()
        now = timezone.now()
        run = SyncRun(
            account=account,
            gateway=None,
            now=now,
            progress=progress,
            backfill_days=backfill_days,
            hold_until=hold_until,
        )
        budget = costs.account_budget_state(account=account, now=now)
        if budget.state == costs.BUDGET_STOPPED:
            run.stopped = "budget"
            message = (
                f"@{account.handle}: monthly X budget reached (${budget.spent} of ${budget.budget}); "
                "sync stopped until the budget is raised or the month ends."
            )
            if account.sync_health != BrandAccount.SyncHealth.STOPPED:
                logger.warning("crm_twitter sync: %s", message)
                sync_alert(account, message)
            return _finish(
                run,
                health=BrandAccount.SyncHealth.STOPPED,
                message=message,
                next_at=now + dt.timedelta(seconds=int(app_settings.SYNC_MAX_INTERVAL_SECONDS)),
            )

        cap = int(app_settings.MONTHLY_POST_READ_CAP or 0)
        if cap and costs.post_reads_this_month(now=now) >= cap:
            run.stopped = "post_read_cap"
            message = f"X's monthly post-read cap ({cap}) is reached; sync paused until next month."
            if account.sync_health != BrandAccount.SyncHealth.STOPPED:
                sync_alert(account, message)
            return _finish(
                run,
                health=BrandAccount.SyncHealth.STOPPED,
                message=message,
                next_at=now + dt.timedelta(seconds=int(app_settings.SYNC_MAX_INTERVAL_SECONDS)),
            )

        if gateway is None:
            from crm_twitter.x.gateway import XGateway

            gateway = XGateway.for_account(account)
        run.gateway = gateway
        health, message = BrandAccount.SyncHealth.OK, ""
        try:
            for stream in streams:
                run.current_stream = stream
                blocked = endpoint_blocked_until(account, ENDPOINTS[stream], now)
                if blocked:
                    # DM lookup allows 15 requests per 15 minutes: skip, never wait.
                    run.reset_at = max(run.reset_at or blocked, blocked)
                    if stream != DMS:
                        run.stopped = "rate_limited"
                        break
                    continue
                try:
                    if stream == DMS:
                        dms_sync(run)
                    else:
                        timeline_sync(run, stream)
                except XRateLimited as exc:
                    # The endpoint's quota is spent until the reset: the next run does not even ask.
                    account.refresh_from_db(fields=["rate_limits"])
                    endpoint = ENDPOINTS[stream]
                    previous = (account.rate_limits or {}).get(endpoint) or {}
                    costs.account_rate_limit_store(
                        account=account,
                        endpoint=endpoint,
                        limit=previous.get("limit"),
                        remaining=0,
                        reset_at=exc.reset_at,
                    )
                    if stream == DMS:
                        # DM lookup's 15 requests / 15 min must not hold back mentions polling.
                        run.warnings.append(f"DM events rate limited until {exc.reset_at:%H:%M:%S} UTC")
                        continue
                    run.stopped, run.reset_at = "rate_limited", exc.reset_at
                if run.stopped:
                    break
        except XTransientError as exc:
            run.stopped, run.stopped_detail = "transient", str(exc)
        except (XMalformedResponse, IngestRejected) as exc:
            run.stopped, run.stopped_detail = "malformed", str(exc)
        except XAuthError as exc:
            run.stopped, run.stopped_detail = "auth", str(exc)
        except XError as exc:
            run.stopped, run.stopped_detail = "error", str(exc)

    account.refresh_from_db()
    interval, warning = sync_interval_compute(
        account=account, new_mentions=run.new_mentions, now=now, budget_state=budget.state
    )
    if warning:
        run.warnings.append(warning)
        logger.warning("crm_twitter sync: %s", warning)
    next_at = timezone.now() + dt.timedelta(seconds=interval)
    if run.stopped == "rate_limited":
        health = BrandAccount.SyncHealth.RATE_LIMITED
        message = f"Rate limited by X until {run.reset_at:%Y-%m-%d %H:%M:%S} UTC."
        next_at = max(next_at, run.reset_at) if run.reset_at else next_at
    elif run.stopped == "auth":
        health, message = BrandAccount.SyncHealth.AUTH_FAILED, f"X refused the credentials: {run.stopped_detail}"
        next_at = timezone.now() + dt.timedelta(seconds=int(app_settings.SYNC_MAX_INTERVAL_SECONDS))
    elif run.stopped in {"transient", "malformed", "error"}:
        health, message = BrandAccount.SyncHealth.ERROR, f"Sync stopped ({run.stopped}): {run.stopped_detail}"
        logger.error("crm_twitter sync @%s: %s", account.handle, message)
    elif budget.state == costs.BUDGET_SLOWED:
        health = BrandAccount.SyncHealth.SLOWED
        message = f"Past {int(app_settings.BUDGET_SLOWDOWN_RATIO * 100)}% of the monthly budget: polling slowed."
    if run.stopped == "max_pages":
        next_at = timezone.now() + dt.timedelta(seconds=int(app_settings.SYNC_MIN_INTERVAL_SECONDS))
    if warning and not message:
        message = warning
    return _finish(run, health=health, message=message, next_at=next_at, interval=interval)
