"""Benchmark: 100,000 orders through ``POST /api/v1/orders/bulk/`` (Django test client, in process).

Measures the whole API path — token auth, JSON parsing, per-row validation, the bulk upsert with
items, customer linking and the scan of open cases for mentioned numbers — first as a fresh
import, then the same rows again (the idempotent re-import a nightly sync does).

    python bench/orders_import.py [--rows 100000] [--batch 1000]

It adds its cases, tweets and X users to the database it is given, so run it on a fresh one, as
``make bench`` does (it creates the PostgreSQL database anew; a second run on the same database
stops at the first X id it created before).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import markdown_table, setup_django

STORE = "bench"


def make_rows(n: int) -> list[dict]:
    rng = random.Random(42)
    rows = []
    for i in range(n):
        items = [
            {
                "sku": f"SKU-{rng.randint(1, 5000):05d}",
                "title": "Wireless earbuds",
                "quantity": rng.randint(1, 3),
                "unit_price": f"{rng.randint(100, 20000) / 100:.2f}",
            }
            for _ in range(rng.randint(1, 3))
        ]
        rows.append(
            {
                "store": STORE,
                "order_number": f"{80_000_000 + i}",
                "status": rng.choice(["paid", "shipped", "delivered"]),
                "customer_email": f"customer{i % 20000}@example.com",
                "destination_country": rng.choice(["DE", "FR", "US", "JP", "BR"]),
                "currency": rng.choice(["EUR", "USD", "JPY", "BRL"]),
                "total_amount": f"{sum(float(it['unit_price']) * it['quantity'] for it in items):.2f}",
                "payment_method": "paypal",
                "carrier": "DHL",
                "tracking_number": f"RR{i:09d}DE",
                "ordered_at": "2026-10-01T10:00:00+00:00",
                "items": items,
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    vendor = setup_django()

    from django.test.utils import override_settings
    from rest_framework.test import APIClient

    from crm_twitter.models import ApiToken, Order
    from tests.factories import CaseFactory, CustomerFactory, TweetFactory, UserFactory

    Order.objects.filter(store=STORE).delete()
    user = UserFactory(username="bench-importer", roles=["crm_manager"])
    _token, raw = ApiToken.generate(user=user, name="bench", scope=ApiToken.Scope.READ_WRITE)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    # Some customers to link to, and open cases mentioning some of the numbers.
    for i in range(0, 2000, 10):
        CustomerFactory(email=f"customer{i}@example.com")
    for i in range(0, args.rows, max(args.rows // 200, 1)):
        # References of their own: `make bench` runs this after other benchmarks on the same
        # PostgreSQL database, whose cases already hold CS-<year>-000001 onwards.
        case = CaseFactory(reference=f"BENCH-OI-{i:08d}")
        TweetFactory(
            case=case,
            brand_account=case.brand_account,
            author=case.customer_x_user,
            text=f"@brand order {80_000_000 + i} never arrived",
        )

    rows = make_rows(args.rows)
    bodies = [json.dumps({"rows": rows[i : i + args.batch]}) for i in range(0, len(rows), args.batch)]
    results = []
    with override_settings(
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        CRM_TWITTER={"API_THROTTLE_RATE": None},
    ):
        for label in ("fresh import", "re-import (idempotent)"):
            counts = {"created": 0, "updated": 0, "failed": 0}
            start = time.perf_counter()
            for body in bodies:
                response = client.generic("POST", "/api/v1/orders/bulk/", body, content_type="application/json")
                assert response.status_code == 200, response.content[:300]
                data = response.json()
                for key in counts:
                    counts[key] += data[key]
            seconds = time.perf_counter() - start
            results.append(
                (
                    label,
                    args.rows,
                    args.batch,
                    f"{seconds:.1f}",
                    f"{args.rows / seconds:,.0f}",
                    counts["created"],
                    counts["updated"],
                    counts["failed"],
                )
            )
    assert Order.objects.filter(store=STORE).count() == args.rows

    print(f"### Orders import through POST /api/v1/orders/bulk/ ({vendor})\n")
    print(markdown_table(["run", "rows", "rows/request", "seconds", "rows/s", "created", "updated", "failed"], results))
    fresh, again = results
    print(
        f"\n**Orders import ({vendor})**: {args.rows:,} orders in {fresh[3]} s = **{fresh[4]} rows/s** fresh, "
        f"{again[4]} rows/s re-import, via the bulk endpoint ({args.batch} rows/request, 1–3 items each)."
    )


if __name__ == "__main__":
    main()
