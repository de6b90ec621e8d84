"""What the managers' dashboard shows: the chosen month in detail plus the last 12 months."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from crm_twitter.dates import month_short
from crm_twitter.reports.charts import Chart, bar_chart, line_chart, stacked_columns
from crm_twitter.reports.generator import ReportData, TrendData, report_generate, trend_generate
from crm_twitter.reports.html import report_sections
from crm_twitter.reports.months import current_month
from crm_twitter.reports.tables import DURATION, INT, PCT, display, hours
from crm_twitter.selectors.incidents import incidents_open

TREND_MONTHS = 12


@dataclass(frozen=True)
class Dashboard:
    report: ReportData
    sections: list[dict]
    trend: TrendData
    trend_charts: tuple[Chart, ...]
    backlog_chart: Chart
    cards: tuple[tuple[str, str], ...]


def dashboard_charts(trend: TrendData) -> tuple[tuple[Chart, ...], Chart]:
    labels = [month_short(m.month) for m in trend.months]
    volume = stacked_columns(
        key="volume",
        title=_("Complaints opened by category"),
        x_labels=labels,
        series=[
            (key, name, [m.by_category[i] for m in trend.months]) for i, (key, name) in enumerate(trend.categories)
        ],
    )
    response = line_chart(
        key="first_response",
        title=_("First response time (hours)"),
        x_labels=labels,
        series=[
            (_("Median"), [hours(m.first_response.median) for m in trend.months]),
            (_("90th percentile"), [hours(m.first_response.p90) for m in trend.months]),
        ],
        unit=_(" h"),
    )
    resolution = line_chart(
        key="resolution",
        title=_("Resolution time (hours)"),
        x_labels=labels,
        series=[
            (_("Median"), [hours(m.resolution.median) for m in trend.months]),
            (_("90th percentile"), [hours(m.resolution.p90) for m in trend.months]),
        ],
        unit=_(" h"),
    )
    backlog = bar_chart(
        key="backlog",
        title=_("Open cases by age"),
        items=[(b.label, b.cases) for b in trend.backlog],
        value_label=_("Open"),
    )
    return (volume, response, resolution), backlog


def dashboard_build(*, month: dt.date | None = None) -> Dashboard:
    """The dashboard for ``month`` (default: the current month so far); a fixed number of queries."""
    month = month or current_month()
    # Rollups only, as of their last fold (``trend.as_of``, shown on the page): no raw case rows.
    report = report_generate(month=month, fold=False)
    trend = trend_generate(until=current_month(), months=TREND_MONTHS)
    trend_charts, backlog_chart = dashboard_charts(trend)
    t = report.total
    cards = (
        (_("Complaints opened"), display(t.cases, INT)),
        (_("Median first response"), display(t.first_response.median, DURATION)),
        (_("Median resolution"), display(t.resolution.median, DURATION)),
        (_("SLA compliance"), display(t.sla_compliance_pct, PCT)),
        (_("Escalated"), display(t.escalation_rate_pct, PCT)),
        (_("Open backlog"), display(trend.backlog_total, INT)),
    )
    return Dashboard(
        report=report,
        sections=report_sections(report),
        trend=trend,
        trend_charts=trend_charts,
        backlog_chart=backlog_chart,
        cards=cards,
    )


def dashboard_open_incidents(*, limit: int = 10) -> list[dict]:
    """The open incidents, shown first on the dashboard: a surge outweighs the month's averages.

    Reads the Incident table only (title, opening time, linked cases), one query, apart from the
    figures above; the link goes to the incident's page in the inbox."""
    return [
        {"incident": incident, "url": reverse("crm_twitter_inbox:incident", args=[incident.pk])}
        for incident in incidents_open(limit=limit)
    ]
