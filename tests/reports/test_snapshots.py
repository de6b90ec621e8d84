import datetime as dt
import io

import pytest
import time_machine
from django.core import mail
from openpyxl import load_workbook

from crm_twitter.models import CaseStatus, ComplaintCategory, ReportSnapshot
from crm_twitter.reports.months import ReportMonthError
from crm_twitter.reports.snapshots import snapshot_create, snapshot_email
from crm_twitter.tasks.reports import monthly_report_task
from tests.factories import CaseFactory
from tests.reports.conftest import OCTOBER, local


def test_snapshot_stays_unchanged_after_later_edits(october, admin_user):
    snapshot = snapshot_create(month=OCTOBER, actor=admin_user)
    html_before, csv_before, xlsx_before = snapshot.html, snapshot.csv, bytes(snapshot.xlsx)

    october["c3"].category = ComplaintCategory.objects.get(slug="damaged")
    october["c3"].status = CaseStatus.RESOLVED
    october["c3"].save()
    CaseFactory(opened_at=local(2026, 10, 20, 9, 0))

    snapshot.refresh_from_db()
    assert snapshot.data["total"]["cases"] == 4
    assert (snapshot.html, snapshot.csv, bytes(snapshot.xlsx)) == (html_before, csv_before, xlsx_before)
    assert snapshot.generated_by == admin_user
    assert snapshot.month == OCTOBER


def test_regenerating_keeps_the_old_snapshot_as_not_current(october):
    first = snapshot_create(month=OCTOBER)
    CaseFactory(opened_at=local(2026, 10, 20, 9, 0))
    second = snapshot_create(month=OCTOBER)

    first.refresh_from_db()
    assert (first.is_current, second.is_current) == (False, True)
    assert (first.data["total"]["cases"], second.data["total"]["cases"]) == (4, 5)


def test_scheduled_task_creates_exactly_one_snapshot_per_month_even_if_run_twice(october):
    # Before REPORT_HOUR (06:00 local) on the report day nothing is generated yet.
    with time_machine.travel(local(2026, 11, 1, 5, 59), tick=False):
        assert monthly_report_task() is None
    assert not ReportSnapshot.objects.exists()
    # 06:30 on Nov 1 in Berlin: the month that ended is October.
    with time_machine.travel(local(2026, 11, 1, 6, 30), tick=False):
        first_pk = monthly_report_task()
        second_pk = monthly_report_task()

    assert first_pk == second_pk
    snapshot = ReportSnapshot.objects.get()
    assert (snapshot.month, snapshot.scheduled) == (OCTOBER, True)
    assert snapshot.emailed_at is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["boss@example.com"]
    assert message.subject == "Complaint report October 2026"
    assert "Complaints opened: 4" in message.body
    assert "SLA compliance: 50.0%" in message.body
    assert "Refunds: 80.00 USD (not converted: JPY)" in message.body
    ((name, content, _mimetype),) = message.attachments
    assert name == "complaint-report-2026-10.xlsx"
    assert "Categories" in load_workbook(io.BytesIO(content)).sheetnames


def test_scheduled_snapshot_is_returned_when_one_already_exists(october):
    existing = snapshot_create(month=OCTOBER, scheduled=True)
    again = snapshot_create(month=OCTOBER, scheduled=True)

    assert again.pk == existing.pk
    assert ReportSnapshot.objects.count() == 1


def test_no_recipients_means_no_email(october, settings):
    settings.CRM_TWITTER = {**settings.CRM_TWITTER, "REPORT_RECIPIENTS": []}
    snapshot = snapshot_create(month=OCTOBER)

    assert snapshot_email(snapshot=snapshot) is False
    assert mail.outbox == []


def test_a_future_month_is_refused(db, mid_november):
    with pytest.raises(ReportMonthError, match="2026-12 is in the future"):
        snapshot_create(month=dt.date(2026, 12, 1))
