"""The monthly report task (scheduled hourly by ``crm_twitter.schedules``)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import timezone

from crm_twitter.conf import app_settings
from crm_twitter.reports.months import previous_month
from crm_twitter.reports.snapshots import snapshot_create, snapshot_email


def monthly_report_task(now: dt.datetime | None = None) -> int | None:
    """Store (once) and e-mail (once) the report of the month that just ended.

    It runs every hour rather than on a cron line because django-q2 reads cron in the cluster's
    time zone, while the report day and hour are the merchant's (``CRM_TWITTER['TIME_ZONE']``).
    Before ``REPORT_DAY`` at ``REPORT_HOUR`` local time it does nothing; after it, the scheduled
    snapshot's uniqueness makes every later run a no-op, and a run missed while workers were down
    is caught up by the next one.
    """
    now = now or timezone.now()
    local = now.astimezone(zoneinfo.ZoneInfo(app_settings.TIME_ZONE))
    if (local.day, local.hour) < (app_settings.REPORT_DAY, app_settings.REPORT_HOUR):
        return None
    snapshot = snapshot_create(month=previous_month(now), scheduled=True)
    snapshot_email(snapshot=snapshot)
    return snapshot.pk
