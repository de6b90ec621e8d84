"""The report laid out as tables, once, for every formatter.

HTML, CSV and XLSX all render these tables, so the three files always show the same figures in
the same order. Cells keep their raw values (numbers stay numbers in CSV/XLSX); ``display``
turns one into text for the HTML page. Durations are seconds in the data, hours in CSV/XLSX and
"3h 20m" on the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm_twitter.dates import month_long
from crm_twitter.models import Incident
from crm_twitter.reports.charts import Chart, bar_chart
from crm_twitter.reports.generator import ReportData
from crm_twitter.reports.months import merchant_tz

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
RISK_KIND_LABELS = {
    "chargeback": gettext_lazy("Chargeback (bank or card issuer)"),
    "payment_dispute": gettext_lazy("Payment-provider dispute"),
    "platform_claim": gettext_lazy("Marketplace claim"),
    "legal": gettext_lazy("Lawyer or legal action"),
    "regulator": gettext_lazy("Regulator or consumer body"),
    "press": gettext_lazy("Press or media"),
}
DIMENSION_LABELS = {
    "brand_account": gettext_lazy("Brand account"),
    "country": gettext_lazy("Destination country"),
    "language": gettext_lazy("Language"),
    "carrier": gettext_lazy("Carrier"),
    "sku": gettext_lazy("Product SKU"),
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
        """Rows as text for the page (the column kinds are worked out once, not once per row: the
        SKU breakdown has hundreds of rows)."""
        if self.row_kinds:
            return [[display(v, k) for v, k in zip(row, self.kinds(i), strict=True)] for i, row in enumerate(self.rows)]
        kinds = [c.kind for c in self.columns]
        return [[display(v, k) for v, k in zip(row, kinds, strict=True)] for row in self.rows]

    def file_headers(self) -> list[str]:
        """Headers for CSV/XLSX, where a bare number needs its unit: "(%)" and "(hours)"."""
        return [with_unit(c.label, c.kind) for c in self.columns]

    def file_rows(self) -> list[list]:
        """Rows for CSV/XLSX: numbers stay numbers, durations in hours, missing values empty."""
        out = []
        for i, row in enumerate(self.rows):
            kinds = self.kinds(i)
            cells = [hours(v) if k == DURATION else v for v, k in zip(row, kinds, strict=True)]
            if self.row_kinds:
                cells[0] = with_unit(cells[0], kinds[-1])
            out.append(cells)
        return out


def with_unit(label: str, kind: str) -> str:
    """The label with the unit its numbers are in once they leave the page (a spreadsheet cell
    holding 75.0 does not say it is a percentage; 2.5 does not say hours)."""
    if kind == DURATION:
        return _("%(label)s (hours)") % {"label": label}
    if kind == PCT and "%" not in str(label):
        return _("%(label)s (%%)") % {"label": label}
    return label


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
    if kind == INT:  # most cells (the breakdowns): asked first
        return f"{value:,}"
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
    return str(value)


def report_tables(data: ReportData) -> list[Table]:
    """Every section of the report as a table (with its chart where one helps)."""
    t = data.total
    cur = data.reporting_currency
    tables: list[Table] = []

    summary_rows = [
        (_("Cases opened"), t.cases, INT),
        (_("Change vs previous month"), t.change_vs_previous, SIGNED),
        (_("Change vs previous month (%)"), t.change_vs_previous_pct, PCT),
        (_("Change vs same month last year"), t.change_vs_last_year, SIGNED),
        (_("Change vs same month last year (%)"), t.change_vs_last_year_pct, PCT),
        (_("Median first response"), t.first_response.median, DURATION),
        (_("90th percentile first response"), t.first_response.p90, DURATION),
        (_("Cases resolved"), t.resolved, INT),
        (_("Median resolution time"), t.resolution.median, DURATION),
        (_("90th percentile resolution time"), t.resolution.p90, DURATION),
        (_("SLA compliance"), t.sla_compliance_pct, PCT),
        (_("SLA met"), t.sla_met, INT),
        (_("SLA breached"), t.sla_breached, INT),
        (_("SLA pending (clock still running)"), t.sla_pending, INT),
        (_("Escalated in the month"), t.escalated, INT),
        (_("Escalation rate"), t.escalation_rate_pct, PCT),
        (_("Moved to DM"), t.moved_to_dm_pct, PCT),
        (_("Promises kept"), t.promises_kept, INT),
        (_("Promises missed"), t.promises_missed, INT),
        (_("Promises kept (%)"), t.promises_kept_pct, PCT),
        (_("Satisfaction average (1–5)"), t.satisfaction_avg, DECIMAL),
        (_("Satisfaction ratings"), t.satisfaction_count, INT),
        (_("Refunds (%(currency)s, converted)") % {"currency": cur}, data.refunds.converted_total, MONEY),
    ]
    tables.append(
        Table(
            key="summary",
            title=_("Summary"),
            columns=(Column(_("Measure"), TEXT), Column(_("Value"), TEXT)),
            rows=tuple((label, value) for label, value, _ in summary_rows),
            row_kinds=tuple(kind for _, _, kind in summary_rows),
            note=(
                _("%(month)s in %(time_zone)s") % {"month": month_long(data.month), "time_zone": data.time_zone}
                + (_(" — month in progress, figures so far.") if data.is_partial else ".")
                + ("" if data.has_previous else _(" No data for the previous month."))
                + ("" if data.has_last_year else _(" No data for the same month last year."))
            ),
        )
    )

    cats = data.categories
    tables.append(
        Table(
            key="categories",
            title=_("Cases by category"),
            columns=(
                Column(_("Category"), TEXT),
                Column(_("Cases")),
                Column(_("Share"), PCT),
                Column(_("Previous month")),
                Column(_("Change"), SIGNED),
                Column(_("Change (%)"), PCT),
                Column(_("Same month last year")),
                Column(_("Change"), SIGNED),
                Column(_("Change (%)"), PCT),
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
            note=_("Cases whose category no agent confirmed are counted as Uncategorised."),
            has_total_row=True,
            chart=bar_chart(
                key="categories",
                title=_("Cases by category"),
                items=[(c.name, c.cases) for c in cats if c.cases],
                keys=[c.key for c in cats if c.cases],
            ),
            chart_column=1,
        )
    )
    tables.append(
        Table(
            key="service",
            title=_("Response, resolution and service"),
            columns=(
                Column(_("Category"), TEXT),
                Column(_("First response: median"), DURATION),
                Column(_("First response: p90"), DURATION),
                Column(_("Resolved")),
                Column(_("Resolution: median"), DURATION),
                Column(_("Resolution: p90"), DURATION),
                Column(_("SLA compliance"), PCT),
                Column(_("SLA breached")),
                Column(_("SLA pending")),
                Column(_("Escalated"), PCT),
                Column(_("Moved to DM"), PCT),
                Column(_("Promises kept")),
                Column(_("Promises missed")),
                Column(_("Promises kept (%)"), PCT),
                Column(_("Satisfaction"), DECIMAL),
                Column(_("Ratings")),
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
                    c.sla_breached,
                    c.sla_pending,
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
                _(
                    "First response, SLA, escalation, DM and satisfaction: cases opened in the month. "
                    "Resolution: cases resolved in the month. Promises: due in the month. "
                    "SLA compliance = met / (met + breached), from the actual first-response and "
                    "resolution times against each case's due times; pending cases are left out."
                )
            ),
            has_total_row=True,
            chart=bar_chart(
                key="first_response",
                title=_("Median first response (hours)"),
                items=[(c.name, hours(c.first_response.median)) for c in cats if c.first_response.count],
                keys=[c.key for c in cats if c.first_response.count],
                value_label=_("Hours"),
                fmt="{:,.2f}",
            ),
            chart_column=1,
        )
    )

    tables.append(
        Table(
            key="escalations",
            title=_("Escalations"),
            columns=(
                Column(_("Category"), TEXT),
                Column(_("Cases")),
                Column(_("Escalated in the month")),
                Column(_("Escalated"), PCT),
                Column(_("Highest level 1")),
                Column(_("Highest level 2")),
                Column(_("Highest level 3")),
            ),
            rows=tuple(
                (c.name, c.cases, c.escalated, c.escalation_rate_pct, *c.escalation_highest)
                for c in (*cats, t)
                if c.cases or c.key == t.key
            ),
            note=_(
                "Cases opened in the month, escalated by the month's end, by the highest level they "
                "reached by then (from the escalation events). A later escalation or de-escalation "
                "does not change the month."
            ),
            has_total_row=True,
        )
    )

    shown = [i for i, c in enumerate(cats) if c.cases]
    for b in data.breakdowns:
        tables.append(
            Table(
                key=f"by_{b.dimension}",
                title=b.title,
                columns=(
                    Column(str(DIMENSION_LABELS.get(b.dimension, b.dimension)), TEXT),
                    Column(_("Cases")),
                    Column(_("Previous month")),
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
            title=_("Outcomes"),
            columns=(
                Column(_("Outcome"), TEXT),
                Column(_("Recorded")),
                *(Column(cats[i].name) for i in resolved_shown),
            ),
            rows=tuple((o.label, o.cases, *(o.by_category[i] for i in resolved_shown)) for o in data.outcomes),
            note=_(
                "Outcomes recorded in the month (when a case was resolved), whatever month it was opened "
                "in. A reopened case keeps its earlier outcome on record: each one counts once, in the "
                "month it was recorded."
            ),
            chart=bar_chart(
                key="outcomes",
                title=_("Outcomes"),
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
            title=_("Refunds"),
            columns=(
                Column(_("Currency"), TEXT),
                Column(_("Refunds")),
                Column(_("Amount"), MONEY),
                Column(_("Rate to %(currency)s") % {"currency": cur}, RATE),
                Column(_("Rate valid from"), TEXT),
                Column(_("Converted (%(currency)s)") % {"currency": cur}, MONEY),
            ),
            rows=(
                *(
                    (
                        x.currency or _("(no currency)"),
                        x.cases,
                        x.amount,
                        x.rate,
                        x.rate_valid_from.isoformat()
                        if x.rate_valid_from
                        else ("—" if x.currency != cur else _("same currency")),
                        x.converted,
                    )
                    for x in r.totals
                ),
                (
                    _("Total in %(currency)s") % {"currency": cur},
                    sum(x.cases for x in r.totals),
                    None,
                    None,
                    "",
                    r.converted_total,
                ),
            ),
            note=" ".join(
                part
                for part in (
                    _(
                        "Refunds recorded in the month (a case refunded twice counts twice), converted "
                        "with the latest rate valid on the month's last day."
                    ),
                    _("No exchange rate for %(currencies)s: not converted, not in the total.") % {"currencies": missing}
                    if missing
                    else "",
                    _("Some refunds were recorded without a currency: not converted.") if no_currency else "",
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
                title=_("Rising: %(title)s") % {"title": group.title},
                columns=(
                    Column(group.title, TEXT),
                    Column(_("Cases")),
                    Column(_("Previous month")),
                    Column(_("Growth"), SIGNED),
                    Column(_("Growth (%)"), PCT),
                ),
                rows=tuple((i.label, i.cases, i.previous, i.growth, i.growth_pct) for i in group.items),
                note=_("Biggest growth vs the previous month.")
                + ("" if data.has_previous else _(" No previous month.")),
                section="rising",
            )
        )
    tables.append(
        Table(
            key="categorisation",
            title=_("How categories were set"),
            columns=(
                Column(_("Category"), TEXT),
                Column(_("Confirmed by an agent")),
                Column(_("Of which as suggested")),
                Column(_("Suggested only (not counted above)")),
                Column(_("Suggested by (model version: cases)"), TEXT),
            ),
            rows=tuple(
                (
                    r.name,
                    r.confirmed,
                    r.confirmed_as_suggested,
                    r.suggested_only,
                    ", ".join(f"{version}: {n}" for version, n in r.suggested_by),
                )
                for r in data.categorisation
            ),
            note=_(
                "Cases opened in the month. The report counts confirmed categories only; a suggestion "
                "no agent confirmed is counted as Uncategorised and listed here with the model that made it."
            ),
        )
    )
    tables.append(
        Table(
            key="risk_signals",
            title=_("Risk signals"),
            columns=(Column(_("Kind"), TEXT), Column(_("Cases"))),
            rows=tuple((str(RISK_KIND_LABELS.get(kind, kind)), n) for kind, n in data.risk_signals),
            note=_(
                "Complaints opened in the month whose customer announced a chargeback, a payment or "
                "marketplace dispute, a lawyer, a regulator or the press (a case can have several kinds)."
            ),
        )
    )
    tables.append(incidents_table(data))
    tables.append(_data_quality_table(data))
    tables.append(definitions_table(data))
    return tables


def incidents_table(data: ReportData) -> Table:
    """The month's incidents (reports/incidents.py): what surged, for how long, how many cases,
    what answering them cost on X, and why it happened."""

    def when(moment) -> str:
        return timezone.localtime(moment, merchant_tz()).strftime("%Y-%m-%d %H:%M") if moment else "—"

    statuses = dict(Incident.Status.choices)
    return Table(
        key="incidents",
        title=_("Incidents"),
        columns=(
            Column(_("Incident"), TEXT),
            Column(_("Status"), TEXT),
            Column(_("Opened"), TEXT),
            Column(_("Closed"), TEXT),
            Column(_("Duration"), DURATION),
            Column(_("Cases")),
            Column(_("X cost (USD)"), RATE),
            Column(_("Root cause"), TEXT),
        ),
        rows=tuple(
            (
                row.title,
                str(statuses.get(row.status, row.status)),
                when(row.opened_at),
                when(row.closed_at),
                row.duration_seconds,
                row.cases,
                row.cost,
                row.root_cause or "—",
            )
            for row in data.incidents
        ),
        note=_(
            "Surges of the same complaint that were open at any time in the month; an incident merged into "
            "another counts there. Duration runs to the closing, or to the month's end while still open. "
            "X cost: the status updates and replies sent for the incident, at the configured X prices."
        ),
    )


def _data_quality_table(data: ReportData) -> Table:
    q = data.data_quality
    return Table(
        key="data_quality",
        title=_("Data quality"),
        columns=(Column(_("Item"), TEXT), Column(_("Cases"))),
        rows=(
            (_("Uncategorised (category not confirmed)"), q.uncategorised),
            (_("Without a linked order"), q.without_order),
            (_("Order without a carrier"), q.unknown_carrier),
            (_("Order without a destination country"), q.unknown_country),
            (_("Order without items"), q.order_without_items),
            (_("Language unknown"), q.unknown_language),
            (_("Refunds without a currency"), q.refunds_without_currency),
            (_("Merged duplicates (not counted)"), q.excluded_merged),
            (_("Not actionable (not counted)"), q.excluded_not_actionable),
        ),
        note=_("Currencies without an exchange rate: %(currencies)s.")
        % {"currencies": ", ".join(q.refunds_without_rate)}
        if q.refunds_without_rate
        else "",
    )


def report_definitions(reporting_currency: str) -> tuple[tuple[str, str], ...]:
    """What each figure means and which month it counts in — the same words on the page, in the
    CSV, in the XLSX "Definitions" sheet and in the README, so a reader never has to guess."""
    return (
        (
            _("Month"),
            _(
                "Calendar month on the merchant's clock (the report's time zone). A complaint belongs "
                "to the month it was opened in."
            ),
        ),
        (
            _("Complaint"),
            _(
                "A case that is neither a merged duplicate nor marked not actionable (spam, praise); "
                "those are counted in Data quality only."
            ),
        ),
        (_("Category"), _("The category an agent confirmed; a suggestion nobody confirmed counts as Uncategorised.")),
        (
            _("First response (hours)"),
            _(
                "From the opening of a case to the brand's first reply (public or DM, including replies "
                "sent from X itself); cases opened in the month."
            ),
        ),
        (
            _("SLA compliance (%)"),
            _(
                "Cases opened in the month: met / (met + breached). Met: first response by its due time "
                "and resolved by its due time. Breached: either came late, or is still missing after its "
                "due time. Pending: a clock still running, left out. Computed from the actual times, not "
                "from alerts; a case without due times is judged against today's policy for its priority."
            ),
        ),
        (
            _("Escalated (%)"),
            _(
                "Cases opened in the month that were escalated by the month's end, from the escalation "
                "events; a later escalation or de-escalation does not change the month."
            ),
        ),
        (_("Highest level"), _("The highest escalation level (1–3) a case reached by the month's end.")),
        (_("Moved to DM (%)"), _("Cases opened in the month whose conversation moved to direct messages.")),
        (
            _("Resolved, resolution time (hours)"),
            _(
                "Cases resolved in the month, whatever month they were opened in; resolution time runs "
                "from opening to resolution."
            ),
        ),
        (
            _("Outcomes and refunds"),
            _(
                "Counted in the month they were recorded (the case was resolved), whatever month the "
                "complaint was opened in: a month can show complaints but no refunds when those "
                "complaints were refunded later. Reopening a case never erases a recorded outcome or "
                "refund; a case refunded twice shows both."
            ),
        ),
        (
            _("Refunds (%(currency)s, converted)") % {"currency": reporting_currency},
            _(
                "Each currency converted with the latest exchange rate valid on the month's last day; a "
                "currency without a rate is listed and left out of the converted total."
            ),
        ),
        (_("Promises"), _("Promises due in the month; kept (%) = kept / (kept + missed).")),
        (
            _("Country, carrier, SKU"),
            _("From the orders linked to a case; a case counts once per distinct value."),
        ),
        (_("Durations"), _("Hours in CSV and XLSX; hours and minutes on the page.")),
    )


def definitions_table(data: ReportData) -> Table:
    return Table(
        key="definitions",
        title=_("Definitions"),
        columns=(Column(_("Figure"), TEXT), Column(_("What it counts"), TEXT)),
        rows=report_definitions(data.reporting_currency),
    )
