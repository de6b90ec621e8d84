"""The HTML formatter: a self-contained page (inline CSS, inline SVG charts, no CDN)."""

from __future__ import annotations

from django.template.loader import render_to_string

from crm_twitter.reports.generator import ReportData
from crm_twitter.reports.tables import report_tables


def report_sections(data: ReportData) -> list[dict]:
    """The tables with their display rows, ready for ``_report_body.html``."""
    return [{"table": t, "rows": t.display_rows()} for t in report_tables(data)]


def report_html(data: ReportData) -> str:
    """The report as one HTML document that can be e-mailed, archived and opened offline."""
    return render_to_string("crm_twitter/reports/report.html", {"report": data, "sections": report_sections(data)})
