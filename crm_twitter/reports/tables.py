"""The report laid out as tables, once, for every formatter.

HTML, CSV and XLSX all render these tables, so the three files always show the same figures in
the same order. Cells keep their raw values (numbers stay numbers in CSV/XLSX); ``display``
turns one into text for the HTML page. Durations are seconds in the data, hours in CSV/XLSX and
"3h 20m" on the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from crm_twitter.reports.charts import Chart, bar_chart
from crm_twitter.reports.generator import ReportData

TEXT, INT, PCT, DURATION, MONEY, SIGNED, DECIMAL, RATE = (
    "text",
    "int",
    "pct",
    "duration",
    "money",
    "signed",
    "decimal",
    "rate",
)
DIMENSION_LABELS = {
    "brand_account": "Brand account",
    "country": "Destination country",
    "language": "Language",
    "carrier": "Carrier",
    "sku": "Product SKU",
}


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = INT


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple, ...]
    note: str = ""
    chart: Chart | None = None
    chart_column: int | None = None  # the column the XLSX chart plots
    section: str = ""
    row_kinds: tuple[str, ...] = ()  # the summary: the value column's kind differs per row
    has_total_row: bool = False

    def kinds(self, row_index: int) -> list[str]:
        kinds = [c.kind for c in self.columns]
        if self.row_kinds:
            kinds[-1] = self.row_kinds[row_index]
        return kinds

    def display_rows(self) -> list[list[str]]:
        """Rows as text for the page."""
        return [[display(v, k) for v, k in zip(row, self.kinds(i), strict=True)] for i, row in enumerate(self.rows)]

    def file_headers(self) -> list[str]:
        return [f"{c.label} (hours)" if c.kind == DURATION else c.label for c in self.columns]

    def file_rows(self) -> list[list]:
        """Rows for CSV/XLSX: numbers stay numbers, durations in hours, missing values empty."""
        out = []
        for i, row in enumerate(self.rows):
            kinds = self.kinds(i)
            cells = [hours(v) if k == DURATION else v for v, k in zip(row, kinds, strict=True)]
            if self.row_kinds and kinds[-1] == DURATION:
                cells[0] = f"{cells[0]} (hours)"
            out.append(cells)
        return out


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h"


def hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def display(value, kind: str) -> str:
    if value is None:
        return "—"
    if kind == PCT:
        return f"{value:.1f}%"
    if kind == DURATION:
        return duration_text(value)
    if kind == MONEY:
        return f"{Decimal(value):,.2f}"
    if kind == SIGNED:
        return f"{value:+,}" if isinstance(value, int) else f"{value:+.1f}%"
    if kind == DECIMAL:
        return f"{value:.2f}"
    if kind == RATE:
        return f"{Decimal(value).normalize():f}"
    if kind == INT:
        return f"{value:,}"
    return str(value)


def report_tables(data: ReportData) -> list[Table]:
    """Every section of the report as a table (with its chart where one helps)."""
    t = data.total
    cur = data.reporting_currency
    tables: list[Table] = []

    summary_rows = [
        ("Cases opened", t.cases, INT),
        ("Change vs previous month", t.change_vs_previous, SIGNED),
        ("Change vs previous month (%)", t.change_vs_previous_pct, PCT),
        ("Change vs same month last year", t.change_vs_last_year, SIGNED),
        ("Change vs same month last year (%)", t.change_vs_last_year_pct, PCT),
        ("Median first response", t.first_response.median, DURATION),
        ("90th percentile first response", t.first_response.p90, DURATION),
        ("Cases resolved", t.resolved, INT),
        ("Median resolution time", t.resolution.median, DURATION),
        ("90th percentile resolution time", t.resolution.p90, DURATION),
        ("SLA compliance", t.sla_compliance_pct, PCT),
        ("Escalation rate", t.escalation_rate_pct, PCT),
        ("Moved to DM", t.moved_to_dm_pct, PCT),
        ("Promises kept", t.promises_kept, INT),
        ("Promises missed", t.promises_missed, INT),
        ("Promises kept (%)", t.promises_kept_pct, PCT),
        ("Satisfaction average (1–5)", t.satisfaction_avg, DECIMAL),
        ("Satisfaction ratings", t.satisfaction_count, INT),
        (f"Refunds ({cur}, converted)", data.refunds.converted_total, MONEY),
    ]
    tables.append(
        Table(
            key="summary",
            title="Summary",
            columns=(Column("Measure", TEXT), Column("Value", TEXT)),
            rows=tuple((label, value) for label, value, _ in summary_rows),
            row_kinds=tuple(kind for _, _, kind in summary_rows),
            note=(
                f"{data.month:%B %Y} in {data.time_zone}"
                + (" — month in progress, figures so far." if data.is_partial else ".")
                + ("" if data.has_previous else " No data for the previous month.")
                + ("" if data.has_last_year else " No data for the same month last year.")
            ),
        )
    )

    cats = data.categories
    tables.append(
        Table(
            key="categories",
            title="Cases by category",
            columns=(
                Column("Category", TEXT),
                Column("Cases"),
                Column("Share", PCT),
                Column("Previous month"),
                Column("Change", SIGNED),
                Column("Change %", PCT),
                Column("Same month last year"),
                Column("Change", SIGNED),
                Column("Change %", PCT),
            ),
            rows=tuple(
                (
                    c.name,
                    c.cases,
                    c.share_pct,
                    c.previous,
                    c.change_vs_previous,
                    c.change_vs_previous_pct,
                    c.last_year,
                    c.change_vs_last_year,
                    c.change_vs_last_year_pct,
                )
                for c in (*cats, t)
            ),
            note="Cases whose category no agent confirmed are counted as Uncategorised.",
            has_total_row=True,
            chart=bar_chart(
                key="categories",
                title="Cases by category",
                items=[(c.name, c.cases) for c in cats if c.cases],
                keys=[c.key for c in cats if c.cases],
            ),
            chart_column=1,
        )
    )
    tables.append(
        Table(
            key="service",
            title="Response, resolution and service",
            columns=(
                Column("Category", TEXT),
                Column("First response: median", DURATION),
                Column("First response: p90", DURATION),
                Column("Resolved"),
                Column("Resolution: median", DURATION),
                Column("Resolution: p90", DURATION),
                Column("SLA compliance", PCT),
                Column("Escalated", PCT),
                Column("Moved to DM", PCT),
                Column("Promises kept"),
                Column("Promises missed"),
                Column("Promises kept %", PCT),
                Column("Satisfaction", DECIMAL),
                Column("Ratings"),
            ),
            rows=tuple(
                (
                    c.name,
                    c.first_response.median,
                    c.first_response.p90,
                    c.resolved,
                    c.resolution.median,
                    c.resolution.p90,
                    c.sla_compliance_pct,
                    c.escalation_rate_pct,
                    c.moved_to_dm_pct,
                    c.promises_kept,
                    c.promises_missed,
                    c.promises_kept_pct,
                    c.satisfaction_avg,
                    c.satisfaction_count,
                )
                for c in (*cats, t)
                if c.cases or c.resolved or c.promises_kept or c.promises_missed or c.key == t.key
            ),
            note=(
                "First response, SLA, escalation, DM and satisfaction: cases opened in the month. "
                "Resolution: cases resolved in the month. Promises: due in the month."
            ),
            has_total_row=True,
            chart=bar_chart(
                key="first_response",
                title="Median first response (hours)",
                items=[(c.name, hours(c.first_response.median)) for c in cats if c.first_response.count],
                keys=[c.key for c in cats if c.first_response.count],
                value_label="Hours",
                fmt="{:,.2f}",
            ),
            chart_column=1,
        )
    )

    shown = [i for i, c in enumerate(cats) if c.cases]
    for b in data.breakdowns:
        tables.append(
            Table(
                key=f"by_{b.dimension}",
                title=b.title,
                columns=(
                    Column(DIMENSION_LABELS.get(b.dimension, b.dimension), TEXT),
                    Column("Cases"),
                    Column("Previous month"),
                    *(Column(cats[i].name) for i in shown),
                ),
                rows=tuple((r.label, r.cases, r.previous, *(r.by_category[i] for i in shown)) for r in b.rows),
                note=b.note,
                chart=bar_chart(
                    key=f"by_{b.dimension}",
                    title=b.title,
                    items=[(r.label, r.cases) for r in b.rows],
                    keys=[r.key for r in b.rows],
                ),
                chart_column=1,
                section="breakdowns",
            )
        )

    resolved_shown = [i for i, c in enumerate(cats) if any(o.by_category[i] for o in data.outcomes)]
    tables.append(
        Table(
            key="outcomes",
            title="Outcomes",
            columns=(Column("Outcome", TEXT), Column("Cases"), *(Column(cats[i].name) for i in resolved_shown)),
            rows=tuple((o.label, o.cases, *(o.by_category[i] for i in resolved_shown)) for o in data.outcomes),
            note="Cases resolved in the month.",
            chart=bar_chart(
                key="outcomes",
                title="Outcomes",
                items=[(o.label, o.cases) for o in data.outcomes],
                keys=[o.key for o in data.outcomes],
            ),
            chart_column=1,
        )
    )
    r = data.refunds
    missing = ", ".join(c for c in r.unconverted_currencies if c)
    no_currency = any(not c for c in r.unconverted_currencies)
    tables.append(
        Table(
            key="refunds",
            title="Refunds",
            columns=(
                Column("Currency", TEXT),
                Column("Cases"),
                Column("Amount", MONEY),
                Column(f"Rate to {cur}", RATE),
                Column("Rate valid from", TEXT),
                Column(f"Converted ({cur})", MONEY),
            ),
            rows=(
                *(
                    (
                        x.currency or "(no currency)",
                        x.cases,
                        x.amount,
                        x.rate,
                        x.rate_valid_from.isoformat()
                        if x.rate_valid_from
                        else ("—" if x.currency != cur else "same currency"),
                        x.converted,
                    )
                    for x in r.totals
                ),
                (f"Total in {cur}", sum(x.cases for x in r.totals), None, None, "", r.converted_total),
            ),
            note=" ".join(
                part
                for part in (
                    f"No exchange rate for {missing}: not converted, not in the total." if missing else "",
                    "Some refunds were recorded without a currency: not converted." if no_currency else "",
                )
                if part
            ),
            has_total_row=True,
        )
    )
    for group in data.rising:
        tables.append(
            Table(
                key=f"rising_{group.dimension}",
                title=f"Rising: {group.title}",
                columns=(
                    Column(group.title, TEXT),
                    Column("Cases"),
                    Column("Previous month"),
                    Column("Growth", SIGNED),
                    Column("Growth %", PCT),
                ),
                rows=tuple((i.label, i.cases, i.previous, i.growth, i.growth_pct) for i in group.items),
                note="Biggest growth vs the previous month." + ("" if data.has_previous else " No previous month."),
                section="rising",
            )
        )
    q = data.data_quality
    tables.append(
        Table(
            key="data_quality",
            title="Data quality",
            columns=(Column("Item", TEXT), Column("Cases")),
            rows=(
                ("Uncategorised (category not confirmed)", q.uncategorised),
                ("Without a linked order", q.without_order),
                ("Order without a carrier", q.unknown_carrier),
                ("Order without a destination country", q.unknown_country),
                ("Order without items", q.order_without_items),
                ("Language unknown", q.unknown_language),
                ("Refunds without a currency", q.refunds_without_currency),
                ("Merged duplicates (not counted)", q.excluded_merged),
                ("Not actionable (not counted)", q.excluded_not_actionable),
            ),
            note=("Currencies without an exchange rate: " + ", ".join(q.refunds_without_rate) + ".")
            if q.refunds_without_rate
            else "",
        )
    )
    return tables
