"""Incidents as the desk reads them: the list (open first), one incident's page, its chart series
and the X cost of what the desk sent for it.

Every function runs a fixed number of queries whatever the number of linked cases, orders or
events: aggregation happens in the database, rows are fetched with their relations joined.

The chart compares, hour by hour, the distinct customers who complained along the incident's
dimensions with the same hours of the previous weeks (their mean): the picture detection judged
(services/incident_detection.py), drawn over the incident's span plus the 24 hours before it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case as SqlCase
from django.db.models import Count, Exists, IntegerField, Max, Min, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import TruncHour
from django.utils import timezone

from crm_twitter.conf import app_settings
from crm_twitter.models import (
    OPEN_STATUSES,
    Case,
    Direction,
    DirectMessage,
    Incident,
    IncidentCase,
    IncidentEvent,
    Order,
    OrderItem,
    OutboundMessage,
    Party,
    Tweet,
)
from crm_twitter.x.costs import price_of

__all__ = [
    "INCIDENT_LIST_LIMIT",
    "AffectedOrders",
    "IncidentDetail",
    "IncidentSeries",
    "IncidentSpeed",
    "incident_costs",
    "incident_detail",
    "incident_list",
    "incident_matching_cases",
    "incident_series",
    "incidents_in_period",
    "incidents_merge_targets",
    "incidents_open",
    "incidents_open_count",
]

INCIDENT_LIST_LIMIT = 200
# The chart: the 24 hours before the incident opened, then the incident, a week at most in all
# (so the baseline's past weeks never overlap each other).
SERIES_BEFORE_HOURS = 24
SERIES_MAX_HOURS = 24 * 7
# Above this many linked cases the page lists the most recent ones and says how many it left out.
LINKED_CASES_SHOWN = 500


@dataclass(frozen=True)
class IncidentSeries:
    """Hourly distinct complaining customers along the incident's dimensions, and the baseline."""

    hours: tuple[dt.datetime, ...]  # the start of each hour (UTC)
    observed: tuple[int, ...]
    baseline: tuple[float, ...]  # the mean of the same hour over ``weeks`` previous weeks
    weeks: int
    opened_index: int  # the hour the incident opened in


@dataclass(frozen=True)
class IncidentSpeed:
    """How fast the incident grew: linked cases per hour since it opened, and in the last hour."""

    linked: int
    last_hour: int
    per_hour: float | None  # None before the first hour has passed
    first_linked_at: dt.datetime | None
    last_linked_at: dt.datetime | None


@dataclass(frozen=True)
class AffectedOrders:
    """The orders of the linked cases, counted per carrier, SKU and destination country."""

    orders: int
    carriers: tuple[tuple[str, int], ...]
    skus: tuple[tuple[str, int], ...]
    countries: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class IncidentDetail:
    incident: Incident
    links: tuple[IncidentCase, ...]  # with ``case`` (assignee, customer, X user) joined; newest first
    links_hidden: int  # linked cases beyond LINKED_CASES_SHOWN
    speed: IncidentSpeed
    orders: AffectedOrders
    events: tuple[IncidentEvent, ...]  # oldest first, with ``actor``
    messages: tuple[OutboundMessage, ...]  # the status updates and replies sent for the incident
    cost: Decimal  # estimated X cost of the sent messages
    series: IncidentSeries
    open_cases: int  # linked cases still open (what "resolve all" would act on)


# --- The list ------------------------------------------------------------------------------------


def _with_relations(queryset: QuerySet[Incident]) -> QuerySet[Incident]:
    return queryset.select_related("brand_account", "category", "merged_into", "closed_by")


def incident_list(
    *, status: str = "", brand_account_id: int | None = None, limit: int = INCIDENT_LIST_LIMIT
) -> list[Incident]:
    """Open incidents first (newest first), then the others by when they opened.

    ``status`` is one of ``Incident.Status`` (anything else: all); ``brand_account_id`` one account.
    """
    incidents = Incident.objects.all()
    if status in Incident.Status.values:
        incidents = incidents.filter(status=status)
    if brand_account_id:
        incidents = incidents.filter(brand_account_id=brand_account_id)
    open_first = SqlCase(
        When(status=Incident.Status.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return list(_with_relations(incidents).order_by(open_first, "-opened_at", "-id")[:limit])


def incidents_open(*, limit: int = 10) -> list[Incident]:
    """The open incidents, newest first (the dashboard's first panel): only the Incident table."""
    return list(
        Incident.objects.filter(status=Incident.Status.OPEN)
        .only("id", "title", "opened_at", "case_count", "status", "observed_count", "expected_count", "window_hours")
        .order_by("-opened_at", "-id")[:limit]
    )


def incidents_open_count() -> int:
    """Open incidents (the nav badge)."""
    return Incident.objects.filter(status=Incident.Status.OPEN).count()


def incidents_merge_targets(*, incident: Incident) -> list[Incident]:
    """The other open incidents of the same brand account an incident may be merged into."""
    return list(
        Incident.objects.filter(status=Incident.Status.OPEN, brand_account_id=incident.brand_account_id)
        .exclude(pk=incident.pk)
        .only("id", "title", "opened_at", "case_count")
        .order_by("-opened_at", "-id")[:50]
    )


# --- One incident --------------------------------------------------------------------------------


def incident_matching_cases(incident: Incident) -> QuerySet[Case]:
    """Complaints along the incident's dimensions (any time), counted as detection counts them
    (services/incident_detection.py): same brand account, not merged, not made only of retweets
    or the brand's own posts; the confirmed category, else a confident enough suggestion; an
    order with the carrier, destination country and SKU."""
    own_tweet = Tweet.objects.filter(case_id=OuterRef("pk"), party=Party.CUSTOMER, direction=Direction.INBOUND).exclude(
        kind=Tweet.Kind.RETWEET
    )
    own_dm = DirectMessage.objects.filter(case_id=OuterRef("pk"), direction=Direction.INBOUND)
    noise = Tweet.objects.filter(case_id=OuterRef("pk")).filter(Q(kind=Tweet.Kind.RETWEET) | ~Q(party=Party.CUSTOMER))
    cases = Case.objects.filter(brand_account_id=incident.brand_account_id, merged_into__isnull=True).filter(
        Exists(own_tweet) | Exists(own_dm) | ~Exists(noise)
    )
    if incident.category_id:
        min_confidence = float(app_settings.INCIDENT_CATEGORY_MIN_CONFIDENCE)
        cases = cases.filter(
            Q(category_confirmed=True, category_id=incident.category_id)
            | (
                ~Q(category_confirmed=True, category__isnull=False)
                & Q(suggested_category_id=incident.category_id, suggested_confidence__gte=min_confidence)
            )
        )
    order_filter = {}
    if incident.carrier:
        order_filter["carrier"] = incident.carrier
    if incident.destination_country:
        order_filter["destination_country"] = incident.destination_country
    if incident.sku:
        order_filter["items__sku"] = incident.sku
    if order_filter:
        cases = cases.filter(Exists(Order.objects.filter(cases=OuterRef("pk"), **order_filter)))
    return cases


def baseline_weeks() -> int:
    """The weeks detection's baseline averages (``INCIDENT_BASELINE_WEEKS``): the chart shows the same."""
    return int(app_settings.INCIDENT_BASELINE_WEEKS)


def _hour(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def _hourly_customers(
    cases: QuerySet[Case], ranges: Sequence[tuple[dt.datetime, dt.datetime]]
) -> dict[dt.datetime, int]:
    """Distinct customers whose complaint opened in each UTC hour of ``ranges`` (one query)."""
    within = Q()
    for start, end in ranges:
        within |= Q(opened_at__gte=start, opened_at__lt=end)
    rows = (
        cases.filter(within)
        .annotate(_hour=TruncHour("opened_at", tzinfo=dt.UTC))
        .values("_hour")
        .annotate(n=Count("customer_id", distinct=True))
        .order_by()
    )
    return {_hour(r["_hour"]): r["n"] for r in rows}


def incident_series(*, incident: Incident, now: dt.datetime | None = None, weeks: int | None = None) -> IncidentSeries:
    """The chart's numbers (two queries): the incident's span plus the 24 hours before it, hour by
    hour, against the mean of the same hours over ``weeks`` previous weeks."""
    now = now or timezone.now()
    weeks = baseline_weeks() if weeks is None else weeks
    opened = _hour(incident.opened_at)
    start = opened - dt.timedelta(hours=SERIES_BEFORE_HOURS)
    end_at = incident.closed_at or now
    end = min(_hour(end_at) + dt.timedelta(hours=1), start + dt.timedelta(hours=SERIES_MAX_HOURS))
    end = max(end, opened + dt.timedelta(hours=1))
    hours = []
    moment = start
    while moment < end:
        hours.append(moment)
        moment += dt.timedelta(hours=1)
    cases = incident_matching_cases(incident)
    observed = _hourly_customers(cases, [(start, end)])
    week = dt.timedelta(days=7)
    history = (
        _hourly_customers(cases, [(start - k * week, end - k * week) for k in range(1, weeks + 1)]) if weeks else {}
    )
    baseline: dict[dt.datetime, float] = defaultdict(float)
    for hour, n in history.items():
        # Shift each past hour forward by whole weeks onto the chart's hours.
        offset = (start - hour).total_seconds() / week.total_seconds()
        k = int(offset) + (1 if offset != int(offset) else 0)
        baseline[hour + k * week] += n / weeks
    return IncidentSeries(
        hours=tuple(hours),
        observed=tuple(observed.get(h, 0) for h in hours),
        baseline=tuple(round(baseline.get(h, 0.0), 2) for h in hours),
        weeks=weeks,
        opened_index=SERIES_BEFORE_HOURS,
    )


def _speed(incident: Incident, now: dt.datetime) -> IncidentSpeed:
    stats = IncidentCase.objects.filter(incident_id=incident.pk).aggregate(
        linked=Count("id"),
        last_hour=Count("id", filter=Q(linked_at__gte=now - dt.timedelta(hours=1))),
        first=Min("linked_at"),
        last=Max("linked_at"),
    )
    until = incident.closed_at or now
    hours = (until - incident.opened_at).total_seconds() / 3600
    linked = stats["linked"] or 0
    return IncidentSpeed(
        linked=linked,
        last_hour=stats["last_hour"] or 0,
        per_hour=round(linked / hours, 1) if hours >= 1 else None,
        first_linked_at=stats["first"],
        last_linked_at=stats["last"],
    )


def _ranked(rows: Iterable[dict], key: str) -> tuple[tuple[str, int], ...]:
    counted = [(r[key] or "", r["n"]) for r in rows]
    counted.sort(key=lambda item: (-item[1], item[0]))
    return tuple(counted)


def _affected_orders(incident: Incident) -> AffectedOrders:
    """Two queries: orders by carrier and country (with the total), and order items by SKU."""
    orders = Order.objects.filter(cases__incident_links__incident_id=incident.pk)
    by_place = list(orders.values("carrier", "destination_country").annotate(n=Count("id", distinct=True)).order_by())
    carriers: dict[str, int] = defaultdict(int)
    countries: dict[str, int] = defaultdict(int)
    for r in by_place:
        carriers[r["carrier"] or ""] += r["n"]
        countries[r["destination_country"] or ""] += r["n"]
    skus = (
        OrderItem.objects.filter(order__cases__incident_links__incident_id=incident.pk)
        .values("sku")
        .annotate(n=Count("order_id", distinct=True))
        .order_by()
    )
    return AffectedOrders(
        orders=sum(r["n"] for r in by_place),
        carriers=_ranked(({"k": k, "n": n} for k, n in carriers.items()), "k"),
        skus=_ranked(skus, "sku"),
        countries=_ranked(({"k": k, "n": n} for k, n in countries.items()), "k"),
    )


# The X price kind of a sent message, as the compose guard prices it: a DM, a post with a link, a
# reply to a mention, or a post of its own (the status update).
_SENT = Q(status=OutboundMessage.Status.SENT)
_WITH_URL = Q(text__icontains="http://") | Q(text__icontains="https://")
_KIND_FILTERS = {
    "dm_create": _SENT & Q(channel=OutboundMessage.Channel.DM),
    "post_with_url": _SENT & ~Q(channel=OutboundMessage.Channel.DM) & _WITH_URL,
    "reply_to_mention": _SENT & ~Q(channel=OutboundMessage.Channel.DM) & ~_WITH_URL & ~Q(in_reply_to_tweet_id=""),
    "post_create": _SENT & ~Q(channel=OutboundMessage.Channel.DM) & ~_WITH_URL & Q(in_reply_to_tweet_id=""),
}


def _prefixed(q: Q, prefix: str) -> Q:
    """``q`` with every lookup under ``prefix`` (the same filters, seen from the incident)."""
    out = Q(*[_prefixed(c, prefix) if isinstance(c, Q) else (prefix + c[0], c[1]) for c in q.children])
    out.connector, out.negated = q.connector, q.negated
    return out


def _cost(counts: dict[str, int]) -> Decimal:
    return sum((price_of(kind) * (counts.get(kind) or 0) for kind in _KIND_FILTERS), Decimal("0"))


def incident_costs(*, incident_ids: Iterable[int]) -> dict[int, Decimal]:
    """The estimated X cost of the messages sent for each incident (one query): sent messages by
    kind, at ``CRM_TWITTER["PRICES"]`` (what crm_twitter/x/costs.py bills each call at)."""
    ids = list(incident_ids)
    if not ids:
        return {}
    rows = (
        OutboundMessage.objects.filter(incident_id__in=ids)
        .values("incident_id")
        .annotate(**{kind: Count("id", filter=q) for kind, q in _KIND_FILTERS.items()})
        .order_by()
    )
    costs = {pk: Decimal("0") for pk in ids}
    for r in rows:
        costs[r["incident_id"]] = _cost(r)
    return costs


def incidents_in_period(*, start: dt.datetime, end: dt.datetime) -> list[tuple[Incident, Decimal]]:
    """Incidents open at any time in ``[start, end)`` (merged ones excluded: their cases count in
    the incident they were merged into), oldest first, each with the estimated X cost of what was
    sent for it — one query."""
    incidents = (
        Incident.objects.filter(opened_at__lt=end)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=start))
        .exclude(status=Incident.Status.MERGED)
        .annotate(
            **{
                f"_n_{kind}": Count("outbound_messages", filter=_prefixed(q, "outbound_messages__"))
                for kind, q in _KIND_FILTERS.items()
            }
        )
        .order_by("opened_at", "id")
    )
    return [
        (incident, _cost({kind: getattr(incident, f"_n_{kind}") for kind in _KIND_FILTERS})) for incident in incidents
    ]


def incident_detail(*, pk: int, now: dt.datetime | None = None, weeks: int | None = None) -> IncidentDetail:
    """Everything the incident page shows, in a fixed number of queries (raises
    ``Incident.DoesNotExist``)."""
    now = now or timezone.now()
    incident = _with_relations(Incident.objects.all()).get(pk=pk)
    links = list(
        IncidentCase.objects.filter(incident_id=incident.pk)
        .select_related("case__assignee", "case__customer", "case__customer_x_user")
        .order_by("-linked_at", "-id")[: LINKED_CASES_SHOWN + 1]
    )
    speed = _speed(incident, now)
    messages = tuple(
        OutboundMessage.objects.filter(incident_id=incident.pk, case__isnull=True)
        .select_related("created_by")
        .order_by("-created_at", "-id")[:20]
    )
    open_cases = IncidentCase.objects.filter(incident_id=incident.pk, case__status__in=OPEN_STATUSES).count()
    return IncidentDetail(
        incident=incident,
        links=tuple(links[:LINKED_CASES_SHOWN]),
        links_hidden=max(0, speed.linked - LINKED_CASES_SHOWN),
        speed=speed,
        orders=_affected_orders(incident),
        events=tuple(
            IncidentEvent.objects.filter(incident_id=incident.pk).select_related("actor").order_by("created_at", "id")
        ),
        messages=messages,
        cost=incident_costs(incident_ids=[incident.pk]).get(incident.pk, Decimal("0")),
        series=incident_series(incident=incident, now=now, weeks=weeks),
        open_cases=open_cases,
    )
