"""Surge detection: one tick (every minute) that opens and grows incidents.

What is counted
    Per active brand account, the DISTINCT CUSTOMERS (``Case.customer``: one person, however many
    X accounts or tweets) of the cases opened (``Case.opened_at``) in a window. Merged cases are
    left out (their survivor counts), and so are cases whose only messages are retweets or the
    brand's own posts (a retweet storm is not a complaint). One angry customer tweeting thirty
    times is one customer; spam from one account cannot open an incident.

Dimensions
    ``category`` (the confirmed category, else the suggestion when its confidence reaches
    ``INCIDENT_CATEGORY_MIN_CONFIDENCE``), and from the case's linked orders (``Case.orders``)
    ``carrier``, ``country`` (``Order.destination_country``) and ``sku`` (``OrderItem.sku``).
    Each single dimension and each pair (4 + 6 = 10 groupings) is counted for every window of
    ``INCIDENT_WINDOWS_HOURS`` (1, 6 and 24 h). A case with two orders counts for both values.

The statistics
    Baseline: the same window at the same hour of each of the previous ``INCIDENT_BASELINE_WEEKS``
    (N) weeks — ``[now - 7k days - w, now - 7k days)`` for k = 1…N — and its mean μ. Weekly
    rhythms (Monday mornings, a weekly sale) are therefore expected, not surprising. The count
    is modelled as Poisson with rate λ = max(μ, floor · w), floor = ``INCIDENT_FLOOR_PER_HOUR``
    (a quiet key never expects fewer than the floor; without the floor a key seen once would
    "surge" on its second customer). Cold start: an account with less than N weeks of history
    (its first case is younger than 7N days) has no baseline and uses λ = floor · w alone.
    A key surges in a window when its count c ≥ ``INCIDENT_MIN_CUSTOMERS`` and the upper-tail
    p-value P(X ≥ c | λ) is below ``INCIDENT_P_VALUE``. Of the windows that surge, the one with
    the smallest p-value (then the shortest) describes the incident. The p-value is computed
    exactly (a sum of Poisson terms in log space), no library needed.

Specificity (one incident per group of cases)
    When customers complain about carrier X in country BR, "carrier X", "country BR" and
    "carrier X × BR" all surge. Surges are considered most specific first (pairs before single
    dimensions; among equals the smaller p-value, then order-backed dimensions before the
    category, which is a classifier's guess), and each claims its matching cases of the window.
    A later, broader surge is tested again on the cases nobody claimed — nor linked to any
    incident, open or closed, before — and opens only if that remainder surges by itself. So a
    pair that explains the surge wins and its single dimensions open nothing; a carrier failing
    in every country still opens its own incident for the other countries' cases. A case is
    linked by detection to at most one incident, and a closed incident's cases do not reopen one.

Opening and growing
    A surge with no open incident for its key opens one (title in words, canonical
    ``dimension_key`` such as ``carrier=DHL;country=BR``), writes ``IncidentEvent`` OPENED and
    links the window's matching cases (``incident_links.incident_cases_link``). Every tick, an
    open incident links the new matching cases opened since ``opened_at - window`` (within the
    longest window) that no incident holds yet, and writes GREW when its case count rose. The
    people with ``Ability.VIEW_INCIDENTS`` (supervisors, managers) are alerted in-app and by
    e-mail when an incident opens and each time its case count doubles since the last alert.

Cost and safety
    A fixed number of queries whatever the data size: one for the accounts, ONE aggregation
    statement (all groupings, windows and baseline weeks; see ``_aggregate``), one for the open
    incidents and, when something surges or is open, one for the recent cases' dimensions; then
    a few writes per incident opened or grown. On PostgreSQL the transaction turns JIT off (it
    cost more than the statement) and gives the hash aggregates 32 MB. A tick runs under a
    transaction-level advisory lock (``crm_twitter/db/locks.py``): a second worker finds it taken
    and returns at once. Running the tick twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Case as When_
from django.db.models import Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.lookups import IsNull
from django.utils import timezone

from crm_twitter.conf import app_settings
from crm_twitter.db.locks import advisory_xact_try_lock
from crm_twitter.models import (
    BrandAccount,
    Case,
    ComplaintCategory,
    DirectMessage,
    Incident,
    IncidentCase,
    IncidentEvent,
    Notification,
    Tweet,
)
from crm_twitter.models.choices import Direction
from crm_twitter.models.messages import Party
from crm_twitter.roles import Ability, users_with
from crm_twitter.services.incident_counts import incidents_open_count_forget
from crm_twitter.services.incident_links import incident_cases_link
from crm_twitter.services.notifications import NotificationSpec, notifications_send_many

__all__ = [
    "DIMENSIONS",
    "DetectionResult",
    "Surge",
    "dimension_key",
    "incidents_detect",
    "poisson_upper_tail",
]

LOCK_NAMESPACE = "crm_twitter:incident-detection"
# Canonical order of the dimensions in keys and titles.
DIMENSIONS = ("category", "carrier", "country", "sku")
GROUPINGS: tuple[tuple[str, ...], ...] = tuple([(d,) for d in DIMENSIONS] + list(itertools.combinations(DIMENSIONS, 2)))
_INCIDENT_FIELD = {"category": "category_id", "carrier": "carrier", "country": "destination_country", "sku": "sku"}

Dims = tuple[tuple[str, object], ...]  # ((dimension, value), ...) in DIMENSIONS order


# --- Statistics ------------------------------------------------------------------------------------


def poisson_upper_tail(count: int, rate: float) -> float:
    """P(X ≥ count) for X ~ Poisson(rate), accurate far into the tail (no 1 − CDF cancellation)."""
    if count <= 0:
        return 1.0
    if rate <= 0:
        return 0.0

    def log_pmf(i: int) -> float:
        return i * math.log(rate) - rate - math.lgamma(i + 1)

    if count <= rate:  # the bulk of the distribution: 1 − P(X < count) is precise enough here
        below = sum(math.exp(log_pmf(i)) for i in range(count))
        return min(1.0, max(0.0, 1.0 - below))
    total, i = 0.0, count
    first = log_pmf(count)
    while True:  # terms shrink geometrically once i > rate
        term = math.exp(log_pmf(i) - first)
        total += term
        if term < 1e-17 * total or i > count + 10_000:
            break
        i += 1
    return min(1.0, math.exp(first) * total)


def dimension_key(dims: Dims) -> str:
    """Canonical key of an incident's dimensions: ``carrier=DHL;country=BR`` (DIMENSIONS order)."""
    return ";".join(f"{name}={value}" for name, value in dims)


# --- Results ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Surge:
    account_id: int
    dims: Dims
    window_hours: int
    observed: int
    expected: float
    p_value: float

    @property
    def rank(self) -> tuple:
        """Most specific first; then the least likely; then order facts before the classifier's guess."""
        has_category = any(name == "category" for name, _ in self.dims)
        return (-len(self.dims), self.p_value, has_category, -self.observed, self.window_hours, repr(self.dims))


@dataclass(frozen=True)
class DetectionResult:
    skipped: bool = False  # another worker held the tick, or detection is switched off
    surges: tuple[Surge, ...] = ()
    opened: tuple[int, ...] = ()  # incident ids
    grown: tuple[int, ...] = ()
    linked: int = 0
    alerts: int = 0  # notifications written


# --- Reading ---------------------------------------------------------------------------------------


def _category_expression(min_confidence: float) -> When_:
    return When_(
        When(category_confirmed=True, category__isnull=False, then=F("category_id")),
        When(suggested_confidence__gte=min_confidence, then=F("suggested_category_id")),
        default=Value(None),
        output_field=IntegerField(),
    )


_DIM_EXPRESSIONS = {
    "carrier": lambda: F("orders__carrier"),
    "country": lambda: F("orders__destination_country"),
    "sku": lambda: F("orders__items__sku"),
}


def _dim_expression(name: str, min_confidence: float):
    if name == "category":
        return _category_expression(min_confidence)
    return _DIM_EXPRESSIONS[name]()


def _counted_cases(account_ids: Sequence[int]) -> QuerySet:
    """Cases that count: not merged, and not made only of retweets or the brand's own posts.

    The message checks are scalar subqueries (``LIMIT 1``), not ``EXISTS``: PostgreSQL turns an
    ``EXISTS`` inside an OR into a hash of every matching tweet of the table, while these probe
    the tweet index (case, created_at) once per case of the windows — a cost that follows the
    windows, not the table.
    """

    def first(qs: QuerySet) -> Subquery:
        return Subquery(qs.order_by().values("pk")[:1])

    own_tweet = Tweet.objects.filter(case_id=OuterRef("pk"), party=Party.CUSTOMER, direction=Direction.INBOUND).exclude(
        kind=Tweet.Kind.RETWEET
    )
    own_dm = DirectMessage.objects.filter(case_id=OuterRef("pk"), direction=Direction.INBOUND)
    any_tweet = Tweet.objects.filter(case_id=OuterRef("pk"))
    return Case.objects.filter(brand_account_id__in=list(account_ids), merged_into__isnull=True).filter(
        # A case with a customer's own message, or one opened by hand (no tweet at all).
        IsNull(first(own_tweet), False) | IsNull(first(own_dm), False) | IsNull(first(any_tweet), True)
    )


def _ranges(now: dt.datetime, windows: Sequence[int], weeks: int) -> dict[str, tuple[dt.datetime, dt.datetime]]:
    """Bucket name → [start, end): each window now and at the same hour of each previous week."""
    out = {}
    for w in windows:
        for k in range(weeks + 1):
            end = now - dt.timedelta(days=7 * k)
            out[f"w{w}k{k}"] = (end - dt.timedelta(hours=w), end)
    return out


def _aggregate(
    account_ids: Sequence[int], now: dt.datetime, windows: Sequence[int], weeks: int, min_customers: int, min_conf
) -> list[tuple[int, Dims, dict[str, int]]]:
    """Distinct customers per account × grouping value, per window and week — ONE statement.

    The counted cases of every window and baseline week are read once (a CTE), each with its
    week ``k`` and the index ``c`` of the shortest window that holds it within that week. Each
    grouping keeps one row per value, customer and week with the customer's smallest ``c``,
    then counts customers per value, week and ``c``. The customers of window ``c`` in week ``k``
    are those with a smallest index ≤ ``c``: summed here in Python, exact DISTINCT counts without
    a ``COUNT(DISTINCT …)`` per bucket. The ten groupings are glued with UNION ALL; only values
    with enough customers in the current week's longest window are returned.
    """
    longest = max(windows)
    scope = Q()
    slot_whens = []
    for k in range(weeks + 1):  # the longest window of each week covers the shorter ones
        end = now - dt.timedelta(days=7 * k)
        scope |= Q(opened_at__gte=end - dt.timedelta(hours=longest), opened_at__lt=end)
        for c, w in enumerate(windows):
            slot_whens.append(
                When(opened_at__gte=end - dt.timedelta(hours=w), opened_at__lt=end, then=Value(k * len(windows) + c))
            )
    dims = {f"d_{name}": _dim_expression(name, min_conf) for name in DIMENSIONS}
    rows_qs = (
        _counted_cases(account_ids)
        .filter(scope)
        .annotate(**dims, slot=When_(*slot_whens, default=Value(None), output_field=IntegerField()))
        .order_by()
        .values_list("brand_account_id", "customer_id", *dims, "slot")
    )
    cte_sql, params = rows_qs.query.sql_with_params()
    cte_columns = ["account_id", "customer_id", *dims, "slot"]
    n = len(windows)
    parts = []
    for index, grouping in enumerate(GROUPINGS):
        keys = ["account_id", *(f"d_{name}" for name in grouping)]
        present = " AND ".join(
            f"{key} IS NOT NULL" + ("" if key == "d_category" else f" AND {key} <> ''") for key in keys[1:]
        )
        inner = (
            f"SELECT {', '.join(keys)}, customer_id, slot / {n} AS week, MIN(slot) - (slot / {n}) * {n} AS cls "  # noqa: S608
            f"FROM incident_rows WHERE {present} GROUP BY {', '.join(keys)}, customer_id, slot / {n}"
        )  # (every name above is a constant of this module, the numbers are ints; values are parameters)
        selected = [
            (f"d_{name}" if name in grouping else f"CAST(NULL AS {'INTEGER' if name == 'category' else 'VARCHAR(64)'})")
            for name in DIMENSIONS
        ]
        parts.append(
            f"SELECT {index} AS grouping_index, {', '.join(keys[:1])}, {', '.join(selected)}, week, cls, "  # noqa: S608
            f"COUNT(*) AS customers, SUM(CASE WHEN week = 0 THEN COUNT(*) ELSE 0 END) "
            f"OVER (PARTITION BY {', '.join(keys)}) AS now_customers "
            f"FROM ({inner}) per_customer GROUP BY {', '.join(keys)}, week, cls"
        )
    sql = (
        f"WITH incident_rows ({', '.join(cte_columns)}) AS ({cte_sql}) "  # noqa: S608
        f"SELECT * FROM ({' UNION ALL '.join(parts)}) counted WHERE now_customers >= %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, min_customers])
        fetched = cursor.fetchall()
    by_value: dict[tuple, list[int]] = {}
    for index, account_id, *values, week, cls, customers, _now in fetched:
        key = (account_id, index, *values)
        per_slot = by_value.setdefault(key, [0] * ((weeks + 1) * n))
        per_slot[int(week) * n + int(cls)] += int(customers)
    out = []
    for (account_id, index, *values), per_slot in by_value.items():
        named = dict(zip(DIMENSIONS, values, strict=True))
        buckets = {}
        for k in range(weeks + 1):
            running = 0
            for c, w in enumerate(windows):
                running += per_slot[k * n + c]
                buckets[f"w{w}k{k}"] = running
        out.append((account_id, tuple((name, named[name]) for name in GROUPINGS[index]), buckets))
    return out


def _tune_transaction() -> None:
    """PostgreSQL, for this transaction only: no JIT, and room to hash the aggregation in memory.

    The aggregation's plan costs enough for PostgreSQL to JIT-compile it, which for a statement of
    a few dozen milliseconds costs a second (measured: 1.1 s of 2.5 s at 100,000 cases); and the
    default 4 MB of ``work_mem`` makes its hash aggregates spill to disk. ``SET LOCAL`` ends with
    the transaction, so nothing leaks to the pooled connection. No-op elsewhere.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('jit', 'off', true), set_config('work_mem', '32MB', true)")


def _surges(rows, *, has_history: dict[int, bool], windows, weeks, min_customers, floor, threshold) -> list[Surge]:
    surges = []
    for account_id, dims, counts in rows:
        best = None
        for w in windows:
            observed = counts[f"w{w}k0"]
            if observed < min_customers:
                continue
            expected = _expected(counts, w, weeks, floor, has_history.get(account_id, False))
            if observed <= expected and threshold <= 0.5:
                continue  # at or below what is expected: P(X >= c) is about one half or more
            p = poisson_upper_tail(observed, expected)
            if p < threshold and (best is None or (p, w) < (best.p_value, best.window_hours)):
                best = Surge(account_id, dims, w, observed, expected, p)
        if best is not None:
            surges.append(best)
    return surges


def _expected(counts: dict[str, int], w: int, weeks: int, floor: float, history: bool) -> float:
    floor_rate = floor * w
    if not history:
        return floor_rate
    mean = sum(counts[f"w{w}k{k}"] for k in range(1, weeks + 1)) / weeks
    return max(mean, floor_rate)


@dataclass
class _Recent:
    """The recent counted cases with their dimension values (one row per case × order × item)."""

    customer: dict[int, int] = field(default_factory=dict)
    account: dict[int, int] = field(default_factory=dict)
    opened: dict[int, dt.datetime] = field(default_factory=dict)
    values: dict[int, dict[str, set]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(set)))
    linked: set[int] = field(default_factory=set)  # already in some incident

    def matching(self, account_id: int, dims: Dims, since: dt.datetime, until: dt.datetime) -> list[int]:
        return sorted(
            pk
            for pk, acct in self.account.items()
            if acct == account_id
            and since <= self.opened[pk] < until
            and all(value in self.values[pk][name] for name, value in dims)
        )


def _recent(account_ids: Sequence[int], since: dt.datetime, until: dt.datetime, min_conf: float) -> _Recent:
    recent = _Recent()
    rows = (
        _counted_cases(account_ids)
        .filter(opened_at__gte=since, opened_at__lt=until)
        .annotate(
            d_category=_category_expression(min_conf),
            d_carrier=F("orders__carrier"),
            d_country=F("orders__destination_country"),
            d_sku=F("orders__items__sku"),
            in_incident=Exists(IncidentCase.objects.filter(case_id=OuterRef("pk"))),
        )
        .order_by()
        .values_list(
            "pk",
            "customer_id",
            "brand_account_id",
            "opened_at",
            "d_category",
            "d_carrier",
            "d_country",
            "d_sku",
            "in_incident",
        )
    )
    for pk, customer, account, opened, *values, in_incident in rows:
        recent.customer[pk], recent.account[pk], recent.opened[pk] = customer, account, opened
        for name, value in zip(DIMENSIONS, values, strict=True):
            if value not in (None, ""):
                recent.values[pk][name].add(value)
        if in_incident:
            recent.linked.add(pk)
    return recent


def _incident_dims(incident: Incident) -> Dims:
    return tuple(
        (name, getattr(incident, _INCIDENT_FIELD[name]))
        for name in DIMENSIONS
        if getattr(incident, _INCIDENT_FIELD[name]) not in (None, "")
    )


# --- Writing ---------------------------------------------------------------------------------------


def _title(dims: Dims, categories: dict[int, str]) -> str:
    words = []
    for name, value in dims:
        if name == "category":
            words.append(categories.get(value, f"Category {value}"))
        elif name == "sku":
            words.append(f"SKU {value}")
        else:
            words.append(str(value))
    return " · ".join(words)[:200]


def _alert_specs(incident: Incident, recipients: Sequence[int], message: str) -> list[NotificationSpec]:
    return [
        NotificationSpec(
            user_id=uid, case_id=None, kind=Notification.Kind.INCIDENT, message=message, incident_id=incident.pk
        )
        for uid in recipients
    ]


def incidents_detect(*, now: dt.datetime | None = None) -> DetectionResult:
    """One detection tick: find surges, open or grow incidents, link their cases, alert. Idempotent."""
    if not app_settings.INCIDENT_DETECTION_ENABLED:
        return DetectionResult(skipped=True)
    now = now or timezone.now()
    windows = sorted({int(w) for w in app_settings.INCIDENT_WINDOWS_HOURS})
    weeks = int(app_settings.INCIDENT_BASELINE_WEEKS)
    min_customers = int(app_settings.INCIDENT_MIN_CUSTOMERS)
    floor = float(app_settings.INCIDENT_FLOOR_PER_HOUR)
    threshold = float(app_settings.INCIDENT_P_VALUE)
    min_conf = float(app_settings.INCIDENT_CATEGORY_MIN_CONFIDENCE)
    with transaction.atomic():
        if not advisory_xact_try_lock(LOCK_NAMESPACE, 0):
            return DetectionResult(skipped=True)
        _tune_transaction()
        history_start = now - dt.timedelta(days=7 * weeks)
        accounts = dict(
            BrandAccount.objects.filter(is_active=True)
            .annotate(
                history=Exists(Case.objects.filter(brand_account_id=OuterRef("pk"), opened_at__lte=history_start))
            )
            .values_list("pk", "history")
        )
        if not accounts:
            return DetectionResult()
        rows = _aggregate(list(accounts), now, windows, weeks, min_customers, min_conf)
        surges = _surges(
            rows,
            has_history=accounts,
            windows=windows,
            weeks=weeks,
            min_customers=min_customers,
            floor=floor,
            threshold=threshold,
        )
        open_incidents = list(
            Incident.objects.select_for_update()
            .filter(status=Incident.Status.OPEN, brand_account_id__in=list(accounts))
            .order_by("opened_at", "pk")
        )
        if not surges and not open_incidents:
            return DetectionResult()
        # Only as far back as a surge's window or an open incident's reach (never beyond the longest window).
        since = now - dt.timedelta(hours=max(windows))
        reach = [now - dt.timedelta(hours=s.window_hours) for s in surges]
        reach += [max(since, i.opened_at - dt.timedelta(hours=i.window_hours)) for i in open_incidents]
        since = max(since, min(reach))
        involved = {s.account_id for s in surges} | {i.brand_account_id for i in open_incidents}
        recent = _recent(sorted(involved), since, now, min_conf)
        return _apply(
            now, surges, open_incidents, recent, since=since, min_customers=min_customers, threshold=threshold
        )


def _apply(now, surges, open_incidents, recent: _Recent, *, since, min_customers, threshold) -> DetectionResult:
    claimed = set(recent.linked)
    by_key = {(i.brand_account_id, _incident_dims(i)): i for i in open_incidents}
    surge_by_key = {(s.account_id, s.dims): s for s in surges}
    grown: list[int] = []
    linked_total = 0
    alerts: list[NotificationSpec] = []
    recipients: list[int] | None = None

    def recipients_ids() -> list[int]:
        nonlocal recipients
        if recipients is None:
            recipients = list(users_with(Ability.VIEW_INCIDENTS).order_by("pk").values_list("pk", flat=True))
        return recipients

    # 1. Open incidents first, most specific first: they keep their new matching cases.
    for incident in sorted(open_incidents, key=lambda i: (-len(_incident_dims(i)), i.opened_at, i.pk)):
        dims = _incident_dims(incident)
        start = max(since, incident.opened_at - dt.timedelta(hours=incident.window_hours))
        new_ids = [pk for pk in recent.matching(incident.brand_account_id, dims, start, now) if pk not in claimed]
        claimed.update(new_ids)
        surge = surge_by_key.get((incident.brand_account_id, dims))
        before = incident.case_count
        if new_ids:
            linked_total += incident_cases_link(incident=incident, case_ids=new_ids, at=now)
        changed = {}
        if surge is not None and surge.observed > incident.observed_count:
            changed = {
                "observed_count": surge.observed,
                "expected_count": surge.expected,
                "p_value": surge.p_value,
                "window_hours": surge.window_hours,
            }
        if incident.case_count > before or changed:
            for name, value in changed.items():
                setattr(incident, name, value)
            IncidentEvent.objects.create(
                incident=incident,
                kind=IncidentEvent.Kind.GREW,
                message=(
                    f"{incident.case_count} cases, {incident.observed_count} customers in {incident.window_hours} h"
                ),
                data={"cases_from": before, "cases_to": incident.case_count, "observed": incident.observed_count},
                created_at=now,
            )
            grown.append(incident.pk)
        if incident.case_count >= 2 * max(incident.alerted_case_count, 1) and incident.alerted_case_count:
            message = f"Incident doubled: {incident.title} — {incident.case_count} cases"
            alerts.extend(_alert_specs(incident, recipients_ids(), message))
            IncidentEvent.objects.create(
                incident=incident,
                kind=IncidentEvent.Kind.ALERTED,
                message=message,
                data={"case_count": incident.case_count, "previous": incident.alerted_case_count},
                created_at=now,
            )
            incident.alerted_case_count = incident.case_count
            changed["alerted_case_count"] = incident.case_count
        if changed:
            Incident.objects.filter(pk=incident.pk).update(**changed, updated_at=now)

    # 2. New surges, most specific first, each tested again on the cases nobody holds.
    opened: list[int] = []
    categories: dict[int, str] | None = None
    for surge in sorted(surges, key=lambda s: s.rank):
        if (surge.account_id, surge.dims) in by_key:
            continue
        window_start = now - dt.timedelta(hours=surge.window_hours)
        case_ids = [pk for pk in recent.matching(surge.account_id, surge.dims, window_start, now) if pk not in claimed]
        customers = len({recent.customer[pk] for pk in case_ids})
        p_value = poisson_upper_tail(customers, surge.expected)
        if customers < min_customers or p_value >= threshold:
            continue  # explained by a more specific surge, or by an incident that already holds its cases
        if categories is None:
            categories = dict(ComplaintCategory.objects.values_list("pk", "name"))
        values = dict(surge.dims)
        incident = Incident.objects.create(
            brand_account_id=surge.account_id,
            title=_title(surge.dims, categories),
            category_id=values.get("category"),
            carrier=values.get("carrier", ""),
            sku=values.get("sku", ""),
            destination_country=values.get("country", ""),
            dimension_key=dimension_key(surge.dims),
            window_hours=surge.window_hours,
            observed_count=customers,
            expected_count=surge.expected,
            p_value=p_value,
            opened_at=now,
        )
        incidents_open_count_forget()
        claimed.update(case_ids)
        linked_total += incident_cases_link(incident=incident, case_ids=case_ids, at=now)
        message = (
            f"Incident opened: {incident.title} — {customers} customers in {surge.window_hours} h "
            f"(expected {surge.expected:.1f})"
        )
        IncidentEvent.objects.create(
            incident=incident,
            kind=IncidentEvent.Kind.OPENED,
            message=message,
            data={
                "dimensions": {name: value for name, value in surge.dims},
                "window_hours": surge.window_hours,
                "observed": customers,
                "expected": surge.expected,
                "p_value": p_value,
                "cases": incident.case_count,
            },
            created_at=now,
        )
        alerts.extend(_alert_specs(incident, recipients_ids(), message))
        Incident.objects.filter(pk=incident.pk).update(alerted_case_count=incident.case_count)
        incident.alerted_case_count = incident.case_count
        opened.append(incident.pk)
    written = notifications_send_many(specs=alerts, at=now) if alerts else 0
    return DetectionResult(
        surges=tuple(surges), opened=tuple(opened), grown=tuple(grown), linked=linked_total, alerts=written
    )
