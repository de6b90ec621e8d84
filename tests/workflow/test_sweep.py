"""The every-minute SLA sweep: breaches, missed promises, escalation, notifications — bounded queries."""

from __future__ import annotations

import datetime as dt

import pytest

from crm_twitter.models import Case, CaseEvent, CaseStatus, Notification, Promise
from crm_twitter.services.sla import sla_sweep
from crm_twitter.tasks.workflow import sla_sweep_task
from tests.factories import CaseFactory, PromiseFactory

from .conftest import NOW

H = dt.timedelta(hours=1)


def _overdue_case(team=None, assignee=None, due=NOW - H, **kwargs):
    return CaseFactory(
        team=team,
        assignee=assignee,
        status=kwargs.pop("status", CaseStatus.IN_DM),
        opened_at=NOW - 10 * H,
        first_response_at=NOW - 9 * H,
        sla_next_response_due=due,
        sla_resolution_due=NOW + 50 * H,
        sla_due_at=due,
        **kwargs,
    )


def test_breach_is_marked_recorded_escalated_and_notified(
    frozen, make_team, mailoutbox, django_capture_on_commit_callbacks
):
    team = make_team(agents=1, supervisors=1)
    agent, boss = team.agents[0], team.supervisors[0]
    case = _overdue_case(team=team, assignee=agent)
    with django_capture_on_commit_callbacks(execute=True):
        result = sla_sweep()
    assert result.breached == 1
    case.refresh_from_db()
    assert case.sla_breached_at == NOW and case.is_overdue
    assert case.escalation_level == 1
    event = case.events.get(kind=CaseEvent.Kind.SLA_BREACHED)
    assert event.data == {"clock": "next_response"} and "next response" in event.message
    escalated = case.events.get(kind=CaseEvent.Kind.ESCALATED)
    assert escalated.data["rule"] == "sla_breached" and escalated.data["level"] == 1
    notified = set(
        Notification.objects.filter(case=case, kind=Notification.Kind.SLA_BREACHED).values_list("user_id", flat=True)
    )
    assert notified == {agent.pk, boss.pk}
    assert {m.to[0] for m in mailoutbox} == {agent.email, boss.email}
    assert case.reference in mailoutbox[0].body


def test_team_supervisors_address_gets_the_sweep_digest(
    frozen, make_team, mailoutbox, django_capture_on_commit_callbacks
):
    team = make_team(agents=1)
    team.supervisors_email = "leads@example.com"
    team.save()
    first, second = _overdue_case(team=team, assignee=team.agents[0]), _overdue_case(team=team)
    with django_capture_on_commit_callbacks(execute=True):
        sla_sweep()
    leads = [m for m in mailoutbox if m.to == ["leads@example.com"]]
    assert len(leads) == 1
    assert first.reference in leads[0].body and second.reference in leads[0].body


def test_a_second_sweep_does_not_repeat_itself(frozen, make_team):
    team = make_team(agents=1)
    case = _overdue_case(team=team, assignee=team.agents[0])
    sla_sweep()
    frozen.shift(dt.timedelta(minutes=1))
    result = sla_sweep()
    assert result.breached == 0
    assert case.events.filter(kind=CaseEvent.Kind.SLA_BREACHED).count() == 1
    # The first sweep's breach and escalation, to the assignee; nothing from the second.
    assert sorted(Notification.objects.values_list("kind", flat=True)) == ["escalated", "sla_breached"]


def test_a_later_clock_can_breach_again_but_escalates_only_once(frozen):
    case = _overdue_case()
    sla_sweep()
    # The agent answered; the customer wrote; that next response is late too.
    Case.objects.filter(pk=case.pk).update(sla_due_at=NOW + H, sla_next_response_due=NOW + H)
    frozen.shift(2 * H)
    assert sla_sweep().breached == 1
    case.refresh_from_db()
    assert case.events.filter(kind=CaseEvent.Kind.SLA_BREACHED).count() == 2
    assert case.escalation_level == 1


def test_not_yet_due_paused_and_closed_cases_are_left_alone(frozen):
    _overdue_case(due=NOW + H)
    _overdue_case(sla_paused_at=NOW - 2 * H)
    _overdue_case(status=CaseStatus.RESOLVED)
    _overdue_case(status=CaseStatus.NOT_ACTIONABLE)
    assert sla_sweep().breached == 0
    assert not CaseEvent.objects.exists()


def test_first_response_breach_names_the_first_response_clock(frozen):
    case = CaseFactory(
        opened_at=NOW - 5 * H, sla_first_response_due=NOW - H, sla_resolution_due=NOW + 60 * H, sla_due_at=NOW - H
    )
    sla_sweep()
    assert case.events.get(kind=CaseEvent.Kind.SLA_BREACHED).data == {"clock": "first_response"}


def test_promise_past_its_deadline_is_missed_escalates_and_notifies(frozen, make_team):
    team = make_team(agents=1, supervisors=1)
    case = CaseFactory(team=team, assignee=team.agents[0], status=CaseStatus.PENDING_MERCHANT)
    promise = PromiseFactory(case=case, due_at=NOW - dt.timedelta(minutes=1), description="Refund by Friday")
    kept = PromiseFactory(case=case, due_at=NOW - H, status=Promise.Status.KEPT)
    later = PromiseFactory(case=case, due_at=NOW + H)
    result = sla_sweep()
    assert result.promises_missed == 1
    promise.refresh_from_db(), kept.refresh_from_db(), later.refresh_from_db(), case.refresh_from_db()
    assert (promise.status, kept.status, later.status) == ("missed", "kept", "open")
    assert promise.resolved_at == NOW
    assert case.is_overdue and case.escalation_level == 2
    event = case.events.get(kind=CaseEvent.Kind.PROMISE_MISSED)
    assert event.data["promise_id"] == promise.pk and "Refund by Friday" in event.message
    assert Notification.objects.filter(kind=Notification.Kind.PROMISE_MISSED).count() == 2


def test_escalation_never_lowers_and_stops_at_3(frozen):
    high = _overdue_case(escalation_level=3)
    sla_sweep()
    high.refresh_from_db()
    assert high.escalation_level == 3
    assert not high.events.filter(kind=CaseEvent.Kind.ESCALATED).exists()


def test_rule_level_zero_turns_the_rule_off(frozen, settings):
    settings.CRM_TWITTER = {**getattr(settings, "CRM_TWITTER", {}), "ESCALATION": {"SLA_BREACH_LEVEL": 0}}
    case = _overdue_case()
    sla_sweep()
    case.refresh_from_db()
    assert case.is_overdue and case.escalation_level == 0


@pytest.mark.parametrize("n", [20, 120])
def test_sweep_uses_a_fixed_number_of_queries_however_many_cases(frozen, make_team, n, django_assert_max_num_queries):
    team = make_team(agents=2, supervisors=1)
    for i in range(n):
        case = _overdue_case(team=team, assignee=team.agents[i % 2])
        PromiseFactory(case=case, due_at=NOW - H)
    with django_assert_max_num_queries(20):
        result = sla_sweep()
    assert result.breached == n and result.promises_missed == n
    assert Case.objects.filter(is_overdue=True, escalation_level=2).count() == n
    assert CaseEvent.objects.filter(kind=CaseEvent.Kind.ESCALATED).count() == 2 * n
    # Breach, missed promise and one escalation (to the level reached) per case, to its assignee and supervisor.
    assert Notification.objects.count() == 3 * n * 2
    assert Notification.objects.filter(kind=Notification.Kind.ESCALATED, message__contains="level 2").count() == n * 2


def test_the_task_calls_the_sweep(frozen):
    _overdue_case()
    assert sla_sweep_task()["breached"] == 1
