"""Refreshing customers' X profiles (followers, name, protected) for the cases still open."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from crm_twitter.models import BrandAccount
from crm_twitter.x import costs

logger = logging.getLogger(__name__)


def profiles_refresh(*, limit: int = 100, now: dt.datetime | None = None) -> int:
    """Refresh the X profiles (followers, name, protected) of customers with open cases.

    Only profiles older than a day are fetched, and never one X already billed us for today.
    """
    from crm_twitter.models import OPEN_STATUSES, Case, XUser
    from crm_twitter.x.errors import XError
    from crm_twitter.x.gateway import XGateway
    from crm_twitter.x.ingest import users_upsert

    now = now or timezone.now()
    stale = now - dt.timedelta(days=1)
    rows = list(
        Case.objects.filter(status__in=OPEN_STATUSES, customer_x_user__isnull=False, brand_account__is_active=True)
        .filter(Q(customer_x_user__profile_fetched_at__isnull=True) | Q(customer_x_user__profile_fetched_at__lt=stale))
        .values_list("brand_account_id", "customer_x_user__x_id")
        .distinct()[: limit * 10]
    )
    by_account: dict[int, list[str]] = {}
    for account_id, x_id in rows:
        ids = by_account.setdefault(account_id, [])
        if x_id not in ids and sum(len(v) for v in by_account.values()) < limit:
            ids.append(x_id)
    refreshed = 0
    for account in BrandAccount.objects.filter(pk__in=by_account):
        ids = by_account[account.pk]
        ids = [
            i for i in ids if i not in costs.resources_billed_today(account=account, kind="user_read", resource_ids=ids)
        ]
        if not ids:
            continue
        try:
            page = XGateway.for_account(account).get_users(ids)
        except XError as exc:
            logger.warning("crm_twitter profile refresh @%s: %s", account.handle, exc)
            continue
        returned = {u.get("id") for u in page.data or []}
        with transaction.atomic():
            users_upsert(users=[u for u in page.data or [] if isinstance(u, dict) and u.get("id")])
            XUser.objects.filter(x_id__in=returned).update(profile_fetched_at=now)
            gone = [i for i in ids if i not in returned]
            if gone:
                XUser.objects.filter(x_id__in=gone).update(is_unavailable=True, profile_fetched_at=now)
        refreshed += len(ids)
    return refreshed
