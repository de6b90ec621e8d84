"""Queue counts and date filters as the sidebar and the filter form show them (docs/scale.md).

The counts are capped (the page says "999+") and, for an agent, counted in two parts (their teams'
cases; cases assigned to them elsewhere) so PostgreSQL reads them from an index at any size. The
numbers must still be exactly what the queues list below the cap.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from crm_twitter.models import CaseStatus, TeamMembership
from crm_twitter.selectors import queues
from crm_twitter.selectors.queues import QUEUES, case_list, case_queue_counts
from tests.factories import CaseFactory, TeamFactory, TeamMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    mine, other = TeamFactory(), TeamFactory()
    agent = TeamMembershipFactory(team=mine).user
    colleague = TeamMembershipFactory(team=other).user
    soon = timezone.now() + dt.timedelta(hours=2)
    late = timezone.now() - dt.timedelta(hours=1)
    made = [
        CaseFactory(team=mine, status=CaseStatus.NEW, sla_due_at=soon),  # unassigned, my team
        CaseFactory(team=mine, status=CaseStatus.IN_DM, assignee=agent, escalation_level=2, sla_due_at=soon),
        CaseFactory(team=mine, status=CaseStatus.AWAITING_CUSTOMER, assignee=colleague, sla_due_at=soon),
        # Assigned to the agent outside their team, and with no team: theirs all the same.
        CaseFactory(team=other, status=CaseStatus.NEW, assignee=agent, is_overdue=True, sla_due_at=late),
        CaseFactory(team=None, status=CaseStatus.PENDING_MERCHANT, assignee=agent, sla_due_at=soon),
        # Not the agent's to see: another team's, unassigned or someone else's.
        CaseFactory(team=other, status=CaseStatus.NEW, sla_due_at=soon),
        CaseFactory(team=other, status=CaseStatus.IN_DM, assignee=colleague, escalation_level=1, sla_due_at=soon),
        # Resolved: one in the team, one the agent resolved elsewhere, one not theirs.
        CaseFactory(team=mine, status=CaseStatus.RESOLVED, resolved_at=timezone.now()),
        CaseFactory(team=other, status=CaseStatus.CLOSED, assignee=agent, resolved_at=timezone.now()),
        CaseFactory(team=other, status=CaseStatus.RESOLVED, resolved_at=timezone.now()),
    ]
    supervisor = UserFactory(roles=["crm_supervisor"])
    return agent, supervisor, made


def listed(user) -> dict[str, int]:
    return {queue: case_list(user=user, queue=queue).count() for queue in QUEUES}


def test_an_agents_counts_are_what_their_queues_list(desk):
    agent, _supervisor, _made = desk

    counts = case_queue_counts(user=agent, max_age=0)

    assert counts == listed(agent)
    assert counts == {
        "mine": 3,  # in the team, outside it, and without a team
        "unassigned": 1,
        "escalated": 1,
        "overdue": 1,
        "awaiting_customer": 1,
        "all_open": 5,
        "resolved": 2,
    }


def test_a_supervisors_counts_are_every_teams(desk):
    _agent, supervisor, _made = desk

    counts = case_queue_counts(user=supervisor, max_age=0)

    assert counts == listed(supervisor)
    assert counts["all_open"] == 7 and counts["resolved"] == 3 and counts["unassigned"] == 2


def test_counts_stop_past_the_cap_even_across_the_agents_two_parts(desk, monkeypatch):
    agent, supervisor, _made = desk
    monkeypatch.setattr(queues, "RESOLVED_COUNT_CAP", 2)

    counts = case_queue_counts(user=agent, max_age=0)

    # 3 "mine" (1 through the team + 2 outside it) and 5 open: "2+" on the page, never more than 3.
    assert counts["mine"] == 3 and counts["all_open"] == 3
    assert counts["resolved"] == 2 and counts["unassigned"] == 1
    assert case_queue_counts(user=supervisor, max_age=0)["all_open"] == 3


def test_counting_takes_the_same_queries_whatever_the_number_of_cases(desk):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    agent, supervisor, _made = desk

    def queries(user) -> int:
        with CaptureQueriesContext(connection) as ctx:
            case_queue_counts(user=user, max_age=0)
        return len(ctx.captured_queries)

    queries(agent), queries(supervisor)  # (a user's roles are looked up once)
    before = (queries(agent), queries(supervisor))
    team = TeamMembership.objects.get(user=agent).team
    for _ in range(12):
        CaseFactory(team=team, status=CaseStatus.NEW, assignee=agent)
        CaseFactory(status=CaseStatus.RESOLVED, resolved_at=timezone.now())

    assert (queries(agent), queries(supervisor)) == before
    assert before == (2, 1)  # the agent's teams, then one statement counting every queue


def test_the_opened_date_range_is_whole_days_in_the_current_time_zone(desk):
    _agent, supervisor, _made = desk
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    late_on_the_10th = CaseFactory(
        status=CaseStatus.NEW, opened_at=dt.datetime(2026, 3, 10, 23, 30, tzinfo=berlin)
    )  # 22:30 UTC on the 10th
    early_on_the_11th = CaseFactory(
        status=CaseStatus.NEW, opened_at=dt.datetime(2026, 3, 11, 0, 30, tzinfo=berlin)
    )  # 23:30 UTC on the 10th
    first_minute = CaseFactory(status=CaseStatus.NEW, opened_at=dt.datetime(2026, 3, 10, 0, 0, tzinfo=berlin))

    with timezone.override(berlin):
        on_the_10th = set(case_list(user=supervisor, filters={"opened_from": "2026-03-10", "opened_to": "2026-03-10"}))
        from_the_11th = set(case_list(user=supervisor, filters={"opened_from": "2026-03-11"}))

    assert on_the_10th == {late_on_the_10th, first_minute}
    assert early_on_the_11th in from_the_11th and late_on_the_10th not in from_the_11th
