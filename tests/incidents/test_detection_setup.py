"""Detection's settings are checked at start-up, and the tick is scheduled every minute."""

from __future__ import annotations

import pytest
from django.test import override_settings

from crm_twitter.checks import check_settings
from crm_twitter.schedules import schedule_specs
from crm_twitter.tasks.incidents import incidents_detect_task

BAD_VALUES = [
    ("INCIDENT_DETECTION_ENABLED", "yes", "crm_twitter.E190"),
    ("INCIDENT_WINDOWS_HOURS", [], "crm_twitter.E191"),
    ("INCIDENT_WINDOWS_HOURS", [1, 0], "crm_twitter.E191"),
    ("INCIDENT_WINDOWS_HOURS", [1, 500], "crm_twitter.E191"),
    ("INCIDENT_WINDOWS_HOURS", "1,6,24", "crm_twitter.E191"),
    ("INCIDENT_BASELINE_WEEKS", 0, "crm_twitter.E192"),
    ("INCIDENT_MIN_CUSTOMERS", 2.5, "crm_twitter.E192"),
    ("INCIDENT_FLOOR_PER_HOUR", 0, "crm_twitter.E193"),
    ("INCIDENT_FLOOR_PER_HOUR", "0.5", "crm_twitter.E193"),
    ("INCIDENT_P_VALUE", 1, "crm_twitter.E194"),
    ("INCIDENT_P_VALUE", 0, "crm_twitter.E194"),
    ("INCIDENT_CATEGORY_MIN_CONFIDENCE", True, "crm_twitter.E194"),
]


@pytest.mark.parametrize(("name", "value", "error_id"), BAD_VALUES, ids=lambda v: str(v)[:30])
def test_a_bad_detection_setting_stops_start_up_naming_it(name, value, error_id):
    with override_settings(CRM_TWITTER={name: value}):
        errors = check_settings()
    assert [e.id for e in errors if name in e.msg] == [error_id], [e.msg for e in errors]


def test_good_detection_settings_pass():
    good = {
        "INCIDENT_WINDOWS_HOURS": [2, 12],
        "INCIDENT_BASELINE_WEEKS": 8,
        "INCIDENT_MIN_CUSTOMERS": 5,
        "INCIDENT_FLOOR_PER_HOUR": 1,
        "INCIDENT_P_VALUE": 0.001,
        "INCIDENT_DETECTION_ENABLED": False,
    }
    with override_settings(CRM_TWITTER=good):
        assert check_settings() == []


def test_detection_runs_every_minute():
    spec = {s.name: s for s in schedule_specs()}["crm_twitter:incident-detection"]
    assert spec.func == "crm_twitter.tasks.incidents.incidents_detect_task" and spec.minutes == 1


@pytest.mark.django_db
def test_the_task_reports_what_the_tick_did():
    assert incidents_detect_task() == {
        "skipped": False,
        "surges": 0,
        "opened": [],
        "grown": [],
        "linked": 0,
        "alerts": 0,
    }
