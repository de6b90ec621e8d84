"""Benchmark: the every-minute incident detection tick over 100,000 cases, 2,000 of them new.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_twitter_bench python bench/incidents.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_twitter_bench python bench/incidents.py --scale 0.1

Set-up (not timed, bulk inserts): one brand account; 100,000 cases (× ``--scale``), each with its
own order (8 carriers × 12 countries, 40 SKUs), one item, a customer tweet, and a customer (a
few customers write twice). The shop has a daily peak: in each of the previous four weeks, the
hour before "now" held about as many complaints as this hour does, so the ordinary 1,700 of the
2,000 new cases are what the baseline expects. The other 300 are one surge: one carrier in one
country. The rest of the history is spread over five weeks (× ``--scale`` above 1: ``--scale 10`` is a
desk ten times older, a million cases over 350 days, with the same last hour — not a desk ten times
busier, which would test the live traffic instead of the history).

Timed, with the number of SQL queries: the first tick (aggregations over every window and
baseline week, opens the incident, links its cases, alerts) and a second tick a minute later
(steady state: nothing new). The tick must find exactly one incident; the bench fails otherwise.
Prints a markdown table. It wipes the database first, so it refuses a PostgreSQL database whose
name does not contain "bench" unless ``--force`` is given.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import load_average, markdown_table, pg_bulk_load, setup_django

CASES = 100_000
NEW = 2_000
SURGE = 300
NOW = dt.datetime(2026, 11, 16, 12, 0, tzinfo=dt.UTC)
CARRIERS = ["DHL", "UPS", "FedEx", "GLS", "Royal Mail", "Correos", "La Poste", "Correios"]
COUNTRIES = ["DE", "GB", "FR", "ES", "IT", "NL", "PL", "US", "MX", "JP", "AU", "BR"]


def _seed(cases: int, new: int, surge: int, *, weeks: float = 5) -> None:
    from django.db import connection, transaction

    from crm_twitter.db.bulk import ids_allocate, rows_insert
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
    span = int(weeks * 7 * 24 * 3600)
    for i in range(spread):  # the rest: five weeks (or more), away from the peak hours
        at = NOW - dt.timedelta(seconds=3600 + (span - 3600) * (i + 0.5) / spread)
        plan.append((at, 0))
    customers_n = int(len(plan) * 0.9)
    with transaction.atomic(), connection.cursor() as cursor:
        # Rows go by COPY with ids taken from the sequences (``db.bulk``), into tables whose secondary
        # indexes are rebuilt once at the end on PostgreSQL: at --scale 10 (a million cases) Django's
        # bulk_create took most of `make bench`'s half hour on its own.
        loading = (
            pg_bulk_load(
                cursor,
                [m._meta.db_table for m in (Customer, XUser, Case, Order, OrderItem, Case.orders.through, Tweet)],
            )
            if connection.vendor == "postgresql"
            else contextlib.nullcontext()
        )
        with loading:
            customer_ids = ids_allocate(Customer, customers_n)
            rows_insert([Customer(pk=pk, display_name=f"Customer {i}") for i, pk in enumerate(customer_ids)])
            x_user_ids = ids_allocate(XUser, customers_n)
            rows_insert(
                [
                    XUser(pk=pk, x_id=str(7_000_000 + i), handle=f"cust{i}", customer_id=customer_ids[i])
                    for i, pk in enumerate(x_user_ids)
                ]
            )
            case_ids, order_ids = ids_allocate(Case, len(plan)), ids_allocate(Order, len(plan))
            rows, orders = [], []
            for i, (at, kind) in enumerate(plan):
                c = i % customers_n
                carrier = "Correios" if kind else CARRIERS[(i * 7) % len(CARRIERS)]
                country = "BR" if kind else COUNTRIES[(i * 5) % len(COUNTRIES)]
                rows.append(
                    Case(
                        pk=case_ids[i],
                        customer_id=customer_ids[c],
                        customer_x_user_id=x_user_ids[c],
                        brand_account=brand,
                        reference=f"CS-B-{i + 1:07d}",
                        opened_at=at,
                        last_message_at=at,
                        status="new" if at > NOW - dt.timedelta(days=3) else "resolved",
                    )
                )
                orders.append(
                    Order(
                        pk=order_ids[i],
                        store="bench",
                        order_number=f"B{i + 1:08d}",
                        customer_id=customer_ids[c],
                        carrier=carrier,
                        destination_country=country,
                    )
                )
            rows_insert(rows)
            rows_insert(orders)
            item_ids = ids_allocate(OrderItem, len(orders))
            rows_insert(
                [OrderItem(pk=item_ids[i], order_id=o.pk, sku=f"SKU-{(i * 11) % 40:02d}") for i, o in enumerate(orders)]
            )
            through = Case.orders.through
            rows_insert([through(case_id=case.pk, order_id=order.pk) for case, order in zip(rows, orders, strict=True)])
            tweet_ids = ids_allocate(Tweet, len(rows))
            rows_insert(
                [
                    Tweet(
                        pk=tweet_ids[i],
                        x_id=str(9_000_000_000 + i),
                        brand_account=brand,
                        author_id=case.customer_x_user_id,
                        case_id=case.pk,
                        direction="inbound",
                        party="customer",
                        text="@benchincidents where is my parcel?",
                        created_at=case.opened_at,
                    )
                    for i, case in enumerate(rows)
                ]
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="multiplies the 100,000 cases of history (and its five weeks, above 1); the last hour stays",
    )
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

    cases, new, surge = int(CASES * args.scale), NEW, SURGE
    started = time.perf_counter()
    _seed(cases, new, surge, weeks=5 * max(1.0, args.scale))
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
