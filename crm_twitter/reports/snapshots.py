"""Stored monthly reports: a past month's figures and files never change after they are made."""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from crm_twitter.conf import app_settings
from crm_twitter.models import ReportSnapshot
from crm_twitter.reports.csv import report_csv
from crm_twitter.reports.generator import report_generate, report_to_dict
from crm_twitter.reports.html import report_html
from crm_twitter.reports.months import month_first, month_validate, previous_month
from crm_twitter.reports.xlsx import report_xlsx
from crm_twitter.services.preferences import address_languages

logger = logging.getLogger(__name__)

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {
    "html": ("text/html; charset=utf-8", "html"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": (XLSX_MIME, "xlsx"),
}


def snapshot_filename(month: dt.date, fmt: str) -> str:
    return f"complaint-report-{month:%Y-%m}.{FORMATS[fmt][1]}"


def snapshot_content(snapshot: ReportSnapshot, fmt: str) -> bytes:
    if fmt == "xlsx":
        return bytes(snapshot.xlsx)
    return getattr(snapshot, fmt).encode("utf-8")


def _pct_text(value) -> str:
    return "—" if value is None else f"{value:.1f}%"


def snapshot_create(*, month: dt.date, actor=None, scheduled: bool = False) -> ReportSnapshot:
    """Generate the month's report and store its data and rendered files.

    Scheduled snapshots are unique per month (a database constraint): when the schedule fires
    twice, the second run returns the snapshot the first one stored. A manual (re)generation
    always stores a new snapshot and marks the month's earlier ones as no longer current — they
    are kept, so what was sent to managers can still be read.
    """
    month = month_validate(month_first(month))
    if scheduled:
        existing = ReportSnapshot.objects.filter(month=month, scheduled=True).first()
        if existing:
            return existing
    data = report_generate(month=month)
    fields = {
        "data": report_to_dict(data),
        "html": report_html(data),
        "csv": report_csv(data),
        "xlsx": report_xlsx(data),
    }
    try:
        with transaction.atomic():
            ReportSnapshot.objects.filter(month=month, is_current=True).update(is_current=False)
            return ReportSnapshot.objects.create(
                month=month, generated_by=actor, scheduled=scheduled, is_current=True, **fields
            )
    except IntegrityError:
        if not scheduled:
            raise
        # Another worker stored this month's scheduled snapshot between our check and insert.
        return ReportSnapshot.objects.get(month=month, scheduled=True)


def snapshot_email(*, snapshot: ReportSnapshot, recipients: list[str] | None = None, force: bool = False) -> bool:
    """E-mail the snapshot to ``REPORT_RECIPIENTS`` with the XLSX attached; once per snapshot.

    The snapshot is claimed with a conditional update before sending, so two workers running the
    same schedule send one e-mail. ``force`` re-sends (an admin asking for it again).
    Returns whether an e-mail was sent.
    """
    to = list(recipients if recipients is not None else app_settings.REPORT_RECIPIENTS)
    if not to:
        return False
    now = timezone.now()
    claimed = ReportSnapshot.objects.filter(pk=snapshot.pk)
    if not force:
        claimed = claimed.filter(emailed_at__isnull=True)
    if not claimed.update(emailed_at=now):
        return False
    # One e-mail per language: a recipient who is a desk user with a chosen language reads it in
    # that language, everyone else in the site's. The XLSX is the stored file, as it was made.
    languages = address_languages(to)
    by_language: dict[str, list[str]] = {}
    for address in to:
        by_language.setdefault(languages.get(address.strip().lower(), settings.LANGUAGE_CODE), []).append(address)
    try:
        for language, addresses in by_language.items():
            with translation.override(language):
                _snapshot_message(snapshot, addresses).send()
    except Exception:
        # Let the next run try again rather than believing it was sent.
        ReportSnapshot.objects.filter(pk=snapshot.pk, emailed_at=now).update(emailed_at=None)
        raise
    snapshot.emailed_at = now
    logger.info("Complaint report %s e-mailed to %d recipient(s)", f"{snapshot.month:%Y-%m}", len(to))
    return True


def _snapshot_message(snapshot: ReportSnapshot, to: list[str]) -> EmailMessage:
    """The report e-mail in the active language, the XLSX attached."""
    data = snapshot.data or {}
    total = data.get("total") or {}
    refunds = data.get("refunds") or {}
    month = date_format(snapshot.month, "YEAR_MONTH_FORMAT")
    lines = [
        gettext("The complaint report for %(month)s (%(time_zone)s) is attached.")
        % {"month": month, "time_zone": data.get("time_zone", "")},
        "",
        gettext("Complaints opened: %(n)s") % {"n": total.get("cases", 0)},
        gettext("Resolved: %(n)s") % {"n": total.get("resolved", 0)},
        gettext("SLA compliance: %(pct)s") % {"pct": _pct_text(total.get("sla_compliance_pct"))},
        gettext("Escalation rate: %(pct)s") % {"pct": _pct_text(total.get("escalation_rate_pct"))},
        gettext("Refunds: %(amount)s %(currency)s")
        % {"amount": refunds.get("converted_total", "0.00"), "currency": refunds.get("reporting_currency", "")}
        + (
            gettext(" (not converted: %(currencies)s)") % {"currencies": ", ".join(refunds["unconverted_currencies"])}
            if refunds.get("unconverted_currencies")
            else ""
        ),
        "",
        gettext("The XLSX attachment has every section with its figures and charts."),
    ]
    message = EmailMessage(
        subject=gettext("Complaint report %(month)s") % {"month": month},
        body="\n".join(lines),
        to=to,
    )
    message.attach(snapshot_filename(snapshot.month, "xlsx"), bytes(snapshot.xlsx), XLSX_MIME)
    return message


def monthly_report_run(*, now: dt.datetime | None = None) -> ReportSnapshot | None:
    """Store (once) and e-mail (once) the report of the month that just ended.

    The report is due from ``REPORT_DAY`` at ``REPORT_HOUR`` in the merchant's time zone
    (``CRM_TWITTER['TIME_ZONE']``); before that nothing happens. After it, the scheduled
    snapshot's uniqueness makes every later run a no-op, and a run missed while workers were down
    is caught up by the next one.
    """
    now = now or timezone.now()
    local = now.astimezone(zoneinfo.ZoneInfo(app_settings.TIME_ZONE))
    if (local.day, local.hour) < (app_settings.REPORT_DAY, app_settings.REPORT_HOUR):
        return None
    # Stored files are rendered in the site's language, whatever a previous task activated.
    with translation.override(settings.LANGUAGE_CODE):
        snapshot = snapshot_create(month=previous_month(now), scheduled=True)
        snapshot_email(snapshot=snapshot)
    return snapshot
