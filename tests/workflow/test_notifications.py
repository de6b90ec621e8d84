"""One notification writer: every path that tells people something writes the same rows and sends
the same e-mails (crm_twitter/services/notifications.py).

The paths: a single change (a manual escalation), the batch intake (a case opened by a message
that @-mentions an executive), the every-minute SLA sweep (a breach) and X sync's alerts.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction

from crm_twitter.models import ApiCall, CaseStatus, Notification, TeamMembership
from crm_twitter.services.escalation import case_escalate
from crm_twitter.services.sla import sla_sweep
from crm_twitter.x.sync import account_sync
from tests.factories import BrandAccountFactory, CaseFactory, TeamMembershipFactory, UserFactory

from .conftest import NOW

H = dt.timedelta(hours=1)


@pytest.fixture
def desk(make_team):
    """An agent's team with an active supervisor, a deactivated one and a supervisors' address."""
    team = make_team(agents=1, supervisors=1)
    team.supervisors_email = "leads@example.com"
    team.save()
    gone = UserFactory(username="gone", roles=["crm_supervisor"], is_active=False)
    TeamMembershipFactory(team=team, user=gone, role=TeamMembership.Role.SUPERVISOR)
    return team


def _by_hand(team):
    case = CaseFactory(team=team, assignee=team.agents[0])
    case_escalate(case=case, actor=None, reason="Journalist asking")
    return case, Notification.Kind.ESCALATED


def _by_batch_intake(team, open_case):
    case = open_case(mentions_executive=True)  # routed to the team's agent, escalated by rule
    assert case.assignee_id == team.agents[0].pk
    return case, Notification.Kind.ESCALATED


def _by_sweep(team):
    case = CaseFactory(
        team=team,
        assignee=team.agents[0],
        status=CaseStatus.IN_DM,
        opened_at=NOW - 10 * H,
        first_response_at=NOW - 9 * H,
        sla_next_response_due=NOW - H,
        sla_resolution_due=NOW + 50 * H,
        sla_due_at=NOW - H,
    )
    sla_sweep()
    return case, Notification.Kind.SLA_BREACHED


@pytest.mark.parametrize("path", ["single change", "batch intake", "SLA sweep"])
def test_every_path_tells_the_assignee_and_active_supervisors_and_mails_them_and_the_team(
    frozen, desk, open_case, mailoutbox, django_capture_on_commit_callbacks, path
):
    with django_capture_on_commit_callbacks(execute=True):
        if path == "single change":
            case, kind = _by_hand(desk)
        elif path == "batch intake":
            case, kind = _by_batch_intake(desk, open_case)
        else:
            case, kind = _by_sweep(desk)
    agent, boss = desk.agents[0], desk.supervisors[0]
    rows = list(Notification.objects.filter(kind=kind).values_list("user_id", "case_id", "created_at", "read_at"))
    assert sorted(rows) == sorted([(agent.pk, case.pk, NOW, None), (boss.pk, case.pk, NOW, None)])
    told = {m.to[0]: m.body for m in mailoutbox if case.reference in m.body}
    assert set(told) == {agent.email, boss.email, "leads@example.com"}
    message = Notification.objects.filter(kind=kind).values_list("message", flat=True).first()
    assert all(message in body for body in told.values())


@pytest.mark.parametrize("path", ["single change", "batch intake", "SLA sweep"])
def test_every_path_that_escalates_tells_the_same_people_in_the_same_words(
    frozen, desk, open_case, mailoutbox, django_capture_on_commit_callbacks, path
):
    """The sweep escalated a breached case without an ESCALATED notification; the other paths sent one."""
    with django_capture_on_commit_callbacks(execute=True):
        if path == "single change":
            case, _ = _by_hand(desk)
        elif path == "batch intake":
            case, _ = _by_batch_intake(desk, open_case)
        else:
            case, _ = _by_sweep(desk)
    case.refresh_from_db()
    agent, boss = desk.agents[0], desk.supervisors[0]
    rows = Notification.objects.filter(kind=Notification.Kind.ESCALATED, case=case)
    assert sorted(rows.values_list("user_id", flat=True)) == sorted([agent.pk, boss.pk])
    expected = f"{case.reference} escalated to level {case.escalation_level}: {case.escalation_reason}"
    assert set(rows.values_list("message", flat=True)) == {expected}
    told = {m.to[0] for m in mailoutbox if expected in m.body}
    assert told == {agent.email, boss.email, "leads@example.com"}


def test_a_manual_assignment_tells_the_new_assignee_and_the_active_supervisors_only(frozen, desk):
    """Manual assignment read the team's supervisors itself and told the deactivated one too."""
    from crm_twitter.services.routing import case_assign

    case = CaseFactory(team=desk)
    case_assign(case=case, assignee=desk.agents[0], actor=None)
    told = Notification.objects.filter(case=case, kind=Notification.Kind.ASSIGNED).values_list("user_id", flat=True)
    assert sorted(told) == sorted([desk.agents[0].pk, desk.supervisors[0].pk])


def test_no_path_mails_when_notify_by_email_is_off(
    frozen, desk, open_case, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.CRM_TWITTER = {**getattr(settings, "CRM_TWITTER", {}), "NOTIFY_BY_EMAIL": False}
    with django_capture_on_commit_callbacks(execute=True):
        _by_hand(desk)
        _by_batch_intake(desk, open_case)
        _by_sweep(desk)
    assert Notification.objects.count() >= 6
    assert mailoutbox == []


def test_a_rolled_back_sweep_mails_nobody(frozen, desk, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        _by_sweep(desk)
        transaction.set_rollback(True)
    assert mailoutbox == [] and not Notification.objects.exists()


def test_a_sync_alert_is_stored_and_mailed_to_supervisors_and_managers_once_a_day(
    frozen, mailoutbox, django_capture_on_commit_callbacks
):
    supervisor = UserFactory(roles=["crm_supervisor"])
    manager = UserFactory(roles=["crm_manager"])
    UserFactory(roles=["crm_agent"])
    brand = BrandAccountFactory(credentials={}, monthly_budget=Decimal("1.00"))
    ApiCall.objects.create(account=brand, endpoint="GET /2/users/:id/mentions", cost=Decimal("1.00"))
    with django_capture_on_commit_callbacks(execute=True):
        assert account_sync(account_id=brand.pk).stopped_reason == "budget"
    alerts = Notification.objects.filter(kind=Notification.Kind.SYNC_ALERT)
    assert set(alerts.values_list("user_id", flat=True)) == {supervisor.pk, manager.pk}
    assert {m.to[0] for m in mailoutbox} == {supervisor.email, manager.email}
    assert all("monthly X budget reached" in m.body for m in mailoutbox)

    # The same trouble an hour later is not news.
    type(brand).objects.filter(pk=brand.pk).update(sync_health="ok")
    frozen.shift(H)
    with django_capture_on_commit_callbacks(execute=True):
        account_sync(account_id=brand.pk)
    assert alerts.count() == 2 and len(mailoutbox) == 2
