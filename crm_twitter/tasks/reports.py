"""The monthly report task (scheduled hourly by ``crm_twitter.schedules``)."""

from __future__ import annotations

import datetime as dt
import logging

from crm_twitter.reports.dashboard import dashboard_warm
from crm_twitter.reports.snapshots import monthly_report_run
from crm_twitter.services.rollups import rollups_fold

logger = logging.getLogger(__name__)


def monthly_report_task(now: dt.datetime | None = None) -> int | None:
    """Runs every hour rather than on a cron line because django-q2 reads cron in the cluster's
    time zone, while the report day and hour are the merchant's (see ``monthly_report_run``)."""
    snapshot = monthly_report_run(now=now)
    return snapshot.pk if snapshot else None


def rollups_fold_task() -> int:
    """Fold what changed since the last run into the report rollups (scheduled every few minutes),
    so the dashboard's "figures as of" stays recent; returns the rows written. Days only the fold's
    self-check found changed were written behind Django's back: logged, since changes on older days
    made the same way stay out of the figures until a rebuild (docs/reports.md)."""
    result = rollups_fold()
    if result.unexplained:
        logger.warning(
            "Report rollups: %d recent day(s) changed outside the app (raw SQL?), refolded: %s. "
            "Older days changed that way need `crm_twitter_rollups --rebuild`.",
            len(result.unexplained),
            ", ".join(d.isoformat() for d in result.unexplained),
        )
    # The dashboard is kept per fold: build this fold's now, off the managers' request path. A
    # failure here must not fail the fold (its rows are committed); the page builds it on demand.
    try:
        dashboard_warm()
    except Exception:
        logger.exception("Report rollups: building the dashboard after the fold failed")
    return result.rows
