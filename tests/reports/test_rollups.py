"""Issue #20: the dashboard and the monthly report read daily rollups, and the rollups tell the same
story as the raw history — exactly for counts and money, within the sketch's stated error for the
response/resolution quantiles — however the history was written (time zones around midnight,
reopened cases, refunds in three currencies, categories confirmed later)."""

from __future__ import annotations

import datetime as dt
import random
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm_twitter.classify.risk import RISK_KINDS
from crm_twitter.models import (
    Case,
    CaseEvent,
    CaseOutcome,
    CaseStatus,
    ComplaintCategory,
    ExchangeRate,
    Promise,
    RollupCaseDay,
    RollupCountDay,
    RollupCountMonth,
    RollupDurationDay,
    RollupDurationMonth,
)
from crm_twitter.reports.generator import report_generate, report_to_dict, trend_generate, trend_generate_raw
from crm_twitter.services import rollups
from crm_twitter.services.report_rules import EpochSeconds, category_key, complaints
from crm_twitter.services.rollups import (
    RELATIVE_ACCURACY,
    rollups_fold,
    rollups_rebuild,
    sketch_dump,
    sketch_merge,
    sketch_new,
    sketch_quantiles,
)
from tests.factories import (
    BrandAccountFactory,
    CaseEventFactory,
    CaseFactory,
    ExchangeRateFactory,
    OrderFactory,
    OrderItemFactory,
    PromiseFactory,
)

NOW_LOCAL = (2026, 11, 15, 12, 0)
MONTHS = (dt.date(2026, 9, 1), dt.date(2026, 10, 1), dt.date(2026, 11, 1))
CURRENCIES = ("EUR", "USD", "JPY")
# Tables holding the raw history: the dashboard and the report page must read none of them.
RAW_TABLES = {
    "crm_twitter_case",
    "crm_twitter_tweet",
    "crm_twitter_directmessage",
    "crm_twitter_caseevent",
    "crm_twitter_caseoutcome",
    "crm_twitter_promise",
    "crm_twitter_case_orders",
    "crm_twitter_order",
    "crm_twitter_orderitem",
}


def _tz(settings) -> ZoneInfo:
    return ZoneInfo(settings.CRM_TWITTER["TIME_ZONE"])


@pytest.fixture
def merchant(settings, request):
    zone = getattr(request, "param", "Europe/Berlin")
    settings.CRM_TWITTER = {"TIME_ZONE": zone, "REPORTING_CURRENCY": "USD", "REPORT_RECIPIENTS": []}
    with time_machine.travel(dt.datetime(*NOW_LOCAL, tzinfo=ZoneInfo(zone)), tick=False) as traveller:
        yield traveller


def random_history(seed: int, tz: ZoneInfo, *, n: int = 90) -> list[Case]:
    """A seeded, messy history around September–November 2026: several brand accounts, cases opened
    a few minutes either side of local midnight, reopened and re-resolved cases, refunds in three
    currencies (and one without a currency), categories confirmed or only suggested, orders with
    several items, escalations after the month's end, promises, merges and spam."""
    rng = random.Random(seed)
    categories = list(ComplaintCategory.objects.order_by("pk")[:4])
    accounts = [BrandAccountFactory(handle=f"brand_{seed}_{i}") for i in range(3)]
    orders = []
    for _i in range(8):
        order = OrderFactory(
            destination_country=rng.choice(["DE", "FR", "US", ""]), carrier=rng.choice(["DHL", "UPS", "GLS", ""])
        )
        for _ in range(rng.randint(0, 3)):
            OrderItemFactory(order=order, sku=f"SKU-{rng.randint(1, 5)}")
        orders.append(order)
    if not ExchangeRate.objects.exists():
        ExchangeRateFactory(currency="EUR", rate=Decimal("1.10"), valid_from=dt.date(2026, 1, 1))
        ExchangeRateFactory(currency="EUR", rate=Decimal("1.20"), valid_from=dt.date(2026, 10, 15))
    now = dt.datetime(*NOW_LOCAL, tzinfo=tz)
    cases: list[Case] = []
    for _i in range(n):
        day = dt.date(2026, 9, 1) + dt.timedelta(days=rng.randint(0, 75))
        # Half of them within half an hour of local midnight, on either side.
        if rng.random() < 0.5:
            opened = dt.datetime(day.year, day.month, day.day, tzinfo=tz) + dt.timedelta(minutes=rng.randint(-30, 30))
        else:
            opened = dt.datetime(day.year, day.month, day.day, rng.randint(0, 23), rng.randint(0, 59), tzinfo=tz)
        opened = min(opened, now - dt.timedelta(minutes=5))
        first = opened + dt.timedelta(minutes=rng.randint(1, 3000)) if rng.random() < 0.8 else None
        resolved = None
        if first and rng.random() < 0.6:
            resolved = first + dt.timedelta(minutes=rng.randint(10, 9000))
        if resolved and resolved > now:
            resolved = None
        if first and first > now:
            first = None
        status = CaseStatus.RESOLVED if resolved else rng.choice([CaseStatus.NEW, CaseStatus.AWAITING_CUSTOMER])
        category = rng.choice([*categories, None])
        fields = {
            "brand_account": rng.choice(accounts),
            "language": rng.choice(["en", "de", "", "ja"]),
            "category": category,
            "category_confirmed": bool(category) and rng.random() < 0.7,
            "suggested_category": rng.choice([*categories, None]),
            "suggestion_model": rng.choice(["", "nb-3", "nb-4"]),
            "priority": rng.choice(["low", "normal", "high", "urgent"]),
            "opened_at": opened,
            "first_response_at": first,
            "resolved_at": resolved,
            "status": status,
            "satisfaction": rng.choice([None, None, 1, 3, 4, 5]) if resolved else None,
            "risk_kinds": ",".join(rng.sample(RISK_KINDS, rng.randint(0, 2))),
            "moved_to_dm_at": opened + dt.timedelta(minutes=30) if rng.random() < 0.3 else None,
        }
        if rng.random() < 0.5:
            fields["sla_first_response_due"] = opened + dt.timedelta(minutes=rng.randint(30, 600))
            fields["sla_resolution_due"] = opened + dt.timedelta(minutes=rng.randint(600, 6000))
        if status == CaseStatus.AWAITING_CUSTOMER and rng.random() < 0.5:
            fields["sla_paused_at"] = opened + dt.timedelta(minutes=rng.randint(5, 500))
        if cases and rng.random() < 0.06:
            fields.update(merged_into=rng.choice(cases), status=CaseStatus.CLOSED)
        elif rng.random() < 0.05:
            fields["status"] = CaseStatus.NOT_ACTIONABLE
        case = CaseFactory(**fields)
        for order in rng.sample(orders, rng.randint(0, 2)):
            case.orders.add(order)
        for _ in range(rng.randint(0, 2)):
            CaseEventFactory(
                case=case,
                kind=CaseEvent.Kind.ESCALATED,
                data={"from": 0, "level": rng.randint(1, 3)},
                created_at=opened + dt.timedelta(days=rng.randint(0, 40)),
            )
        if resolved:
            if rng.random() < 0.25:
                # Resolved once before, reopened, and resolved again: both outcomes stay on record.
                earlier = opened + (resolved - opened) / 3
                _outcome(rng, case, earlier)
                CaseEventFactory(case=case, kind=CaseEvent.Kind.REOPENED, created_at=earlier + dt.timedelta(hours=1))
            _outcome(rng, case, resolved)
        for _ in range(rng.randint(0, 2)):
            PromiseFactory(
                case=case,
                due_at=opened + dt.timedelta(hours=rng.randint(1, 400)),
                status=rng.choice(list(Promise.Status.values)),
            )
        cases.append(case)
    return cases


def _outcome(rng: random.Random, case: Case, at: dt.datetime) -> CaseOutcome:
    refund = rng.random() < 0.6
    currency = rng.choice((*CURRENCIES, "")) if refund else ""
    return CaseOutcome.objects.create(
        case=case,
        outcome="refund" if refund else rng.choice(["replacement", "reship", "no_action"]),
        refund_amount=Decimal(rng.randint(100, 90000)) / 100 if refund else None,
        refund_currency=currency,
        recorded_at=at,
    )


def _durations(month: dt.date, tz: ZoneInfo) -> dict[tuple[str, str], list[float]]:
    """The raw durations per (metric, category) of a month, to bound the sketch's estimates."""
    start = dt.datetime(month.year, month.month, 1, tzinfo=tz)
    end = dt.datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=tz)
    out: dict[tuple[str, str], list[float]] = {}
    for metric, field, end_field in (
        ("first_response", "opened_at", "first_response_at"),
        ("resolution", "resolved_at", "resolved_at"),
    ):
        rows = (
            complaints()
            .filter(**{f"{field}__gte": start, f"{field}__lt": end, f"{end_field}__isnull": False})
            .annotate(_cat=category_key(), _d=EpochSeconds(end_field, "opened_at"))
            .values_list("_cat", "_d")
        )
        for cat, seconds in rows:
            out.setdefault((metric, cat), []).append(float(seconds))
            out.setdefault((metric, "__all__"), []).append(float(seconds))
    return {k: sorted(v) for k, v in out.items()}


def _within_error(estimate: float | None, values: list[float], fraction: float) -> bool:
    """DDSketch's guarantee: within RELATIVE_ACCURACY of a value of the quantile's rank (the raw
    ``percentile_cont`` interpolates between the two ranks around it); 0.05 s for the rounding."""
    rank = (len(values) - 1) * fraction
    low, high = values[int(rank)], values[min(int(rank) + 1, len(values) - 1)]
    slack = 0.05
    return low * (1 - RELATIVE_ACCURACY) - slack <= estimate <= high * (1 + RELATIVE_ACCURACY) + slack


def _split_durations(data, found: list, path: str = "") -> object:
    """Take the {count, median, p90} blocks out of a report dict (kept with their place in it)."""
    if isinstance(data, dict):
        if set(data) == {"count", "median", "p90"}:
            found.append((path, data))
            return {"count": data["count"]}
        return {k: _split_durations(v, found, f"{path}/{k}") for k, v in data.items()}
    if isinstance(data, list):
        return [_split_durations(v, found, f"{path}[{i}]") for i, v in enumerate(data)]
    return data


def _comparable(report) -> dict:
    data = report_to_dict(report)
    for volatile in ("generated_at", "as_of"):
        data.pop(volatile, None)
    return data


def assert_same_report(month: dt.date, tz: ZoneInfo, *, exact: bool) -> None:
    rolled = _comparable(report_generate(month=month))
    raw = _comparable(report_generate(month=month, raw=True))
    if exact:
        assert rolled == raw, month
        return
    rolled_stats: list = []
    raw_stats: list = []
    assert _split_durations(rolled, rolled_stats) == _split_durations(raw, raw_stats), month
    values = _durations(month, tz)
    keys = {
        "first_response": [c["key"] for c in raw["categories"]],
        "resolution": [c["key"] for c in raw["categories"]],
    }
    checked = 0
    for (path, got), (_path, want) in zip(rolled_stats, raw_stats, strict=True):
        assert got["count"] == want["count"], path
        if not want["count"]:
            assert got == want, path
            continue
        metric = "first_response" if path.endswith("first_response") else "resolution"
        match = re.match(r"/categories\[(\d+)\]", path)
        category = keys[metric][int(match.group(1))] if match else "__all__"
        for fraction, name in ((0.5, "median"), (0.9, "p90")):
            assert _within_error(got[name], values[(metric, category)], fraction), (path, name, got, want)
            checked += 1
    assert checked, "no quantile was compared"


# --- The sketch -----------------------------------------------------------------------------------


def test_the_sketch_is_within_its_stated_error_and_merges_like_one_sketch():
    rng = random.Random(7)
    parts = [[rng.lognormvariate(8, 2) for _ in range(rng.randint(0, 400))] for _ in range(12)]
    everything = sorted([*(v for p in parts for v in p), 0.0, 0.0])
    dumped = [sketch_dump(_sketch_of(p), None) for p in parts] + [sketch_dump(_sketch_of([0.0, 0.0]), None)]
    merged = sketch_merge(dumped)
    count, estimates = sketch_quantiles(merged, (0.01, 0.5, 0.9, 0.99))
    assert count == len(everything)
    for fraction, estimate in estimates.items():
        assert _within_error(estimate, everything, fraction), fraction
    # Few values: kept exactly, and the quantiles are percentile_cont's.
    small = sketch_merge([sketch_dump(_sketch_of([10.0, 20.0]), [10.0, 20.0]), sketch_dump(_sketch_of([40.0]), [40.0])])
    assert sketch_quantiles(small, (0.5, 0.9)) == (3, {0.5: 20.0, 0.9: 36.0})


def _sketch_of(values: list[float]):
    sketch = sketch_new()
    for v in values:
        sketch.add(v)
    return sketch


# --- Rollups against the raw history ------------------------------------------------------------


@pytest.mark.parametrize("merchant", ["Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata"], indirect=True)
def test_rollup_figures_equal_the_raw_history_exactly(db, merchant, settings):
    tz = _tz(settings)
    random_history(seed=20, tz=tz)
    for month in MONTHS:
        assert_same_report(month, tz, exact=True)
    rolled, raw = trend_generate(until=MONTHS[-1]), trend_generate_raw(until=MONTHS[-1])
    assert rolled.as_of is not None
    assert (rolled.categories, rolled.months, rolled.backlog) == (raw.categories, raw.months, raw.backlog)
    assert sum(m.cases for m in rolled.months) > 50


@pytest.mark.parametrize("merchant", ["Europe/Berlin"], indirect=True)
def test_quantiles_from_sketches_are_within_the_stated_error(db, merchant, settings, monkeypatch):
    # Keep no exact values beside the sketches: every median and p90 comes from a DDSketch.
    monkeypatch.setattr(rollups, "EXACT_LIMIT", 0)
    tz = _tz(settings)
    random_history(seed=21, tz=tz, n=120)
    for month in MONTHS:
        assert_same_report(month, tz, exact=False)


def _dump() -> dict[str, list]:
    """Every rollup row, without ids: what a rebuild must reproduce."""
    tables = (RollupCaseDay, RollupCountDay, RollupCountMonth, RollupDurationDay, RollupDurationMonth)
    out = {}
    for model in tables:
        names = [f.name for f in model._meta.fields if f.name != "id"]
        out[model.__name__] = sorted(
            (tuple(repr(v) for v in row) for row in model.objects.values_list(*names)), key=str
        )
    return out


@pytest.mark.parametrize("merchant", ["Europe/Berlin"], indirect=True)
def test_the_fold_is_incremental_idempotent_and_equals_a_rebuild(db, merchant, settings, monkeypatch):
    tz = _tz(settings)
    cases = random_history(seed=22, tz=tz)
    merchant.shift(dt.timedelta(minutes=1))
    first = rollups_fold()
    assert first.days is None  # the first fold reads everything
    # Without the 10-minute safety overlap the fold reads exactly what changed: here nothing (no SLA
    # clock of this history runs out within the minute).
    monkeypatch.setattr(rollups, "TIME_OVERLAP", dt.timedelta(0))
    merchant.shift(dt.timedelta(minutes=1))
    assert rollups_fold().days == 0
    before = _dump()
    assert rollups_fold().days == 0 and _dump() == before  # idempotent

    # One case resolved in October with a refund is reopened (its October resolution must leave the
    # resolved counts, its refund must stay) and its category is confirmed differently.
    merchant.shift(dt.timedelta(minutes=1))
    case = next(c for c in cases if c.resolved_at and c.resolved_at.astimezone(tz).month == 10 and not c.merged_into)
    other = ComplaintCategory.objects.exclude(pk=case.category_id).first()
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.NEW)  # no updated_at: the event tells
    case.refresh_from_db()
    case.resolved_at, case.category, case.category_confirmed = None, other, True
    case.save()
    CaseEventFactory(case=case, kind=CaseEvent.Kind.REOPENED)
    folded = rollups_fold()
    assert 0 < folded.days <= 12
    after_fold = _dump()
    assert after_fold != before
    rollups_rebuild()
    assert _dump() == after_fold
    for month in MONTHS:
        assert_same_report(month, tz, exact=True)


@pytest.mark.parametrize("merchant", ["Europe/Berlin"], indirect=True)
def test_a_pending_case_turns_breached_with_time_alone(db, merchant, settings):
    tz = _tz(settings)
    now = dt.datetime(*NOW_LOCAL, tzinfo=tz)
    CaseFactory(opened_at=now - dt.timedelta(minutes=10), sla_first_response_due=now + dt.timedelta(hours=1))
    rollups_fold()
    month = dt.date(2026, 11, 1)
    report = report_generate(month=month, fold=False)
    assert (report.total.sla_breached, report.total.sla_pending) == (0, 1)
    merchant.shift(dt.timedelta(hours=2))  # nothing is written: the due time just passes
    assert rollups_fold().days == 1
    report = report_generate(month=month, fold=False)
    assert (report.total.sla_breached, report.total.sla_pending) == (1, 0)
    assert_same_report(month, tz, exact=True)


# --- What the pages read --------------------------------------------------------------------------


def _tables(queries: list[dict]) -> set[str]:
    found = set()
    for q in queries:
        found.update(re.findall(r'(?:FROM|JOIN)\s+"?(\w+)"?', q["sql"], flags=re.I))
    return found


@pytest.mark.parametrize("merchant", ["Europe/Berlin"], indirect=True)
def test_dashboard_and_report_page_read_no_raw_history_and_a_fixed_number_of_queries(
    db, merchant, settings, client, manager
):
    tz = _tz(settings)
    random_history(seed=23, tz=tz, n=30)
    rollups_fold()
    client.force_login(manager)
    pages = [
        reverse("crm_twitter_reports:dashboard") + "?month=2026-10",
        reverse("crm_twitter_reports:export") + "?month=2026-10&format=html",
    ]

    def counted(url: str, *, cold: bool) -> CaptureQueriesContext:
        if cold:  # the first view after a fold: nothing cached (the dashboard, the nav badge)
            cache.clear()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        touched = _tables(captured.captured_queries)
        assert touched & RAW_TABLES == set(), (url, touched & RAW_TABLES)
        return captured

    counts = []
    for url in pages:
        captured = counted(url, cold=True)
        assert {"crm_twitter_rollupcaseday", "crm_twitter_rollupcountday"} <= _tables(captured.captured_queries)
        counts.append((len(captured), len(counted(url, cold=False))))
    html = client.get(pages[0]).content.decode()
    assert "Figures as of 12:00" in html
    assert "Figures as of 2026-11-15 12:00" in client.get(pages[1]).content.decode()

    random_history(seed=24, tz=tz, n=60)
    rollups_fold()
    for url, before in zip(pages, counts, strict=True):
        assert (len(counted(url, cold=True)), len(counted(url, cold=False))) == before, url


@pytest.mark.parametrize("merchant", ["Europe/Berlin"], indirect=True)
def test_the_fold_reads_with_a_fixed_number_of_queries(db, merchant, settings):
    """Whatever changed, the fold reads with the same queries; only its batched INSERTs grow with
    the rows it writes (a few hundred rows per statement)."""
    tz = _tz(settings)

    def reads(captured) -> int:
        return sum(1 for q in captured.captured_queries if not q["sql"].lstrip().upper().startswith("INSERT"))

    random_history(seed=25, tz=tz, n=10)
    rollups_fold()
    merchant.shift(dt.timedelta(minutes=30))
    CaseFactory(opened_at=dt.datetime(2026, 10, 3, 9, 0, tzinfo=tz))
    with CaptureQueriesContext(connection) as small:
        rollups_fold()
    random_history(seed=26, tz=tz, n=40)
    merchant.shift(dt.timedelta(minutes=30))
    with CaptureQueriesContext(connection) as large:
        rollups_fold()
    assert reads(large) == reads(small)


# --- The command ------------------------------------------------------------------------------------


@pytest.mark.parametrize("merchant", ["Europe/Berlin"], indirect=True)
def test_rebuild_command_is_idempotent_and_refuses_bad_input(db, merchant, settings, capsys):
    random_history(seed=27, tz=_tz(settings), n=20)
    call_command("crm_twitter_rollups", "--rebuild")
    once = _dump()
    call_command("crm_twitter_rollups", "--rebuild")
    assert _dump() == once
    call_command("crm_twitter_rollups", "--rebuild", "--since", "2026-10-01")
    assert _dump() == once
    call_command("crm_twitter_rollups")
    assert _dump() == once
    out = capsys.readouterr().out
    assert "Rollups rebuilt: every day" in out and "Rollups folded" in out
    with pytest.raises(CommandError, match="not a date"):
        call_command("crm_twitter_rollups", "--rebuild", "--since", "October")
    with pytest.raises(CommandError, match="only goes with --rebuild"):
        call_command("crm_twitter_rollups", "--since", "2026-10-01")


@pytest.mark.parametrize("merchant", ["Europe/Berlin"], indirect=True)
def test_the_schedule_folds_every_five_minutes(db, merchant, settings):
    from crm_twitter.schedules import schedule_specs
    from crm_twitter.tasks.reports import rollups_fold_task

    spec = {s.name: s for s in schedule_specs()}["crm_twitter:rollups-fold"]
    assert (spec.func, spec.minutes) == ("crm_twitter.tasks.reports.rollups_fold_task", 5)
    CaseFactory(opened_at=dt.datetime(2026, 11, 2, 9, 0, tzinfo=_tz(settings)))
    assert rollups_fold_task() > 0
    assert report_generate(month=dt.date(2026, 11, 1), fold=False).total.cases == 1
