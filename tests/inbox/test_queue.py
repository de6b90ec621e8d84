"""The queue page: live counts, urgency order, filters, search, pagination, refresh, query bounds."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from crm_twitter.models import CaseStatus
from tests.factories import (
    BrandAccountFactory,
    ComplaintCategoryFactory,
    OrderFactory,
    TeamFactory,
    TweetFactory,
    UserFactory,
    XUserFactory,
)

QUEUE = reverse("crm_twitter_inbox:queue")


def rows(response):
    return [case.pk for case in response.context["rows"]]


def counts(response):
    return {item["key"]: item["count"] for item in response.context["queues"]}


def test_each_queue_shows_its_live_count(client, agent, team_case):
    now = timezone.now()
    team_case(assignee=agent)
    team_case()
    team_case(escalation_level=2)
    team_case(is_overdue=True, sla_due_at=now - dt.timedelta(hours=1))
    team_case(status=CaseStatus.AWAITING_CUSTOMER, assignee=agent)
    team_case(status=CaseStatus.RESOLVED, resolved_at=now)
    team_case(status=CaseStatus.CLOSED, resolved_at=now)
    client.force_login(agent)
    response = client.get(QUEUE, {"queue": "all_open"})
    assert counts(response) == {
        "mine": 2,
        "unassigned": 3,
        "escalated": 1,
        "overdue": 1,
        "awaiting_customer": 1,
        "all_open": 5,
        "resolved": 2,
    }
    assert b"My cases" in response.content and b"Awaiting customer" in response.content


def test_agent_sees_the_unassigned_cases_of_their_teams_only(client, agent, team_case):
    from tests.factories import CaseFactory

    ours = team_case()
    team_case(assignee=agent)  # owned: not unassigned
    other_team = CaseFactory(team=TeamFactory())  # unassigned, but another team's
    client.force_login(agent)
    response = client.get(QUEUE, {"queue": "unassigned"})
    assert rows(response) == [ours.pk]
    assert counts(response)["unassigned"] == 1
    assert rows(client.get(QUEUE, {"queue": "all_open", "assignee": "none"})) == [ours.pk]
    assert other_team.pk not in rows(client.get(QUEUE, {"queue": "all_open"}))


def test_agent_starts_on_my_cases_and_supervisor_on_all_open(client, agent, supervisor):
    client.force_login(agent)
    assert client.get(QUEUE).context["queue"] == "mine"
    client.force_login(supervisor)
    assert client.get(QUEUE).context["queue"] == "all_open"


def test_most_urgent_case_comes_first(client, agent, team_case):
    now = timezone.now()
    later = team_case(sla_due_at=now + dt.timedelta(hours=5))
    no_sla = team_case(sla_due_at=None)
    overdue = team_case(sla_due_at=now - dt.timedelta(minutes=5))
    same_due_escalated = team_case(sla_due_at=now + dt.timedelta(hours=5), escalation_level=2)
    client.force_login(agent)
    response = client.get(QUEUE, {"queue": "all_open"})
    assert rows(response) == [overdue.pk, same_due_escalated.pk, later.pk, no_sla.pk]
    assert b"late" in response.content  # the overdue countdown


def test_row_shows_what_an_agent_triages_by(client, agent, team_case):
    category = ComplaintCategoryFactory(slug="damaged-x", name="Damaged goods")
    case = team_case(
        language="de",
        category=category,
        escalation_level=1,
        assignee=agent,
        last_message_preview="Das Paket ist kaputt\nzweite Zeile",
    )
    client.force_login(agent)
    html = client.get(QUEUE, {"queue": "all_open"}).content.decode()
    assert case.customer_x_user.handle in html
    assert "Das Paket ist kaputt" in html and "zweite Zeile" not in html
    assert "DE" in html and "Damaged goods" in html and "L1" in html and "You" in html


@pytest.mark.parametrize(
    "param",
    ["status", "category", "language", "team", "assignee", "escalation", "reach_min", "brand_account", "opened"],
)
def test_filters_narrow_the_queue(client, supervisor, param):
    now = timezone.now()
    category = ComplaintCategoryFactory(slug="refund-late", name="Refund late")
    team = TeamFactory()
    other_account = BrandAccountFactory()
    agent_b = UserFactory(username="bob", roles=["crm_agent"])
    from tests.factories import CaseFactory

    wanted = CaseFactory(
        status=CaseStatus.IN_DM,
        category=category,
        language="ja",
        team=team,
        assignee=agent_b,
        escalation_level=2,
        reach=50_000,
        brand_account=other_account,
        opened_at=now - dt.timedelta(days=10),
    )
    other = CaseFactory(opened_at=now)
    query = {
        "status": {"status": "in_dm"},
        "category": {"category": "refund-late"},
        "language": {"language": "ja"},
        "team": {"team": str(team.pk)},
        "assignee": {"assignee": str(agent_b.pk)},
        "escalation": {"escalation": "2"},
        "reach_min": {"reach_min": "10000"},
        "brand_account": {"brand_account": str(other_account.pk)},
        "opened": {"opened_to": (now - dt.timedelta(days=5)).date().isoformat()},
    }[param]
    client.force_login(supervisor)
    response = client.get(QUEUE, {"queue": "all_open", **query})
    assert response.status_code == 200
    assert rows(response) == [wanted.pk], response.context["form"].errors
    assert other.pk not in rows(response)


@pytest.mark.parametrize("how", ["handle", "at_handle", "name", "order", "tracking", "reference", "text"])
def test_search_finds_a_case_by_what_the_agent_knows(client, supervisor, how):
    from tests.factories import CaseFactory

    who = XUserFactory(handle="PaulineP", name="Pauline Dubois")
    case = CaseFactory(customer=who.customer, customer_x_user=who, reference="CS-2026-004242")
    order = OrderFactory(order_number="77001234", tracking_number="LP00123456789CN")
    case.orders.add(order)
    TweetFactory(case=case, author=who, text="@acmehelp the blender arrived cracked")
    CaseFactory()
    term = {
        "handle": "pauline" + "p",
        "at_handle": "@PaulineP",
        "name": "dubois",
        "order": "77001234",
        "tracking": "LP00123456789CN",
        "reference": "cs-2026-004242",
        "text": "blender arrived",
    }[how]
    client.force_login(supervisor)
    assert rows(client.get(QUEUE, {"queue": "all_open", "q": term})) == [case.pk]


def test_pages_of_cases_without_counting_everything(client, supervisor, settings):
    from tests.factories import CaseFactory

    settings.CRM_TWITTER = {**settings.CRM_TWITTER, "INBOX_PAGE_SIZE": 3}
    now = timezone.now()
    cases = [CaseFactory(sla_due_at=now + dt.timedelta(minutes=i)) for i in range(7)]
    client.force_login(supervisor)
    first = client.get(QUEUE, {"queue": "all_open"})
    assert rows(first) == [c.pk for c in cases[:3]]
    assert first.context["next_url"] and not first.context["prev_url"]
    third = client.get(QUEUE, {"queue": "all_open", "page": 3})
    assert rows(third) == [cases[6].pk]
    assert not third.context["next_url"] and third.context["prev_url"]


def test_auto_refresh_returns_rows_and_fresh_counts_only(client, agent, team_case):
    team_case()
    client.force_login(agent)
    response = client.get(QUEUE, {"queue": "unassigned"}, headers={"HX-Request": "true", "HX-Target": "queue-results"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<div id="queue-results"')
    assert 'hx-swap-oob="true"' in html  # queue counts refreshed alongside
    assert "<html" not in html
    full = client.get(QUEUE, {"queue": "unassigned"}).content.decode()
    assert 'hx-trigger="every 20s' in full


def test_empty_queue_says_what_to_do(client, agent):
    client.force_login(agent)
    response = client.get(QUEUE, {"queue": "mine"})
    assert b"Take a case from Unassigned" in response.content


def test_names_and_messages_are_shown_as_text(client, agent, team_case):
    who = XUserFactory(name='<img src=x onerror="alert(1)">', handle="evil")
    team_case(customer=who.customer, customer_x_user=who, last_message_preview="<script>alert('x')</script>")
    client.force_login(agent)
    html = client.get(QUEUE, {"queue": "all_open"}).content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html


@pytest.mark.parametrize(
    "queue", ["mine", "unassigned", "escalated", "overdue", "awaiting_customer", "all_open", "resolved"]
)
def test_queue_page_query_count_does_not_grow_with_cases(
    client, agent, team_case, django_assert_max_num_queries, queue
):
    def add(n):
        for i in range(n):
            team_case(
                assignee=agent if i % 2 else None,
                escalation_level=i % 3,
                is_overdue=i % 4 == 0,
                category=ComplaintCategoryFactory(slug=f"c{i % 3}"),
                status=CaseStatus.RESOLVED if i % 5 == 0 else CaseStatus.NEW,
            )

    client.force_login(agent)
    add(2)
    with django_assert_max_num_queries(16):
        client.get(QUEUE, {"queue": queue})
    add(40)
    with django_assert_max_num_queries(16):
        response = client.get(QUEUE, {"queue": queue, "q": "parcel"})
    assert response.status_code == 200
    with django_assert_max_num_queries(19):  # an identifier search adds its three index lookups
        response = client.get(QUEUE, {"queue": queue, "q": "40001234"})
    assert response.status_code == 200


def test_search_form_submits_to_the_bare_queue_path_so_the_url_does_not_grow(client, agent, team_case):
    """htmx appends a GET form's fields to ``hx-get``: an empty one means "the current URL with its
    query string", so every search made the pushed URL longer."""
    team_case(assignee=agent)
    client.force_login(agent)
    html = client.get(QUEUE, {"queue": "mine", "q": "parcel", "status": "new"}).content.decode()
    assert f'hx-get="{QUEUE}" hx-target="#queue-results"' in html
    assert 'hx-get=""' not in html


def test_queue_header_counts_what_the_filters_match(client, agent, team_case, settings):
    matching = XUserFactory(handle="needle_customer")
    team_case(assignee=agent, customer=matching.customer, customer_x_user=matching)
    for _ in range(3):
        team_case(assignee=agent)
    client.force_login(agent)

    unfiltered = client.get(QUEUE, {"queue": "mine"})
    assert unfiltered.context["header_count"] == "4"
    searched = client.get(QUEUE, {"queue": "mine", "q": "@needle_customer"})
    assert rows(searched) and searched.context["header_count"] == "1"
    assert 'class="count-pill" title="Cases matching the filters">1</span>' in searched.content.decode()
    assert counts(searched)["mine"] == 4  # the sidebar still counts the whole queue

    settings.CRM_TWITTER = {**settings.CRM_TWITTER, "INBOX_PAGE_SIZE": 2}
    paged = client.get(QUEUE, {"queue": "mine", "status": "new"})
    assert len(rows(paged)) == 2 and paged.context["next_url"]
    assert paged.context["header_count"] == "4"  # counted, not just this page's rows
