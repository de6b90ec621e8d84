"""The managers' dashboard and report downloads (login and a supervisor/manager role required)."""

from __future__ import annotations

import datetime as dt
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from crm_twitter.forbidden import forbidden_response
from crm_twitter.models import ReportSnapshot
from crm_twitter.reports.csv import report_csv
from crm_twitter.reports.dashboard import TREND_MONTHS, dashboard_get, dashboard_open_incidents
from crm_twitter.reports.generator import report_generate
from crm_twitter.reports.html import report_html
from crm_twitter.reports.months import ReportMonthError, current_month, merchant_tz, month_parse
from crm_twitter.reports.snapshots import FORMATS, snapshot_content, snapshot_filename
from crm_twitter.reports.xlsx import report_xlsx
from crm_twitter.roles import user_may_view_incidents, user_sees_all_cases

SNAPSHOTS_SHOWN = 24


def _as_of_text(folded_at: dt.datetime | None) -> str:
    """When the rollups were last folded, on the merchant's clock: HH:MM today, else with the date
    (so figures a stopped scheduler left behind never pass for fresh ones)."""
    if folded_at is None:
        return ""
    local, now = timezone.localtime(folded_at, merchant_tz()), timezone.localtime(timezone.now(), merchant_tz())
    return f"{local:%H:%M}" if local.date() == now.date() else f"{local:%Y-%m-%d %H:%M}"


def reports_role_required(view):
    """Managers, supervisors and superusers; agents get 403 (the figures cover every team)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not user_sees_all_cases(request.user):
            # Answered, not raised: Django would log a traceback for every agent who follows a link.
            return forbidden_response(request, _("Reports are for supervisors and managers."))
        return view(request, *args, **kwargs)

    return wrapper


@require_GET
@reports_role_required
def dashboard(request: HttpRequest) -> HttpResponse:
    month, error, status = None, "", 200
    if request.GET.get("month"):
        try:
            month = month_parse(request.GET["month"])
        except ReportMonthError as exc:
            error, status = str(exc), 400
    board = dashboard_get(month=month)
    snapshots = list(
        ReportSnapshot.objects.filter(is_current=True).only("pk", "month", "generated_at", "scheduled")[
            :SNAPSHOTS_SHOWN
        ]
    )
    context = {
        "report": board.report,
        "sections": board.sections,
        "trend_charts": board.trend_charts,
        "backlog_chart": board.backlog_chart,
        "cards": board.cards,
        "figures_as_of": _as_of_text(board.trend.as_of),
        "trend_months": TREND_MONTHS,
        "current_month": current_month(),
        "month_error": error,
        "snapshots": snapshots,
        "formats": list(FORMATS),
        "open_incidents": dashboard_open_incidents() if user_may_view_incidents(request.user) else [],
    }
    return render(request, "crm_twitter/reports/dashboard.html", context, status=status)


def _download(content: bytes, fmt: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=FORMATS[fmt][0])
    disposition = "inline" if fmt == "html" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@reports_role_required
def snapshot_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404("Unknown format")
    snapshot = get_object_or_404(ReportSnapshot, pk=pk)
    return _download(snapshot_content(snapshot, fmt), fmt, snapshot_filename(snapshot.month, fmt))


@require_GET
@reports_role_required
def export(request: HttpRequest) -> HttpResponse:
    """Render any month on demand (not stored): ``?month=2026-10&format=xlsx``."""
    fmt = request.GET.get("format", "html")
    if fmt not in FORMATS:
        return HttpResponse(
            _("Unknown format %(format)s: choose one of %(formats)s.")
            % {"format": repr(fmt), "formats": ", ".join(FORMATS)},
            status=400,
            content_type="text/plain",
        )
    try:
        month = month_parse(request.GET.get("month", ""))
    except ReportMonthError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain")
    # The page reads the rollups as of their last fold (it says when); snapshots fold first.
    data = report_generate(month=month, fold=False)
    if fmt == "xlsx":
        content = report_xlsx(data)
    else:
        content = (report_html(data) if fmt == "html" else report_csv(data)).encode("utf-8")
    return _download(content, fmt, snapshot_filename(month, fmt))
