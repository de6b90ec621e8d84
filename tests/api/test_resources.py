"""Customers, messages, lookup tables, brand accounts and report snapshots."""

from __future__ import annotations

import json

import pytest

from crm_twitter.models import ReportSnapshot
from tests.api.conftest import error_of
from tests.factories import (
    BrandAccountFactory,
    CaseFactory,
    ComplaintCategoryFactory,
    CustomerFactory,
    DirectMessageFactory,
    MediaFactory,
    OrderFactory,
    ReplyTemplateFactory,
    ReportSnapshotFactory,
    TeamMembershipFactory,
    TweetFactory,
    XUserFactory,
)

# --- customers ------------------------------------------------------------------------------------


def test_customer_comes_with_x_users_orders_and_cases(supervisor_api, team_case):
    OrderFactory(customer=team_case.customer, order_number="12121212")
    body = supervisor_api.get(f"/api/v1/customers/{team_case.customer_id}/").json()
    assert [x["handle"] for x in body["x_users"]] == [team_case.customer_x_user.handle]
    assert [o["order_number"] for o in body["orders"]] == ["12121212"]
    assert [c["id"] for c in body["cases"]] == [team_case.pk]


def test_agent_sees_only_customers_of_visible_cases(agent_api, team_case, other_case):
    ids = [c["id"] for c in agent_api.get("/api/v1/customers/").json()["results"]]
    assert ids == [team_case.customer_id]
    assert agent_api.get(f"/api/v1/customers/{other_case.customer_id}/").status_code == 404


def test_customer_lookup_by_handle(supervisor_api, db):
    x = XUserFactory(handle="Finder")
    CustomerFactory()
    ids = [c["id"] for c in supervisor_api.get("/api/v1/customers/", {"handle": "@finder"}).json()["results"]]
    assert ids == [x.customer_id]


# --- messages ------------------------------------------------------------------------------------


def test_tweets_are_read_only_and_follow_case_visibility(agent_api, team_case, other_case):
    mine = TweetFactory(case=team_case)
    TweetFactory(case=other_case)
    TweetFactory(case=None)
    ids = [t["id"] for t in agent_api.get("/api/v1/tweets/").json()["results"]]
    assert ids == [mine.pk]
    assert agent_api.post("/api/v1/tweets/", {}, format="json").status_code == 405


def test_tweets_filter_by_case(supervisor_api, team_case, other_case):
    mine = TweetFactory(case=team_case)
    TweetFactory(case=other_case)
    ids = [t["id"] for t in supervisor_api.get("/api/v1/tweets/", {"case": team_case.pk}).json()["results"]]
    assert ids == [mine.pk]


def test_direct_messages_follow_case_visibility(agent_api, team_case, other_case):
    mine = DirectMessageFactory(case=team_case)
    DirectMessageFactory(case=other_case)
    ids = [d["id"] for d in agent_api.get("/api/v1/direct-messages/").json()["results"]]
    assert ids == [mine.pk]
    assert agent_api.get(f"/api/v1/direct-messages/{mine.pk}/").json()["text"] == mine.text


# --- lookup tables -------------------------------------------------------------------------------


def test_categories_and_templates(agent_api, db):
    ComplaintCategoryFactory(slug="damaged", name="Damaged")
    template = ReplyTemplateFactory(step="acknowledge", language="de", name="API test")
    slugs = [c["slug"] for c in agent_api.get("/api/v1/categories/").json()["results"]]
    assert "damaged" in slugs
    templates = agent_api.get("/api/v1/reply-templates/", {"language": "de", "step": "acknowledge"}).json()
    assert {t["language"] for t in templates["results"]} == {"de"}
    assert template.pk in {t["id"] for t in templates["results"]}


def test_teams_list_members(agent_api, agent):
    body = agent_api.get(f"/api/v1/teams/{agent.crm_team.pk}/").json()
    assert [m["username"] for m in body["members"]] == ["alice"]


def test_accounts_never_show_credentials(agent_api, db):
    BrandAccountFactory(handle="brandhelp")
    response = agent_api.get("/api/v1/accounts/")
    text = json.dumps(response.json())
    account = response.json()["results"][0]
    assert account["has_credentials"] is True
    for secret in ("credentials", "test-bearer", "consumer", "access_token", "bearer_token", "secret"):
        assert secret not in {k for k in account if k != "has_credentials"}
    for value in ("test-bearer", "ats", "credentials_encrypted"):
        assert f'"{value}"' not in text


# --- reports -------------------------------------------------------------------------------------


def test_manager_lists_and_downloads_reports(manager_api, db):
    snapshot = ReportSnapshotFactory(
        data={"total_cases": 3}, csv="category,count\nlost,3\n", html="<h1>r</h1>", xlsx=b"PK\x03\x04fake"
    )
    listed = manager_api.get("/api/v1/reports/").json()["results"][0]
    assert "data" not in listed
    assert listed["downloads"]["csv"].endswith(f"/api/v1/reports/{snapshot.pk}/download/csv/")
    assert manager_api.get(f"/api/v1/reports/{snapshot.pk}/").json()["data"] == {"total_cases": 3}
    csv = manager_api.get(f"/api/v1/reports/{snapshot.pk}/download/csv/")
    assert csv.status_code == 200
    assert csv["Content-Type"].startswith("text/csv")
    assert b"lost,3" in csv.content
    xlsx = manager_api.get(f"/api/v1/reports/{snapshot.pk}/download/xlsx/")
    assert xlsx.content.startswith(b"PK")
    assert "attachment" in xlsx["Content-Disposition"]


def test_missing_report_file_is_404(manager_api, db):
    snapshot = ReportSnapshotFactory(csv="")
    response = manager_api.get(f"/api/v1/reports/{snapshot.pk}/download/csv/")
    assert response.status_code == 404
    error_of(response)


def test_agents_cannot_read_reports(agent_api, db):
    ReportSnapshotFactory()
    assert agent_api.get("/api/v1/reports/").status_code == 403


# --- query counts on every list endpoint ------------------------------------------------------------


def _make_rows(n: int) -> None:
    for i in range(n):
        case = CaseFactory()
        TeamMembershipFactory(team=case.team) if case.team else None
        TweetFactory(case=case, brand_account=case.brand_account, author=case.customer_x_user)
        MediaFactory(tweet=TweetFactory(case=case, brand_account=case.brand_account))
        dm = DirectMessageFactory(case=case, brand_account=case.brand_account, sender=case.customer_x_user)
        MediaFactory(direct_message=dm)
        OrderFactory(customer=case.customer)
        ComplaintCategoryFactory()
        ReplyTemplateFactory()
        TeamMembershipFactory()
        ReportSnapshotFactory(month=f"2025-{i % 12 + 1:02d}-01")


LIST_ENDPOINTS = [
    "/api/v1/cases/?queue=all",
    "/api/v1/customers/",
    "/api/v1/orders/",
    "/api/v1/tweets/",
    "/api/v1/direct-messages/",
    "/api/v1/categories/",
    "/api/v1/reply-templates/",
    "/api/v1/teams/",
    "/api/v1/accounts/",
    "/api/v1/reports/",
]


@pytest.mark.parametrize("endpoint", LIST_ENDPOINTS)
def test_list_query_count_does_not_depend_on_rows_or_page_size(manager_api, django_assert_max_num_queries, endpoint):
    sep = "&" if "?" in endpoint else "?"
    _make_rows(2)
    with django_assert_max_num_queries(8):
        small = manager_api.get(f"{endpoint}{sep}page_size=1")
    _make_rows(20)
    with django_assert_max_num_queries(8):
        big = manager_api.get(f"{endpoint}{sep}page_size=500")
    assert small.status_code == big.status_code == 200
    assert len(big.json()["results"]) > len(small.json()["results"]) or endpoint.endswith("accounts/")


assert ReportSnapshot  # imported for readers: the model the reports endpoint serves
