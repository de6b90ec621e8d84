"""Register crm_twitter's django-q2 schedules idempotently: ``crm_twitter_schedules``.

Only schedules named ``crm_twitter:…`` are created, updated or removed; the host project's own
schedules are never touched.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from crm_twitter.schedules import schedule_specs

PREFIX = "crm_twitter:"


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
            for name, spec in specs.items():
                wanted = {
                    "func": spec.func,
                    "schedule_type": spec.schedule_type,
                    "minutes": spec.minutes,
                    "repeats": -1,
                }
                current = existing.get(name)
                if current is None:
                    self.stdout.write(f"create {name} → {spec.func}")
                    if not dry_run:
                        Schedule.objects.create(name=name, **wanted)
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
