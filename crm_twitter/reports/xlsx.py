"""The XLSX formatter: one sheet per section, with native Excel bar charts beside the numbers."""

from __future__ import annotations

import io
import re
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from crm_twitter.reports.generator import ReportData
from crm_twitter.reports.tables import Table, report_tables

SHEET_NAMES = {
    "summary": gettext_lazy("Summary"),
    "categories": gettext_lazy("Categories"),
    "service": gettext_lazy("Service"),
    "escalations": gettext_lazy("Escalations"),
    "by_brand_account": gettext_lazy("By brand account"),
    "by_country": gettext_lazy("By country"),
    "by_language": gettext_lazy("By language"),
    "by_carrier": gettext_lazy("By carrier"),
    "by_sku": gettext_lazy("By SKU"),
    "outcomes": gettext_lazy("Outcomes"),
    "refunds": gettext_lazy("Refunds"),
    "rising_category": gettext_lazy("Rising categories"),
    "rising_sku": gettext_lazy("Rising SKUs"),
    "rising_carrier": gettext_lazy("Rising carriers"),
    "data_quality": gettext_lazy("Data quality"),
    "definitions": gettext_lazy("Definitions"),
}
# Sheets of sentences, not numbers: a wide second column, wrapped.
TEXT_SHEETS = {"definitions"}
BOLD = Font(bold=True)


def _sheet_name(table: Table) -> str:
    name = SHEET_NAMES.get(table.key)
    return re.sub(r"[\[\]:*?/\\]", " ", str(name) if name else table.title)[:31]


def _put(ws, row: int, col: int, value) -> None:
    c = ws.cell(row=row, column=col)
    if isinstance(value, Decimal):
        value = float(value)
    c.value = value
    if isinstance(value, str):
        c.data_type = "s"  # never a formula, whatever the text (SKUs and names come from outside)


def report_xlsx(data: ReportData) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for table in report_tables(data):
        ws = wb.create_sheet(_sheet_name(table))
        row = 1
        if table.key == "summary":
            for label, value in (
                (data.title, None),
                (_("Month"), f"{data.month:%Y-%m}"),
                (_("Time zone"), data.time_zone),
                (_("Generated at"), data.generated_at.isoformat(timespec="seconds")),
                (_("Reporting currency"), data.reporting_currency),
            ):
                _put(ws, row, 1, label)
                _put(ws, row, 2, value)
                row += 1
            ws.cell(row=1, column=1).font = Font(bold=True, size=14)
            row += 1
        header_row = row
        for col, header in enumerate(table.file_headers(), start=1):
            _put(ws, row, col, header)
            ws.cell(row=row, column=col).font = BOLD
        rows = table.file_rows()
        for values in rows:
            row += 1
            for col, value in enumerate(values, start=1):
                _put(ws, row, col, value)
        if table.note:
            _put(ws, row + 2, 1, table.note)
        ws.column_dimensions["A"].width = 40
        for col in range(2, len(table.columns) + 1):
            ws.column_dimensions[get_column_letter(col)].width = 16
        if table.key in TEXT_SHEETS:
            ws.column_dimensions["B"].width = 110
            for cells in ws.iter_rows(min_row=header_row + 1, min_col=2, max_col=2):
                cells[0].alignment = Alignment(wrap_text=True, vertical="top")
        ws.freeze_panes = ws.cell(row=header_row + 1, column=2)

        data_rows = len(rows) - (1 if table.has_total_row else 0)
        if table.chart_column is not None:
            chart = BarChart()
            chart.type = "bar"
            chart.style = 10
            chart.title = table.chart.title if table.chart else table.title
            chart.legend = None
            chart.height = max(7.5, 0.6 * data_rows + 2)
            chart.width = 18
            values = Reference(
                ws, min_col=table.chart_column + 1, min_row=header_row, max_row=header_row + max(data_rows, 0)
            )
            labels = Reference(ws, min_col=1, min_row=header_row + 1, max_row=header_row + max(data_rows, 1))
            chart.add_data(values, titles_from_data=True)
            chart.set_categories(labels)
            chart.y_axis.title = table.file_headers()[table.chart_column]
            ws.add_chart(chart, f"{get_column_letter(len(table.columns) + 2)}{header_row}")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
