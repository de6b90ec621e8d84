"""The monthly complaint-category report: one generator of the data, formatters elsewhere.

What counts, and why (the rules a manager reads the figures with):

- A complaint belongs to the month it was *opened* in, on the merchant's wall clock
  (``TIME_ZONE``). Merged duplicates and cases marked not actionable (spam, praise) are not
  complaints; they are counted in the data-quality section instead of silently disappearing.
- The category is the one an agent *confirmed*. A suggested but unconfirmed category is never
  used: such cases are counted as "Uncategorised". The "How categories were set" section shows,
  per category, how many cases an agent confirmed and how many only carry the model's
  suggestion (and which model version made it).
- First-response time, SLA compliance, escalation, move to DM and satisfaction are measured on
  the cases opened in the month. Resolution time is measured on the cases *resolved* in the
  month. Outcomes and refunds are those *recorded* in the month (what it cost us that month),
  read from the audit trail: a case refunded, reopened and refunded again shows both refunds,
  each in the month it was recorded, although the reopen cleared the case's outcome fields.
  Promises are those *due* in the month.
- SLA compliance is computed from the times themselves, not from the breach records the sweep
  writes (those drive alerts, and a reply that comes late stops the clock before any sweep has
  run): a case *met* its targets when its first response came by its first-response due time and
  it was resolved by its resolution due time; it is *breached* when either came late, or is still
  missing after its due time (a paused clock — awaiting the customer — is judged at the pause);
  otherwise it is *pending* (a clock still running) and left out of the percentage. The due times
  are the case's own (they carry pauses, working hours and priority changes); a case without
  them — and the first response of a reopened case, whose due time restarted at the reopening —
  is judged against today's policy for its priority on the calendar clock.
- Escalation comes from the case's escalation events up to the month's end: "escalated" is a case
  escalated by then, and "highest level" the highest level it reached. A de-escalation, or an
  escalation after the month, does not rewrite the month.
- Destination country, carrier and SKU come from the orders linked to a case. A case with
  several orders counts once per distinct value; a case without an order, an order without a
  carrier or country, and an order without items get their own rows — nothing is dropped.
- Refunds are totalled per currency and converted into ``REPORTING_CURRENCY`` with the latest
  ``ExchangeRate`` valid on the month's last day. Currencies without a rate are listed as such
  and left out of the converted total, never converted with a guess.

Every figure comes from an aggregate query; the number of queries is fixed (20) whatever
the amount of data.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Aggregate,
    Avg,
    CharField,
    Count,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models import Case as CaseWhen
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from crm_twitter.classify.risk import RISK_KINDS
from crm_twitter.conf import app_settings
from crm_twitter.dates import month_long
from crm_twitter.models import (
    OPEN_STATUSES,
    BrandAccount,
    Case,
    CaseOutcome,
    CaseStatus,
    ComplaintCategory,
    ExchangeRate,
    Outcome,
    Promise,
    RollupCaseDay,
    RollupCountDay,
    RollupCountMonth,
    RollupDurationMonth,
    RollupState,
)
from crm_twitter.models.taxonomy import category_label
from crm_twitter.reports.incidents import IncidentReportRow, report_incidents
from crm_twitter.reports.months import MonthSpan, current_month, merchant_tz, month_add, month_first, month_span
from crm_twitter.reports.queries import DurationStats, duration_percentiles, duration_stats
from crm_twitter.services.report_rules import (
    NO_ITEMS,
    NO_ORDER,
    UNCATEGORISED,
    UNKNOWN,
    EpochSeconds,
    category_key,
    complaints,
    dimension_expressions,
)
from crm_twitter.services.report_rules import highest_escalation as _highest_escalation
from crm_twitter.services.report_rules import sla_annotations as _sla_annotations
from crm_twitter.services.report_rules import sla_late as _sla_late
from crm_twitter.services.rollups import ALL as ROLLUP_ALL
from crm_twitter.services.rollups import FIRST_RESPONSE, RESOLUTION, rollups_fold, sketch_quantiles
from crm_twitter.services.sla import sla_policies

UNCATEGORISED_LABEL = gettext_lazy("Uncategorised")
NO_OUTCOME = "__none__"
ALL = "__all__"
RISING_LIMIT = 5
CENT = Decimal("0.01")

# Backlog age buckets for the dashboard: (key, label, lower bound in days, upper bound or None).
BACKLOG_BUCKETS = (
    ("lt1d", gettext_lazy("Under 1 day"), 0, 1),
    ("1_3d", gettext_lazy("1–3 days"), 1, 3),
    ("3_7d", gettext_lazy("3–7 days"), 3, 7),
    ("7_14d", gettext_lazy("7–14 days"), 7, 14),
    ("14_30d", gettext_lazy("14–30 days"), 14, 30),
    ("gt30d", gettext_lazy("Over 30 days"), 30, None),
)


# --- The data -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryRow:
    """One complaint category (or the total) for the month."""

    key: str
    name: str
    cases: int = 0
    share_pct: float | None = None
    previous: int | None = None  # None: no data at all for the previous month
    change_vs_previous: int | None = None
    change_vs_previous_pct: float | None = None  # None also when the previous count was 0
    last_year: int | None = None
    change_vs_last_year: int | None = None
    change_vs_last_year_pct: float | None = None
    first_response: DurationStats = field(default_factory=DurationStats)
    resolved: int = 0
    resolution: DurationStats = field(default_factory=DurationStats)
    sla_met: int = 0
    sla_breached: int = 0
    sla_pending: int = 0  # a clock still running: neither met nor breached yet
    sla_compliance_pct: float | None = None  # met / (met + breached)
    escalated: int = 0  # escalated by the month's end (from the events; later changes ignored)
    escalation_rate_pct: float | None = None
    escalation_highest: tuple[int, int, int] = (0, 0, 0)  # cases whose highest level was 1, 2, 3
    moved_to_dm: int = 0
    moved_to_dm_pct: float | None = None
    promises_kept: int = 0
    promises_missed: int = 0
    promises_open: int = 0
    promises_cancelled: int = 0
    promises_kept_pct: float | None = None  # kept / (kept + missed)
    satisfaction_avg: float | None = None
    satisfaction_count: int = 0
    refund_cases: int = 0
    refund_converted: Decimal = Decimal("0.00")  # in the reporting currency, rated currencies only


@dataclass(frozen=True)
class BreakdownRow:
    key: str
    label: str
    cases: int
    previous: int
    by_category: tuple[int, ...]  # aligned with ReportData.categories


@dataclass(frozen=True)
class Breakdown:
    dimension: str  # brand_account, country, language, carrier, sku
    title: str
    rows: tuple[BreakdownRow, ...]
    note: str = ""


@dataclass(frozen=True)
class OutcomeRow:
    key: str
    label: str
    cases: int
    by_category: tuple[int, ...]


@dataclass(frozen=True)
class RefundTotal:
    currency: str  # "" when an agent recorded an amount without a currency
    cases: int
    amount: Decimal
    rate: Decimal | None  # None: no exchange rate, not converted
    rate_valid_from: dt.date | None
    converted: Decimal | None


@dataclass(frozen=True)
class RefundSummary:
    reporting_currency: str
    totals: tuple[RefundTotal, ...]
    converted_total: Decimal
    unconverted_currencies: tuple[str, ...]


@dataclass(frozen=True)
class RisingItem:
    key: str
    label: str
    cases: int
    previous: int
    growth: int
    growth_pct: float | None  # None when it was 0 the month before (new)


@dataclass(frozen=True)
class RisingGroup:
    dimension: str  # category, sku, carrier
    title: str
    items: tuple[RisingItem, ...]


@dataclass(frozen=True)
class CategorisationRow:
    """How a category's cases of the month were categorised: by an agent, or only suggested."""

    key: str
    name: str
    confirmed: int = 0  # an agent confirmed (or chose) this category: what the report counts
    confirmed_as_suggested: int = 0  # of which the model had suggested the same
    suggested_only: int = 0  # the model suggests it, no agent confirmed: counted as Uncategorised
    suggested_by: tuple[tuple[str, int], ...] = ()  # (model version, suggested-only cases)


@dataclass(frozen=True)
class DataQuality:
    uncategorised: int = 0
    without_order: int = 0
    unknown_carrier: int = 0
    unknown_country: int = 0
    order_without_items: int = 0
    unknown_language: int = 0
    refunds_without_rate: tuple[str, ...] = ()
    refunds_without_currency: int = 0
    excluded_merged: int = 0
    excluded_not_actionable: int = 0


@dataclass(frozen=True)
class ReportData:
    month: dt.date
    time_zone: str
    period_start: dt.datetime
    period_end: dt.datetime
    generated_at: dt.datetime
    is_partial: bool  # the current month, so far
    reporting_currency: str
    has_previous: bool
    has_last_year: bool
    categories: tuple[CategoryRow, ...]
    total: CategoryRow
    breakdowns: tuple[Breakdown, ...]
    outcomes: tuple[OutcomeRow, ...]
    refunds: RefundSummary
    rising: tuple[RisingGroup, ...]
    data_quality: DataQuality
    categorisation: tuple[CategorisationRow, ...] = ()
    risk_signals: tuple[tuple[str, int], ...] = ()  # (kind, cases opened in the month with it)
    incidents: tuple[IncidentReportRow, ...] = ()  # the month's incidents (reports/incidents.py)
    as_of: dt.datetime | None = None  # the rollups' last fold the figures come from (None: raw history)

    @property
    def title(self) -> str:
        return gettext("Complaint report %(month)s") % {"month": month_long(self.month)}

    @property
    def is_empty(self) -> bool:
        return self.total.cases == 0 and self.total.resolved == 0 and not self.outcomes

    def category(self, key: str) -> CategoryRow:
        for row in self.categories:
            if row.key == key:
                return row
        raise KeyError(key)

    def breakdown(self, dimension: str) -> Breakdown:
        for b in self.breakdowns:
            if b.dimension == dimension:
                return b
        raise KeyError(dimension)


def report_to_dict(data: ReportData) -> dict:
    """A JSON-safe dict of the report (what a snapshot stores)."""

    def clean(value):
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [clean(v) for v in value]
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, dt.datetime | dt.date):
            return value.isoformat()
        return value

    return clean({**asdict(data), "title": data.title, "is_empty": data.is_empty})


# --- Expressions --------------------------------------------------------------------------------


def _in(span: MonthSpan, field_name: str, prefix: str = "") -> Q:
    return Q(**{f"{prefix}{field_name}__gte": span.start, f"{prefix}{field_name}__lt": span.end})


def _pct(part: int | float, whole: int | float) -> float | None:
    return None if not whole else round(100.0 * part / whole, 1)


def _money(value: Decimal | None) -> Decimal:
    return (value or Decimal("0")).quantize(CENT, rounding=ROUND_HALF_UP)


def _change(cases: int, before: int | None) -> tuple[int | None, float | None]:
    if before is None:
        return None, None
    return cases - before, (_pct(cases - before, before) if before else None)


# --- The generator ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Volumes:
    """Complaints per category in the month, the previous month and the same month last year."""

    by_period: dict[str, dict[str, int]]  # "cur" / "prev" / "ly" -> category key -> cases
    totals: dict[str, int]

    @property
    def has_previous(self) -> bool:
        return self.totals["prev"] > 0

    @property
    def has_last_year(self) -> bool:
        return self.totals["ly"] > 0


@dataclass(frozen=True)
class _Durations:
    """First-response (cases opened) and resolution (cases resolved) percentiles."""

    first_response_by_cat: dict[str, DurationStats]
    first_response_all: DurationStats
    resolution_by_cat: dict[str, DurationStats]
    resolution_all: DurationStats
    resolved_counts: dict[str, int]


@dataclass(frozen=True)
class _Money:
    """Outcomes and refunds recorded in the month, per category, and the refund summary."""

    outcome_counts: dict[str, dict[str, int]]  # outcome -> category key -> cases
    refund_by_cat: dict[str, Decimal]  # converted into the reporting currency
    refund_cases_by_cat: dict[str, int]
    summary: RefundSummary


def _category_meta() -> dict[str, dict]:
    """Section 1: category names and order (a small table)."""
    return {
        c["slug"]: {**c, "name": category_label(c["name"])}  # in the reader's language
        for c in ComplaintCategory.objects.values("slug", "name", "is_active", "sort_order").order_by(
            "sort_order", "name"
        )
    }


def _volumes(span: MonthSpan, prev: MonthSpan, last_year: MonthSpan) -> _Volumes:
    """Section 2: volume per category for this month, the previous month and the same month last year."""
    period = CaseWhen(
        When(_in(span, "opened_at"), then=Value("cur")),
        When(_in(prev, "opened_at"), then=Value("prev")),
        When(_in(last_year, "opened_at"), then=Value("ly")),
        default=Value(""),
        output_field=CharField(),
    )
    volumes: dict[str, dict[str, int]] = {"cur": {}, "prev": {}, "ly": {}}
    rows = (
        complaints()
        .filter(_in(span, "opened_at") | _in(prev, "opened_at") | _in(last_year, "opened_at"))
        .annotate(_period=period, _cat=category_key())
        .values("_period", "_cat")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for r in rows:
        volumes[r["_period"]][r["_cat"]] = r["n"]
    return _Volumes(by_period=volumes, totals={p: sum(v.values()) for p, v in volumes.items()})


def _measures(opened: QuerySet[Case], span: MonthSpan) -> tuple[dict[str, dict], dict]:
    """Section 3: case measures (SLA, escalation, DM, satisfaction) on the cases opened this month,
    per category and for all (+1 query: the SLA policies, for cases without their own due times)."""
    measured = opened.annotate(**_sla_annotations(now=timezone.now(), policies=sla_policies())).annotate(
        _esc=_highest_escalation(until=span.end)
    )
    aggregates = _measure_aggregates()
    by_cat = {
        r["_cat"]: r for r in measured.annotate(_cat=category_key()).values("_cat").annotate(**aggregates).order_by()
    }
    return by_cat, measured.aggregate(**aggregates)


def _durations(opened: QuerySet[Case], resolved: QuerySet[Case]) -> _Durations:
    """Sections 4–7: first-response and resolution percentiles (in the database; see queries.py)."""
    cat = category_key()
    first_resp = EpochSeconds("first_response_at", "opened_at")
    resolution = EpochSeconds("resolved_at", "opened_at")
    fr_by_cat = duration_percentiles(opened, group=cat, duration=first_resp)
    fr_all = duration_percentiles(opened, group=Value(ALL), duration=first_resp).get(ALL, DurationStats())
    res_by_cat = duration_percentiles(resolved, group=cat, duration=resolution)
    res_all = duration_percentiles(resolved, group=Value(ALL), duration=resolution).get(ALL, DurationStats())
    return _Durations(
        first_response_by_cat=fr_by_cat,
        first_response_all=fr_all,
        resolution_by_cat=res_by_cat,
        resolution_all=res_all,
        # Every resolved case has a resolution time: the percentile query counts them.
        resolved_counts={k: v.count for k, v in res_by_cat.items() if v.count},
    )


def _exchange_rates(span: MonthSpan) -> dict[str, ExchangeRate]:
    """Section 9: per currency the latest exchange rate valid on the month's last day."""
    latest = ExchangeRate.objects.filter(currency=OuterRef("currency"), valid_from__lte=span.last_day).order_by(
        "-valid_from"
    )
    return {
        r.currency.upper(): r
        for r in ExchangeRate.objects.filter(valid_from__lte=span.last_day).filter(
            valid_from=Subquery(latest.values("valid_from")[:1])
        )
    }


def _money_recorded(span: MonthSpan) -> list[dict]:
    """Sections 8–9: outcomes and refunds recorded this month, from the outcome history
    (``CaseOutcome``): each resolution once, in the month it was recorded, whatever happened to the
    case later (a reopen, a second resolution) — money that left the merchant stays on record."""
    return list(
        CaseOutcome.objects.filter(_in(span, "recorded_at"))
        .filter(case__merged_into__isnull=True)
        .exclude(case__status=CaseStatus.NOT_ACTIONABLE)
        .annotate(_cat=category_key("case__"), _outcome=F("outcome"), _currency=F("refund_currency"))
        .values("_cat", "_outcome", "_currency")
        .annotate(n=Count("pk"), refunds=Count("refund_amount"), amount=Sum("refund_amount"))
        .order_by()
    )


def _money_from(outcome_rows: list[dict], span: MonthSpan) -> _Money:
    """Outcome counts and refunds per currency from (category, outcome, currency) rows. Refunds are
    converted with ``_exchange_rates``; a currency without a rate is left out."""
    rates = _exchange_rates(span)
    reporting = app_settings.REPORTING_CURRENCY.upper()

    def rate_for(currency: str) -> tuple[Decimal | None, dt.date | None]:
        if currency == reporting:
            return Decimal("1"), None
        row = rates.get(currency)
        return (row.rate, row.valid_from) if row else (None, None)

    outcome_counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    per_currency: dict[str, list] = {}
    refund_by_cat: dict[str, Decimal] = defaultdict(Decimal)
    refund_cases_by_cat: dict[str, int] = defaultdict(int)
    for r in outcome_rows:
        outcome_counts[r["_outcome"] or NO_OUTCOME][r["_cat"]] += r["n"]
        if not r["refunds"]:
            continue
        currency = (r["_currency"] or "").upper()
        amount = r["amount"] or Decimal("0")
        entry = per_currency.setdefault(currency, [0, Decimal("0")])
        entry[0] += r["refunds"]
        entry[1] += amount
        refund_cases_by_cat[r["_cat"]] += r["refunds"]
        rate, _ = rate_for(currency) if currency else (None, None)
        if rate is not None:
            refund_by_cat[r["_cat"]] += amount * rate
    refund_totals = []
    for currency in sorted(per_currency):
        n, amount = per_currency[currency]
        rate, valid_from = rate_for(currency) if currency else (None, None)
        refund_totals.append(
            RefundTotal(
                currency=currency,
                cases=n,
                amount=_money(amount),
                rate=rate,
                rate_valid_from=valid_from,
                converted=None if rate is None else _money(amount * rate),
            )
        )
    summary = RefundSummary(
        reporting_currency=reporting,
        totals=tuple(refund_totals),
        converted_total=_money(sum((t.converted for t in refund_totals if t.converted is not None), Decimal("0"))),
        unconverted_currencies=tuple(t.currency for t in refund_totals if t.rate is None),
    )
    return _Money(
        outcome_counts=outcome_counts,
        refund_by_cat=refund_by_cat,
        refund_cases_by_cat=refund_cases_by_cat,
        summary=summary,
    )


def _promise_counts(span: MonthSpan) -> dict[str, dict[str, int]]:
    """Section 10: promises due this month, by the category of their case and their status."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in (
        Promise.objects.filter(_in(span, "due_at"), case__merged_into__isnull=True)
        .exclude(case__status=CaseStatus.NOT_ACTIONABLE)
        .annotate(_cat=category_key("case__"))
        .values("_cat", "status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts[r["_cat"]][r["status"]] += r["n"]
    return counts


def _excluded(span: MonthSpan) -> dict[str, int]:
    """Section 16: what was left out of the complaint counts, so it is visible rather than silent."""
    return Case.objects.filter(_in(span, "opened_at")).aggregate(
        merged=Count("pk", filter=Q(merged_into__isnull=False)),
        not_actionable=Count("pk", filter=Q(merged_into__isnull=True, status=CaseStatus.NOT_ACTIONABLE)),
    )


def _category_row(
    key: str,
    name: str,
    *,
    total_cases: int,
    measure: dict,
    cur: int,
    before: int | None,
    ly: int | None,
    fr: DurationStats,
    res: DurationStats,
    n_resolved: int,
    promises: dict[str, int],
    refund_cases: int,
    refund_converted: Decimal,
) -> CategoryRow:
    """One row of the category table (a category, or all complaints) from its section figures."""
    change_prev, change_prev_pct = _change(cur, before)
    change_ly, change_ly_pct = _change(cur, ly)
    breached, met = measure.get("sla_breached") or 0, measure.get("sla_met") or 0
    kept, missed = promises.get(Promise.Status.KEPT, 0), promises.get(Promise.Status.MISSED, 0)
    sat_avg = measure.get("sat_avg")
    return CategoryRow(
        key=key,
        name=name,
        cases=cur,
        share_pct=_pct(cur, total_cases),
        previous=before,
        change_vs_previous=change_prev,
        change_vs_previous_pct=change_prev_pct,
        last_year=ly,
        change_vs_last_year=change_ly,
        change_vs_last_year_pct=change_ly_pct,
        first_response=fr,
        resolved=n_resolved,
        resolution=res,
        sla_met=met,
        sla_breached=breached,
        sla_pending=cur - met - breached,
        sla_compliance_pct=_pct(met, met + breached),
        escalated=measure.get("escalated") or 0,
        escalation_rate_pct=_pct(measure.get("escalated") or 0, cur),
        escalation_highest=tuple(measure.get(f"escalated_to_{level}") or 0 for level in (1, 2, 3)),
        moved_to_dm=measure.get("moved_to_dm", 0),
        moved_to_dm_pct=_pct(measure.get("moved_to_dm", 0), cur),
        promises_kept=kept,
        promises_missed=missed,
        promises_open=promises.get(Promise.Status.OPEN, 0),
        promises_cancelled=promises.get(Promise.Status.CANCELLED, 0),
        promises_kept_pct=_pct(kept, kept + missed),
        satisfaction_avg=None if sat_avg is None else round(float(sat_avg), 2),
        satisfaction_count=measure.get("sat_count", 0),
        refund_cases=refund_cases,
        refund_converted=_money(refund_converted),
    )


def _category_rows(
    keys: list[str],
    names: dict[str, str],
    *,
    volumes: _Volumes,
    measures: dict[str, dict],
    measures_all: dict,
    durations: _Durations,
    promise_counts: dict[str, dict[str, int]],
    money: _Money,
) -> tuple[tuple[CategoryRow, ...], CategoryRow]:
    """The category table: one row per shown category, and the "All complaints" row."""
    cur, prev, ly = volumes.by_period["cur"], volumes.by_period["prev"], volumes.by_period["ly"]
    total_cases = volumes.totals["cur"]
    categories = tuple(
        _category_row(
            key,
            names.get(key, key),
            total_cases=total_cases,
            measure=measures.get(key, {}),
            cur=cur.get(key, 0),
            before=prev.get(key, 0) if volumes.has_previous else None,
            ly=ly.get(key, 0) if volumes.has_last_year else None,
            fr=durations.first_response_by_cat.get(key, DurationStats()),
            res=durations.resolution_by_cat.get(key, DurationStats()),
            n_resolved=durations.resolved_counts.get(key, 0),
            promises=promise_counts.get(key, {}),
            refund_cases=money.refund_cases_by_cat.get(key, 0),
            refund_converted=money.refund_by_cat.get(key, Decimal("0")),
        )
        for key in keys
    )
    all_promises: dict[str, int] = defaultdict(int)
    for counts in promise_counts.values():
        for status, n in counts.items():
            all_promises[status] += n
    total = _category_row(
        ALL,
        gettext("All complaints"),
        total_cases=total_cases,
        measure=measures_all,
        cur=total_cases,
        before=volumes.totals["prev"] if volumes.has_previous else None,
        ly=volumes.totals["ly"] if volumes.has_last_year else None,
        fr=durations.first_response_all,
        res=durations.resolution_all,
        n_resolved=sum(durations.resolved_counts.values()),
        promises=all_promises,
        refund_cases=sum(money.refund_cases_by_cat.values()),
        refund_converted=sum(money.refund_by_cat.values(), Decimal("0")),
    )
    return categories, total


def _outcome_rows(outcome_counts: dict[str, dict[str, int]], keys: list[str]) -> tuple[OutcomeRow, ...]:
    """The outcomes table: each recorded outcome (in ``Outcome`` order), per shown category."""
    outcome_labels = dict(Outcome.choices) | {NO_OUTCOME: gettext("No outcome recorded")}
    outcome_order = [o for o in Outcome.values if o in outcome_counts] + (
        [NO_OUTCOME] if NO_OUTCOME in outcome_counts else []
    )
    return tuple(
        OutcomeRow(
            key=o,
            label=str(outcome_labels.get(o, o)),
            cases=sum(outcome_counts[o].values()),
            by_category=tuple(outcome_counts[o].get(k, 0) for k in keys),
        )
        for o in outcome_order
    )


def _rising_groups(keys: list[str], names: dict[str, str], volumes: _Volumes, dims: dict) -> tuple[RisingGroup, ...]:
    """What is rising: categories, SKUs and carriers. Growth needs a month to grow from: without
    previous-month data nothing is "rising"."""
    has_previous = volumes.has_previous
    cur, prev = volumes.by_period["cur"], volumes.by_period["prev"]
    return (
        RisingGroup(
            "category",
            gettext("Categories"),
            _rising((k, names.get(k, k), cur.get(k, 0), prev.get(k, 0)) for k in keys) if has_previous else (),
        ),
        RisingGroup("sku", gettext("Product SKUs"), _rising_from(dims["sku"]) if has_previous else ()),
        RisingGroup("carrier", gettext("Carriers"), _rising_from(dims["carrier"]) if has_previous else ()),
    )


def _data_quality(volumes: _Volumes, dims: dict, refunds: RefundSummary, excluded: dict[str, int]) -> DataQuality:
    """The data-quality section: what could not be classified, linked or converted, and what was left out."""

    def cur_count(dimension: str, key: str) -> int:
        return sum(dims[dimension]["cur"].get(key, {}).values())

    return DataQuality(
        uncategorised=volumes.by_period["cur"].get(UNCATEGORISED, 0),
        without_order=cur_count("country", NO_ORDER),
        unknown_carrier=cur_count("carrier", UNKNOWN),
        unknown_country=cur_count("country", UNKNOWN),
        order_without_items=cur_count("sku", NO_ITEMS),
        unknown_language=cur_count("language", UNKNOWN),
        refunds_without_rate=tuple(c for c in refunds.unconverted_currencies if c),
        refunds_without_currency=sum(t.cases for t in refunds.totals if not t.currency),
        excluded_merged=excluded["merged"],
        excluded_not_actionable=excluded["not_actionable"],
    )


def _risk_signals(opened: QuerySet[Case]) -> tuple[tuple[str, int], ...]:
    """Risk signals by kind on the month's complaints (kinds are comma-separated names, none a
    substring of another, so a LIKE count is exact on every database)."""
    risk = opened.aggregate(**{kind: Count("pk", filter=Q(risk_kinds__contains=kind)) for kind in RISK_KINDS})
    return tuple((kind, risk[kind] or 0) for kind in RISK_KINDS)


def report_generate(*, month: dt.date, fold: bool = True, raw: bool = False) -> ReportData:
    """Build the complaint report for ``month`` (any day in it) with a fixed number of queries.

    The figures come from the daily rollups (``crm_twitter.models.rollups``); ``fold`` first brings
    them up to date (the report is generated by a task or a download, which may wait for that; the
    dashboard reads without folding and says how fresh its figures are). ``raw`` computes every
    figure from the raw history instead: the reference the rollups are tested against.
    """
    if raw:
        return _report_build(month, RAW_SECTIONS)
    if fold:
        rollups_fold()
    return replace(_report_build(month, ROLLUP_SECTIONS), as_of=rollups_as_of())


def rollups_as_of() -> dt.datetime | None:
    """When the rollups were last folded: the figures' "as of" the pages show (one query)."""
    return RollupState.objects.filter(pk="default").values_list("folded_at", flat=True).first()


def _report_build(month: dt.date, src: _Sections) -> ReportData:
    """One function per section above; this one only puts them together (in the order the queries
    have always run, so the query count stays fixed)."""
    span = month_span(month_first(month))
    prev = month_span(month_add(span.month, -1))
    last_year = month_span(month_add(span.month, -12))

    category_meta = _category_meta()
    volumes = src.volumes(span, prev, last_year)
    names = {slug: c["name"] for slug, c in category_meta.items()} | {UNCATEGORISED: str(UNCATEGORISED_LABEL)}
    measures, measures_all = src.measures(span)
    durations = src.durations(span)
    money = _money_from(src.money_rows(span), span)
    promise_counts = src.promises(span)

    # The categories shown: every active one, plus any inactive one and "Uncategorised" with data.
    with_data = set().union(
        *volumes.by_period.values(), durations.resolved_counts, promise_counts, money.refund_cases_by_cat
    )
    with_data |= {k for counts in money.outcome_counts.values() for k in counts}
    keys = _category_keys(category_meta, with_data)

    # Sections 11–15: breakdowns (this month and the previous one, for the rising section).
    breakdowns, dims = _breakdowns_from(src.breakdown_counts(span, prev), keys)
    excluded = src.excluded(span)
    categories, total = _category_rows(
        keys,
        names,
        volumes=volumes,
        measures=measures,
        measures_all=measures_all,
        durations=durations,
        promise_counts=promise_counts,
        money=money,
    )
    return ReportData(
        month=span.month,
        time_zone=app_settings.TIME_ZONE,
        period_start=span.start,
        period_end=span.end,
        generated_at=timezone.localtime(timezone.now(), merchant_tz()),
        is_partial=span.month == current_month(),
        reporting_currency=money.summary.reporting_currency,
        has_previous=volumes.has_previous,
        has_last_year=volumes.has_last_year,
        categories=categories,
        total=total,
        breakdowns=breakdowns,
        outcomes=_outcome_rows(money.outcome_counts, keys),
        refunds=money.summary,
        rising=_rising_groups(keys, names, volumes, dims),
        data_quality=_data_quality(volumes, dims, money.summary, excluded),
        categorisation=_categorisation_from(src.categorisation_rows(span), names, keys),
        risk_signals=src.risk_signals(span),
        incidents=report_incidents(span),
    )


def _categorisation_rows(opened: QuerySet[Case]) -> list[tuple[str, str, str, int]]:
    """(confirmed category or "", suggested category or "", model version, cases) from the raw rows."""
    rows = (
        opened.values("category_confirmed", "category__slug", "suggested_category__slug", "suggestion_model")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [
        (
            r["category__slug"] if r["category_confirmed"] and r["category__slug"] else "",
            r["suggested_category__slug"] or "",
            r["suggestion_model"] or "",
            r["n"],
        )
        for r in rows
    ]


def _categorisation_from(
    rows: Iterable[tuple[str, str, str, int]], names: dict[str, str], keys: list[str]
) -> tuple[CategorisationRow, ...]:
    """Confirmed vs suggested-only cases per category, and the model versions behind the
    suggestions (one query): how much of the month's picture rests on agents, how much on a model."""
    confirmed: dict[str, int] = defaultdict(int)
    agreed: dict[str, int] = defaultdict(int)
    suggested: dict[str, int] = defaultdict(int)
    models: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for confirmed_slug, suggested_slug, model, n in rows:
        if confirmed_slug:
            confirmed[confirmed_slug] += n
            if suggested_slug == confirmed_slug:
                agreed[confirmed_slug] += n
        else:
            key = suggested_slug or UNCATEGORISED
            suggested[key] += n
            models[key][model or "—"] += n
    ordered = [k for k in keys if k != UNCATEGORISED]
    ordered += [k for k in sorted({*confirmed, *suggested}) if k not in ordered and k != UNCATEGORISED]
    if UNCATEGORISED in suggested:
        ordered.append(UNCATEGORISED)
    return tuple(
        CategorisationRow(
            key=k,
            name=names.get(k, k) if k != UNCATEGORISED else gettext("No suggestion"),
            confirmed=confirmed.get(k, 0),
            confirmed_as_suggested=agreed.get(k, 0),
            suggested_only=suggested.get(k, 0),
            suggested_by=tuple(sorted(models[k].items(), key=lambda m: (-m[1], m[0]))) if k in models else (),
        )
        for k in ordered
        if confirmed.get(k) or suggested.get(k)
    )


def _measure_aggregates() -> dict[str, Aggregate]:
    late = _sla_late()
    done = Q(first_response_at__isnull=False, resolved_at__isnull=False)
    return {
        "sla_breached": Count("pk", filter=late),
        "sla_met": Count("pk", filter=done & ~late),
        "escalated": Count("pk", filter=Q(_esc__gt=0)),
        **{f"escalated_to_{level}": Count("pk", filter=Q(_esc=level)) for level in (1, 2, 3)},
        "moved_to_dm": Count("pk", filter=Q(moved_to_dm_at__isnull=False)),
        "sat_count": Count("satisfaction"),
        "sat_avg": Avg("satisfaction"),
    }


def _category_keys(category_meta: dict[str, dict], with_data: set[str]) -> list[str]:
    keys = [slug for slug, c in category_meta.items() if c["is_active"] or slug in with_data]
    if UNCATEGORISED in with_data:
        keys.append(UNCATEGORISED)
    return keys


# --- Breakdowns ---------------------------------------------------------------------------------

DIMENSIONS = (
    # dimension, title, note
    ("brand_account", gettext_lazy("By brand account"), ""),
    (
        "country",
        gettext_lazy("By destination country"),
        gettext_lazy("From linked orders; a case with orders to several countries counts once in each."),
    ),
    ("language", gettext_lazy("By language"), ""),
    (
        "carrier",
        gettext_lazy("By carrier"),
        gettext_lazy("From linked orders; a case with several carriers counts once for each."),
    ),
    (
        "sku",
        gettext_lazy("By product SKU"),
        gettext_lazy("From linked orders' items; a case counts once per distinct SKU."),
    ),
)

SENTINEL_LABELS = {
    "brand_account": {UNKNOWN: gettext_lazy("Unknown account")},
    "country": {NO_ORDER: gettext_lazy("No linked order"), UNKNOWN: gettext_lazy("Unknown country")},
    "language": {UNKNOWN: gettext_lazy("Unknown language")},
    "carrier": {NO_ORDER: gettext_lazy("No linked order"), UNKNOWN: gettext_lazy("Unknown carrier")},
    "sku": {NO_ORDER: gettext_lazy("No linked order"), NO_ITEMS: gettext_lazy("Order without items")},
}


def _breakdown_counts(span: MonthSpan, prev: MonthSpan) -> dict[str, dict[str, dict[str, dict[str, int]]]]:
    """Sections 11–15 from the raw rows: dimension -> period -> value -> category -> cases."""
    period = CaseWhen(
        When(_in(span, "opened_at"), then=Value("cur")),
        default=Value("prev"),
        output_field=CharField(),
    )
    base = complaints().filter(_in(span, "opened_at") | _in(prev, "opened_at"))
    cat = category_key()
    dims: dict[str, dict[str, dict[str, dict[str, int]]]] = {}
    for dimension, _title, _note in DIMENSIONS:
        expr = dimension_expressions()[dimension]
        counts: dict[str, dict[str, dict[str, int]]] = {"cur": {}, "prev": {}}
        for r in (
            base.annotate(_period=period, _cat=cat, _value=expr)
            .values("_period", "_cat", "_value")
            .annotate(n=Count("pk", distinct=True))
            .order_by()
        ):
            value = r["_value"] if r["_value"] not in (None, "") else UNKNOWN
            bucket = counts[r["_period"]].setdefault(value, {})
            bucket[r["_cat"]] = bucket.get(r["_cat"], 0) + r["n"]
        dims[dimension] = counts
    return dims


def _breakdowns_from(dims: dict, keys: list[str]) -> tuple[tuple[Breakdown, ...], dict]:
    """The breakdown tables from the per-dimension counts (raw or rolled up)."""
    result = []
    for dimension, title, note in DIMENSIONS:
        counts = dims[dimension]
        labels = SENTINEL_LABELS[dimension]
        rows = [
            BreakdownRow(
                key=value,
                label=str(labels.get(value, value)),
                cases=sum(by_cat.values()),
                previous=sum(counts["prev"].get(value, {}).values()),
                by_category=tuple(by_cat.get(k, 0) for k in keys),
            )
            for value, by_cat in counts["cur"].items()
        ]
        # Biggest first; the "unknown"/"no order" rows last so real values lead.
        rows.sort(key=lambda row: (row.key in labels, -row.cases, row.label))
        result.append(Breakdown(dimension=dimension, title=str(title), rows=tuple(rows), note=str(note)))
    return tuple(result), dims


# --- Rising -------------------------------------------------------------------------------------


def _rising(items: Iterable[tuple[str, str, int, int]]) -> tuple[RisingItem, ...]:
    """The biggest absolute growth vs the previous month first; only what actually grew."""
    grown = [
        RisingItem(
            key=k,
            label=label,
            cases=cur,
            previous=before,
            growth=cur - before,
            growth_pct=_pct(cur - before, before) if before else None,
        )
        for k, label, cur, before in items
        if cur > before
    ]
    grown.sort(key=lambda i: (-i.growth, -(i.growth_pct if i.growth_pct is not None else float("inf")), i.label))
    return tuple(grown[:RISING_LIMIT])


def _rising_from(counts: dict[str, dict[str, dict[str, int]]]) -> tuple[RisingItem, ...]:
    values = set(counts["cur"]) | set(counts["prev"])
    return _rising(
        (v, v, sum(counts["cur"].get(v, {}).values()), sum(counts["prev"].get(v, {}).values()))
        for v in values
        if v not in (NO_ORDER, UNKNOWN, NO_ITEMS)
    )


# --- Dashboard trend ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendMonth:
    month: dt.date
    cases: int
    by_category: tuple[int, ...]  # aligned with TrendData.categories
    first_response: DurationStats
    resolution: DurationStats


@dataclass(frozen=True)
class BacklogBucket:
    key: str
    label: str
    cases: int


@dataclass(frozen=True)
class TrendData:
    categories: tuple[tuple[str, str], ...]  # (key, name)
    months: tuple[TrendMonth, ...]  # oldest first, the last one is ``until`` (so far)
    backlog: tuple[BacklogBucket, ...]
    backlog_total: int
    as_of: dt.datetime | None = None  # when the rollups were last folded (None: raw, or never folded)


def trend_generate_raw(*, until: dt.date, months: int = 12, now: dt.datetime | None = None) -> TrendData:
    """Volume by category and response/resolution times for ``months`` months before ``until``
    and ``until`` itself, plus today's open backlog by age, from the raw history: the reference
    ``trend_generate`` (rollups) is tested against."""
    now = now or timezone.now()
    spans = [month_span(month_add(month_first(until), -i)) for i in range(months, -1, -1)]
    whole = Q(opened_at__gte=spans[0].start, opened_at__lt=spans[-1].end)
    index_by_open = CaseWhen(
        *(When(_in(s, "opened_at"), then=Value(str(i))) for i, s in enumerate(spans)),
        default=Value(""),
        output_field=CharField(),
    )
    index_by_resolved = CaseWhen(
        *(When(_in(s, "resolved_at"), then=Value(str(i))) for i, s in enumerate(spans)),
        default=Value(""),
        output_field=CharField(),
    )
    cat = category_key()
    category_meta = [
        (slug, category_label(name), active)  # in the reader's language
        for slug, name, active in ComplaintCategory.objects.values_list("slug", "name", "is_active").order_by(
            "sort_order", "name"
        )
    ]
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for r in (
        complaints()
        .filter(whole)
        .annotate(_i=index_by_open, _cat=cat)
        .values("_i", "_cat")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts[r["_i"]][r["_cat"]] = r["n"]
    with_data = {k for c in counts.values() for k in c}
    cats = [(slug, name) for slug, name, active in category_meta if active or slug in with_data]
    if UNCATEGORISED in with_data:
        cats.append((UNCATEGORISED, str(UNCATEGORISED_LABEL)))
    fr = duration_percentiles(
        complaints().filter(whole), group=index_by_open, duration=EpochSeconds("first_response_at", "opened_at")
    )
    res = duration_percentiles(
        complaints().filter(resolved_at__gte=spans[0].start, resolved_at__lt=spans[-1].end),
        group=index_by_resolved,
        duration=EpochSeconds("resolved_at", "opened_at"),
    )
    trend_months = tuple(
        TrendMonth(
            month=s.month,
            cases=sum(counts.get(str(i), {}).values()),
            by_category=tuple(counts.get(str(i), {}).get(k, 0) for k, _ in cats),
            first_response=fr.get(str(i), DurationStats()),
            resolution=res.get(str(i), DurationStats()),
        )
        for i, s in enumerate(spans)
    )
    backlog_filters = {}
    for key, _label, low, high in BACKLOG_BUCKETS:
        q = Q(opened_at__lte=now - dt.timedelta(days=low))
        if high is not None:
            q &= Q(opened_at__gt=now - dt.timedelta(days=high))
        backlog_filters[key] = Count("pk", filter=q)
    backlog_counts = complaints().filter(status__in=OPEN_STATUSES).aggregate(**backlog_filters)
    backlog = tuple(BacklogBucket(key, str(label), backlog_counts[key]) for key, label, _, _ in BACKLOG_BUCKETS)
    return TrendData(
        categories=tuple(cats),
        months=trend_months,
        backlog=backlog,
        backlog_total=sum(b.cases for b in backlog),
    )


# --- Where the figures come from: the rollups, or the raw history -------------------------------


@dataclass(frozen=True)
class _Sections:
    """The section queries ``_report_build`` calls: the same figures from two sources."""

    volumes: Callable[[MonthSpan, MonthSpan, MonthSpan], _Volumes]
    measures: Callable[[MonthSpan], tuple[dict[str, dict], dict]]
    durations: Callable[[MonthSpan], _Durations]
    money_rows: Callable[[MonthSpan], list[dict]]
    promises: Callable[[MonthSpan], dict[str, dict[str, int]]]
    breakdown_counts: Callable[[MonthSpan, MonthSpan], dict]
    excluded: Callable[[MonthSpan], dict[str, int]]
    categorisation_rows: Callable[[MonthSpan], list[tuple[str, str, str, int]]]
    risk_signals: Callable[[MonthSpan], tuple[tuple[str, int], ...]]


def _opened(span: MonthSpan) -> QuerySet[Case]:
    return complaints().filter(_in(span, "opened_at"))


RAW_SECTIONS = _Sections(
    volumes=_volumes,
    measures=lambda span: _measures(_opened(span), span),
    durations=lambda span: _durations(_opened(span), complaints().filter(_in(span, "resolved_at"))),
    money_rows=_money_recorded,
    promises=_promise_counts,
    breakdown_counts=_breakdown_counts,
    excluded=_excluded,
    categorisation_rows=lambda span: _categorisation_rows(_opened(span)),
    risk_signals=lambda span: _risk_signals(_opened(span)),
)


def _days(span: MonthSpan, field_name: str = "day") -> Q:
    """Rollup rows of the month: their days are already the merchant's wall-clock dates."""
    return Q(**{f"{field_name}__gte": span.month, f"{field_name}__lt": month_add(span.month, 1)})


def _complaint_days() -> QuerySet[RollupCaseDay]:
    return RollupCaseDay.objects.filter(kind=RollupCaseDay.Kind.COMPLAINT)


def _volumes_rolled(span: MonthSpan, prev: MonthSpan, last_year: MonthSpan) -> _Volumes:
    period = CaseWhen(
        When(_days(span), then=Value("cur")),
        When(_days(prev), then=Value("prev")),
        When(_days(last_year), then=Value("ly")),
        default=Value(""),
        output_field=CharField(),
    )
    volumes: dict[str, dict[str, int]] = {"cur": {}, "prev": {}, "ly": {}}
    for r in (
        _complaint_days()
        .filter(_days(span) | _days(prev) | _days(last_year))
        .annotate(_period=period)
        .values("_period", "category")
        .annotate(n=Sum("cases"))
        .order_by()
    ):
        if r["n"]:
            volumes[r["_period"]][r["category"]] = r["n"]
    return _Volumes(by_period=volumes, totals={p: sum(v.values()) for p, v in volumes.items()})


_MEASURE_SUMS = {
    "sla_breached": "sla_breached",
    "sla_met": "sla_met",
    "escalated": "escalated",
    "escalated_to_1": "escalated_1",
    "escalated_to_2": "escalated_2",
    "escalated_to_3": "escalated_3",
    "moved_to_dm": "moved_to_dm",
    "sat_count": "satisfaction_count",
    "sat_sum": "satisfaction_sum",
}


def _measure_from(sums: dict) -> dict:
    out = {key: sums.get(key) or 0 for key in _MEASURE_SUMS}
    out["sat_avg"] = out["sat_sum"] / out["sat_count"] if out["sat_count"] else None
    return out


def _measures_rolled(span: MonthSpan) -> tuple[dict[str, dict], dict]:
    rows = list(
        _complaint_days()
        .filter(_days(span))
        .values("category")
        .annotate(**{key: Sum(column) for key, column in _MEASURE_SUMS.items()})
        .order_by()
    )
    total = {key: sum(r[key] or 0 for r in rows) for key in _MEASURE_SUMS}
    return {r["category"]: _measure_from(r) for r in rows}, _measure_from(total)


def _durations_rolled(span: MonthSpan) -> _Durations:
    stats: dict[str, dict[str, DurationStats]] = {FIRST_RESPONSE: {}, RESOLUTION: {}}
    for metric, category, sketch in RollupDurationMonth.objects.filter(month=span.month).values_list(
        "metric", "category", "sketch"
    ):
        count, values = sketch_quantiles(sketch, (0.5, 0.9))
        if count:
            stats[metric][category] = duration_stats(count, values)
    fr, res = stats[FIRST_RESPONSE], stats[RESOLUTION]
    return _Durations(
        first_response_by_cat={k: v for k, v in fr.items() if k != ROLLUP_ALL},
        first_response_all=fr.get(ROLLUP_ALL, DurationStats()),
        resolution_by_cat={k: v for k, v in res.items() if k != ROLLUP_ALL},
        resolution_all=res.get(ROLLUP_ALL, DurationStats()),
        resolved_counts={k: v.count for k, v in res.items() if k != ROLLUP_ALL and v.count},
    )


def _counts_of(kind: str, span: MonthSpan) -> QuerySet[RollupCountDay]:
    return RollupCountDay.objects.filter(_days(span), kind=kind)


def _money_rows_rolled(span: MonthSpan) -> list[dict]:
    return [
        {"_cat": r["category"], "_outcome": r["key1"], "_currency": r["key2"], **r}
        for r in _counts_of("outcome", span)
        .values("category", "key1", "key2")
        .annotate(n=Sum("n"), refunds=Sum("refunds"), amount=Sum("amount"))
        .order_by()
    ]


def _promises_rolled(span: MonthSpan) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in _counts_of("promise", span).values("category", "key1").annotate(n=Sum("n")).order_by():
        counts[r["category"]][r["key1"]] += r["n"]
    return counts


def _breakdown_counts_rolled(span: MonthSpan, prev: MonthSpan) -> dict[str, dict[str, dict[str, dict[str, int]]]]:
    """Brand account and language from the case rollup (one value per case), country, carrier and
    SKU from the count rollup (distinct cases per value and day: a case has one opened day)."""
    period = CaseWhen(When(_days(span), then=Value("cur")), default=Value("prev"), output_field=CharField())
    dims: dict[str, dict[str, dict[str, dict[str, int]]]] = {
        dimension: {"cur": {}, "prev": {}} for dimension, _t, _n in DIMENSIONS
    }

    def add(dimension: str, when: str, value: str, category: str, n: int) -> None:
        bucket = dims[dimension][when].setdefault(value, {})
        bucket[category] = bucket.get(category, 0) + n

    rows = list(
        _complaint_days()
        .filter(_days(span) | _days(prev))
        .annotate(_period=period)
        .values("_period", "account_id", "language", "category")
        .annotate(n=Sum("cases"))
        .order_by()
    )
    handles = dict(
        BrandAccount.objects.filter(pk__in={r["account_id"] for r in rows if r["account_id"]}).values_list(
            "pk", "handle"
        )
    )
    for r in rows:
        if r["n"]:
            add("brand_account", r["_period"], handles.get(r["account_id"]) or UNKNOWN, r["category"], r["n"])
            add("language", r["_period"], r["language"] or UNKNOWN, r["category"], r["n"])
    for r in RollupCountMonth.objects.filter(month__in=(span.month, prev.month)).values(
        "month", "kind", "category", "key1", "n"
    ):
        when = "cur" if r["month"] == span.month else "prev"
        add(r["kind"], when, r["key1"] or UNKNOWN, r["category"], r["n"])
    return dims


def _excluded_rolled(span: MonthSpan) -> dict[str, int]:
    counts = dict(
        RollupCaseDay.objects.filter(_days(span))
        .exclude(kind=RollupCaseDay.Kind.COMPLAINT)
        .values("kind")
        .annotate(n=Sum("cases"))
        .order_by()
        .values_list("kind", "n")
    )
    return {
        "merged": counts.get(RollupCaseDay.Kind.MERGED, 0),
        "not_actionable": counts.get(RollupCaseDay.Kind.NOT_ACTIONABLE, 0),
    }


def _categorisation_rows_rolled(span: MonthSpan) -> list[tuple[str, str, str, int]]:
    return [
        (r["category"], r["key1"], r["key2"], r["n"])
        for r in _counts_of("categorisation", span).values("category", "key1", "key2").annotate(n=Sum("n")).order_by()
    ]


def _risk_signals_rolled(span: MonthSpan) -> tuple[tuple[str, int], ...]:
    counts = dict(_counts_of("risk", span).values("key1").annotate(n=Sum("n")).order_by().values_list("key1", "n"))
    return tuple((kind, counts.get(kind) or 0) for kind in RISK_KINDS)


ROLLUP_SECTIONS = _Sections(
    volumes=_volumes_rolled,
    measures=_measures_rolled,
    durations=_durations_rolled,
    money_rows=_money_rows_rolled,
    promises=_promises_rolled,
    breakdown_counts=_breakdown_counts_rolled,
    excluded=_excluded_rolled,
    categorisation_rows=_categorisation_rows_rolled,
    risk_signals=_risk_signals_rolled,
)


def trend_generate(*, until: dt.date, months: int = 12) -> TrendData:
    """Volume by category and response/resolution times for ``months`` months before ``until`` and
    ``until`` itself, plus the open backlog by age, from the rollups as of their last fold (``as_of``)
    — four queries whatever the data."""
    spans = [month_span(month_add(month_first(until), -i)) for i in range(months, -1, -1)]
    index = CaseWhen(
        *(When(_days(s), then=Value(str(i))) for i, s in enumerate(spans)),
        default=Value(""),
        output_field=CharField(),
    )
    category_meta = [
        (slug, category_label(name), active)  # in the reader's language
        for slug, name, active in ComplaintCategory.objects.values_list("slug", "name", "is_active").order_by(
            "sort_order", "name"
        )
    ]
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for r in (
        _complaint_days()
        .filter(day__gte=spans[0].month, day__lt=month_add(spans[-1].month, 1))
        .annotate(_i=index)
        .values("_i", "category")
        .annotate(n=Sum("cases"))
        .order_by()
    ):
        if r["n"]:
            counts[r["_i"]][r["category"]] = r["n"]
    with_data = {k for c in counts.values() for k in c}
    cats = [(slug, name) for slug, name, active in category_meta if active or slug in with_data]
    if UNCATEGORISED in with_data:
        cats.append((UNCATEGORISED, str(UNCATEGORISED_LABEL)))
    durations: dict[tuple[str, dt.date], DurationStats] = {}
    for metric, month, sketch in RollupDurationMonth.objects.filter(
        month__in=[s.month for s in spans], category=ROLLUP_ALL
    ).values_list("metric", "month", "sketch"):
        count, values = sketch_quantiles(sketch, (0.5, 0.9))
        durations[(metric, month)] = duration_stats(count, values) if count else DurationStats()
    state = RollupState.objects.filter(pk="default").values("folded_at", "backlog").first() or {}
    backlog_counts = state.get("backlog") or {}
    backlog = tuple(BacklogBucket(key, str(label), backlog_counts.get(key, 0)) for key, label, _, _ in BACKLOG_BUCKETS)
    return TrendData(
        categories=tuple(cats),
        months=tuple(
            TrendMonth(
                month=s.month,
                cases=sum(counts.get(str(i), {}).values()),
                by_category=tuple(counts.get(str(i), {}).get(k, 0) for k, _ in cats),
                first_response=durations.get((FIRST_RESPONSE, s.month), DurationStats()),
                resolution=durations.get((RESOLUTION, s.month), DurationStats()),
            )
            for i, s in enumerate(spans)
        ),
        backlog=backlog,
        backlog_total=sum(b.cases for b in backlog),
        as_of=state.get("folded_at"),
    )
