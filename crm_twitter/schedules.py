"""The django-q2 schedules crm_twitter needs; `crm_twitter_schedules` registers them idempotently.

Only schedules whose name starts with ``crm_twitter:`` are ever touched, so a host project's own
schedules are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScheduleSpec:
    name: str
    func: str
    minutes: int
    schedule_type: str = "I"  # django_q.models.Schedule.MINUTES: every schedule here is a simple interval


def schedule_specs() -> list[ScheduleSpec]:
    from crm_twitter.conf import app_settings

    sync_minutes = max(1, app_settings.SYNC_INTERVAL_SECONDS // 60)
    return [
        ScheduleSpec("crm_twitter:sync-due-accounts", "crm_twitter.tasks.sync.sync_due_accounts", minutes=sync_minutes),
        ScheduleSpec("crm_twitter:outbound-drain", "crm_twitter.tasks.outbound.outbound_drain_task", minutes=1),
        ScheduleSpec("crm_twitter:sla-sweep", "crm_twitter.tasks.workflow.sla_sweep_task", minutes=1),
        # Brand replies and DMs stored before the thread they answer (routing converges; docs/routing.md).
        ScheduleSpec("crm_twitter:parked-messages", "crm_twitter.tasks.workflow.parked_messages_route_task", minutes=5),
        ScheduleSpec(
            "crm_twitter:category-suggest", "crm_twitter.tasks.workflow.cases_suggest_pending_task", minutes=1
        ),
        ScheduleSpec(
            "crm_twitter:category-retrain", "crm_twitter.tasks.workflow.category_models_retrain_task", minutes=24 * 60
        ),
        ScheduleSpec("crm_twitter:profile-refresh", "crm_twitter.tasks.sync.profile_refresh_task", minutes=60),
        # Webhook deliveries whose task was lost, and failed ones (backoff; crm_twitter.x.deliveries).
        ScheduleSpec(
            "crm_twitter:webhook-catch-up", "crm_twitter.tasks.sync.webhook_deliveries_catch_up_task", minutes=1
        ),
        ScheduleSpec("crm_twitter:media-archive", "crm_twitter.tasks.evidence.media_archive_task", minutes=1),
        # Surges of the same complaint open and grow incidents (services/incident_detection.py).
        ScheduleSpec("crm_twitter:incident-detection", "crm_twitter.tasks.incidents.incidents_detect_task", minutes=1),
        # The dashboard and report read daily rollups; this folds in what changed ("figures as of").
        ScheduleSpec("crm_twitter:rollups-fold", "crm_twitter.tasks.reports.rollups_fold_task", minutes=5),
        # Hourly: the task itself waits for REPORT_DAY/REPORT_HOUR in the merchant's time zone.
        ScheduleSpec("crm_twitter:monthly-report", "crm_twitter.tasks.reports.monthly_report_task", minutes=60),
    ]
