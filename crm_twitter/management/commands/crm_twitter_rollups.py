"""Fold or rebuild the report rollups: ``crm_twitter_rollups [--rebuild [--since 2026-01-01]]``."""

from __future__ import annotations

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError

from crm_twitter.models import (
    RollupCaseDay,
    RollupCountDay,
    RollupCountMonth,
    RollupDirtyDay,
    RollupDurationDay,
    RollupDurationMonth,
)
from crm_twitter.services.rollups import rollups_fold, rollups_rebuild


class Command(BaseCommand):
    help = (
        "Bring the daily rollups the dashboard and the monthly report read up to date (what the 5-minute "
        "schedule does), or recompute them from scratch with --rebuild. Idempotent: run it as often as you like."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="Recompute every day from the raw history.")
        parser.add_argument(
            "--since", help="With --rebuild: only days from this date on (YYYY-MM-DD, merchant time zone)."
        )

    def handle(self, *args, rebuild: bool, since: str | None, **options):
        day = None
        if since:
            if not rebuild:
                raise CommandError("--since only goes with --rebuild.")
            try:
                day = dt.date.fromisoformat(since)
            except ValueError as exc:
                raise CommandError(f"{since!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-01-01.") from exc
        started = time.monotonic()
        result = rollups_rebuild(since=day) if rebuild else rollups_fold()
        what = "every day" if result.days is None else f"{result.days} changed day(s)"
        if rebuild and day:
            what = f"every day from {day:%Y-%m-%d}"
        self.stdout.write(
            f"Rollups {'rebuilt' if rebuild else 'folded'}: {what}, {result.rows} row(s) written "
            f"in {time.monotonic() - started:.2f}s. Stored: {RollupCaseDay.objects.count()} case, "
            f"{RollupCountDay.objects.count()} daily and {RollupCountMonth.objects.count()} monthly count, "
            f"{RollupDurationDay.objects.count()} daily and "
            f"{RollupDurationMonth.objects.count()} monthly duration rows."
        )
        waiting = RollupDirtyDay.objects.values("day").distinct().count()
        if waiting:
            # A rebuild from a date leaves the days noted before it (a delete, an unlink) to the next fold.
            self.stdout.write(f"{waiting} earlier day(s) noted as changed wait for the next fold.")
