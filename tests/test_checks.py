"""Bad CRM_TWITTER values stop start-up with a message that names the setting."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

from crm_twitter.checks import check_settings

ROOT = Path(__file__).resolve().parents[1]

BAD_VALUES = [
    ("API_BASE_URL", "ftp://api.x.com"),
    ("API_BASE_URL", "not a url"),
    ("HTTP_TIMEOUT_SECONDS", 0),
    ("SYNC_INTERVAL_SECONDS", -5),
    ("SYNC_INTERVAL_SECONDS", 5),  # below SYNC_MIN_INTERVAL_SECONDS
    ("MAX_PAGES_PER_SYNC", "50"),
    ("INBOX_PAGE_SIZE", True),
    ("TIME_ZONE", "Mars/Olympus_Mons"),
    ("REPORTING_CURRENCY", "usd"),
    ("PRICES", {"post_read": "free"}),
    ("PRICES", "0.005"),
    ("BUDGET_SLOWDOWN_RATIO", 1.5),
    ("ORDER_NUMBER_PATTERNS", {"*": ["([0-9"]}),
    ("ORDER_NUMBER_PATTERNS", ["\\d+"]),
    ("TRACKING_NUMBER_PATTERNS", ["(unclosed"]),
    ("TRACKING_NUMBER_PATTERNS", "\\d+"),
    ("SLA_DEFAULTS", {"urgent": {"first_response": 0, "next_response": 60, "resolution": 600}}),
    ("REPORT_DAY", 31),
    ("REPORT_HOUR", 24),
    ("REPORT_RECIPIENTS", ["not-an-address"]),
    ("ENCRYPTION_KEY", "short"),
    ("ENCRYPTION_KEY", []),
    ("API_THROTTLE_RATE", "lots"),
]


def test_the_default_settings_pass_the_checks():
    with override_settings(CRM_TWITTER={}):
        assert check_settings() == []


@pytest.mark.parametrize(("name", "value"), BAD_VALUES, ids=lambda v: str(v)[:30])
def test_a_bad_value_is_rejected_naming_the_setting(name, value):
    with override_settings(CRM_TWITTER={name: value}):
        errors = check_settings()
    assert errors, f"{name}={value!r} passed the checks"
    assert any(name in error.msg for error in errors), [e.msg for e in errors]
    assert all(error.id.startswith("crm_twitter.E") for error in errors)


def test_an_unknown_setting_is_flagged_with_its_name():
    with override_settings(CRM_TWITTER={"SYNC_INTERVALL_SECONDS": 60}):
        errors = check_settings()
    assert [e.id for e in errors] == ["crm_twitter.E001"]
    assert "SYNC_INTERVALL_SECONDS" in errors[0].msg


def test_a_non_dict_setting_is_refused():
    with override_settings(CRM_TWITTER=["API_BASE_URL"]):
        errors = check_settings()
    assert errors and "CRM_TWITTER" in errors[0].msg


def test_a_list_of_encryption_keys_for_rotation_is_accepted():
    keys = ["a-new-passphrase-of-enough-length", "the-old-passphrase-of-enough-length"]
    with override_settings(CRM_TWITTER={"ENCRYPTION_KEY": keys}):
        assert check_settings() == []


def test_bad_settings_stop_manage_py_check():
    env = {**os.environ, "DEBUG": "1", "CRM_TWITTER_API_BASE_URL": "gopher://nowhere"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "API_BASE_URL" in result.stderr + result.stdout
