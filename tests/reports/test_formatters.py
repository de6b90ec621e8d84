import csv
import datetime as dt
import io

from openpyxl import load_workbook

from crm_twitter.models import ComplaintCategory
from crm_twitter.reports.csv import report_csv
from crm_twitter.reports.generator import report_generate
from crm_twitter.reports.html import report_html
from crm_twitter.reports.xlsx import report_xlsx
from tests.factories import CaseFactory, OrderFactory, OrderItemFactory
from tests.reports.conftest import OCTOBER, local

EXPECTED_SHEETS = [
    "Summary",
    "Categories",
    "Service",
    "Escalations",
    "By brand account",
    "By country",
    "By language",
    "By carrier",
    "By SKU",
    "Outcomes",
    "Refunds",
    "Rising categories",
    "Rising SKUs",
    "Rising carriers",
    "How categories were set",
    "Risk signals",
    "Incidents",
    "Data quality",
    "Definitions",
]


def test_xlsx_opens_with_the_expected_sheets_figures_and_native_charts(october):
    workbook = load_workbook(io.BytesIO(report_xlsx(report_generate(month=OCTOBER))))

    assert workbook.sheetnames == EXPECTED_SHEETS
    categories = workbook["Categories"]
    rows = {r[0]: r for r in categories.iter_rows(min_row=2, values_only=True)}
    assert rows["Damaged"][1:3] == (2, 50.0)
    assert rows["All complaints"][1] == 4
    for name in ("Categories", "Service", "By brand account", "By country", "By carrier", "By SKU", "Outcomes"):
        assert len(workbook[name]._charts) == 1, name
    (chart,) = categories._charts
    # The chart plots the Cases column of the category rows (not the total row).
    total_row = next(c.row for c in categories["A"] if c.value == "All complaints")
    assert chart.series[0].val.numRef.f == f"'Categories'!$B$2:$B${total_row - 1}"
    refunds = {r[0]: r for r in workbook["Refunds"].iter_rows(min_row=2, values_only=True)}
    assert refunds["EUR"][5] == 60.0
    assert refunds["JPY"][5] is None
    assert refunds["Total in USD"][5] == 80.0
    summary = {r[0]: r[1] for r in workbook["Summary"].iter_rows(values_only=True) if r[0]}
    assert summary["Median first response (hours)"] == 2.0


def test_empty_month_renders_in_every_format(db, mid_november):
    report = report_generate(month=dt.date(2026, 3, 1))

    assert "No complaints were opened or resolved in March 2026" in report_html(report)
    assert "Cases by category" in report_csv(report)
    assert load_workbook(io.BytesIO(report_xlsx(report))).sheetnames == EXPECTED_SHEETS


def test_csv_has_every_section_with_numbers(october):
    rows = list(csv.reader(io.StringIO(report_csv(report_generate(month=OCTOBER)))))

    titles = {r[0] for r in rows if len(r) == 1}
    assert {"Cases by category", "By product SKU", "Refunds", "Rising: Product SKUs", "Data quality"} <= titles
    assert ["Damaged", "2", "50.0", "1", "1", "100.0", "1", "1", "100.0"] in rows
    assert ["Product SKU", "Cases", "Previous month", "Not received", "Damaged", "Uncategorised"] in rows
    assert ["SKU-A", "2", "1", "0", "2", "0"] in rows
    assert any(r[:2] == ["Without a linked order", "1"] for r in rows)


def test_html_report_has_svg_charts_with_their_numbers_and_no_external_assets(october):
    html = report_html(report_generate(month=OCTOBER))

    assert html.count("<svg") >= 8
    assert 'data-chart="categories"' in html
    assert "<td>Damaged</td><td>2</td><td>50.0%</td>" in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html
    assert "No exchange rate for JPY" in html


def test_untrusted_text_is_escaped_and_defused(db, mid_november):
    category = ComplaintCategory.objects.get(slug="damaged")
    case = CaseFactory(category=category, category_confirmed=True, opened_at=local(2026, 10, 3, 9, 0))
    order = OrderFactory(carrier="<script>alert(1)</script>")
    OrderItemFactory(order=order, sku='=HYPERLINK("http://evil")')
    case.orders.add(order)
    report = report_generate(month=OCTOBER)

    html = report_html(report)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "'=HYPERLINK" in report_csv(report)
    sheet = load_workbook(io.BytesIO(report_xlsx(report)))["By SKU"]
    cell = sheet["A2"]
    assert cell.value == '=HYPERLINK("http://evil")'
    assert cell.data_type == "s"
