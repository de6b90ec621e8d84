"""Benchmark: the demo's year of history (``crm_twitter_demo --history 12``), as ``make run`` loads it.

    DATABASE_URL=sqlite:///var/bench.sqlite3 python bench/demo_history.py [--months 12] [--sla-clock working_hours]

Times building the backdated closed cases of the last ``--months`` months (cases, tweets, DMs,
orders, events, promises, exchange rates) on an empty desk, with the number of SQL queries and
rows written, then the second run that finds nothing to create. The test suite checks the query
budget (tests/demo/test_demo_command.py); the seconds are measured here, where a loaded machine
cannot fail a test. ``--sla-clock working_hours`` loads it with due times counted in each team's
working hours (``SLA_CLOCK``; the history asks the SLA service for every case's due times, which
walks the team's shifts day by day). It wipes the database first (``flush``), so it refuses a
PostgreSQL database whose name does not contain "bench" unless ``--force`` is given.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import load_average, markdown_table, setup_django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--force", action="store_true")
    parser.add_argument("--sla-clock", choices=("calendar", "working_hours"), default="calendar")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres") and "bench" not in url.rsplit("/", 1)[-1] and not args.force:
        sys.exit("refusing to wipe a PostgreSQL database whose name lacks 'bench' (use --force)")
    vendor = setup_django(flush=True)

    from django.conf import settings

    settings.CRM_TWITTER = {**getattr(settings, "CRM_TWITTER", {}), "SLA_CLOCK": args.sla_clock}
    from django.apps import apps
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # What the history writes (not every model of the app: the count stays meaningful as models are added).
    written = ("Case", "CaseEvent", "Tweet", "DirectMessage", "Order", "OrderItem", "Promise", "Customer", "XUser")
    models = [apps.get_model("crm_twitter", name) for name in written]

    def rows() -> int:
        return sum(model.objects.count() for model in models)

    results = []
    for label in ("history of an empty desk", "again (nothing to create)"):
        before = rows()
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            call_command("crm_twitter_demo", "--history", str(args.months), stdout=io.StringIO())
            seconds = time.perf_counter() - start
        results.append((label, args.months, f"{seconds:.2f}", len(ctx.captured_queries), f"{rows() - before:,}"))
    cases = apps.get_model("crm_twitter", "Case").objects.count()
    if not cases:
        sys.exit("the history wrote no case: nothing was measured")
    print(f"Database: {vendor}; SLA clock: {args.sla_clock}; load average {load_average()}; {cases} cases")
    print(markdown_table(("run", "months", "seconds", "SQL queries", "rows written"), results))


if __name__ == "__main__":
    main()
