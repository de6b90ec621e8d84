"""The CSV formatter: every table of the report in one file, one block per section."""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _

from crm_twitter.reports.generator import ReportData
from crm_twitter.reports.tables import report_tables

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value) -> object:
    """Text that a spreadsheet would run as a formula (a SKU like ``=HYPERLINK(...)``) is defused."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def report_csv(data: ReportData) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([data.title])
    writer.writerow([_("Month"), f"{data.month:%Y-%m}"])
    writer.writerow([_("Time zone"), data.time_zone])
    writer.writerow([_("Generated at"), data.generated_at.isoformat(timespec="seconds")])
    writer.writerow([_("Reporting currency"), data.reporting_currency])
    for table in report_tables(data):
        writer.writerow([])
        writer.writerow([table.title])
        writer.writerow([cell(h) for h in table.file_headers()])
        for row in table.file_rows():
            writer.writerow([cell(v) for v in row])
        if table.note:
            writer.writerow([cell(table.note)])
    return out.getvalue()
