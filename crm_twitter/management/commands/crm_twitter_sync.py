"""Run one X sync now: ``crm_twitter_sync [--account HANDLE] [--backfill-days N]``, a line per page."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from crm_twitter.models import BrandAccount
from crm_twitter.x.sync import SyncProgress, account_sync


class Command(BaseCommand):
    help = "Pull new mentions, the brand's own posts and DM events from X into cases, now."

    def add_arguments(self, parser):
        parser.add_argument("--account", help="The brand account's handle (default: every active account).")
        parser.add_argument(
            "--backfill-days",
            type=int,
            default=None,
            help="Re-read this many days back (mentions and own posts; DMs at most 30).",
        )

    def handle(self, *args, account: str | None, backfill_days: int | None, **options):
        if backfill_days is not None and backfill_days < 0:
            raise CommandError("--backfill-days must be 0 or more.")
        accounts = BrandAccount.objects.filter(is_active=True)
        if account:
            accounts = BrandAccount.objects.filter(handle__iexact=account.lstrip("@"))
            if not accounts:
                raise CommandError(f"No brand account @{account.lstrip('@')}.")
        if not accounts:
            self.stdout.write("No active brand accounts.")
            return

        def progress(p: SyncProgress) -> None:
            self.stdout.write(
                f"@{p.account} {p.stream} page {p.page}: {p.received} received, {p.new} new "
                f"({p.total_new} new so far, {p.calls} calls)"
            )

        failed = False
        for brand in accounts:
            result = account_sync(account_id=brand.pk, backfill_days=backfill_days, progress=progress)
            line = (
                f"@{brand.handle}: {result.calls} calls, {result.new_tweets} new tweets, {result.new_dms} new DMs, "
                f"{result.cases_opened} cases opened"
            )
            if result.stopped_reason:
                failed = failed or result.stopped_reason not in {"rate_limited", "max_pages", "budget"}
                self.stdout.write(self.style.WARNING(f"{line} — stopped: {result.stopped_reason}"))
            else:
                self.stdout.write(self.style.SUCCESS(f"{line} — complete"))
            for warning in result.warnings:
                self.stdout.write(self.style.WARNING(warning))
            if result.next_sync_at:
                self.stdout.write(f"next sync at {result.next_sync_at:%Y-%m-%d %H:%M:%S} UTC")
        if failed:
            raise CommandError("At least one account's sync stopped on an error (see above).")
