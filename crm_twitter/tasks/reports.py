"""The monthly report task (scheduled by ``crm_twitter.schedules``)."""

from __future__ import annotations

from crm_twitter.reports.months import previous_month
from crm_twitter.reports.snapshots import snapshot_create, snapshot_email


def monthly_report_task() -> int:
    """Store (once) and e-mail (once) the report of the month that just ended, merchant time zone."""
    snapshot = snapshot_create(month=previous_month(), scheduled=True)
    snapshot_email(snapshot=snapshot)
    return snapshot.pk
