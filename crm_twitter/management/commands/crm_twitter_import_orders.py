"""Import orders from the shop's export: ``crm_twitter_import_orders FILE.csv|FILE.jsonl [--store S]``.

Same rules as ``POST /api/v1/orders/bulk/`` (both call ``orders_upsert``): idempotent by
(store, order number), each row stands alone, and every refused row is reported with its line
number, field and reason. The exit code is 1 when any row failed, so a cron job notices.

CSV: one row per order, or one row per item with the order's columns repeated and
``item_sku``, ``item_title``, ``item_quantity``, ``item_unit_price`` columns (rows of the same
order are grouped). An ``items`` column may also hold the items as a JSON list. Empty cells
count as "not given". JSON Lines: one order object per line, in the bulk endpoint's row shape.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from crm_twitter.services.orders import orders_upsert

BATCH_ROWS = 2000
ITEM_COLUMNS = {"item_sku": "sku", "item_title": "title", "item_quantity": "quantity", "item_unit_price": "unit_price"}


class Progress:
    """A one-line progress bar on stderr (redrawn at most ten times a second)."""

    def __init__(self, stream, total: int, enabled: bool = True) -> None:
        self.stream, self.total, self.enabled = stream, max(total, 1), enabled  # a command's OutputWrapper
        self.started = time.monotonic()
        self.last = 0.0

    def update(self, done: int, failed: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if not self.enabled or (not force and now - self.last < 0.1):
            return
        self.last = now
        width = 30
        filled = int(width * min(done, self.total) / self.total)
        rate = done / max(now - self.started, 1e-6)
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{self.total:,} lines"
            f"  {rate:,.0f} rows/s  {failed:,} failed",
            ending="",
        )
        self.stream.flush()

    def finish(self, failed: int) -> None:
        self.update(self.total, failed, force=True)
        if self.enabled:
            self.stream.write("")


def _jsonl_rows(path: Path) -> Iterator[tuple[int, Any, str | None]]:
    with path.open(encoding="utf-8-sig") as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield line_no, json.loads(line), None
            except ValueError as exc:
                yield line_no, None, f"Malformed JSON: {exc}"


def _csv_rows(path: Path) -> Iterator[tuple[int, Any, str | None]]:
    """Orders from a CSV, items grouped under their order; the line is the order's first line."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None:
            return
        orders: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {}
        order_keys: list[tuple[str, str]] = []
        for record in reader:
            line_no = reader.line_num
            row: dict[str, Any] = {}
            item: dict[str, Any] = {}
            for column, value in record.items():
                if column is None:  # more cells than headers
                    row.setdefault("_extra_cells", value)
                    continue
                column = column.strip()
                if value is None or value.strip() == "":
                    continue
                if column in ITEM_COLUMNS:
                    item[ITEM_COLUMNS[column]] = value.strip()
                elif column == "items":
                    try:
                        row["items"] = json.loads(value)
                    except ValueError:
                        row["items"] = value  # reported as "Must be a list of items."
                else:
                    row[column] = value.strip()
            if item and isinstance(row.setdefault("items", []), list):
                row["items"].append(item)
            key = (row.get("store", ""), row.get("order_number", ""))
            if key[1] and key in orders:  # another item line of an order already read
                if item:
                    orders[key][1].setdefault("items", []).append(item)
                continue
            if not key[1]:
                key = ("", f"#line{line_no}")  # no number: reported as its own (failing) row
            orders[key] = (line_no, row)
            order_keys.append(key)
        for key in order_keys:
            line_no, row = orders[key]
            yield line_no, row, None


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle)


class Command(BaseCommand):
    help = "Import orders from a CSV or JSON Lines file (idempotent by store and order number)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="A .csv or .jsonl file exported by the shop.")
        parser.add_argument("--store", help="Store for rows that do not name one.")
        parser.add_argument("--format", choices=["csv", "jsonl"], help="Override the format guessed from the name.")
        parser.add_argument("--no-progress", action="store_true", help="Do not draw the progress bar.")

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        fmt = options["format"] or ("jsonl" if path.suffix.lower() in (".jsonl", ".ndjson", ".json") else "csv")
        rows = _jsonl_rows(path) if fmt == "jsonl" else _csv_rows(path)
        total = _count_lines(path) - (1 if fmt == "csv" else 0)
        progress = Progress(self.stderr, total, enabled=not options["no_progress"])
        created = updated = 0
        failures: list[tuple[int, str, str]] = []
        done = 0
        batch: list[tuple[int, Any]] = []

        def flush() -> None:
            nonlocal created, updated
            results = orders_upsert(rows=[row for _, row in batch], store=options["store"])
            for (line_no, _row), result in zip(batch, results, strict=True):
                if result.status == "created":
                    created += 1
                elif result.status == "updated":
                    updated += 1
                else:
                    for field, reasons in result.errors.items():
                        for reason in reasons:
                            failures.append((line_no, field, reason))
            batch.clear()

        for line_no, row, parse_error in rows:
            done += 1
            if parse_error:
                failures.append((line_no, "non_field_errors", parse_error))
            else:
                batch.append((line_no, row))
                if len(batch) >= BATCH_ROWS:
                    flush()
            progress.update(line_no - (1 if fmt == "csv" else 0), len({f[0] for f in failures}))
        if batch:
            flush()
        failed_lines = sorted({f[0] for f in failures})
        progress.finish(len(failed_lines))

        for line_no, field, reason in failures:
            self.stderr.write(f"line {line_no}: {field}: {reason}")
        self.stdout.write(
            f"{done:,} orders read from {path.name}: {created:,} created, {updated:,} updated, "
            f"{len(failed_lines):,} failed."
        )
        if failed_lines:
            raise CommandError(f"{len(failed_lines)} row(s) failed; see the lines above.", returncode=1)
