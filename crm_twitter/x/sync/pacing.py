"""How often to poll and when not to: endpoint quotas, the adaptive interval that keeps X's
800-mention window from being overrun within the monthly budget, and the alerts when it cannot.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from crm_twitter.conf import app_settings
from crm_twitter.models import BrandAccount, Notification
from crm_twitter.roles import Ability, users_with
from crm_twitter.services.notifications import MESSAGE_MAX, NotificationSpec, notifications_send_many
from crm_twitter.x import costs
from crm_twitter.x.webhook_pacing import webhook_paced_interval

# Poll at least twice within the time a busy account takes to produce MENTIONS_WINDOW mentions.
WINDOW_SAFETY = 0.5
BUDGET_SLOWDOWN_FACTOR = 4


def endpoint_blocked_until(account: BrandAccount, endpoint: str, now: dt.datetime) -> dt.datetime | None:
    """When the endpoint's quota is spent and its reset is still ahead, that reset time."""
    state = (account.rate_limits or {}).get(endpoint) or {}
    if state.get("remaining") != 0 or not state.get("reset"):
        return None
    try:
        reset = dt.datetime.fromisoformat(str(state["reset"]).replace("Z", "+00:00"))
    except ValueError:
        return None
    return reset if reset > now else None


def sync_alert(account: BrandAccount, message: str) -> None:
    """Tell the people who can act (supervisors, managers, superusers: ``Ability.SYNC_ALERTS``),
    in the app and by e-mail like every notification — once per message per day."""
    since = timezone.now() - dt.timedelta(days=1)
    already = set(
        Notification.objects.filter(
            kind=Notification.Kind.SYNC_ALERT, message=message[:MESSAGE_MAX], created_at__gte=since
        ).values_list("user_id", flat=True)
    )
    notifications_send_many(
        specs=[
            NotificationSpec(user_id=user_id, case_id=None, kind=Notification.Kind.SYNC_ALERT, message=message)
            for user_id in users_with(Ability.SYNC_ALERTS).values_list("pk", flat=True)
            if user_id not in already
        ]
    )


def sync_interval_compute(
    *, account: BrandAccount, new_mentions: int, now: dt.datetime, budget_state: str = costs.BUDGET_OK
) -> tuple[int, str]:
    """The next polling interval (seconds) and a warning when X's mention window is at risk.

    The mention rate seen since the last sync predicts how long the 800-mention window lasts; we
    poll at least twice in that time. Past the budget slowdown ratio the interval grows, but never
    beyond what the window allows — slowing down must not lose mentions we could still reach.
    """
    base = int(app_settings.SYNC_INTERVAL_SECONDS)
    low, high = int(app_settings.SYNC_MIN_INTERVAL_SECONDS), int(app_settings.SYNC_MAX_INTERVAL_SECONDS)
    window = int(app_settings.MENTIONS_WINDOW)
    warning = ""
    safe = float(high)
    if account.last_synced_at and new_mentions:
        elapsed = max(1.0, (now - account.last_synced_at).total_seconds())
        rate = new_mentions / elapsed
        safe = window / rate * WINDOW_SAFETY
        if safe < low or new_mentions >= window * WINDOW_SAFETY:
            warning = (
                f"@{account.handle}: {new_mentions} mentions in {int(elapsed)} s — X's {window}-mention window "
                f"fills in about {int(window / rate)} s; mentions are polled every {low} s "
                "(SYNC_MIN_INTERVAL_SECONDS, several polls per scheduler tick) and may not keep up."
            )
    interval = min(base, safe)
    if budget_state == costs.BUDGET_SLOWED:
        interval = min(base * BUDGET_SLOWDOWN_FACTOR, safe)
    # While X's webhook carries the account's traffic, polling is only the safety net.
    interval = webhook_paced_interval(account=account, interval=int(interval), safe=safe, now=now)
    return max(low, min(high, int(interval))), warning
