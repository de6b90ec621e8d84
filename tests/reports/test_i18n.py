"""The managers' dashboard and the reports admin speak Simplified Chinese when the browser asks."""

import pytest
from django.urls import reverse
from django.utils import translation

from crm_twitter.models import ReportSnapshot
from crm_twitter.reports.snapshots import snapshot_create
from tests.reports.conftest import OCTOBER

ZH = {"Accept-Language": "zh-hans"}


@pytest.fixture(autouse=True)
def english_afterwards():
    """LocaleMiddleware leaves the request's language active in the thread: reset it for later tests."""
    yield
    translation.activate("en")


def test_dashboard_is_in_chinese_for_a_chinese_browser(client, october, manager):
    client.force_login(manager)

    html = client.get(reverse("crm_twitter_reports:dashboard") + "?month=2026-10", headers=ZH).content.decode()

    assert "投诉看板" in html  # Complaint dashboard
    assert "新增投诉" in html  # the "Complaints opened" card
    assert "按类别统计的工单" in html  # the "Cases by category" table title
    assert "Complaint dashboard" not in html


def test_dashboard_stays_english_by_default(client, october, manager):
    client.force_login(manager)

    html = client.get(reverse("crm_twitter_reports:dashboard") + "?month=2026-10").content.decode()

    assert "Complaint dashboard" in html
    assert "Cases by category" in html


def test_a_bad_month_is_explained_in_chinese(client, october, manager):
    client.force_login(manager)

    response = client.get(reverse("crm_twitter_reports:dashboard") + "?month=soon", headers=ZH)

    assert response.status_code == 400
    assert "不是有效月份" in response.content.decode()


def test_reports_admin_labels_are_in_chinese(client, october, admin_user):
    snapshot_create(month=OCTOBER)
    client.force_login(admin_user)

    html = client.get(reverse("admin:crm_twitter_reportsnapshot_changelist"), headers=ZH).content.decode()

    assert ReportSnapshot.objects.count() == 1
    assert "月份" in html  # the Month column
    assert "重新生成所选月份" in html  # the regenerate action
