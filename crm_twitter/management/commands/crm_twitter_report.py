"""Render the complaint report of any month: ``crm_twitter_report --month 2026-10 --format xlsx``."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from crm_twitter.reports.csv import report_csv
from crm_twitter.reports.generator import report_generate
from crm_twitter.reports.html import report_html
from crm_twitter.reports.months import ReportMonthError, month_parse
from crm_twitter.reports.snapshots import snapshot_create, snapshot_filename
from crm_twitter.reports.xlsx import report_xlsx

RENDERERS = {"html": report_html, "csv": report_csv, "xlsx": report_xlsx}


class Command(BaseCommand):
    help = "Render the monthly complaint report (HTML, CSV or XLSX) for a month in the merchant's time zone."

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="The month, YYYY-MM (e.g. 2026-10).")
        parser.add_argument("--format", default="html", dest="fmt", help="html (default), csv or xlsx.")
        parser.add_argument(
            "--output", help="File to write. Default: stdout for html/csv, complaint-report-YYYY-MM.xlsx for xlsx."
        )
        parser.add_argument("--snapshot", action="store_true", help="Also store the report as a ReportSnapshot.")

    def handle(self, *args, month: str, fmt: str, output: str | None, snapshot: bool, **options):
        fmt = (fmt or "").lower()
        if fmt not in RENDERERS:
            raise CommandError(f"Unknown format {fmt!r}: choose one of {', '.join(RENDERERS)}.")
        try:
            first = month_parse(month)
        except ReportMonthError as exc:
            raise CommandError(str(exc)) from exc
        if fmt == "xlsx" and not output:
            output = snapshot_filename(first, "xlsx")
        if output:
            _check_writable(Path(output))  # before the report is generated, not after

        started = time.monotonic()
        self._progress(f"Generating the complaint report for {first:%Y-%m}…")
        data = report_generate(month=first)
        self._progress(
            f"  {data.total.cases} complaints opened, {data.total.resolved} resolved "
            f"({time.monotonic() - started:.2f}s)"
        )
        self._progress(f"Rendering {fmt.upper()}…")
        content = RENDERERS[fmt](data)
        if output:
            path = Path(output)
            try:
                if isinstance(content, bytes):
                    path.write_bytes(content)
                else:
                    path.write_text(content, encoding="utf-8")
            except OSError as exc:  # the disk filled up, the directory went away meanwhile …
                raise CommandError(f"Cannot write the report to {path}: {exc.strerror or exc}.") from None
            self._progress(f"Wrote {path} ({path.stat().st_size:,} bytes)")
        else:
            self.stdout.write(content, ending="")
        if snapshot:
            stored = snapshot_create(month=first)
            self._progress(f"Stored snapshot #{stored.pk}")
        self._progress(f"Done in {time.monotonic() - started:.2f}s")

    def _progress(self, message: str) -> None:
        # Progress goes to stderr so stdout stays the report itself when piped.
        self.stderr.write(message, style_func=lambda m: m)
        if hasattr(self.stderr, "flush"):
            self.stderr.flush()


def _check_writable(path: Path) -> None:
    """Refuse an ``--output`` that cannot be written with a sentence, not a traceback."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise CommandError(f"--output {path} is a directory: give a file name.")
    if not folder.is_dir():
        raise CommandError(f"--output {path}: the directory {folder} does not exist.")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise CommandError(f"--output {path}: no permission to write there.")
