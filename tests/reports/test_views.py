import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from crm_twitter.models import ReportSnapshot
from crm_twitter.reports.snapshots import snapshot_create
from tests.reports.conftest import OCTOBER

DASHBOARD = "crm_twitter_reports:dashboard"


def test_dashboard_requires_login(client, db):
    response = client.get(reverse(DASHBOARD))

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_agents_are_refused(client, agent):
    client.force_login(agent)

    assert client.get(reverse(DASHBOARD)).status_code == 403
    assert client.get(reverse("crm_twitter_reports:export") + "?month=2026-10&format=csv").status_code == 403


@pytest.mark.parametrize("role", ["supervisor", "manager", "admin_user"])
def test_supervisors_managers_and_superusers_see_the_dashboard(
    client, october, role, request, django_assert_max_num_queries
):
    client.force_login(request.getfixturevalue(role))
    snapshot_create(month=OCTOBER)

    with django_assert_max_num_queries(30):  # 17 report + 5 trend + snapshots + session/user/roles
        response = client.get(reverse(DASHBOARD) + "?month=2026-10")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-chart="volume"' in html
    assert 'data-chart="first_response"' in html
    assert 'data-chart="resolution"' in html
    assert 'data-chart="backlog"' in html
    assert 'data-chart="categories"' in html
    assert "<td>Damaged</td><td>2</td><td>50.0%</td>" in html
    # Open backlog on Nov 15: c3 (Oct 31) and the Nov 1 case are 14–30 days old; c7 and last year's case older.
    assert "<td>14–30 days</td><td>2</td>" in html
    assert reverse("crm_twitter_reports:snapshot_download", args=[ReportSnapshot.objects.get().pk, "xlsx"]) in html


def test_dashboard_defaults_to_the_current_month_so_far(client, october, manager):
    client.force_login(manager)

    response = client.get(reverse(DASHBOARD))

    assert response.status_code == 200
    assert response.context["report"].month.isoformat() == "2026-11-01"
    assert response.context["report"].is_partial


@pytest.mark.parametrize(
    ("month", "message"),
    [
        ("2026-13", "the month number must be 01 to 12"),
        ("2027-02", "2027-02 is in the future"),
        ("soon", "is not a month"),
    ],
)
def test_bad_month_is_refused_with_a_clear_message(client, manager, mid_november, month, message):
    client.force_login(manager)

    response = client.get(reverse(DASHBOARD), {"month": month})

    assert response.status_code == 400
    assert message in response.content.decode()


def test_snapshot_downloads(client, october, manager, agent):
    snapshot = snapshot_create(month=OCTOBER)
    client.force_login(manager)

    xlsx = client.get(reverse("crm_twitter_reports:snapshot_download", args=[snapshot.pk, "xlsx"]))
    csv = client.get(reverse("crm_twitter_reports:snapshot_download", args=[snapshot.pk, "csv"]))
    unknown = client.get(reverse("crm_twitter_reports:snapshot_download", args=[snapshot.pk, "pdf"]))

    assert 'filename="complaint-report-2026-10.xlsx"' in xlsx["Content-Disposition"]
    assert "Categories" in load_workbook(io.BytesIO(xlsx.content)).sheetnames
    assert csv.content.decode().startswith("Complaint report October 2026")
    assert unknown.status_code == 404
    client.force_login(agent)
    assert client.get(reverse("crm_twitter_reports:snapshot_download", args=[snapshot.pk, "csv"])).status_code == 403


def test_export_renders_any_month_on_demand_and_refuses_bad_input(client, october, manager):
    client.force_login(manager)
    url = reverse("crm_twitter_reports:export")

    ok = client.get(url, {"month": "2026-10", "format": "csv"})
    bad_format = client.get(url, {"month": "2026-10", "format": "pdf"})
    bad_month = client.get(url, {"month": "10/2026", "format": "csv"})

    assert "Damaged,2,50.0" in ok.content.decode()
    assert bad_format.status_code == 400
    assert "Unknown format 'pdf'" in bad_format.content.decode()
    assert bad_month.status_code == 400
    assert "write it as YYYY-MM" in bad_month.content.decode()
