"""Importing the shop's order export files (CSV or JSON Lines) through ``orders_upsert``.

A file from a shop is whatever its export (or a person with a spreadsheet) produced, so reading
it never ends in a traceback:

* **Encoding.** A byte order mark decides (UTF-8, UTF-16, UTF-32: Excel's "Unicode text"), as
  does UTF-16 without one (its NUL bytes give it away); otherwise the file is UTF-8 unless the
  caller names another encoding. A line with a byte that is not valid in it is refused with its
  number and the byte — never decoded by guesswork, which would store mangled names — and the
  rest of the file is imported. A file with NUL bytes that is not UTF-16/32 is not text (a
  spreadsheet, an archive): refused before anything is stored.
* **Size and shape.** A JSON line nested deeper than ``MAX_JSON_DEPTH`` or longer than
  ``MAX_LINE_CHARS`` is refused on its own. A CSV field longer than Python's CSV field limit
  (128 KiB) stops the import before anything is stored: past it, the parser cannot know
  where the next record starts, and a partly read order would replace the order's items with a
  partial list.
* **Accounting.** ``OrderImportReport`` is filled in as rows are stored, so whatever ends the
  import — the end of the file, Ctrl-C, a database failure — the caller can say how many rows
  were stored and refused, and the last line read.

Rows are validated and written by ``orders_upsert``, the same rule as ``POST /api/v1/orders/bulk/``:
idempotent by (store, order number), each row standing alone.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crm_twitter.input_decoding import (
    UNDECODED_ERRORS,
    InputDecodeError,
    encoding_check,
    encoding_sniff,
    json_loads_bounded,
    undecoded_error,
)
from crm_twitter.services.orders import orders_upsert

BATCH_ROWS = 2000
MAX_LINE_CHARS = 1_048_576  # one JSON Lines order; a real one is a few KiB
SNIFF_BYTES = 65_536
ITEM_COLUMNS = {"item_sku": "sku", "item_title": "title", "item_quantity": "quantity", "item_unit_price": "unit_price"}
FORMATS = ("csv", "jsonl")
NON_FIELD = "non_field_errors"


class OrderFileError(Exception):
    """The file cannot be imported (nothing was stored): not text, an unknown encoding, a CSV
    record the parser cannot delimit. ``line`` is where, when known."""

    def __init__(self, reason: str, *, line: int | None = None) -> None:
        self.reason = reason
        self.line = line
        super().__init__(f"line {line}: {reason}" if line else reason)


@dataclass
class OrderImportReport:
    """What an import has done so far; up to date after every stored batch."""

    file_name: str = ""
    encoding: str = ""
    line: int = 0  # the last line read
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    failures: list[tuple[int, str, str]] = field(default_factory=list)  # (line, field, reason)
    # The batch being written (first line, last line, rows): an interruption while it is written
    # may have stored part of it (each group of rows commits on its own).
    writing: tuple[int, int, int] | None = None

    @property
    def stored(self) -> int:
        return self.created + self.updated

    @property
    def refused(self) -> int:
        """Rows refused (a row with several reasons counts once)."""
        return len({line for line, _, _ in self.failures})

    def refuse(self, line: int, errors: dict[str, list[str]]) -> None:
        for name, reasons in errors.items():
            for reason in reasons:
                self.failures.append((line, name, reason))


@dataclass(frozen=True)
class FileRow:
    """One order read from the file: its (first) line, and the row or why it cannot be one."""

    line: int
    row: dict[str, Any] | None
    errors: dict[str, list[str]] = field(default_factory=dict)


# --- encoding -----------------------------------------------------------------------------------


def order_file_encoding(path: Path, *, encoding: str | None = None) -> str:
    """The encoding to read ``path`` with (see the module docstring); ``OrderFileError`` when the
    file is not text or ``encoding`` is no text encoding."""
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    sniffed, _ = encoding_sniff(head[:4])
    if sniffed:
        return sniffed
    if encoding:
        try:
            return encoding_check(encoding)
        except InputDecodeError as exc:
            raise OrderFileError(exc.reason) from None
    nul = head.find(b"\x00")
    if nul >= 0:
        raise OrderFileError(
            "not a text file (it contains NUL bytes): export the orders as CSV or JSON Lines",
            line=head.count(b"\n", 0, nul) + 1,
        )
    return "utf-8-sig"


# --- reading ------------------------------------------------------------------------------------


def _jsonl_rows(handle, encoding: str, report: OrderImportReport) -> Iterator[FileRow]:
    line_no = 0
    while True:
        line = handle.readline(MAX_LINE_CHARS + 1)
        if not line:
            return
        line_no += 1
        report.line = line_no
        if len(line) > MAX_LINE_CHARS and not line.endswith("\n"):
            while line and not line.endswith("\n"):  # skip the rest of the line
                line = handle.readline(MAX_LINE_CHARS + 1)
            yield FileRow(line_no, None, {NON_FIELD: [f"Longer than {MAX_LINE_CHARS:,} characters."]})
            continue
        if not line.strip():
            continue
        bad = undecoded_error(line, encoding)
        if bad is not None:
            yield FileRow(line_no, None, {NON_FIELD: [f"{bad.reason} (column {bad.column})."]})
            continue
        try:
            row = json_loads_bounded(line)
        except InputDecodeError as exc:
            where = f" (column {exc.column})" if exc.column is not None else ""
            yield FileRow(line_no, None, {NON_FIELD: [exc.reason + where]})
            continue
        yield FileRow(line_no, row)


def _csv_cells(record: dict, line_no: int, encoding: str) -> FileRow:
    """One CSV record as an order row (item columns gathered under ``items``)."""
    row: dict[str, Any] = {}
    item: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for column, value in record.items():
        if column is None:  # more cells than headers
            row.setdefault("_extra_cells", value)
            continue
        column = column.strip()
        if value is None or value.strip() == "":
            continue
        bad = undecoded_error(value, encoding)
        if bad is not None:
            errors.setdefault(column, []).append(f"{bad.reason}.")
            continue
        if column in ITEM_COLUMNS:
            item[ITEM_COLUMNS[column]] = value.strip()
        elif column == "items":
            try:
                row["items"] = json_loads_bounded(value)
            except InputDecodeError as exc:
                errors.setdefault("items", []).append(exc.message)
        else:
            row[column] = value.strip()
    if item and isinstance(row.setdefault("items", []), list):
        row["items"].append(item)
    return FileRow(line_no, row, errors)


def _csv_rows(handle, encoding: str, report: OrderImportReport) -> Iterator[FileRow]:
    """Orders from a CSV, items grouped under their order; the line is the order's first record's.

    The whole file is read before the first row is yielded (an order's item lines may be far
    apart), so a record the parser cannot delimit stops the import before anything is stored.
    """
    reader = csv.DictReader(handle)
    try:
        header = reader.fieldnames
        report.line = reader.line_num
        if header is None:
            return
        bad = next((e for e in (undecoded_error(name, encoding) for name in header) if e is not None), None)
        if bad is not None:
            raise OrderFileError(f"the header: {bad.reason}", line=1)
        orders: dict[tuple[str, str], FileRow] = {}
        for record in reader:
            report.line = reader.line_num
            read = _csv_cells(record, reader.line_num, encoding)
            row = read.row or {}
            key = (row.get("store", ""), row.get("order_number", ""))
            if key[1] and key in orders and not read.errors:  # another item line of an order already read
                first = orders[key]
                if first.row is not None and row.get("items") and isinstance(first.row.setdefault("items", []), list):
                    first.row["items"].extend(row["items"])
                continue
            if not key[1] or read.errors:
                key = ("", f"#line{reader.line_num}")  # reported as its own row
            orders[key] = read
    except csv.Error as exc:
        message = str(exc)
        if "field larger than field limit" in message:
            message = f"a field is longer than {csv.field_size_limit():,} characters"
        # DictReader.line_num is only updated after a good record; its reader's counts this one.
        raise OrderFileError(f"{message}; nothing was imported", line=reader.reader.line_num) from None
    yield from orders.values()


def order_file_rows(path: Path, *, fmt: str, encoding: str, report: OrderImportReport) -> Iterator[FileRow]:
    """The orders of an export file, each with its line number or the reasons it is refused."""
    if fmt not in FORMATS:
        raise OrderFileError(f"unknown format {fmt!r}: choose csv or jsonl")
    with path.open(encoding=encoding, errors=UNDECODED_ERRORS, newline="" if fmt == "csv" else None) as handle:
        yield from (_csv_rows if fmt == "csv" else _jsonl_rows)(handle, encoding, report)


# --- the import ---------------------------------------------------------------------------------


def orders_import_file(
    *,
    path: Path,
    fmt: str,
    store: str | None = None,
    encoding: str | None = None,
    report: OrderImportReport | None = None,
    on_progress: Callable[[OrderImportReport], None] | None = None,
) -> OrderImportReport:
    """Import every order of an export file; refused rows are listed in the report by line.

    Rows are stored in batches of ``BATCH_ROWS`` as they are read (JSON Lines) or once the whole
    file is read (CSV). Pass ``report`` to still know what was stored if the import is cut short
    (Ctrl-C, the database going away). ``OrderFileError`` — not text, an unknown encoding, a CSV
    record that cannot be delimited — is raised before anything is stored.
    """
    report = report if report is not None else OrderImportReport()
    report.file_name = path.name
    report.encoding = order_file_encoding(path, encoding=encoding)
    batch: list[FileRow] = []

    def flush() -> None:
        report.writing = (batch[0].line, batch[-1].line, len(batch))
        results = orders_upsert(rows=[item.row for item in batch], store=store)
        report.writing = None
        for item, result in zip(batch, results, strict=True):
            if result.status == "created":
                report.created += 1
            elif result.status == "updated":
                report.updated += 1
            else:
                report.refuse(item.line, result.errors)
        batch.clear()

    for item in order_file_rows(path, fmt=fmt, encoding=report.encoding, report=report):
        report.rows_read += 1
        if item.errors or item.row is None:
            report.refuse(item.line, item.errors or {NON_FIELD: ["Not an order."]})
        else:
            batch.append(item)
            if len(batch) >= BATCH_ROWS:
                flush()
        if on_progress is not None:
            on_progress(report)
    if batch:
        flush()
    return report
