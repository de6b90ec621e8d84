"""Benchmark: the every-minute incident detection tick over 100,000 cases, 2,000 of them new.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_twitter_bench python bench/incidents.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_twitter_bench python bench/incidents.py --scale 0.1

Set-up (not timed, bulk inserts): one brand account; 100,000 cases (× ``--scale``), each with its
own order (8 carriers × 12 countries, 40 SKUs), one item, a customer tweet, and a customer (a
few customers write twice). The shop has a daily peak: in each of the previous four weeks, the
hour before "now" held about as many complaints as this hour does, so the ordinary 1,700 of the
2,000 new cases are what the baseline expects. The other 300 are one surge: one carrier in one
country. The rest of the history is spread over five weeks.

Timed, with the number of SQL queries: the first tick (aggregations over every window and
baseline week, opens the incident, links its cases, alerts) and a second tick a minute later
(steady state: nothing new). The tick must find exactly one incident; the bench fails otherwise.
Prints a markdown table. It wipes the database first, so it refuses a PostgreSQL database whose
name does not contain "bench" unless ``--force`` is given.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import load_average, markdown_table, setup_django

CASES = 100_000
NEW = 2_000
SURGE = 300
NOW = dt.datetime(2026, 11, 16, 12, 0, tzinfo=dt.UTC)
CARRIERS = ["DHL", "UPS", "FedEx", "GLS", "Royal Mail", "Correos", "La Poste", "Correios"]
COUNTRIES = ["DE", "GB", "FR", "ES", "IT", "NL", "PL", "US", "MX", "JP", "AU", "BR"]


def _seed(cases: int, new: int, surge: int) -> None:
    from django.db import transaction

    from crm_twitter.models import BrandAccount, Case, Customer, Order, OrderItem, Tweet, XUser

    brand = BrandAccount.objects.create(handle="benchincidents", x_user_id="880000000000000019")
    peak = new - surge  # the ordinary traffic of this hour, and of the same hour in previous weeks
    spread = cases - new - 4 * peak
    if spread < 0:
        sys.exit(f"--scale too small: {cases} cases cannot hold {new} new plus four weeks of peaks")
    plan: list[tuple[dt.datetime, int]] = []  # (opened_at, kind) kind 0 = ordinary, 1 = surge
    for i in range(surge):
        plan.append((NOW - dt.timedelta(seconds=3600 * (i + 0.5) / surge), 1))
    for week in range(5):
        for i in range(peak):
            plan.append((NOW - dt.timedelta(days=7 * week, seconds=3600 * (i + 0.5) / peak), 0))
    span = 35 * 24 * 3600
    for i in range(spread):  # the rest: five weeks, away from the peak hours
        at = NOW - dt.timedelta(seconds=3600 + (span - 3600) * (i + 0.5) / spread)
        plan.append((at, 0))
    customers_n = int(len(plan) * 0.9)
    with transaction.atomic():
        customers = Customer.objects.bulk_create(
            [Customer(display_name=f"Customer {i}") for i in range(customers_n)], batch_size=5000
        )
        x_users = XUser.objects.bulk_create(
            [XUser(x_id=str(7_000_000 + i), handle=f"cust{i}", customer=c) for i, c in enumerate(customers)],
            batch_size=5000,
        )
        rows, orders, items = [], [], []
        for i, (at, kind) in enumerate(plan):
            c = i % customers_n
            carrier = "Correios" if kind else CARRIERS[(i * 7) % len(CARRIERS)]
            country = "BR" if kind else COUNTRIES[(i * 5) % len(COUNTRIES)]
            rows.append(
                Case(
                    customer_id=customers[c].pk,
                    customer_x_user_id=x_users[c].pk,
                    brand_account=brand,
                    reference=f"CS-B-{i + 1:07d}",
                    opened_at=at,
                    last_message_at=at,
                    status="new" if at > NOW - dt.timedelta(days=3) else "resolved",
                )
            )
            orders.append(
                Order(
                    store="bench",
                    order_number=f"B{i + 1:08d}",
                    customer_id=customers[c].pk,
                    carrier=carrier,
                    destination_country=country,
                )
            )
        cases_rows = Case.objects.bulk_create(rows, batch_size=5000)
        orders = Order.objects.bulk_create(orders, batch_size=5000)
        for i, order in enumerate(orders):
            items.append(OrderItem(order=order, sku=f"SKU-{(i * 11) % 40:02d}"))
        OrderItem.objects.bulk_create(items, batch_size=5000)
        through = Case.orders.through
        through.objects.bulk_create(
            [through(case_id=case.pk, order_id=order.pk) for case, order in zip(cases_rows, orders, strict=True)],
            batch_size=5000,
        )
        Tweet.objects.bulk_create(
            [
                Tweet(
                    x_id=str(9_000_000_000 + i),
                    brand_account=brand,
                    author_id=case.customer_x_user_id,
                    case=case,
                    direction="inbound",
                    party="customer",
                    text="@benchincidents where is my parcel?",
                    created_at=case.opened_at,
                )
                for i, case in enumerate(cases_rows)
            ],
            batch_size=5000,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies the 100,000 cases and 2,000 new")
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres") and "bench" not in url.rsplit("/", 1)[-1] and not args.force:
        sys.exit("refusing to wipe a PostgreSQL database whose name lacks 'bench' (use --force)")
    vendor = setup_django(flush=True)

    from django.conf import settings

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from crm_twitter.models import Case, Incident
    from crm_twitter.services.incident_detection import incidents_detect

    cases, new = int(CASES * args.scale), int(NEW * args.scale)
    surge = max(int(SURGE * args.scale), 20)
    started = time.perf_counter()
    _seed(cases, new, surge)
    supervisor = get_user_model().objects.create(username="bench-sup", email="sup@example.com")
    supervisor.groups.add(Group.objects.get(name="crm_supervisor"))
    seeded = time.perf_counter() - started
    if vendor == "postgresql":
        with connection.cursor() as cursor:  # a live database has statistics; a fresh one must gather them
            cursor.execute("ANALYZE")
    total = Case.objects.count()
    results = []
    for label, at in (
        ("first tick (opens the incident)", NOW),
        ("next minute (steady state)", NOW + dt.timedelta(minutes=1)),
    ):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            result = incidents_detect(now=at)
            seconds = time.perf_counter() - start
        results.append((label, result, seconds, len(queries.captured_queries)))
    print(
        markdown_table(
            ["database", "tick", "cases", "new in the last hour", "surges", "opened", "linked", "seconds", "queries"],
            [
                [vendor, label, f"{total:,}", f"{new:,}", len(r.surges), len(r.opened), r.linked, f"{s:.3f}", n]
                for label, r, s, n in results
            ],
        )
    )
    incidents = list(Incident.objects.values_list("dimension_key", "case_count"))
    print(f"\nSeeded in {seeded:.0f} s; load average {load_average()}. Incidents: {incidents}")
    if len(incidents) != 1 or incidents[0][1] < surge:
        sys.exit(f"bench FAILED: expected one incident of at least {surge} cases, got {incidents}")


if __name__ == "__main__":
    main()
