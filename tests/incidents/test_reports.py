"""Incidents in the managers' dashboard (open ones first) and in the monthly report (all formats)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from crm_twitter.models import Incident, OutboundMessage
from crm_twitter.reports.csv import report_csv
from crm_twitter.reports.generator import report_generate
from crm_twitter.reports.html import report_html
from crm_twitter.reports.months import merchant_tz
from crm_twitter.reports.xlsx import report_xlsx
from tests.factories import OutboundMessageFactory
from tests.incidents.page_builders import surge_incident

pytestmark = pytest.mark.django_db


def month_of(incident):
    return timezone.localtime(incident.opened_at, merchant_tz()).date().replace(day=1)


def sent(incident, *, case=None, channel, text="We are on it", in_reply_to=""):
    return OutboundMessageFactory(
        case=case,
        recipient=case.customer_x_user if case else None,
        incident=incident,
        brand_account=incident.brand_account,
        channel=channel,
        text=text,
        in_reply_to_tweet_id=in_reply_to,
        status=OutboundMessage.Status.SENT,
    )


def test_the_dashboard_lists_open_incidents_first(client, manager):
    surge = surge_incident(title="Lost parcel · DHL · BR <b>")
    surge_incident(title="Closed one", status=Incident.Status.CLOSED)
    client.force_login(manager)
    html = client.get(reverse("crm_twitter_reports:dashboard")).content.decode()
    box = html.split('id="dash-incidents"')[1].split("</section>")[0]
    assert "1 open incident" in box
    assert f'<a href="/inbox/incidents/{surge.incident.pk}/">Lost parcel · DHL · BR &lt;b&gt;</a>' in box
    assert "6 cases" in box and "Closed one" not in box
    # First: before the month's headline cards.
    assert html.index('id="dash-incidents"') < html.index('id="dash-summary-title"')


def test_the_dashboard_without_open_incidents_shows_no_box(client, supervisor):
    surge_incident(status=Incident.Status.CLOSED)
    client.force_login(supervisor)
    html = client.get(reverse("crm_twitter_reports:dashboard")).content.decode()
    assert 'id="dash-incidents"' not in html


def test_the_dashboard_box_reads_the_incident_table_only(django_assert_num_queries):
    from crm_twitter.reports.dashboard import dashboard_open_incidents

    for i in range(3):
        surge_incident(cases=2, title=f"Surge {i}")
    with django_assert_num_queries(1):
        rows = dashboard_open_incidents()
    assert [row["incident"].title for row in rows] == ["Surge 2", "Surge 1", "Surge 0"]


def test_the_monthly_report_lists_the_incidents_with_duration_cases_cost_and_root_cause():
    surge = surge_incident(root_cause="Customs strike in São Paulo", status=Incident.Status.CLOSED)
    incident = surge.incident
    incident.closed_at = incident.opened_at + dt.timedelta(hours=30)
    incident.save(update_fields=["closed_at"])
    sent(incident, channel=OutboundMessage.Channel.POST)  # post_create 0.015
    sent(incident, case=surge.cases[0], channel=OutboundMessage.Channel.DM)  # dm_create 0.015
    sent(incident, case=surge.cases[1], channel=OutboundMessage.Channel.PUBLIC_REPLY, in_reply_to="123")  # 0.010
    failed = sent(incident, case=surge.cases[2], channel=OutboundMessage.Channel.DM)
    failed.status = OutboundMessage.Status.FAILED  # never billed
    failed.save(update_fields=["status"])
    merged = surge_incident(title="Merged away", status=Incident.Status.MERGED)
    assert merged

    data = report_generate(month=month_of(incident))

    (row,) = data.incidents
    assert row.title == "Lost parcel · DHL · BR"
    assert row.cases == 6
    assert row.duration_seconds == 30 * 3600
    assert row.cost == Decimal("0.040")
    assert row.root_cause == "Customs strike in São Paulo"

    html = report_html(data)
    section = html.split('id="report-incidents"')[1].split("</section>")[0]
    assert "<td>Lost parcel · DHL · BR</td><td>Closed</td>" in section
    assert "<td>30h 00m</td><td>6</td><td>0.04</td><td>Customs strike in São Paulo</td>" in section

    rows = list(csv.reader(io.StringIO(report_csv(data))))
    start = rows.index(["Incidents"])
    assert rows[start + 1][:7] == [
        "Incident",
        "Status",
        "Opened",
        "Closed",
        "Duration (hours)",
        "Cases",
        "X cost (USD)",
    ]
    assert rows[start + 2][0] == "Lost parcel · DHL · BR"
    assert rows[start + 2][4:8] == ["30.0", "6", "0.040", "Customs strike in São Paulo"]

    book = load_workbook(io.BytesIO(report_xlsx(data)))
    sheet = book["Incidents"]
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    found = [r for r in values if r and r[0] == "Lost parcel · DHL · BR"]
    assert found and found[0][5] == 6


def test_an_incident_still_open_counts_until_now_and_a_month_without_any_says_so():
    surge = surge_incident(opened_hours_ago=2)
    data = report_generate(month=month_of(surge.incident))
    (row,) = data.incidents
    assert row.closed_at is None and 2 * 3600 - 60 < row.duration_seconds < 2 * 3600 + 60

    earlier = report_generate(month=month_of(surge.incident) - dt.timedelta(days=40))
    assert earlier.incidents == ()
    assert "report-incidents" in report_html(earlier)
