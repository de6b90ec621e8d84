"""The cost and quota governor: what every call to X cost, and what the budget still allows.

X bills pay-per-use: per resource read (the brand's own mentions/posts are cheap "owned reads",
other posts, users and DM events cost more) and per post or DM created. Reads of the same
resource are billed once per UTC day, so ``BilledResource`` remembers what was billed today and
a second read of it costs nothing. Prices live in ``CRM_TWITTER["PRICES"]`` because X changes them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from crm_twitter.conf import app_settings
from crm_twitter.models import ApiCall, BilledResource, BrandAccount

if TYPE_CHECKING:
    from crm_twitter.models import Case

logger = logging.getLogger(__name__)

READ_KINDS = frozenset({"owned_read", "post_read", "user_read", "dm_event_read"})

BUDGET_OK = "ok"
BUDGET_SLOWED = "slowed"
BUDGET_STOPPED = "stopped"


@dataclass(frozen=True)
class BudgetState:
    """Where an account stands against its monthly budget."""

    spent: Decimal
    budget: Decimal | None
    ratio: float  # spent / budget; 0 when no budget is set
    state: str  # BUDGET_OK, BUDGET_SLOWED or BUDGET_STOPPED


def price_of(kind: str) -> Decimal:
    """The configured USD price of one resource of ``kind`` (0 for an unknown kind)."""
    value = app_settings.PRICES.get(kind)
    return Decimal(str(value)) if value is not None else Decimal("0")


def utc_day(moment: dt.datetime | None = None) -> dt.date:
    return (moment or timezone.now()).astimezone(dt.UTC).date()


def _is_success(status_code: int | None) -> bool:
    return status_code is not None and 200 <= status_code < 300


def api_call_record(*, account: BrandAccount | None, record: Any, case: Case | None = None) -> ApiCall:
    """Write one ``ApiCall`` row for a request to X, with its estimated cost and rate-limit state.

    Reads are billed once per resource per UTC day (``BilledResource``); a failed request costs
    nothing. The rate-limit state of the endpoint is copied onto ``account.rate_limits`` so sync
    knows when it may call again without asking X.
    """
    kind = record.resource_kind or ""
    ids = tuple(dict.fromkeys(str(i) for i in (record.resource_ids or ())))
    billed = 0
    if _is_success(record.status_code) and ids:
        if kind in READ_KINDS and account is not None:
            billed = len(billed_resources_add(account=account, kind=kind, resource_ids=ids))
        else:
            billed = len(ids)
    cost = price_of(kind) * billed
    rate_limit = record.rate_limit
    call = ApiCall.objects.create(
        account=account,
        case=case,
        endpoint=record.endpoint[:128],
        status_code=record.status_code,
        resource_kind=kind,
        resources=len(ids),
        billed_resources=billed,
        cost=cost,
        rate_limit_limit=getattr(rate_limit, "limit", None),
        rate_limit_remaining=getattr(rate_limit, "remaining", None),
        rate_limit_reset=getattr(rate_limit, "reset_at", None),
        error=(record.error or "")[:2000],
        duration_ms=max(0, int(record.duration_ms or 0)),
    )
    if (
        account is not None
        and rate_limit is not None
        and (rate_limit.limit is not None or rate_limit.remaining is not None or rate_limit.reset_at is not None)
    ):
        account_rate_limit_store(
            account=account,
            endpoint=record.endpoint,
            limit=rate_limit.limit,
            remaining=rate_limit.remaining,
            reset_at=rate_limit.reset_at,
        )
    return call


def account_rate_limit_store(
    *, account: BrandAccount, endpoint: str, limit: int | None, remaining: int | None, reset_at: dt.datetime | None
) -> None:
    """Remember an endpoint's rate-limit state on the account (one UPDATE, no save() races)."""
    limits = dict(account.rate_limits or {})
    limits[endpoint] = {
        "limit": limit,
        "remaining": remaining,
        "reset": reset_at.astimezone(dt.UTC).isoformat() if reset_at else None,
    }
    account.rate_limits = limits
    BrandAccount.objects.filter(pk=account.pk).update(rate_limits=limits)


def billed_resources_add(
    *, account: BrandAccount, kind: str, resource_ids: Iterable[str], day: dt.date | None = None
) -> list[str]:
    """Mark resources as billed today; return those that were not billed yet (X bills them now)."""
    day = day or utc_day()
    ids = list(dict.fromkeys(str(i) for i in resource_ids))
    if not ids:
        return []
    known = set(
        BilledResource.objects.filter(account=account, day=day, kind=kind, resource_id__in=ids).values_list(
            "resource_id", flat=True
        )
    )
    new = [i for i in ids if i not in known]
    BilledResource.objects.bulk_create(
        [BilledResource(account=account, day=day, kind=kind, resource_id=i) for i in new], ignore_conflicts=True
    )
    return new


def resources_billed_today(*, account: BrandAccount, kind: str, resource_ids: Iterable[str]) -> set[str]:
    """The ids X already billed today: reading them again is free, but fetching what we store is waste."""
    ids = [str(i) for i in resource_ids]
    if not ids:
        return set()
    return set(
        BilledResource.objects.filter(account=account, day=utc_day(), kind=kind, resource_id__in=ids).values_list(
            "resource_id", flat=True
        )
    )


def month_start(moment: dt.datetime | None = None) -> dt.datetime:
    moment = (moment or timezone.now()).astimezone(dt.UTC)
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def account_spend(
    *,
    account: BrandAccount | int | None = None,
    day: dt.date | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    case: Case | int | None = None,
) -> Decimal:
    """Total estimated USD spent on X calls, optionally per account, per UTC day and/or per case."""
    calls = ApiCall.objects.all()
    if account is not None:
        calls = calls.filter(account_id=getattr(account, "pk", account))
    if case is not None:
        calls = calls.filter(case_id=getattr(case, "pk", case))
    if day is not None:
        start = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
        calls = calls.filter(created_at__gte=start, created_at__lt=start + dt.timedelta(days=1))
    if since is not None:
        calls = calls.filter(created_at__gte=since)
    if until is not None:
        calls = calls.filter(created_at__lt=until)
    return calls.aggregate(total=Sum("cost"))["total"] or Decimal("0")


def spend_by_account_day(*, since: dt.datetime) -> list[dict]:
    """Rows of account, UTC day, calls, resources and cost, newest day first (for the admin)."""
    return list(
        ApiCall.objects.filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at", tzinfo=dt.UTC))
        .values("account__handle", "day")
        .annotate(calls=Count("id"), resources=Sum("resources"), billed=Sum("billed_resources"), cost=Sum("cost"))
        .order_by("-day", "account__handle")
    )


def spend_by_case(*, since: dt.datetime, limit: int = 50) -> list[dict]:
    """The cases whose X calls cost most since ``since`` (for the admin)."""
    return list(
        ApiCall.objects.filter(created_at__gte=since, case__isnull=False)
        .values("case_id", "case__reference")
        .annotate(calls=Count("id"), cost=Sum("cost"))
        .order_by("-cost")[:limit]
    )


def post_reads_this_month(*, now: dt.datetime | None = None) -> int:
    """Posts X billed as read this calendar month (UTC), over all accounts — X caps these per app."""
    total = ApiCall.objects.filter(
        created_at__gte=month_start(now), resource_kind__in=["owned_read", "post_read"]
    ).aggregate(total=Sum("billed_resources"))["total"]
    return int(total or 0)


def account_budget_state(*, account: BrandAccount, now: dt.datetime | None = None) -> BudgetState:
    """Spend this calendar month (UTC) against the account's monthly budget.

    Past ``BUDGET_SLOWDOWN_RATIO`` sync slows its polling; at the budget it stops and alerts.
    """
    spent = account_spend(account=account, since=month_start(now))
    budget = account.monthly_budget
    if not budget:
        return BudgetState(spent=spent, budget=None, ratio=0.0, state=BUDGET_OK)
    ratio = float(spent / budget)
    if ratio >= 1:
        state = BUDGET_STOPPED
    elif ratio >= float(app_settings.BUDGET_SLOWDOWN_RATIO):
        state = BUDGET_SLOWED
    else:
        state = BUDGET_OK
    return BudgetState(spent=spent, budget=budget, ratio=ratio, state=state)
