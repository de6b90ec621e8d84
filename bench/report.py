"""Benchmark: the monthly complaint report over 100,000 cases / 1,000,000 messages.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_twitter_bench python bench/report.py [--scale 1]

Seeds the data set-based (one ``INSERT … SELECT`` per table from ``generate_series`` on
PostgreSQL, a recursive CTE on SQLite — seconds, not hours), rebuilds the report rollups, then
times the dashboard and the monthly report page (both read rollups only; the dashboard both as
reloaded, from its cache entry for the last fold, and as first opened after a fold; medians and
p95 of the loads), an incremental fold after 50 cases changed, 20 cases and 5 orders deleted and
the fold after them, and the rebuild, next to ``report_generate(raw=True)`` (every section from
the raw history, what the pages did before rollups) and hand-written raw SQL ``GROUP BY`` queries
computing the same sections, and prints a markdown table with the rows each produced (a month with
no complaints fails the run, exit status 1). ``--scale 0.1`` gives 10,000 cases / 100,000 messages (the default on SQLite).
It empties the crm_twitter tables it seeds, so it refuses a database whose name does not
contain "bench" unless ``--force`` is given.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import load_average, markdown_table, median, p95, setup_django, timed

BASE = dt.datetime(2025, 11, 1, tzinfo=dt.UTC)  # data spans 13 months from here
SPAN_SECONDS = 395 * 86400
MONTH = dt.date(2026, 10, 1)


def sql_dialect(vendor: str):
    pg = vendor == "postgresql"

    def series(n: int) -> tuple[str, str]:
        """(prefix, FROM clause) producing column ``i`` = 1..n."""
        if pg:
            return "", f"generate_series(1::bigint, {n}::bigint) AS g(i)"
        return f"WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < {n}) ", "g"

    def ts(seconds_expr: str) -> str:
        if pg:
            return f"(TIMESTAMPTZ '{BASE:%Y-%m-%d %H:%M:%S}+00' + ({seconds_expr}) * INTERVAL '1 second')"
        return f"datetime('{BASE:%Y-%m-%d %H:%M:%S}', '+' || ({seconds_expr}) || ' seconds')"

    def text(expr: str) -> str:
        return f"CAST({expr} AS TEXT)"

    def json_lit(value) -> str:
        literal = "'" + json.dumps(value).replace("'", "''") + "'"
        return f"{literal}::jsonb" if pg else literal

    return series, ts, text, json_lit


def literal(field, json_lit) -> str:
    """A SQL literal for a non-null column the seed does not set (robust to new model fields)."""
    from django.db import models

    if isinstance(field, models.DateTimeField):
        return "CURRENT_TIMESTAMP"
    value = field.get_default()
    if isinstance(field, models.JSONField):
        return json_lit(value if value is not None else {})
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if value is None:
        return "''" if isinstance(field, models.CharField | models.TextField) else "0"
    return "'" + str(value).replace("'", "''") + "'"


def drop_secondary_indexes(cursor, table: str) -> list[str]:
    """PostgreSQL: drop a table's non-primary-key indexes, returning the statements that rebuild them.

    Building an index once over a million rows is far faster than maintaining it row by row."""
    cursor.execute(
        "SELECT i.indexname, i.indexdef, c.conname FROM pg_indexes i "
        "LEFT JOIN pg_constraint c ON c.conname = i.indexname "
        "WHERE i.tablename = %s AND i.indexname NOT LIKE %s",
        [table, "%_pkey"],
    )
    rebuild = []
    for name, definition, constraint in cursor.fetchall():
        if constraint:  # unique constraints: keep them (they guard the seed too)
            continue
        cursor.execute(f'DROP INDEX "{name}"')
        rebuild.append(definition)
    return rebuild


def insert_select(cursor, model, values: dict[str, str], n: int, dialect) -> None:
    series, _, _, json_lit = dialect
    columns = dict(values)
    for f in model._meta.concrete_fields:
        if not f.null and f.column not in columns and not f.primary_key:
            columns[f.column] = literal(f, json_lit)
    prefix, source = series(n)
    names = ", ".join(columns)
    exprs = ", ".join(columns.values())
    started = time.perf_counter()
    cursor.execute(f"{prefix}INSERT INTO {model._meta.db_table} ({names}) SELECT {exprs} FROM {source}")
    print(f"  seeded {n:,} {model._meta.db_table} in {time.perf_counter() - started:.1f}s", file=sys.stderr)


def seed(vendor: str, *, cases: int, messages: int) -> dict[str, float]:
    from django.db import connection, transaction

    from crm_twitter.models import (
        BrandAccount,
        Case,
        ComplaintCategory,
        Customer,
        DirectMessage,
        ExchangeRate,
        Order,
        OrderItem,
        Promise,
        Tweet,
        XUser,
    )

    dialect = sql_dialect(vendor)
    _, ts, text, _ = dialect
    timings: dict[str, float] = {}
    tables = [
        Tweet,
        DirectMessage,
        Promise,
        Case.orders.through,
        OrderItem,
        Order,
        Case,
        XUser,
        Customer,
        BrandAccount,
        ExchangeRate,
    ]
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("TRUNCATE " + ", ".join(m._meta.db_table for m in tables) + " RESTART IDENTITY CASCADE")
        else:
            for m in tables:
                cursor.execute(f"DELETE FROM {m._meta.db_table}")
            names = ", ".join(f"'{m._meta.db_table}'" for m in tables)
            cursor.execute(f"DELETE FROM sqlite_sequence WHERE name IN ({names})")

    people = max(100, cases // 10)
    orders = cases * 8 // 10
    tweets = messages * 6 // 10
    dms = messages - tweets
    cat_ids = list(ComplaintCategory.objects.order_by("sort_order").values_list("id", flat=True))
    category_case = "CASE (i % {n}) {whens} END".format(
        n=len(cat_ids), whens=" ".join(f"WHEN {k} THEN {cid}" for k, cid in enumerate(cat_ids))
    )
    opened = f"((i * 104729) % {SPAN_SECONDS})"

    start = time.perf_counter()
    rebuild: list[str] = []
    with transaction.atomic():
        if vendor == "postgresql":
            with connection.cursor() as cursor:
                for model in (Tweet, DirectMessage, Case):
                    rebuild += drop_secondary_indexes(cursor, model._meta.db_table)
                # Bench data is generated consistent; skip per-row FK trigger checks and the fsync wait.
                cursor.execute("SET LOCAL synchronous_commit = off")
                try:
                    with transaction.atomic():
                        cursor.execute("SET LOCAL session_replication_role = replica")
                except Exception:
                    pass
        BrandAccount.objects.bulk_create(
            BrandAccount(id=k + 1, handle=f"bench_help{k}", x_user_id=str(800000 + k)) for k in range(3)
        )
        with connection.cursor() as cursor:
            insert_select(cursor, Customer, {"id": "i", "display_name": text("i")}, people, dialect)
            insert_select(
                cursor,
                XUser,
                {"id": "i", "x_id": text("i"), "handle": "'c' || " + text("i"), "customer_id": "i"},
                people,
                dialect,
            )
            insert_select(
                cursor,
                Case,
                {
                    "id": "i",
                    "customer_id": f"(i % {people}) + 1",
                    "customer_x_user_id": f"(i % {people}) + 1",
                    "brand_account_id": "(i % 3) + 1",
                    "status": "CASE WHEN i % 3 = 0 THEN 'in_dm' ELSE 'resolved' END",
                    "language": "CASE i % 6 WHEN 0 THEN 'en' WHEN 1 THEN 'de' WHEN 2 THEN 'fr' WHEN 3 THEN 'es' "
                    "WHEN 4 THEN 'ja' ELSE '' END",
                    "category_id": category_case,
                    "category_confirmed": "(i % 10 <> 0)",
                    "outcome": "CASE WHEN i % 3 = 0 THEN '' WHEN i % 5 < 2 THEN 'refund' WHEN i % 5 = 2 THEN 'reship' "
                    "WHEN i % 5 = 3 THEN 'replacement' ELSE 'declined' END",
                    "refund_amount": "CASE WHEN i % 3 <> 0 AND i % 5 < 2 THEN (i % 200) + 0.5 ELSE NULL END",
                    "refund_currency": "CASE WHEN i % 3 <> 0 AND i % 5 < 2 THEN "
                    "(CASE i % 4 WHEN 0 THEN 'USD' WHEN 1 THEN 'EUR' WHEN 2 THEN 'GBP' ELSE 'JPY' END) "
                    "ELSE '' END",
                    "escalation_level": "CASE WHEN i % 7 = 0 THEN 1 ELSE 0 END",
                    "opened_at": ts(opened),
                    "first_response_at": f"CASE WHEN i % 20 = 0 THEN NULL ELSE {ts(f'{opened} + (i * 31) % 36000')} END",
                    "moved_to_dm_at": f"CASE WHEN i % 2 = 0 THEN {ts(f'{opened} + 3600')} ELSE NULL END",
                    "resolved_at": f"CASE WHEN i % 3 = 0 THEN NULL ELSE {ts(f'{opened} + (i * 97) % 604800')} END",
                    "sla_breached_at": f"CASE WHEN i % 9 = 0 THEN {ts(f'{opened} + 14400')} ELSE NULL END",
                    "satisfaction": "CASE WHEN i % 3 <> 0 AND i % 4 = 0 THEN (i % 5) + 1 ELSE NULL END",
                    "last_message_at": ts(opened),
                },
                cases,
                dialect,
            )
            insert_select(
                cursor,
                Order,
                {
                    "id": "i",
                    "order_number": "'B' || " + text("i"),
                    "destination_country": "CASE i % 8 WHEN 0 THEN 'US' WHEN 1 THEN 'DE' WHEN 2 THEN 'FR' WHEN 3 THEN 'GB' "
                    "WHEN 4 THEN 'JP' WHEN 5 THEN 'ES' WHEN 6 THEN 'IT' ELSE '' END",
                    "carrier": "CASE i % 5 WHEN 0 THEN 'DHL' WHEN 1 THEN 'UPS' WHEN 2 THEN 'Cainiao' WHEN 3 THEN 'YunExpress' "
                    "ELSE '' END",
                },
                orders,
                dialect,
            )
            insert_select(
                cursor,
                OrderItem,
                {
                    "id": "i",
                    "order_id": f"((i - 1) % {orders}) + 1",
                    "sku": f"'SKU-' || {text('(i * 7) % 500')}",
                },
                orders * 3 // 2,
                dialect,
            )
            insert_select(cursor, Case.orders.through, {"id": "i", "case_id": "i", "order_id": "i"}, orders, dialect)
            insert_select(
                cursor,
                Tweet,
                {
                    "id": "i",
                    "x_id": text("i"),
                    "brand_account_id": "(i % 3) + 1",
                    "author_id": f"(i % {people}) + 1",
                    "case_id": f"(i % {cases}) + 1",
                    "direction": "CASE WHEN i % 3 = 0 THEN 'outbound' ELSE 'inbound' END",
                    "text": "'@bench_help my parcel never arrived'",
                    "created_at": ts(f"(i * 7919) % {SPAN_SECONDS}"),
                },
                tweets,
                dialect,
            )
            insert_select(
                cursor,
                DirectMessage,
                {
                    "id": "i",
                    "x_event_id": text("i"),
                    "dm_conversation_id": text(f"(i % {people}) + 1"),
                    "brand_account_id": "(i % 3) + 1",
                    "sender_id": f"(i % {people}) + 1",
                    "case_id": f"(i % {cases}) + 1",
                    "direction": "CASE WHEN i % 2 = 0 THEN 'outbound' ELSE 'inbound' END",
                    "text": "'order 40001234'",
                    "created_at": ts(f"(i * 7919) % {SPAN_SECONDS}"),
                },
                dms,
                dialect,
            )
            insert_select(
                cursor,
                Promise,
                {
                    "id": "i",
                    "case_id": "i * 5",
                    "description": "'Refund the order'",
                    "due_at": ts(f"((i * 5 * 104729) % {SPAN_SECONDS}) + 172800"),
                    "status": "CASE i % 4 WHEN 0 THEN 'open' WHEN 1 THEN 'kept' WHEN 2 THEN 'missed' ELSE 'cancelled' END",
                },
                cases // 5,
                dialect,
            )
            if vendor == "postgresql":
                index_start = time.perf_counter()
                for statement in rebuild:
                    cursor.execute(statement)
                print(f"  rebuilt {len(rebuild)} indexes in {time.perf_counter() - index_start:.1f}s", file=sys.stderr)
                for m in tables:
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{m._meta.db_table}', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM {m._meta.db_table}), 1))"
                    )
        ExchangeRate.objects.bulk_create(
            [
                ExchangeRate(currency="EUR", rate=Decimal("1.08"), valid_from=dt.date(2025, 1, 1)),
                ExchangeRate(currency="GBP", rate=Decimal("1.27"), valid_from=dt.date(2025, 1, 1)),
            ]
        )
    timings["seed"] = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return timings


def raw_sql_report(vendor: str, month: dt.date) -> tuple[int, int]:
    """The same sections as hand-written GROUP BY queries (the floor the ORM version is compared with).

    Returns the number of queries and the rows they returned (none would mean an empty month)."""
    from django.db import connection

    from crm_twitter.reports.months import month_add, month_span

    span = month_span(month)
    pg = vendor == "postgresql"
    cat = "CASE WHEN c.category_confirmed AND c.category_id IS NOT NULL THEN cat.slug ELSE 'uncategorised' END"
    secs = (
        (lambda a, b: f"EXTRACT(EPOCH FROM ({a} - {b}))")
        if pg
        else (lambda a, b: f"((julianday({a}) - julianday({b})) * 86400.0)")
    )
    pct = (lambda e, p: f"percentile_cont({p}) WITHIN GROUP (ORDER BY {e})") if pg else (lambda e, p: f"AVG({e})")
    base = "FROM crm_twitter_case c LEFT JOIN crm_twitter_complaintcategory cat ON cat.id = c.category_id"
    live = "c.merged_into_id IS NULL AND c.status <> 'not_actionable'"
    prev, last_year = month_span(month_add(month, -1)), month_span(month_add(month, -12))
    p = [span.start, span.end]
    two = [span.start, span.end, prev.start, span.end]  # period label + the two-month range
    period = "CASE WHEN c.opened_at >= %s AND c.opened_at < %s THEN 'cur' ELSE 'prev' END"
    queries = [
        (
            f"SELECT CASE WHEN c.opened_at >= %s THEN 'cur' WHEN c.opened_at >= %s THEN 'prev' ELSE 'ly' END, {cat} AS k, "
            f"COUNT(*) {base} WHERE {live} AND ((c.opened_at >= %s AND c.opened_at < %s) OR "
            f"(c.opened_at >= %s AND c.opened_at < %s)) GROUP BY 1, 2",
            [span.start, prev.start, prev.start, span.end, last_year.start, last_year.end],
        ),
        (
            f"SELECT {cat} AS k, COUNT(*), COUNT(c.sla_breached_at), "
            f"SUM(CASE WHEN c.escalation_level > 0 THEN 1 ELSE 0 END), COUNT(c.moved_to_dm_at), AVG(c.satisfaction), "
            f"{pct(secs('c.first_response_at', 'c.opened_at'), 0.5)}, {pct(secs('c.first_response_at', 'c.opened_at'), 0.9)} "
            f"{base} WHERE {live} AND c.opened_at >= %s AND c.opened_at < %s GROUP BY 1",
            p,
        ),
        (
            f"SELECT {cat} AS k, c.outcome, c.refund_currency, COUNT(*), SUM(c.refund_amount), "
            f"{pct(secs('c.resolved_at', 'c.opened_at'), 0.5)}, {pct(secs('c.resolved_at', 'c.opened_at'), 0.9)} "
            f"{base} WHERE {live} AND c.resolved_at >= %s AND c.resolved_at < %s GROUP BY 1, 2, 3",
            p,
        ),
        (
            f"SELECT {cat} AS k, pr.status, COUNT(*) FROM crm_twitter_promise pr JOIN crm_twitter_case c ON c.id = pr.case_id "
            f"LEFT JOIN crm_twitter_complaintcategory cat ON cat.id = c.category_id "
            f"WHERE {live} AND pr.due_at >= %s AND pr.due_at < %s GROUP BY 1, 2",
            p,
        ),
    ]
    for column in ("o.destination_country", "o.carrier", "i.sku"):
        join_items = "LEFT JOIN crm_twitter_orderitem i ON i.order_id = o.id " if column == "i.sku" else ""
        queries.append(
            (
                f"SELECT {period}, {cat} AS k, {column}, COUNT(DISTINCT c.id) {base} "
                f"LEFT JOIN crm_twitter_case_orders co ON co.case_id = c.id LEFT JOIN crm_twitter_order o ON o.id = co.order_id "
                f"{join_items}WHERE {live} AND c.opened_at >= %s AND c.opened_at < %s GROUP BY 1, 2, 3",
                two,
            )
        )
    for column in ("c.brand_account_id", "c.language"):
        queries.append(
            (
                f"SELECT {period}, {cat} AS k, {column}, COUNT(*) {base} WHERE {live} AND c.opened_at >= %s "
                f"AND c.opened_at < %s GROUP BY 1, 2, 3",
                two,
            )
        )
    returned = 0
    with connection.cursor() as cursor:
        for sql, params in queries:
            cursor.execute(sql, params)
            returned += len(cursor.fetchall())
    return len(queries), returned


def pages_bench(vendor: str, *, repeat: int) -> dict:
    """Rebuild the rollups, then time what a manager opens: the dashboard and the monthly report page
    (both read rollups only), an incremental fold (what the 5-minute schedule runs), deletes and the
    fold after them, and a rebuild."""
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection
    from django.db.models import F
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from crm_twitter.models import (
        Case,
        Order,
        RollupCaseDay,
        RollupCountDay,
        RollupCountMonth,
        RollupDirtyDay,
        RollupDurationDay,
        RollupDurationMonth,
    )
    from crm_twitter.reports.dashboard import dashboard_build
    from crm_twitter.services.rollups import rollups_fold, rollups_rebuild

    # The seed wrote every row just now; a desk's history was written over months. Age it, so the
    # fold's "changed in the last minutes" is what it would be on a live desk.
    Case.objects.update(updated_at=F("opened_at"))
    Order.objects.update(updated_at=BASE)
    rebuild = timed(rollups_rebuild)
    # Five minutes of a live desk: the 50 newest cases get a write (a reply, a category, a status).
    newest = list(Case.objects.order_by("-opened_at").values_list("pk", flat=True)[:50])
    fold = []
    for _ in range(repeat):
        Case.objects.filter(pk__in=newest).update(updated_at=timezone.now())
        fold += timed(rollups_fold)
    fold_days = rollups_fold().days
    # Deletes leave no watermark: each noted its days where it happened (signal receivers), and the
    # next fold recomputes them. 20 cases (with their events, outcomes, promises) and 5 orders.
    doomed_cases = list(Case.objects.order_by("pk").values_list("pk", flat=True)[1000:1020])
    doomed_orders = list(Order.objects.filter(cases__isnull=False).order_by("pk").values_list("pk", flat=True)[:5])
    noted: list[int] = []

    def delete() -> None:
        Case.objects.filter(pk__in=doomed_cases).delete()
        Order.objects.filter(pk__in=doomed_orders).delete()
        noted.append(RollupDirtyDay.objects.values("day").distinct().count())

    deleted = timed(delete)
    after_deletes: list[int | None] = []
    fold_after_deletes = timed(lambda: after_deletes.append(rollups_fold().days))
    counts = {
        m.__name__: m.objects.count()
        for m in (RollupCaseDay, RollupCountDay, RollupCountMonth, RollupDurationDay, RollupDurationMonth)
    }
    user, _ = get_user_model().objects.get_or_create(username="bench-manager", defaults={"is_superuser": True})
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    board = dashboard_build(month=MONTH)
    rows, empty = [], ""
    pages = (
        ("dashboard page (GET /reports/?month=…, rollups)", f"/reports/?month={MONTH:%Y-%m}"),
        (
            "monthly report page (GET /reports/export/?format=html, rollups)",
            f"/reports/export/?month={MONTH:%Y-%m}&format=html",
        ),
    )
    loads = max(repeat, 5)
    shown = f"{board.report.total.cases:,} complaints, {sum(m.cases for m in board.trend.months):,} in the trend"
    if not board.report.total.cases:
        empty = pages[0][0]
    for label, url in pages:
        response = client.get(url)  # warm up (the dashboard also fills its cache entry for this fold)
        if response.status_code != 200:
            sys.exit(f"bench/report.py FAILED: {url} answered {response.status_code}.")
        connection.queries_log.clear()  # a full log (maxlen) would make the capture read 0
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        times = timed(lambda url=url: client.get(url), repeat=loads)
        rows.append((label, shown, len(ctx.captured_queries), _ms(times)))
    # The first manager to open the dashboard after a fold builds it from the rollups (a cache miss,
    # once per fold and month/language): timed apart, the cache emptied before each load.
    url = pages[0][1]
    missed = []
    for _ in range(loads):
        cache.clear()
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as ctx:
            missed += timed(lambda: client.get(url))
    rows.insert(
        1, ("dashboard page, first view after a fold (cache miss)", shown, len(ctx.captured_queries), _ms(missed))
    )
    rows.append(
        (
            "rollups_fold after 50 newest cases changed (the 5-minute schedule)",
            f"{fold_days} day(s) recomputed",
            "",
            f"{median(fold) * 1000:,.0f}",
        )
    )
    rows.append(
        (
            f"delete {len(doomed_cases)} cases and {len(doomed_orders)} linked orders (QuerySet.delete, noting days)",
            f"{noted[0]} day(s) noted",
            "",
            f"{deleted[0] * 1000:,.0f}",
        )
    )
    rows.append(
        (
            "rollups_fold after those deletes (no rebuild)",
            f"{after_deletes[0]} day(s) recomputed",
            "",
            f"{fold_after_deletes[0] * 1000:,.0f}",
        )
    )
    rows.append(
        (
            "crm_twitter_rollups --rebuild (every day)",
            f"{sum(counts.values()):,} rollup rows",
            "",
            f"{rebuild[0] * 1000:,.0f}",
        )
    )
    return {"rows": rows, "rollup_rows": ", ".join(f"{k} {v:,}" for k, v in counts.items()), "empty": empty}


def _ms(times: list[float]) -> str:
    """Median and 95th percentile of page loads, in milliseconds."""
    return f"{median(times) * 1000:,.0f} (p95 {p95(times) * 1000:,.0f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--scale", type=float, default=None, help="1 = 100,000 cases / 1,000,000 messages")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--force", action="store_true", help="seed even if the database name lacks 'bench'")
    args = parser.parse_args()
    vendor = setup_django()

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from crm_twitter.models import Case, DirectMessage, Tweet
    from crm_twitter.reports.generator import report_generate

    name = str(connection.settings_dict.get("NAME", ""))
    if "bench" not in name and not args.force:
        sys.exit(f"Refusing to seed {name!r}: use a database whose name contains 'bench' (or --force).")
    scale = args.scale if args.scale is not None else (1.0 if vendor == "postgresql" else 0.1)
    cases, messages = int(100_000 * scale), int(1_000_000 * scale)
    timings = seed(vendor, cases=cases, messages=messages)
    n_cases = Case.objects.count()
    n_messages = Tweet.objects.count() + DirectMessage.objects.count()

    pages = pages_bench(vendor, repeat=args.repeat)
    report_generate(month=MONTH, raw=True)  # warm up
    with CaptureQueriesContext(connection) as ctx:
        report = report_generate(month=MONTH, raw=True)
    orm = timed(lambda: report_generate(month=MONTH, raw=True), repeat=args.repeat)
    raw_queries, raw_rows = raw_sql_report(vendor, MONTH)
    raw = timed(lambda: raw_sql_report(vendor, MONTH), repeat=args.repeat)

    print(
        f"Report benchmark on {vendor}: {n_cases:,} cases, {n_messages:,} messages "
        f"(seeded in {timings['seed']:.1f}s); month {MONTH:%Y-%m} has {report.total.cases:,} complaints.\n"
    )
    orm_rows = f"{report.total.cases:,} complaints in {len(report.categories)} category rows"
    rows = [
        *pages["rows"],
        (
            "report_generate(raw=True): every section from the raw history (before rollups)",
            orm_rows,
            len(ctx.captured_queries),
            f"{median(orm) * 1000:,.0f}",
        ),
        ("raw SQL GROUP BY (same sections)", f"{raw_rows:,} result rows", raw_queries, f"{median(raw) * 1000:,.0f}"),
    ]
    print(
        markdown_table(
            (
                "what",
                "rows",
                "queries",
                f"median ms (pages: of {max(args.repeat, 5)} loads, with p95; the rest: of {args.repeat})",
            ),
            rows,
        )
    )
    print(f"\nRollup rows: {pages['rollup_rows']}. Machine load average: {load_average()}.")
    if vendor != "postgresql":
        print("\nOn SQLite the raw SQL uses AVG instead of percentiles (SQLite has no percentile_cont).")
    if pages["empty"]:
        sys.exit(f"bench/report.py FAILED: {pages['empty']} came out empty on rollups, so its time measures nothing.")
    if not report.total.cases or not report.categories or not raw_rows:
        # An empty month times the empty-result path, not the report the table's label names.
        sys.exit(
            f"bench/report.py FAILED: month {MONTH:%Y-%m} came out empty ({orm_rows}; raw SQL {raw_rows} rows), "
            "so the times above do not measure a monthly report. Fix the seed so the month has complaints."
        )


if __name__ == "__main__":
    main()
