"""The monthly report task (scheduled hourly by ``crm_twitter.schedules``)."""

from __future__ import annotations

import datetime as dt

from crm_twitter.reports.snapshots import monthly_report_run
from crm_twitter.services.rollups import rollups_fold


def monthly_report_task(now: dt.datetime | None = None) -> int | None:
    """Runs every hour rather than on a cron line because django-q2 reads cron in the cluster's
    time zone, while the report day and hour are the merchant's (see ``monthly_report_run``)."""
    snapshot = monthly_report_run(now=now)
    return snapshot.pk if snapshot else None


def rollups_fold_task() -> int:
    """Fold what changed since the last run into the report rollups (scheduled every few minutes),
    so the dashboard's "figures as of" stays recent; returns the rows written."""
    return rollups_fold().rows
