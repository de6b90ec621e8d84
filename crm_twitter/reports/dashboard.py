"""What the managers' dashboard shows: the chosen month in detail plus the last 12 months.

Every figure on it comes from the rollups, which change only when the fold runs (every five
minutes). So the built dashboard is kept in the cache under the fold's stamp (``fold_stamp``:
``folded_at`` and the marks the fold read up to) and everything else it depends on — the month,
the current month, the reader's language and time zone, the app settings — and the next fold's
new stamp retires it: a manager reloading the page pays a stamp read and a cache read instead of
twenty queries, the sketches' decoding and the tables' formatting (issue #20). Category names,
brand handles and exchange rates are labels of those figures and change with them, at the next
fold. The month's incidents table is read afresh on every view (incidents are not folded),
and so is everything request-bound — the open-incidents block, stored reports, the CSRF token, a
CSP nonce should a host project's base template print one — which the cached object never holds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import pickle
from dataclasses import dataclass, replace

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm_twitter.dates import month_short
from crm_twitter.models import RollupState
from crm_twitter.reports.charts import Chart, bar_chart, line_chart, stacked_columns
from crm_twitter.reports.generator import ReportData, TrendData, report_generate, trend_generate
from crm_twitter.reports.html import Section, report_sections, section_of
from crm_twitter.reports.incidents import report_incidents
from crm_twitter.reports.months import current_month, month_first, month_span
from crm_twitter.reports.tables import DURATION, INT, PCT, display, hours, incidents_table
from crm_twitter.selectors.incidents import incidents_open

TREND_MONTHS = 12
# Bump when ``Dashboard`` or what it holds changes shape: entries pickled by older code are then
# never read (they expire on their own).
DASHBOARD_CACHE_VERSION = 1
# A fold retires an entry anyway; this bounds how long one lives when the scheduler is stopped.
DASHBOARD_CACHE_SECONDS = 15 * 60


@dataclass(frozen=True)
class Dashboard:
    report: ReportData
    sections: list[Section]
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
    """The dashboard for ``month`` (default: the current month so far), built from the rollups; a
    fixed number of queries. The page asks ``dashboard_get``, which keeps this until the next fold."""
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


# What a fold leaves on the state row: when it ran, how far it read, the backlog it counted.
_FOLD_STAMP_FIELDS = (
    "folded_at",
    "case_id",
    "event_id",
    "outcome_id",
    "promise_id",
    "item_id",
    "link_id",
    "policies",
    "time_zone",
    "backlog",
)


def fold_stamp() -> tuple | None:
    """The last fold's stamp (one query), None before the first fold.

    ``folded_at`` alone tells folds apart on a live desk (each fold takes its own ``now``); with it
    go the id marks the fold read up to and the backlog it counted, so two folds under a frozen
    clock (tests, a replay) still differ when they read different rows."""
    stamp = RollupState.objects.filter(pk="default").values_list(*_FOLD_STAMP_FIELDS).first()
    return None if stamp is None or stamp[0] is None else stamp


def dashboard_cache_key(*, month: dt.date, stamp: tuple) -> str:
    """Everything the built dashboard depends on besides the rollups' contents: the fold's stamp,
    the month asked for, the current month (it decides "so far" and the trend's last month), the
    reader's language and time zone, and the app settings (merchant time zone, reporting currency…).

    No user in it: the page is for those who see every team's cases, and they all see the same
    figures; the view refuses everyone else before asking."""
    parts = (
        DASHBOARD_CACHE_VERSION,
        stamp,
        month.isoformat(),
        current_month().isoformat(),
        translation.get_language() or "",
        timezone.get_current_timezone_name(),
        TREND_MONTHS,
        repr(sorted(getattr(settings, "CRM_TWITTER", {}).items())),
    )
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:40]
    return f"crm_twitter:dashboard:{digest}"


def _cached(key: str) -> Dashboard | None:
    try:
        board = cache.get(key)
    except (pickle.UnpicklingError, AttributeError, ImportError, TypeError, EOFError):
        return None  # written by other code (a deploy in between): built again below
    return board if isinstance(board, Dashboard) else None


def dashboard_get(*, month: dt.date | None = None) -> Dashboard:
    """The dashboard for ``month``, from the cache while the rollups have not been folded since it
    was built; the month's incidents always as they are now.

    Three queries on a hit, whatever the data: the fold's stamp, the entry (with the database
    cache) and the month's incidents. A miss — the first view after a fold, per month and
    language — builds it (``dashboard_build``) and stores it. Before the first fold there is
    nothing worth keeping, so it is built every time."""
    month = month_first(month or current_month())
    stamp = fold_stamp()
    if stamp is None:
        return dashboard_build(month=month)
    key = dashboard_cache_key(month=month, stamp=stamp)
    board = _cached(key)
    if board is None:
        board = dashboard_build(month=month)
        cache.set(key, board, DASHBOARD_CACHE_SECONDS)
        if month == current_month():
            _language_seen(translation.get_language())
        return board
    return _with_live_incidents(board)


# The languages the current month's dashboard was read in lately, for ``dashboard_warm``.
_LANGUAGES_KEY = "crm_twitter:dashboard:languages"
_LANGUAGES_SECONDS = 7 * 24 * 3600


def _language_seen(language: str | None) -> None:
    """Remember that a manager read this month's dashboard in ``language`` (a lost race between two
    first views only costs one language a cold view after the next fold)."""
    if not language:
        return
    seen = cache.get(_LANGUAGES_KEY) or []
    if language not in seen:
        cache.set(_LANGUAGES_KEY, [*seen, language][-len(settings.LANGUAGES) :], _LANGUAGES_SECONDS)


def dashboard_warm() -> list[str]:
    """Build the current month's dashboard for the fold that just ran, in each language managers
    read it in lately (the site's default language before anyone has), so the first manager after
    a fold reads it from the cache instead of paying the build (issue #20: about 100 ms of CPU at
    any data size, more under load). Returns the languages built."""
    known = {code for code, _name in settings.LANGUAGES}
    languages = [lang for lang in (cache.get(_LANGUAGES_KEY) or []) if lang in known] or [settings.LANGUAGE_CODE]
    for language in languages:
        with translation.override(language):
            dashboard_get(month=current_month())
    return languages


def _with_live_incidents(board: Dashboard) -> Dashboard:
    """The cached dashboard with the month's incidents read now (an incident opened, closed or
    costing more since the fold shows at once, like the open-incidents block above it)."""
    report = replace(board.report, incidents=report_incidents(month_span(board.report.month)))
    fresh = section_of(incidents_table(report))
    sections = [fresh if section.table.key == fresh.table.key else section for section in board.sections]
    return replace(board, report=report, sections=sections)


def dashboard_open_incidents(*, limit: int = 10) -> list[dict]:
    """The open incidents, shown first on the dashboard: a surge outweighs the month's averages.

    Reads the Incident table only (title, opening time, linked cases), one query, apart from the
    figures above; the link goes to the incident's page in the inbox."""
    return [
        {"incident": incident, "url": reverse("crm_twitter_inbox:incident", args=[incident.pk])}
        for incident in incidents_open(limit=limit)
    ]
