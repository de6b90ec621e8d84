"""Import orders from the shop's export: ``crm_twitter_import_orders FILE.csv|FILE.jsonl [--store S]``.

Same rules as ``POST /api/v1/orders/bulk/`` (both call ``orders_upsert``): idempotent by
(store, order number), each row stands alone, and every refused row is reported with its line
number, field and reason. The exit code is 1 when any row failed, so a cron job notices.

CSV: one row per order, or one row per item with the order's columns repeated and
``item_sku``, ``item_title``, ``item_quantity``, ``item_unit_price`` columns (rows of the same
order are grouped). An ``items`` column may also hold the items as a JSON list. Empty cells
count as "not given". JSON Lines: one order object per line, in the bulk endpoint's row shape.

Files are read as ``crm_twitter.services.order_files`` describes: UTF-8, or UTF-16/UTF-32 with a
byte order mark, or ``--encoding``; a line that does not decode is refused by number. However the
command ends — done, refused file, Ctrl-C, a database error — it prints how many rows were stored
and refused.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from crm_twitter.services.order_files import OrderFileError, OrderImportReport, orders_import_file


class Progress:
    """A one-line progress bar on stderr (redrawn at most ten times a second)."""

    def __init__(self, stream, total: int, enabled: bool = True) -> None:
        self.stream, self.total, self.enabled = stream, max(total, 1), enabled  # a command's OutputWrapper
        self.started = time.monotonic()
        self.last = 0.0
        self.drawn = False

    def update(self, done: int, failed: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if not self.enabled or (not force and now - self.last < 0.1):
            return
        self.last = now
        self.drawn = True
        width = 30
        filled = int(width * min(done, self.total) / self.total)
        rate = done / max(now - self.started, 1e-6)
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{self.total:,} lines"
            f"  {rate:,.0f} rows/s  {failed:,} failed",
            ending="",
        )
        self.stream.flush()

    def finish(self, done: int, failed: int) -> None:
        self.update(done, failed, force=True)
        if self.enabled and self.drawn:
            self.stream.write("")


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle)


class Command(BaseCommand):
    help = "Import orders from a CSV or JSON Lines file (idempotent by store and order number)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="A .csv or .jsonl file exported by the shop.")
        parser.add_argument("--store", help="Store for rows that do not name one.")
        parser.add_argument("--format", choices=["csv", "jsonl"], help="Override the format guessed from the name.")
        parser.add_argument(
            "--encoding",
            help="The file's encoding when it is not UTF-8 (e.g. cp1252 for Excel's 'CSV' on Windows). "
            "A byte order mark (UTF-8, UTF-16, UTF-32) is always honoured.",
        )
        parser.add_argument("--no-progress", action="store_true", help="Do not draw the progress bar.")

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        fmt = options["format"] or ("jsonl" if path.suffix.lower() in (".jsonl", ".ndjson", ".json") else "csv")
        header_lines = 1 if fmt == "csv" else 0
        progress = Progress(self.stderr, _count_lines(path) - header_lines, enabled=not options["no_progress"])
        report = OrderImportReport(file_name=path.name)
        try:
            orders_import_file(
                path=path,
                fmt=fmt,
                store=options["store"],
                encoding=options["encoding"],
                report=report,
                on_progress=lambda r: progress.update(r.line - header_lines, r.refused),
            )
        except OrderFileError as exc:
            progress.finish(report.line - header_lines, report.refused)
            self._summary(report)
            raise CommandError(f"{path.name}: {exc}", returncode=1) from None
        except KeyboardInterrupt:
            progress.finish(report.line - header_lines, report.refused)
            self._summary(report, cut_short="interrupted")
            raise CommandError("Import interrupted; run it again to finish (it is idempotent).", returncode=130)
        except Exception as exc:
            progress.finish(report.line - header_lines, report.refused)
            self._summary(report, cut_short=f"stopped by {type(exc).__name__}: {exc}")
            raise CommandError(
                f"Import stopped by an error: {exc} (run with --traceback for details); "
                "once it is fixed, run the import again: it is idempotent.",
                returncode=1,
            ) from exc
        progress.finish(report.line - header_lines, report.refused)
        self._summary(report)
        if report.refused:
            raise CommandError(f"{report.refused} row(s) failed; see the lines above.", returncode=1)

    def _summary(self, report: OrderImportReport, *, cut_short: str = "") -> None:
        for line_no, field, reason in report.failures:
            self.stderr.write(f"line {line_no}: {field}: {reason}")
        if any(reason.startswith("Not valid UTF-8") for _, _, reason in report.failures):
            self.stderr.write(
                "Some lines are not UTF-8: if the file comes from Excel or another program that "
                "writes Latin-1/Windows-1252, import it again with --encoding cp1252."
            )
        ending = ""
        if cut_short:
            ending = f"; {cut_short} after line {report.line:,}, later lines were not imported"
            if report.writing:
                first, last, rows = report.writing
                ending += f"; up to {rows:,} more rows (lines {first:,}-{last:,}) may have been stored"
        self.stdout.write(
            f"{report.rows_read:,} orders read from {report.file_name}: {report.stored:,} stored "
            f"({report.created:,} created, {report.updated:,} updated), {report.refused:,} failed{ending}."
        )
