"""The queue reads that stay flat at 1M cases list what the plain ordered query lists (docs/scale.md).

An agent's Unassigned queue is read with the agent's teams as literal ids, and for an agent in
several teams one ordered read per team, merged; the resolved queue over a wide opening-date range
is read one month of opening at a time, merged. Which cases a page shows, in which order, on which
page, and the header count must not depend on the way the page was read.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm_twitter.models import CaseStatus, TeamMembership
from crm_twitter.selectors import queues
from crm_twitter.selectors.queues import (
    BY_MONTH,
    BY_TEAM,
    WALK,
    CaseFilters,
    _case_list_planned,
    case_list,
    case_list_count,
    case_list_page,
)
from tests.factories import (
    BrandAccountFactory,
    CaseFactory,
    ComplaintCategoryFactory,
    CustomerFactory,
    TeamFactory,
    TeamMembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

OPEN_STATUSES = (CaseStatus.NEW, CaseStatus.ACKNOWLEDGED, CaseStatus.IN_DM, CaseStatus.PENDING_MERCHANT)


def page_ids(user, queue: str, filters: dict, *, page_size: int, pages: int) -> list[int]:
    """Every id the queue pages list, page after page (each page read as the inbox reads it)."""
    found = []
    for page in range(pages):
        found += [
            row.pk
            for row in case_list_page(
                user=user, queue=queue, filters=CaseFilters.from_dict(filters), offset=page * page_size, limit=page_size
            )
        ]
    return found


def plan_of(user, queue: str, filters: dict) -> str:
    return _case_list_planned(user=user, queue=queue, filters=CaseFilters.from_dict(filters))[1]


# --- an agent's Unassigned queue --------------------------------------------------------------------


@pytest.fixture
def two_team_agent():
    """An agent in a German and a French team, with a backlog in each, a third team's cases they
    must not see, and cases that tie on due time (so the order's later keys decide)."""
    agent = UserFactory(roles=["crm_agent"])
    german, french, other = TeamFactory(languages=["de"]), TeamFactory(languages=["fr"]), TeamFactory()
    TeamMembershipFactory(team=german, user=agent)
    TeamMembershipFactory(team=french, user=agent)
    brand, customer = BrandAccountFactory(), CustomerFactory()
    now = timezone.now().replace(microsecond=0)
    due_times = [now + dt.timedelta(hours=h) for h in (3, 1, 2, 1)] + [None]
    cases = []
    for n, (team, due, escalation, score) in enumerate(
        itertools.product((german, french, other), due_times, (0, 2), (10, 50))
    ):
        cases.append(
            CaseFactory(
                team=team,
                brand_account=brand,
                customer=customer,
                customer_x_user=None,
                status=OPEN_STATUSES[n % len(OPEN_STATUSES)],
                language="fr" if (team == french) != (n % 7 == 0) else "de",
                sla_due_at=due,
                escalation_level=escalation,
                priority_score=score,
                opened_at=now - dt.timedelta(minutes=n % 5),
            )
        )
    CaseFactory(team=german, assignee=agent, status=CaseStatus.NEW, language="de")  # not unassigned
    CaseFactory(team=german, status=CaseStatus.RESOLVED, language="de", resolved_at=now)  # not open
    return agent, cases, {german.pk, french.pk}


def urgency(case) -> tuple:
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return (case.sla_due_at or far, -case.escalation_level, -case.priority_score, case.opened_at, case.pk)


@pytest.mark.parametrize(
    "filters",
    [{}, {"language": "de"}, {"language": "fr", "escalation": "1"}, {"status": "in_dm"}, {"language": "ja"}],
)
def test_an_agents_unassigned_queue_in_several_teams_is_each_teams_read_merged(two_team_agent, filters):
    agent, cases, team_ids = two_team_agent
    expected = sorted(
        (
            c
            for c in cases
            if c.team_id in team_ids
            and c.assignee_id is None
            and (not filters.get("language") or c.language == filters["language"])
            and c.escalation_level >= int(filters.get("escalation", 0))
            and (not filters.get("status") or c.status == filters["status"])
        ),
        key=urgency,
    )

    assert plan_of(agent, "unassigned", filters) == BY_TEAM
    assert page_ids(agent, "unassigned", filters, page_size=7, pages=12) == [c.pk for c in expected]
    # The one ordered query (what the API pages through) lists the same cases in the same order.
    assert [c.pk for c in case_list(user=agent, queue="unassigned", filters=filters)] == [c.pk for c in expected]
    assert case_list_count(user=agent, queue="unassigned", filters=filters) == len(expected)


def test_assignee_nobody_in_my_cases_is_read_the_same_way(two_team_agent):
    agent, cases, team_ids = two_team_agent
    expected = sorted((c for c in cases if c.team_id in team_ids and c.language == "de"), key=urgency)

    filters = {"assignee": "none", "language": "de"}
    assert plan_of(agent, "all_open", filters) == BY_TEAM
    assert page_ids(agent, "all_open", filters, page_size=5, pages=10) == [c.pk for c in expected]


def leave_all_teams_but(agent, team_id: int) -> None:
    TeamMembership.objects.filter(user=agent).exclude(team_id=team_id).delete()


def test_one_teams_agent_reads_the_queue_at_once_with_the_team_as_a_value(
    two_team_agent, django_assert_max_num_queries
):
    agent, cases, team_ids = two_team_agent
    german = min(team_ids)
    leave_all_teams_but(agent, german)
    expected = sorted((c for c in cases if c.team_id == german and c.language == "de"), key=urgency)
    filters = CaseFilters(language="de")

    assert plan_of(agent, "unassigned", {"language": "de"}) == WALK
    # The team list is read once for the page and its header count: the team list, the ids, the rows,
    # their small related objects (team, account) and the count.
    with django_assert_max_num_queries(6) as captured:
        rows = case_list_page(user=agent, queue="unassigned", filters=filters, limit=50)
        count = case_list_count(user=agent, queue="unassigned", filters=filters)
    assert [row.pk for row in rows] == [c.pk for c in expected]
    assert count == len(expected)
    membership_reads = [q["sql"] for q in captured.captured_queries if "teammembership" in q["sql"]]
    assert len(membership_reads) == 1
    ids_read = next(
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith('SELECT "crm_twitter_case"."id" AS "id" FROM')
    )
    assert "teammembership" not in ids_read and f'"team_id" IN ({german})' in ids_read


def test_a_supervisor_sees_every_teams_unassigned_cases_in_one_read(two_team_agent):
    _agent, cases, _team_ids = two_team_agent
    supervisor = UserFactory(roles=["crm_supervisor"])

    assert plan_of(supervisor, "unassigned", {}) == WALK
    assert page_ids(supervisor, "unassigned", {}, page_size=20, pages=5) == [
        c.pk for c in sorted((c for c in cases if c.assignee_id is None), key=urgency)
    ]


def test_an_agent_without_a_team_has_no_unassigned_cases(two_team_agent):
    loner = UserFactory(roles=["crm_agent"])

    assert case_list_page(user=loner, queue="unassigned", filters={}) == []
    assert case_list_count(user=loner, queue="unassigned", filters={}) == 0


# --- the resolved queue over a wide range of opening dates ------------------------------------------


@pytest.fixture
def resolved_years():
    """Resolved and closed cases opened every nine days over two years (across month and year ends),
    resolved after one hour to five months, so later openings are not always later resolutions;
    some cases share a resolution time (the id decides), a few have another category."""
    supervisor = UserFactory(roles=["crm_supervisor"])
    brand, customer = BrandAccountFactory(), CustomerFactory()
    special = ComplaintCategoryFactory(slug="damaged")
    first = timezone.now().replace(microsecond=0) - dt.timedelta(days=800)
    made = []
    for n in range(80):
        opened = first + dt.timedelta(days=9 * n, hours=n % 24)
        resolved = opened + dt.timedelta(hours=(1, 30, 400, 3600)[n % 4])
        if n % 10 == 3:
            resolved = made[-1].resolved_at  # a tie on resolution time
        made.append(
            CaseFactory(
                brand_account=brand,
                customer=customer,
                customer_x_user=None,
                status=CaseStatus.CLOSED if n % 3 == 0 else CaseStatus.RESOLVED,
                category=special if n % 5 == 0 else None,
                opened_at=opened,
                resolved_at=resolved,
            )
        )
    CaseFactory(brand_account=brand, customer=customer, status=CaseStatus.NEW, opened_at=first + dt.timedelta(days=90))
    return supervisor, made, first.date()


def in_queue_order(cases, filters: dict) -> list[int]:
    def opened_day(case):
        return timezone.localdate(case.opened_at)

    kept = [
        c
        for c in cases
        if (not filters.get("opened_from") or opened_day(c) >= filters["opened_from"])
        and (not filters.get("opened_to") or opened_day(c) <= filters["opened_to"])
        and (not filters.get("category") or (c.category and c.category.slug == filters["category"]))
    ]
    return [c.pk for c in sorted(kept, key=lambda c: (c.resolved_at, c.pk), reverse=True)]


@pytest.mark.parametrize(
    "range_days",
    [
        {"opened_from": 0, "opened_to": 400},  # a year, old
        {"opened_from": 37, "opened_to": 521},  # starting and ending inside months
        {"opened_from": 200},  # open at its end
        {"opened_to": 650},  # open at its start
        {"opened_from": 100, "opened_to": 700, "category": "damaged"},
    ],
)
@pytest.mark.parametrize("plan", ["by month", "walk", "sorted range"])
def test_the_resolved_queue_over_a_wide_range_lists_the_same_pages_however_read(
    resolved_years, monkeypatch, range_days, plan
):
    supervisor, made, first_day = resolved_years
    filters = {
        key: (first_day + dt.timedelta(days=value) if key.startswith("opened") else value)
        for key, value in range_days.items()
    }
    # The month read is chosen for a range too wide to sort; the walk when it spans too many months.
    monkeypatch.setattr(queues, "NARROW_RANGE_CASES", 10_000 if plan == "sorted range" else 0)
    if plan == "walk":
        monkeypatch.setattr(queues, "MONTH_SLICES_MAX", 0)
    expected = in_queue_order(made, filters)
    assert len(expected) >= 8

    assert page_ids(supervisor, "resolved", filters, page_size=6, pages=15) == expected
    assert [c.pk for c in case_list(user=supervisor, queue="resolved", filters=filters)] == expected
    assert case_list_count(user=supervisor, queue="resolved", filters=filters) == len(expected)
    if plan == "by month":
        assert plan_of(supervisor, "resolved", filters) == BY_MONTH


def test_a_search_too_common_to_list_walks_the_queue_over_a_wide_range(resolved_years, monkeypatch):
    # Such a search filters by subqueries over names and messages, which a read per month would run
    # once a month: the page walks the queue instead, and still lists the same cases.
    supervisor, made, first_day = resolved_years
    monkeypatch.setattr(queues, "NARROW_RANGE_CASES", 0)
    monkeypatch.setattr(queues, "SEARCH_MATCH_CAP", 0)
    name = made[0].customer.display_name
    filters = {"opened_from": first_day, "opened_to": first_day + dt.timedelta(days=500), "q": name}

    assert plan_of(supervisor, "resolved", filters) == WALK
    assert page_ids(supervisor, "resolved", filters, page_size=10, pages=10) == in_queue_order(made, filters)


def test_a_month_read_page_runs_as_many_queries_for_two_years_as_for_two_months(resolved_years, monkeypatch):
    supervisor, _made, first_day = resolved_years
    monkeypatch.setattr(queues, "NARROW_RANGE_CASES", 0)
    queries = {}
    for days in (60, 730):
        filters = CaseFilters(opened_from=first_day, opened_to=first_day + dt.timedelta(days=days))
        with CaptureQueriesContext(connection) as captured:
            rows = case_list_page(user=supervisor, queue="resolved", filters=filters, limit=5)
        assert len(rows) == 5
        queries[days] = [q["sql"] for q in captured.captured_queries if '"crm_twitter_case"' in q["sql"]]

    # The range's size check, the merged ids of every month (one statement), the rows (then the
    # rows' categories, accounts…, as on any page).
    assert len(queries[60]) == len(queries[730]) == 3
    assert "UNION ALL" in queries[730][1] and queries[730][1].count("UNION ALL") == 24


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own indexes (migration 0021)")
def test_each_month_read_is_a_range_of_the_month_index_in_queue_order(resolved_years, monkeypatch):
    supervisor, _made, first_day = resolved_years
    monkeypatch.setattr(queues, "NARROW_RANGE_CASES", 0)
    filters = CaseFilters(opened_from=first_day, opened_to=first_day + dt.timedelta(days=400))
    qs, _plan = _case_list_planned(user=supervisor, queue="resolved", filters=filters)
    one_month = queues._month_slices(qs.select_related(None), filters)[3]
    sql, params = one_month.values_list("id", "resolved_at")[:51].query.sql_with_params()
    with connection.cursor() as cursor:
        # A few dozen rows make any plan cheap; forbid the table scan to see which index answers.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(line for (line,) in cursor.fetchall())

    assert "crm_tw_case_done_month" in plan and "Sort" not in plan, plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own indexes (migration 0021)")
def test_one_teams_unassigned_language_is_an_index_range_in_queue_order(two_team_agent):
    agent, _cases, team_ids = two_team_agent
    leave_all_teams_but(agent, min(team_ids))
    qs = case_list(user=agent, queue="unassigned", filters={"language": "de", "escalation": "1"})
    sql, params = qs.select_related(None).values_list("id", flat=True)[:51].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(line for (line,) in cursor.fetchall())

    assert "crm_tw_case_unassigned_lang" in plan and "Sort" not in plan, plan


def test_an_agents_queue_page_reads_the_agents_teams_once(two_team_agent, client):
    agent, _cases, _team_ids = two_team_agent
    client.force_login(agent)

    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("crm_twitter_inbox:queue"), {"queue": "unassigned", "language": "de"})

    assert response.status_code == 200
    membership_reads = [q["sql"] for q in captured.captured_queries if 'FROM "crm_twitter_teammembership"' in q["sql"]]
    # The rows, the header count and the sidebar's counts share one read of the agent's teams.
    assert len(membership_reads) == 1, membership_reads
