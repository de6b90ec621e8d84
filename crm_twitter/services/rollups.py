"""Keep the daily rollups (``crm_twitter.models.rollups``) in step with the case history.

The fold reads what changed since its last run and recomputes the *whole* affected days from the
raw rows, with the same expressions the report's rules use (``services.report_rules``). Recomputing
whole days rather than applying deltas is what keeps it exact and idempotent: a case whose category
is confirmed later, that is reopened and resolved again, merged, or whose order gains an item, simply
makes its days be recounted; folding twice changes nothing.

What "changed" means (watermarks in ``RollupState``, read with an overlap so a transaction that
committed late is not missed — re-reading is harmless, the fold is idempotent: times from 10 minutes
before the last fold, ids from the marks of the fold before the last one):

- cases updated (``Case.updated_at``) or created (id), events, outcome records, promises (created, or
  kept/missed/cancelled), orders updated, order items and case–order links created;
- for each changed case, its affected days are the days it counts on *now* (opened, resolved, outcome
  recorded, promise due) **and** every day it has an event on: a reopen clears ``resolved_at``, and
  the day it used to count as resolved on is the day of the event that resolved it;
- days whose rows hold a case still *pending* on its SLA (``next_breach_at``) once that instant has
  passed: such a case turns breached with time alone, without any write;
- the days noted in ``RollupDirtyDay`` (below);
- a change of the SLA policies (fingerprint) or of the merchant time zone refolds everything.

What leaves no trace a watermark can read — a row deleted, a case–order link removed, a dated row
edited in place — is noted where it happens: receivers (``crm_twitter.signals.rollups``) call
``rollups_note_stale`` in the changing transaction with the days the vanished or moved rows counted
on, read from the rows themselves before they go (a deleted case's opened and resolved days, each
cascaded event's, outcome's and promise's own day; the opened days of the cases of a deleted order,
item or link; the days of the duplicates a deleted case leaves unmerged; an edited outcome's or
promise's old and new day). The fold reads those days, deletes the rows it read and recomputes the
days, all in its own transaction. Rollup rows carry no case ids, so the days must come from the rows
before they go; reading them afterwards would need an anti-join of every rollup day against the
history. A category renamed is re-keyed in place (``rollups_category_renamed``: rows hold slugs); a
category deleted (only possible while no case has it) leaves its suggestions as "no suggestion"
(``rollups_category_deleted``). A brand account re-handled is read live.

A ``QuerySet.update()`` (or ``bulk_update()``) of a counted column goes through the counted models'
watched manager (``crm_twitter.models.watch``): ``rollups_update_begin`` sets ``updated_at`` on a case
or order, or notes the days an outcome's, promise's, item's or event's rows count on (``_WATCHED``
lists the columns). A ``QuerySet.delete()`` of the auto-created case–order link model — what
``remove()``/``clear()``/``set()`` run, and ``Case.orders.through.objects…delete()`` — goes through the
same manager (Django sends no delete signal for an auto-created model, even when it loads the rows).

What bypasses Django altogether (raw SQL, another program) is caught by a self-check for the recent
days: at most every ``CHECK_EVERY`` a fold reads per-day counts and digest sums of the raw rows behind
the last ``CHECK_DAYS`` days (``_check_digests``: six grouped reads on indexed ranges), compares them
with those stored by the folds before (``RollupState.checks``; the folds in between refresh the days
they recompute) and refolds the days that differ (``FoldResult.unexplained``). Older days changed behind
Django's back are repaired only by ``crm_twitter_rollups --rebuild`` (docs/reports.md lists them).

Durations go into DDSketch (``ddsketch``, DataDog's mergeable quantile sketch) with a relative error
of ``RELATIVE_ACCURACY`` (1%): a quantile it returns is within 1% of a value of the true quantile's
rank. While a month/category has at most ``EXACT_LIMIT`` durations, the exact values are kept beside
the sketch, and the report's median/p90 are computed exactly (``percentile_cont``'s interpolation).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from ddsketch import DDSketch
from django.db import transaction
from django.db.models import (
    BigIntegerField,
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Func,
    Max,
    Min,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models import Case as CaseWhen
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from crm_twitter.classify.risk import RISK_KINDS
from crm_twitter.conf import app_settings
from crm_twitter.models import (
    OPEN_STATUSES,
    Case,
    CaseEvent,
    CaseOutcome,
    CaseStatus,
    Order,
    OrderItem,
    Promise,
    RollupCaseDay,
    RollupCountDay,
    RollupCountMonth,
    RollupDirtyDay,
    RollupDurationDay,
    RollupDurationMonth,
    RollupState,
)
from crm_twitter.services.report_rules import (
    UNKNOWN,
    EpochSeconds,
    category_key,
    complaints,
    dimension_expressions,
    highest_escalation,
    language_key,
    sla_annotations,
    sla_done,
    sla_late,
    sla_own_first_response_due,
)
from crm_twitter.services.sla import SlaTargets, sla_policies, sla_targets

RELATIVE_ACCURACY = 0.01
EXACT_LIMIT = 1000  # durations per month and category kept exactly beside the sketch
ALL = "__all__"
FIRST_RESPONSE = "first_response"
RESOLUTION = "resolution"
TIME_OVERLAP = dt.timedelta(minutes=10)  # re-read this much before the time watermarks
MARKS = ("case_id", "event_id", "outcome_id", "promise_id", "item_id", "link_id")
COUNT_KINDS = ("country", "carrier", "sku")
# Backlog age buckets (key, lower bound in days, upper bound or None): the report labels them.
BACKLOG_BOUNDS = (
    ("lt1d", 0, 1),
    ("1_3d", 1, 3),
    ("3_7d", 3, 7),
    ("7_14d", 7, 14),
    ("14_30d", 14, 30),
    ("gt30d", 30, None),
)


# --- The sketch ---------------------------------------------------------------------------------


def sketch_new() -> DDSketch:
    return DDSketch(RELATIVE_ACCURACY)


def sketch_dump(sketch: DDSketch, values: list[float] | None) -> dict:
    """A JSON-safe form of a DDSketch (its non-empty bins), plus the exact values while few."""

    def bins(store) -> list[list[float]]:
        return [[i + store.offset, c] for i, c in enumerate(store.bins) if c]

    data = {
        "n": sketch._count,
        "z": sketch._zero_count,
        "p": bins(sketch._store),
        "m": bins(sketch._negative_store),
    }
    if values is not None and len(values) <= EXACT_LIMIT:
        data["v"] = sorted(values)
    return data


def sketch_load(data: dict) -> DDSketch:
    sketch = sketch_new()
    for key, c in data.get("p", ()):
        sketch._store.add(int(key), c)
    for key, c in data.get("m", ()):
        sketch._negative_store.add(int(key), c)
    sketch._zero_count = data.get("z", 0.0)
    sketch._count = data.get("n", 0.0)
    return sketch


def sketch_merge(items: Iterable[dict]) -> dict:
    """Merge dumped sketches; exact values survive while every part has them and they stay few."""
    merged = sketch_new()
    values: list[float] | None = []
    for data in items:
        if not data.get("n"):
            continue
        merged.merge(sketch_load(data))
        if values is not None and "v" in data and len(values) + len(data["v"]) <= EXACT_LIMIT:
            values.extend(data["v"])
        else:
            values = None
    return sketch_dump(merged, values)


def percentile_cont(ordered: list[float], fraction: float) -> float:
    """PostgreSQL's ``percentile_cont``: linear interpolation between the two nearest ranks."""
    pos = (len(ordered) - 1) * fraction
    lo = int(pos)
    low = ordered[lo]
    high = ordered[lo + 1] if lo + 1 < len(ordered) else low
    return low + (high - low) * (pos - lo)


def sketch_quantiles(data: dict, fractions: Iterable[float]) -> tuple[int, dict[float, float | None]]:
    """(count, {fraction: value}): exact when the values are kept, else the sketch's estimate."""
    count = int(data.get("n") or 0)
    if not count:
        return 0, {f: None for f in fractions}
    if "v" in data and len(data["v"]) == count:
        return count, {f: percentile_cont(data["v"], f) for f in fractions}
    sketch = sketch_load(data)
    return count, {f: sketch.get_quantile_value(f) for f in fractions}


# --- Days ---------------------------------------------------------------------------------------


def _tz() -> ZoneInfo:
    return ZoneInfo(app_settings.TIME_ZONE)


def day_start(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=_tz())


def _month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _days_q(field_name: str, days: set[dt.date] | None, since: dt.date | None, prefix: str = "") -> Q:
    """``field`` falls on one of ``days`` (merchant wall clock); contiguous days become one range."""
    name = f"{prefix}{field_name}"
    if days is None:
        return Q(**{f"{name}__gte": day_start(since)}) if since else Q()
    q = Q(pk__in=[])
    ordered = sorted(days)
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + dt.timedelta(days=1):
            j += 1
        q |= Q(**{f"{name}__gte": day_start(ordered[i]), f"{name}__lt": day_start(ordered[j] + dt.timedelta(days=1))})
        i = j + 1
    return q


def _local_day(field_name: str) -> TruncDate:
    return TruncDate(field_name, tzinfo=_tz())


def _as_date(value) -> dt.date:
    return (
        value
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime)
        else dt.date.fromisoformat(str(value))
    )


# --- What changed -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Marks:
    case_id: int
    event_id: int
    outcome_id: int
    promise_id: int
    item_id: int
    link_id: int


def _marks_now() -> Marks:
    link = Case.orders.through

    def top(model) -> int:
        return model.objects.aggregate(m=Max("pk"))["m"] or 0

    return Marks(
        case_id=top(Case),
        event_id=top(CaseEvent),
        outcome_id=top(CaseOutcome),
        promise_id=top(Promise),
        item_id=top(OrderItem),
        link_id=top(link),
    )


def _changed_cases(state: RollupState) -> set[int]:
    """Cases written since the fold *before* the last one: ids are read from the marks two folds back,
    so a transaction that took an id before the last fold but committed after it is still seen.

    One small query per source, each a range on an index (ids, times), collected here: OR-ing them
    as subqueries in one statement made PostgreSQL scan every case for each (32 s at 1M cases).
    """
    since = (state.changed_since or state.folded_at) - TIME_OVERLAP
    low = Marks(**{name: int((state.previous_marks or {}).get(name, getattr(state, name))) for name in MARKS})
    link = Case.orders.through
    order_ids = set(Order.objects.filter(updated_at__gte=since).values_list("pk", flat=True))
    order_ids.update(OrderItem.objects.filter(pk__gt=low.item_id).values_list("order_id", flat=True))
    sources = [
        Case.objects.filter(updated_at__gte=since).values_list("pk", flat=True),
        Case.objects.filter(pk__gt=low.case_id).values_list("pk", flat=True),
        CaseEvent.objects.filter(pk__gt=low.event_id).values_list("case_id", flat=True),
        CaseOutcome.objects.filter(pk__gt=low.outcome_id).values_list("case_id", flat=True),
        Promise.objects.filter(pk__gt=low.promise_id).values_list("case_id", flat=True),
        Promise.objects.filter(resolved_at__gte=since).values_list("case_id", flat=True),
        link.objects.filter(pk__gt=low.link_id).values_list("case_id", flat=True),
    ]
    changed: set[int] = set()
    for source in sources:
        changed.update(source.distinct().order_by())
    for chunk in _chunks(sorted(order_ids)):
        changed.update(link.objects.filter(order_id__in=chunk).values_list("case_id", flat=True).distinct().order_by())
    return changed


def _chunks(ids: list[int], size: int = 5000) -> Iterable[list[int]]:
    """Bounded ``IN`` lists (a driver caps a statement's parameters)."""
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _case_days(case_ids: Iterable[int]) -> set[dt.date]:
    """Every day these cases count on now (opened, resolved, outcome recorded, promise due) and every
    day they have an event on (a reopen took a resolution off the day of the event that resolved it)."""
    days: set[dt.date] = set()
    for chunk in _chunks(sorted(set(case_ids))):
        for opened, resolved in (
            Case.objects.filter(pk__in=chunk)
            .annotate(_o=_local_day("opened_at"), _r=_local_day("resolved_at"))
            .values_list("_o", "_r")
            .distinct()
            .order_by()
        ):
            days.add(_as_date(opened))
            if resolved is not None:
                days.add(_as_date(resolved))
        for model, field_name in ((CaseEvent, "created_at"), (CaseOutcome, "recorded_at"), (Promise, "due_at")):
            days.update(
                _as_date(d)
                for d in model.objects.filter(case_id__in=chunk)
                .annotate(_d=_local_day(field_name))
                .values_list("_d", flat=True)
                .distinct()
                .order_by()
            )
    return days


def _opened_days(cases: Q) -> set[dt.date]:
    """The opened days of the cases matching ``cases``: where their order dimensions, escalation and
    SLA judgement are counted."""
    return {
        _as_date(d)
        for d in Case.objects.filter(cases)
        .annotate(_d=_local_day("opened_at"))
        .values_list("_d", flat=True)
        .distinct()
        .order_by()
    }


def _affected_days(state: RollupState, now: dt.datetime) -> set[dt.date]:
    days = _case_days(_changed_cases(state))
    days.update(
        _as_date(d)
        for d in RollupCaseDay.objects.filter(next_breach_at__lt=now)
        .values_list("day", flat=True)
        .distinct()
        .order_by()
    )
    return days


def local_date(instant: dt.datetime) -> dt.date:
    """The merchant's wall-clock date of an instant: the day a rollup row counts it on."""
    return timezone.localtime(instant, _tz()).date()


def rollups_note_stale(
    *,
    days: Iterable[dt.date] = (),
    instants: Iterable[dt.datetime | None] = (),
    opened_of_cases: Iterable[int] = (),
    all_of_cases: Iterable[int] = (),
    opened_of_orders: Iterable[int] = (),
) -> int:
    """Note the days a change the watermarks cannot see made stale, for the next fold to recompute;
    call it in the changing transaction. ``days``: the days themselves; ``instants``: times the changed
    rows counted at (their days);
    ``opened_of_cases``: cases whose opened day holds what changed (an order link, an event);
    ``all_of_cases``: cases whose every day may have changed (a duplicate left unmerged);
    ``opened_of_orders``: orders whose linked cases' opened days hold what changed (an item).
    Cases or orders already gone count nothing (their own rows noted their days). Returns the days."""
    days = set(days) | {local_date(t) for t in instants if t is not None}
    days |= _case_days(all_of_cases)
    for chunk in _chunks(sorted(set(opened_of_cases))):
        days |= _opened_days(Q(pk__in=chunk))
    for chunk in _chunks(sorted(set(opened_of_orders))):
        days |= _opened_days(Q(orders__in=chunk))
    RollupDirtyDay.objects.bulk_create([RollupDirtyDay(day=d) for d in sorted(days)], batch_size=500)
    return len(days)


# --- QuerySet.update() (``crm_twitter.models.watch`` asks, the signal receivers pass it on) ---------


@dataclass(frozen=True)
class _Watched:
    """What an ``update()`` of a counted model must tell the fold.

    ``counted``: the fields a figure reads. ``stamp``: the model's ``updated_at``, which the fold's
    watermark reads — set to now, nothing else to do. ``moves``: for a stamped model, fields whose
    change takes the row off days the watermark cannot name any more (a case's old opened or resolved
    day): those days are read before the UPDATE. ``day``: the row counts on the day of this field (an
    outcome's ``recorded_at``, a promise's ``due_at``). ``holder``: the row counts on the opened days
    of the cases of this relation (an item's ``order``, an event's ``case``).
    """

    counted: frozenset[str]
    stamp: str | None = None
    moves: tuple[str, ...] = ()
    day: str | None = None
    holder: str | None = None


_WATCHED: dict[type, _Watched] = {
    Case: _Watched(
        counted=frozenset(
            {
                "opened_at",
                "resolved_at",
                "first_response_at",
                "moved_to_dm_at",
                "sla_paused_at",
                "sla_first_response_due",
                "sla_resolution_due",
                "priority",
                "status",
                "satisfaction",
                "brand_account",
                "language",
                "category",
                "category_confirmed",
                "suggested_category",
                "suggestion_model",
                "risk_kinds",
                "merged_into",
            }
        ),
        stamp="updated_at",
        moves=("opened_at", "resolved_at"),
    ),
    Order: _Watched(counted=frozenset({"destination_country", "carrier"}), stamp="updated_at"),
    CaseOutcome: _Watched(
        counted=frozenset({"case", "outcome", "refund_amount", "refund_currency", "recorded_at"}), day="recorded_at"
    ),
    Promise: _Watched(counted=frozenset({"case", "due_at", "status"}), day="due_at"),
    OrderItem: _Watched(counted=frozenset({"order", "sku"}), holder="order"),
    CaseEvent: _Watched(counted=frozenset({"case", "kind", "data", "created_at"}), holder="case"),
}


def _field_names(model, values: dict) -> set[str]:
    """``values``' keys as field names (``category_id`` is ``category``)."""
    return {model._meta.get_field(key).name for key in values}  # an attname is found too


def _days_of(queryset, field_name: str) -> set[dt.date]:
    """The merchant days ``field_name`` of these rows falls on (one query)."""
    return {
        _as_date(d)
        for d in queryset.annotate(_d=_local_day(field_name)).values_list("_d", flat=True).distinct().order_by()
        if d is not None
    }


def _plain(value) -> bool:
    """A value written as it is (not an expression the database computes per row)."""
    return not hasattr(value, "resolve_expression")


def _value_of(model, values: dict, name: str):
    field = model._meta.get_field(name)
    return values[name] if name in values else values.get(field.attname)


def rollups_update_begin(model: type, queryset, values: dict, extra: dict, state: dict) -> None:
    """Before a ``QuerySet.update()`` of ``model``: keep the fold honest about what it changes.

    Called by the ``pre_update`` receiver in the updating transaction. A stamped model (case, order)
    gets ``updated_at`` set when a counted column changes (no extra query: the fold reads it), plus the
    old opened/resolved days of the rows when those move; an update that sets ``updated_at`` itself is
    trusted (the services' writes). The others note the days their rows count on
    before the UPDATE (one query), and keep in ``state`` what ``rollups_update_end`` needs to note the
    days they count on after it. An update that sets a promise's ``resolved_at`` to about now (the SLA
    sweep's missed promises) is already read by the fold's watermark and costs nothing more."""
    watched = _WATCHED.get(model)
    names = _field_names(model, values)
    if watched is None or not names & watched.counted:
        return
    if watched.stamp:
        if watched.stamp in names:
            # A writer that sets the stamp itself (``case_writes.case_save``) is one of the services,
            # which record an event with every status move: the fold reads the event's day.
            return
        extra[watched.stamp] = timezone.now()
        moved = [f for f in watched.moves if f in names]
        if moved:
            rows = queryset.annotate(**{f"_d_{f}": _local_day(f) for f in moved}).values_list(
                *(f"_d_{f}" for f in moved)
            )
            rollups_note_stale(days={_as_date(d) for row in rows.distinct().order_by() for d in row if d is not None})
        return
    if model is Promise and names <= {"status", "resolved_at", "note"}:
        resolved = values.get("resolved_at")
        if isinstance(resolved, dt.datetime) and resolved >= timezone.now() - TIME_OVERLAP:
            return
    moving = watched.day if watched.day else watched.holder
    if moving in names and not _plain(_value_of(model, values, moving)):
        state["pks"] = list(queryset.values_list("pk", flat=True).order_by())  # re-read after the UPDATE
    if watched.day:
        days = _days_of(queryset, watched.day)
        new = _value_of(model, values, watched.day) if watched.day in names else None
        if isinstance(new, dt.datetime):
            days.add(local_date(new))
        rollups_note_stale(days=days)
        return
    attname = model._meta.get_field(watched.holder).attname
    holders = set(queryset.values_list(attname, flat=True).distinct().order_by())
    if watched.holder in names:
        new = _value_of(model, values, watched.holder)
        if _plain(new) and new is not None:
            holders.add(getattr(new, "pk", new))
    if watched.holder == "order":
        rollups_note_stale(opened_of_orders=holders)
    else:
        rollups_note_stale(opened_of_cases=holders)


def rollups_update_end(model: type, state: dict) -> None:
    """After the UPDATE: the days rows count on now, when an expression moved them (``state["pks"]``)."""
    pks = state.get("pks")
    if not pks:
        return
    watched = _WATCHED[model]
    for chunk in _chunks(sorted(pks)):
        rows = model.objects.filter(pk__in=chunk)
        if watched.day:
            rollups_note_stale(days=_days_of(rows, watched.day))
        else:
            attname = model._meta.get_field(watched.holder).attname
            holders = set(rows.values_list(attname, flat=True).distinct().order_by())
            if watched.holder == "order":
                rollups_note_stale(opened_of_orders=holders)
            else:
                rollups_note_stale(opened_of_cases=holders)


def _state_locked() -> RollupState:
    """The state row, locked: a fold and a re-key of the rollup rows never interleave."""
    RollupState.objects.get_or_create(pk="default")
    return RollupState.objects.select_for_update().get(pk="default")


def rollups_category_renamed(old_slug: str, new_slug: str) -> None:
    """Re-key the rollup rows of a category whose slug changed (they are keyed by slug). Exact: every
    row under the old slug counted cases of this category, and those now count under the new one."""
    if not old_slug or old_slug == new_slug:
        return
    with transaction.atomic():
        _state_locked()
        for model in (RollupCaseDay, RollupCountDay, RollupCountMonth, RollupDurationDay):
            model.objects.filter(category=old_slug).update(category=new_slug)
        RollupCountDay.objects.filter(kind="categorisation", key1=old_slug).update(key1=new_slug)
        # One month row per (month, metric, category): where the new slug already has one (rows of
        # a slug used before), merge the months again from their re-keyed daily rows instead.
        months = RollupDurationMonth.objects.filter(category=old_slug)
        clash = set(
            months.filter(month__in=RollupDurationMonth.objects.filter(category=new_slug).values("month")).values_list(
                "month", flat=True
            )
        )
        months.exclude(month__in=clash).update(category=new_slug)
        _months_refresh(clash)


def rollups_category_deleted(slug: str) -> None:
    """A category deleted while no case has it (cases protect it) can still be some cases' suggestion,
    which the deletion clears: their categorisation rows say "no suggestion" from now on."""
    with transaction.atomic():
        _state_locked()
        RollupCountDay.objects.filter(kind="categorisation", key1=slug).update(key1="")


def policies_fingerprint(policies: dict[str, SlaTargets]) -> str:
    text = json.dumps({p: list(t) if isinstance(t, tuple) else repr(t) for p, t in sorted(policies.items())})
    return hashlib.sha256(text.encode()).hexdigest()[:32]


# --- The self-check: what no signal can see ------------------------------------------------------

CHECK_DAYS = 7  # the recent days (merchant time zone) whose raw rows the self-check reads
CHECK_EVERY = dt.timedelta(minutes=30)  # how often a fold reads all of them (raw SQL is seen within this)
_DIGEST_FUNCTION = "crm_twitter_digest"


def _crc(text: str | None) -> int:
    return zlib.crc32((text or "").encode()) - 2**31  # signed, as PostgreSQL's hashtext


class RowDigest(Func):
    """A 32-bit hash of some columns of a row, summed per day by the self-check (NULL reads as '-').

    PostgreSQL: ``hashtext``; SQLite: CRC-32 of the same text through a function registered on the
    connection; MySQL: ``CRC32``. Only ever compared with digests the same database computed."""

    output_field = BigIntegerField()

    def as_sql(self, compiler, connection, **extra_context):
        parts, params = [], []
        text = "CHAR" if connection.vendor == "mysql" else "TEXT"
        for expression in self.get_source_expressions():
            sql, p = compiler.compile(expression)
            parts.append(f"COALESCE(CAST({sql} AS {text}), '-')")
            params.extend(p)
        if connection.vendor == "postgresql":
            return f"hashtext(concat_ws('|', {', '.join(parts)}))", params
        if connection.vendor == "mysql":
            return f"CRC32(CONCAT_WS('|', {', '.join(parts)}))", params
        if connection.vendor == "sqlite":
            joined = " || '|' || ".join(parts)
            connection.ensure_connection()
            connection.connection.create_function(_DIGEST_FUNCTION, 1, _crc, deterministic=True)
            return f"{_DIGEST_FUNCTION}({joined})", params
        raise NotImplementedError(f"RowDigest on {connection.vendor}")


def _digest(*names: str) -> RowDigest:
    return RowDigest(*(F(n) for n in names))


# What of its case a row counted on its own day (a resolution, an outcome, a promise) is judged by.
_CASE_KEYS = ("status", "merged_into", "category", "category_confirmed")


# Each source: (name, rows, the field whose merchant day keys them, the digest of a row). Together they
# hold every column a figure reads, keyed by the day that figure is counted on; a case's events and
# order dimensions are keyed by the case's opened day, where their figures are counted.
def _check_sources(since: dt.datetime) -> list[tuple[str, object, str, RowDigest]]:
    link = Case.orders.through
    return [
        (
            "opened",
            Case.objects.filter(opened_at__gte=since),
            "opened_at",
            _digest("pk", *sorted(_WATCHED[Case].counted - {"opened_at"})),
        ),
        (
            "resolved",
            Case.objects.filter(resolved_at__gte=since),
            "resolved_at",
            _digest("pk", "opened_at", *_CASE_KEYS),
        ),
        (
            "outcome",
            CaseOutcome.objects.filter(recorded_at__gte=since),
            "recorded_at",
            _digest("pk", "case", "outcome", "refund_amount", "refund_currency", *(f"case__{k}" for k in _CASE_KEYS)),
        ),
        (
            "promise",
            # Every status named, so the (status, due_at) index serves the range; a row whose status
            # raw SQL set to anything else leaves its day's count, which shows as well.
            Promise.objects.filter(status__in=Promise.Status.values, due_at__gte=since),
            "due_at",
            _digest("pk", "case", "status", *(f"case__{k}" for k in _CASE_KEYS)),
        ),
        (
            "events",
            # Escalations and reopens move a case's escalation and SLA judgement; both come after it opened.
            CaseEvent.objects.filter(
                kind__in=(CaseEvent.Kind.ESCALATED, CaseEvent.Kind.REOPENED),
                created_at__gte=since,
                case__opened_at__gte=since,
            ),
            "case__opened_at",
            _digest("pk", "case", "kind", "data", "created_at"),
        ),
        (
            "orders",
            link.objects.filter(case__opened_at__gte=since),
            "case__opened_at",
            _digest(
                "case", "order", "order__destination_country", "order__carrier", "order__items__id", "order__items__sku"
            ),
        ),
    ]


def _check_first(now: dt.datetime) -> dt.date:
    return local_date(now) - dt.timedelta(days=CHECK_DAYS - 1)


def _check_digests(now: dt.datetime, only: set[dt.date] | None = None) -> dict[str, list[int]]:
    """Per recent day (ISO date): a count and a digest sum of each source's rows (``only``: just those
    days). One grouped query per source, each a range read on an index (cases by opened or resolved
    time, outcomes by recorded time, promises by (status, due time), events by (kind, time), links
    through their cases)."""
    since = day_start(_check_first(now))
    found: dict[str, list[int]] = {}
    sources = _check_sources(since)
    for i, (_name, rows, field_name, digest) in enumerate(sources):
        if only is not None:
            rows = rows.filter(_days_q(field_name, only, None))
        for day, n, total in (
            rows.annotate(_d=_local_day(field_name))
            .values("_d")
            .annotate(_n=Count("pk"), _s=Sum(digest))
            .values_list("_d", "_n", "_s")
            .order_by()
        ):
            key = _as_date(day).isoformat()
            found.setdefault(key, [0] * (2 * len(sources)))[2 * i : 2 * i + 2] = [n, int(total or 0)]
    return found


def _check_differs(stored: dict, found: dict[str, list[int]], now: dt.datetime) -> set[dt.date]:
    """The recent days whose raw rows no longer match what the folds saw: written behind Django's back
    (raw SQL, another program), or changed and not folded yet — refolding them is always right."""
    first = _check_first(now)
    keys = {k for k in stored if dt.date.fromisoformat(k) >= first} | set(found)
    return {dt.date.fromisoformat(k) for k in keys if stored.get(k) != found.get(k)}


def _check(state: RollupState, days: set[dt.date] | None, now: dt.datetime) -> tuple[dict, set[dt.date]]:
    """The self-check's part of a fold, before its recompute: (the new ``RollupState.checks``, the
    recent days whose rows differ from what was folded). ``days``: what the fold recomputes (None: everything).

    The whole window is read at most every ``CHECK_EVERY`` (and by every full fold); the folds between
    read only the recent days they recompute anyway, so the stored digests always describe what was
    folded and a whole-window read finds exactly the days changed behind Django's back. Read before
    the recompute: a change committing in between leaves the stored digest older than the rows, and
    the next whole-window read refolds that day again rather than miss it."""
    checks = state.checks or {}
    stored: dict[str, list[int]] = checks.get("days", {})
    at = checks.get("at")
    first = _check_first(now)
    due = (
        days is None
        or not at
        or now - dt.datetime.fromisoformat(at) >= CHECK_EVERY
        or now < dt.datetime.fromisoformat(at)
    )
    if due:
        found = _check_digests(now)
        differs = set() if days is None else _check_differs(stored, found, now)
        return {"at": now.isoformat(), "days": found}, differs
    recent = {d for d in days if d >= first}
    kept = {
        k: v for k, v in stored.items() if dt.date.fromisoformat(k) >= first and dt.date.fromisoformat(k) not in recent
    }
    found = _check_digests(now, only=recent) if recent else {}
    return {"at": at, "days": {**kept, **found}}, set()


# --- Recompute ----------------------------------------------------------------------------------


def _policy_interval(clock: str, policies: dict[str, SlaTargets]) -> CaseWhen:
    default = sla_targets("normal", policies)
    return CaseWhen(
        *(When(priority=p, then=Value(dt.timedelta(minutes=getattr(t, clock)))) for p, t in policies.items()),
        default=Value(dt.timedelta(minutes=getattr(default, clock))),
        output_field=DurationField(),
    )


def _breach_instants(policies: dict[str, SlaTargets]) -> dict[str, CaseWhen]:
    """For a case whose clock is still running, the instant it turns late (``sla_late`` then holds)."""
    fr_running = Q(first_response_at__isnull=True, sla_paused_at__isnull=True)
    res_running = Q(resolved_at__isnull=True, sla_paused_at__isnull=True)
    fr_by_policy = ExpressionWrapper(F("opened_at") + _policy_interval("first_response", policies), DateTimeField())
    res_by_policy = ExpressionWrapper(F("opened_at") + _policy_interval("resolution", policies), DateTimeField())
    return {
        "_fr_t": CaseWhen(
            When(fr_running & sla_own_first_response_due(), then=F("sla_first_response_due")),
            When(fr_running, then=fr_by_policy),
            default=None,
            output_field=DateTimeField(),
        ),
        "_res_t": CaseWhen(
            When(res_running & Q(sla_resolution_due__isnull=False), then=F("sla_resolution_due")),
            When(res_running, then=res_by_policy),
            default=None,
            output_field=DateTimeField(),
        ),
    }


def _escalation_until(months: list[dt.date]) -> CaseWhen:
    """The end of the month the case was opened in (an escalation after it does not rewrite it)."""
    return CaseWhen(
        *(
            When(
                case__opened_at__gte=day_start(m),
                case__opened_at__lt=day_start(_next_month(m)),
                then=Value(day_start(_next_month(m))),
            )
            for m in months
        ),
        default=Value(day_start(_next_month(months[-1])) if months else timezone.now()),
        output_field=DateTimeField(),
    )


def _case_rows(opened_q: Q, months: list[dt.date], now: dt.datetime, policies: dict[str, SlaTargets]) -> list:
    late, done = sla_late(), sla_done()
    pending = ~late & ~done
    kind = CaseWhen(
        When(merged_into__isnull=False, then=Value(RollupCaseDay.Kind.MERGED)),
        When(status=CaseStatus.NOT_ACTIONABLE, then=Value(RollupCaseDay.Kind.NOT_ACTIONABLE)),
        default=Value(RollupCaseDay.Kind.COMPLAINT),
    )
    rows = (
        Case.objects.filter(opened_q)
        .annotate(**sla_annotations(now=now, policies=policies))
        .annotate(**_breach_instants(policies))
        .annotate(
            _esc=highest_escalation(until=_escalation_until(months)),
            _day=_local_day("opened_at"),
            _cat=category_key(),
            _lang=language_key(),
            _kind=kind,
        )
        .values("_day", "brand_account_id", "_lang", "_cat", "_kind")
        .annotate(
            cases=Count("pk"),
            sla_breached=Count("pk", filter=late),
            sla_met=Count("pk", filter=done & ~late),
            escalated=Count("pk", filter=Q(_esc__gt=0)),
            escalated_1=Count("pk", filter=Q(_esc=1)),
            escalated_2=Count("pk", filter=Q(_esc=2)),
            escalated_3=Count("pk", filter=Q(_esc=3)),
            moved_to_dm=Count("pk", filter=Q(moved_to_dm_at__isnull=False)),
            satisfaction_count=Count("satisfaction"),
            satisfaction_sum=Sum("satisfaction"),
            fr_t=Min("_fr_t", filter=pending),
            res_t=Min("_res_t", filter=pending),
        )
        .order_by()
    )
    out = []
    for r in rows:
        instants = [t for t in (r["fr_t"], r["res_t"]) if t is not None]
        out.append(
            RollupCaseDay(
                day=_as_date(r["_day"]),
                account_id=r["brand_account_id"],
                language=r["_lang"] or UNKNOWN,
                category=r["_cat"],
                kind=r["_kind"],
                cases=r["cases"],
                sla_met=r["sla_met"],
                sla_breached=r["sla_breached"],
                next_breach_at=min(instants) if instants else None,
                escalated=r["escalated"],
                escalated_1=r["escalated_1"],
                escalated_2=r["escalated_2"],
                escalated_3=r["escalated_3"],
                moved_to_dm=r["moved_to_dm"],
                satisfaction_count=r["satisfaction_count"],
                satisfaction_sum=r["satisfaction_sum"] or 0,
            )
        )
    return out


def _count_rows(opened_q: Q, recorded_q: Q, due_q: Q) -> list[RollupCountDay]:
    out: list[RollupCountDay] = []
    opened = complaints().filter(opened_q)
    expressions = dimension_expressions()
    for kind in COUNT_KINDS:
        for r in (
            opened.annotate(_day=_local_day("opened_at"), _cat=category_key(), _value=expressions[kind])
            .values("_day", "_cat", "_value")
            .annotate(n=Count("pk", distinct=True))
            .order_by()
        ):
            value = r["_value"] if r["_value"] not in (None, "") else UNKNOWN
            out.append(RollupCountDay(day=_as_date(r["_day"]), kind=kind, category=r["_cat"], key1=value, n=r["n"]))
    for r in (
        opened.annotate(_day=_local_day("opened_at"))
        .values("_day", "category_confirmed", "category__slug", "suggested_category__slug", "suggestion_model")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        confirmed = r["category__slug"] if r["category_confirmed"] and r["category__slug"] else ""
        out.append(
            RollupCountDay(
                day=_as_date(r["_day"]),
                kind="categorisation",
                category=confirmed,
                key1=r["suggested_category__slug"] or "",
                key2=r["suggestion_model"] or "",
                n=r["n"],
            )
        )
    risk = (
        opened.annotate(_day=_local_day("opened_at"))
        .values("_day")
        .annotate(**{kind: Count("pk", filter=Q(risk_kinds__contains=kind)) for kind in RISK_KINDS})
        .order_by()
    )
    for r in risk:
        out.extend(
            RollupCountDay(day=_as_date(r["_day"]), kind="risk", category="", key1=kind, n=r[kind])
            for kind in RISK_KINDS
            if r[kind]
        )
    for r in (
        CaseOutcome.objects.filter(recorded_q, case__merged_into__isnull=True)
        .exclude(case__status=CaseStatus.NOT_ACTIONABLE)
        .annotate(_day=_local_day("recorded_at"), _cat=category_key("case__"))
        .values("_day", "_cat", "outcome", "refund_currency")
        .annotate(n=Count("pk"), refunds=Count("refund_amount"), amount=Sum("refund_amount"))
        .order_by()
    ):
        out.append(
            RollupCountDay(
                day=_as_date(r["_day"]),
                kind="outcome",
                category=r["_cat"],
                key1=r["outcome"] or "",
                key2=r["refund_currency"] or "",
                n=r["n"],
                refunds=r["refunds"],
                amount=r["amount"],
            )
        )
    for r in (
        Promise.objects.filter(due_q, case__merged_into__isnull=True)
        .exclude(case__status=CaseStatus.NOT_ACTIONABLE)
        .annotate(_day=_local_day("due_at"), _cat=category_key("case__"))
        .values("_day", "_cat", "status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        out.append(
            RollupCountDay(day=_as_date(r["_day"]), kind="promise", category=r["_cat"], key1=r["status"], n=r["n"])
        )
    return out


def _duration_rows(opened_q: Q, resolved_q: Q) -> list[RollupDurationDay]:
    """Durations per day and category into sketches (the values stream; only sketches are kept)."""
    groups: dict[tuple[str, dt.date, str], tuple[DDSketch, list[float]]] = {}
    sources = (
        (FIRST_RESPONSE, "opened_at", complaints().filter(opened_q), EpochSeconds("first_response_at", "opened_at")),
        (RESOLUTION, "resolved_at", complaints().filter(resolved_q), EpochSeconds("resolved_at", "opened_at")),
    )
    for metric, day_field, queryset, duration in sources:
        rows = (
            queryset.annotate(_day=_local_day(day_field), _cat=category_key(), _d=duration)
            .filter(_d__isnull=False)
            .values_list("_day", "_cat", "_d")
            .order_by()
        )
        for day, cat, seconds in rows.iterator(chunk_size=5000):
            sketch, values = groups.setdefault((metric, _as_date(day), cat), (sketch_new(), []))
            sketch.add(float(seconds))
            if len(values) <= EXACT_LIMIT:
                values.append(float(seconds))
    return [
        RollupDurationDay(
            day=day,
            metric=metric,
            category=cat,
            count=int(sketch.count),
            sketch=sketch_dump(sketch, values if len(values) <= EXACT_LIMIT else None),
        )
        for (metric, day, cat), (sketch, values) in groups.items()
    ]


def _months_refresh(months: set[dt.date] | None) -> None:
    """Re-merge the month rows of ``months`` (None: all) from their daily duration rows."""
    day_rows = RollupDurationDay.objects.all()
    month_rows = RollupDurationMonth.objects.all()
    if months is not None:
        if not months:
            return
        ranges = Q(pk__in=[])
        for m in months:
            ranges |= Q(day__gte=m, day__lt=_next_month(m))
        day_rows = day_rows.filter(ranges)
        month_rows = month_rows.filter(month__in=months)
    parts: dict[tuple[dt.date, str, str], list[dict]] = defaultdict(list)
    for day, metric, cat, sketch in day_rows.values_list("day", "metric", "category", "sketch").order_by("day"):
        month = _month_of(_as_date(day))
        parts[(month, metric, cat)].append(sketch)
        parts[(month, metric, ALL)].append(sketch)
    month_rows.delete()
    merged = []
    for (month, metric, cat), items in parts.items():
        data = sketch_merge(items)
        merged.append(RollupDurationMonth(month=month, metric=metric, category=cat, count=int(data["n"]), sketch=data))
    RollupDurationMonth.objects.bulk_create(merged, batch_size=500)


def _count_months_refresh(months: set[dt.date] | None) -> None:
    """Re-sum the month rows of the order dimensions (None: all months) from their daily rows."""
    day_rows = RollupCountDay.objects.filter(kind__in=COUNT_KINDS)
    month_rows = RollupCountMonth.objects.all()
    if months is not None:
        if not months:
            return
        ranges = Q(pk__in=[])
        for m in months:
            ranges |= Q(day__gte=m, day__lt=_next_month(m))
        day_rows = day_rows.filter(ranges)
        month_rows = month_rows.filter(month__in=months)
    month_rows.delete()
    RollupCountMonth.objects.bulk_create(
        [
            RollupCountMonth(month=_as_date(r["_m"]), kind=r["kind"], category=r["category"], key1=r["key1"], n=r["n"])
            for r in day_rows.annotate(_m=TruncMonth("day"))
            .values("_m", "kind", "category", "key1")
            .annotate(n=Sum("n"))
            .order_by()
        ],
        batch_size=500,
    )


def _backlog(now: dt.datetime) -> dict[str, int]:
    filters = {}
    for key, low, high in BACKLOG_BOUNDS:
        q = Q(opened_at__lte=now - dt.timedelta(days=low))
        if high is not None:
            q &= Q(opened_at__gt=now - dt.timedelta(days=high))
        filters[key] = Count("pk", filter=q)
    counts = complaints().filter(status__in=OPEN_STATUSES).aggregate(**filters)
    return {key: counts[key] or 0 for key, _low, _high in BACKLOG_BOUNDS}


def _recompute(days: set[dt.date] | None, since: dt.date | None, now: dt.datetime, policies) -> int:
    """Delete and recount the rollup rows of ``days`` (None: every day, or from ``since``)."""
    opened_q = _days_q("opened_at", days, since)
    if days is None:
        bounds = Case.objects.filter(opened_q).aggregate(lo=Min("opened_at"), hi=Max("opened_at"))
        months: list[dt.date] = []
        if bounds["lo"] is not None:
            m = _month_of(timezone.localtime(bounds["lo"], _tz()).date())
            last = _month_of(timezone.localtime(bounds["hi"], _tz()).date())
            while m <= last:
                months.append(m)
                m = _next_month(m)
    else:
        months = sorted({_month_of(d) for d in days})
    for model in (RollupCaseDay, RollupCountDay, RollupDurationDay):
        stale = model.objects.all()
        if days is not None:
            stale = stale.filter(day__in=sorted(days))
        elif since is not None:
            stale = stale.filter(day__gte=since)
        stale.delete()
    case_rows = _case_rows(opened_q, months, now, policies)
    RollupCaseDay.objects.bulk_create(case_rows, batch_size=500)
    count_rows = _count_rows(opened_q, _days_q("recorded_at", days, since), _days_q("due_at", days, since))
    RollupCountDay.objects.bulk_create(count_rows, batch_size=500)
    duration_rows = _duration_rows(opened_q, _days_q("resolved_at", days, since))
    RollupDurationDay.objects.bulk_create(duration_rows, batch_size=500)
    if days is None and since is None:
        _months_refresh(None)
        _count_months_refresh(None)
    else:
        touched = {_month_of(d) for d in days} if days is not None else None
        if touched is None:
            m, last = _month_of(since), _month_of(timezone.localtime(now, _tz()).date())
            touched = set()
            while m <= last:
                touched.add(m)
                m = _next_month(m)
        _months_refresh(touched)
        _count_months_refresh(touched)
    return len(case_rows) + len(count_rows) + len(duration_rows)


@dataclass(frozen=True)
class FoldResult:
    folded_at: dt.datetime
    days: int | None  # None: every day was recomputed
    rows: int
    # Days only the self-check found changed: written behind Django's back (raw SQL, another program).
    unexplained: tuple[dt.date, ...] = ()


def rollups_fold(*, now: dt.datetime | None = None, rebuild: bool = False, since: dt.date | None = None) -> FoldResult:
    """Bring the rollups up to date; ``rebuild`` recomputes every day (from ``since``), else only the
    days touched since the last fold. Idempotent; concurrent folds queue on the state row."""
    now = now or timezone.now()
    with transaction.atomic():
        state = _state_locked()
        marks = _marks_now()
        policies = sla_policies()
        fingerprint = policies_fingerprint(policies)
        zone = str(app_settings.TIME_ZONE)
        # Read the noted days first and delete exactly those rows: a day noted by a transaction that
        # commits meanwhile stays for the next fold (its change may be missing from this one).
        noted = list(RollupDirtyDay.objects.values_list("pk", "day"))
        days: set[dt.date] | None = None
        if rebuild or state.folded_at is None or state.policies != fingerprint or state.time_zone not in ("", zone):
            if not rebuild:
                since = None  # a first fold, new policies or another time zone: everything
            if since is not None:
                noted = [(pk, day) for pk, day in noted if _as_date(day) >= since]  # earlier: next fold
        else:
            days = _affected_days(state, now) | {_as_date(day) for _pk, day in noted}
            since = None
        # The self-check reads the recent days' raw rows before the recompute: a change committing in
        # between makes the stored digest older than the rows, so the next fold refolds that day again.
        checks, differs = _check(state, days, now)
        unexplained: set[dt.date] = set()
        if days is not None:
            if (state.checks or {}).get("days"):  # the first self-check has nothing to compare with
                unexplained = differs - days
            days |= differs
        for chunk in _chunks(sorted(pk for pk, _day in noted)):
            RollupDirtyDay.objects.filter(pk__in=chunk).delete()
        rows = _recompute(days, since, now, policies) if days is None or days else 0
        # Full: everything up to ``marks`` was read. Incremental: re-read from this fold's low marks next time.
        state.previous_marks = {
            name: (getattr(marks, name) if days is None else getattr(state, name)) for name in MARKS
        }
        state.folded_at = now
        state.changed_since = now
        state.case_id, state.event_id, state.outcome_id = marks.case_id, marks.event_id, marks.outcome_id
        state.promise_id, state.item_id, state.link_id = marks.promise_id, marks.item_id, marks.link_id
        state.policies = fingerprint
        state.time_zone = zone
        state.backlog = _backlog(now)
        state.checks = checks
        state.save()
    return FoldResult(
        folded_at=now, days=None if days is None else len(days), rows=rows, unexplained=tuple(sorted(unexplained))
    )


def rollups_rebuild(*, since: dt.date | None = None, now: dt.datetime | None = None) -> FoldResult:
    """Recompute the rollups from scratch (from ``since`` on): what the management command runs."""
    return rollups_fold(now=now, rebuild=True, since=since)
