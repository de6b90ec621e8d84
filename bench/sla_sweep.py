"""Benchmark: the every-minute SLA sweep over 10,000 open cases.

    DATABASE_URL=sqlite:///var/bench.sqlite3 python bench/sla_sweep.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_twitter_bench python bench/sla_sweep.py

Set-up (not timed): 3 teams with 10 agents and a supervisor each, 10,000 open cases spread over
them, 30 % past their SLA due time, and 2,000 open promises of which half are past their
deadline. Timed, with the number of SQL queries:

* the first sweep — marks every breach and missed promise, escalates, writes the events and
  notifications (the worst case: a sweep after an outage);
* a second sweep a minute later — nothing new is due (the steady state every minute).

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

from bench.common import markdown_table, setup_django

CASES = 10_000
OVERDUE_SHARE = 0.3
PROMISES = 2_000
NOW = dt.datetime(2026, 11, 16, 12, 0, tzinfo=dt.UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=CASES)
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres") and "bench" not in url.rsplit("/", 1)[-1] and not args.force:
        sys.exit("refusing to wipe a PostgreSQL database whose name lacks 'bench' (use --force)")
    vendor = setup_django(flush=True)

    from django.conf import settings

    # Mails are counted, not printed: the digest e-mails are built and "sent" inside the timing.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from django.contrib.auth import get_user_model
    from django.core import mail
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from crm_twitter.models import (
        BrandAccount,
        Case,
        CaseEvent,
        Customer,
        Notification,
        Promise,
        Team,
        TeamMembership,
    )
    from crm_twitter.services.sla import sla_sweep

    user_model = get_user_model()
    brand = BrandAccount.objects.create(handle="benchsweep", x_user_id="880000000000000009")
    teams, agents_by_team, memberships = [], {}, []
    for t, (lang, zone) in enumerate((("en", "Europe/London"), ("zh", "Asia/Shanghai"), ("es", "America/Mexico_City"))):
        team = Team.objects.create(name=f"Bench {lang}", slug=f"bench-{lang}", languages=[lang], time_zone=zone)
        teams.append(team)
        users = user_model.objects.bulk_create(
            [user_model(username=f"bench-{t}-{i}", email=f"bench-{t}-{i}@example.com") for i in range(11)]
        )
        agents_by_team[team.pk] = users[:10]
        memberships += [TeamMembership(team=team, user=u) for u in users[:10]]
        memberships.append(TeamMembership(team=team, user=users[10], role=TeamMembership.Role.SUPERVISOR))
    TeamMembership.objects.bulk_create(memberships)
    customers = Customer.objects.bulk_create([Customer(display_name=f"Customer {i}") for i in range(2_000)])

    overdue = int(args.cases * OVERDUE_SHARE)
    rows = []
    for i in range(args.cases):
        team = teams[i % len(teams)]
        due = NOW - dt.timedelta(minutes=1 + i % 300) if i < overdue else NOW + dt.timedelta(hours=1 + i % 48)
        rows.append(
            Case(
                customer=customers[i % len(customers)],
                brand_account=brand,
                team=team,
                assignee=agents_by_team[team.pk][i % 10],
                status="in_dm",
                language=team.languages[0],
                reference=f"CS-2026-{i + 1:06d}",
                opened_at=NOW - dt.timedelta(hours=12),
                first_response_at=NOW - dt.timedelta(hours=11),
                sla_next_response_due=due,
                sla_resolution_due=NOW + dt.timedelta(days=2),
                sla_due_at=due,
            )
        )
    cases = Case.objects.bulk_create(rows, batch_size=1000)
    Promise.objects.bulk_create(
        [
            Promise(
                case=cases[(i * 7) % len(cases)],
                kind="refund",
                description=f"Refund order {i}",
                due_at=NOW - dt.timedelta(minutes=5) if i % 2 == 0 else NOW + dt.timedelta(days=1),
            )
            for i in range(PROMISES)
        ],
        batch_size=1000,
    )

    if vendor == "postgresql":
        with connection.cursor() as cursor:  # a live database has statistics; a fresh one must gather them
            cursor.execute("ANALYZE")
    results = []
    for label, at in (
        ("first sweep (everything due at once)", NOW),
        ("next minute (steady state)", NOW + dt.timedelta(minutes=1)),
    ):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            result = sla_sweep(now=at)
            seconds = time.perf_counter() - start
        results.append((label, result, seconds, len(queries.captured_queries)))

    # For scale: one bare UPDATE touching the same breached rows, rolled back (the database's write floor).
    from django.db import transaction

    with transaction.atomic():
        start = time.perf_counter()
        Case.objects.filter(sla_due_at__lte=NOW).update(is_overdue=False)
        floor = time.perf_counter() - start
        transaction.set_rollback(True)
    results.append(("floor: one bare UPDATE of the breached rows", None, floor, 1))

    print(
        markdown_table(
            [
                "database",
                "sweep",
                "open cases",
                "breached",
                "promises missed",
                "escalated",
                "notifications",
                "seconds",
                "queries",
            ],
            [
                [
                    vendor,
                    label,
                    f"{args.cases:,}",
                    *(
                        [f"{r.breached:,}", f"{r.promises_missed:,}", f"{r.escalated:,}", f"{r.notifications:,}"]
                        if r
                        else ["", "", "", ""]
                    ),
                    f"{seconds:.2f}",
                    n,
                ]
                for label, r, seconds, n in results
            ],
        )
    )
    events = CaseEvent.objects.count()
    notes = Notification.objects.count()
    print(f"\n{events:,} events, {notes:,} notifications and {len(getattr(mail, 'outbox', [])):,} digest e-mails.")


if __name__ == "__main__":
    main()
