"""Register crm_twitter's django-q2 schedules idempotently: ``crm_twitter_schedules``.

Only schedules named ``crm_twitter:…`` are created, updated or removed; the host project's own
schedules are never touched.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from crm_twitter.schedules import schedule_specs

PREFIX = "crm_twitter:"


def _croniter_installed() -> bool:
    try:
        import croniter  # noqa: F401
    except ImportError:
        return False
    return True


def _monthly_next_run(cron: str, now: dt.datetime) -> dt.datetime | None:
    """Next run of a "M H D * *" cron (UTC), for when croniter is not installed."""
    parts = cron.split()
    if len(parts) != 5 or parts[2:] != [parts[2], "*", "*"] or not all(p.isdigit() for p in parts[:3]):
        return None
    minute, hour, day = (int(p) for p in parts[:3])
    candidate = now.replace(day=min(day, 28), hour=hour, minute=minute, second=0, microsecond=0)
    if candidate <= now:
        year, month = (now.year + 1, 1) if now.month == 12 else (now.year, now.month + 1)
        candidate = candidate.replace(year=year, month=month)
    return candidate


class Command(BaseCommand):
    help = "Create or update crm_twitter's django-q2 schedules (sync, outbound, SLA sweep, reports)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Show what would change, change nothing.")

    def handle(self, *args, dry_run: bool = False, **options):
        from django_q.models import Schedule

        specs = {spec.name: spec for spec in schedule_specs()}
        assert all(name.startswith(PREFIX) for name in specs)
        with transaction.atomic():
            existing = {s.name: s for s in Schedule.objects.filter(name__startswith=PREFIX)}
            has_croniter = _croniter_installed()
            for name, spec in specs.items():
                wanted = {
                    "func": spec.func,
                    "schedule_type": spec.schedule_type,
                    "minutes": spec.minutes if spec.schedule_type == Schedule.MINUTES else None,
                    "cron": spec.cron if spec.schedule_type == Schedule.CRON else None,
                    "repeats": -1,
                }
                first_run = None
                if spec.schedule_type == Schedule.CRON and not has_croniter:
                    # django-q2 needs croniter for cron schedules; a monthly "M H D * *" becomes MONTHLY.
                    first_run = _monthly_next_run(spec.cron or "", timezone.now().astimezone(dt.UTC))
                    if first_run is None:
                        self.stderr.write(f"skip   {name}: cron {spec.cron!r} needs croniter (pip install croniter)")
                        continue
                    wanted.update(schedule_type=Schedule.MONTHLY, cron=None)
                current = existing.get(name)
                if current is None:
                    self.stdout.write(f"create {name} → {spec.func}")
                    if not dry_run:
                        extra = {"next_run": first_run} if first_run else {}
                        Schedule.objects.create(name=name, **wanted, **extra)
                elif any(getattr(current, k) != v for k, v in wanted.items()):
                    self.stdout.write(f"update {name} → {spec.func}")
                    if not dry_run:
                        for key, value in wanted.items():
                            setattr(current, key, value)
                        current.save()
                else:
                    self.stdout.write(f"ok     {name}")
            for name in sorted(set(existing) - set(specs)):
                self.stdout.write(f"remove {name} (no longer a crm_twitter schedule)")
                if not dry_run:
                    existing[name].delete()
            if dry_run:
                transaction.set_rollback(True)
