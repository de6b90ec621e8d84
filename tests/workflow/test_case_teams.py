"""Who may be handed a case, assignment across teams, a supervisor moving a case, and lowering an
escalation (issue #15 item 8, issue #16 bug 5): the rules live in the services."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from crm_twitter.models import CaseEvent, Notification, TeamMembership
from crm_twitter.services.case_teams import case_move_team
from crm_twitter.services.errors import CaseRuleError, NotPermitted
from crm_twitter.services.escalation import case_escalate
from crm_twitter.services.routing import case_assign
from tests.factories import CaseFactory, TeamFactory, TeamMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fallback():
    return TeamFactory(name="Follow-the-sun", languages=[], is_fallback=True)


@pytest.fixture
def chinese():
    return TeamFactory(name="中文", languages=["zh"])


def _member(team, **user_fields):
    return TeamMembershipFactory(team=team, **({"user": UserFactory(**user_fields)} if user_fields else {})).user


# --- who may be handed a case ---------------------------------------------------------------------


def test_a_case_is_not_handed_to_a_team_member_without_a_desk_role(supervisor, fallback):
    no_role = _member(fallback, username="intern", roles=[])
    case = CaseFactory(team=fallback)
    with pytest.raises(CaseRuleError) as refused:
        case_assign(case=case, assignee=no_role, actor=supervisor)
    assert refused.value.code == "not_on_roster" and "no desk role" in refused.value.message
    case.refresh_from_db()
    assert case.assignee is None


def test_a_read_only_manager_is_not_assignable(supervisor, manager, fallback):
    TeamMembershipFactory(team=fallback, user=manager)
    with pytest.raises(CaseRuleError) as refused:
        case_assign(case=CaseFactory(team=fallback), assignee=manager, actor=supervisor)
    assert refused.value.code == "not_on_roster"


def test_an_agent_an_admin_made_read_only_is_not_assignable(supervisor, fallback):
    read_only = UserFactory(username="readonly_agent", roles=["crm_agent"])
    TeamMembershipFactory(team=fallback, user=read_only)
    agent_group = read_only.groups.get(name="crm_agent")
    agent_group.permissions.remove(
        Permission.objects.get(codename="change_case", content_type__app_label="crm_twitter")
    )
    with pytest.raises(CaseRuleError):
        case_assign(case=CaseFactory(team=fallback), assignee=read_only, actor=supervisor)


def test_assigning_a_member_of_another_team_moves_the_case_to_their_team_speaking_its_language(
    supervisor, fallback, chinese
):
    japanese = TeamFactory(name="日本語", languages=["ja"])
    agent_zh = UserFactory(username="agent_zh", roles=["crm_agent"])
    TeamMembershipFactory(team=japanese, user=agent_zh)
    TeamMembershipFactory(team=chinese, user=agent_zh)
    case = CaseFactory(team=fallback, language="zh")

    case = case_assign(case=case, assignee=agent_zh, actor=supervisor)

    assert (case.team, case.assignee) == (chinese, agent_zh)
    event = case.events.get(kind=CaseEvent.Kind.ASSIGNED)
    assert event.data["from_team_id"] == fallback.pk and event.data["team_id"] == chinese.pk
    assert "moves to 中文" in event.message


def test_an_agent_in_no_team_is_refused_with_the_reason(supervisor, fallback):
    loose = UserFactory(username="loose_agent", roles=["crm_agent"])
    with pytest.raises(CaseRuleError) as refused:
        case_assign(case=CaseFactory(team=fallback), assignee=loose, actor=supervisor)
    assert refused.value.code == "no_team" and "Add them to a team" in refused.value.message


def test_a_supervisor_works_any_team_so_the_case_stays_where_it_is(supervisor, fallback, chinese):
    case = case_assign(case=CaseFactory(team=chinese, language="zh"), assignee=supervisor, actor=supervisor)
    assert (case.team, case.assignee) == (chinese, supervisor)


# --- a supervisor moves a case ---------------------------------------------------------------------


def test_a_supervisor_moves_a_case_and_its_assignee_stays_only_if_they_work_the_new_team(supervisor, fallback, chinese):
    oncall = _member(fallback)
    lead = UserFactory(username="zh_lead", roles=["crm_supervisor"])
    TeamMembershipFactory(team=chinese, user=lead, role=TeamMembership.Role.SUPERVISOR)
    case = CaseFactory(team=fallback, assignee=oncall, language="zh")

    case = case_move_team(case=case, team=chinese, actor=supervisor, reason="Chinese-speaking team")

    assert (case.team, case.assignee) == (chinese, None)
    routed = case.events.get(kind=CaseEvent.Kind.ROUTED)
    assert routed.actor == supervisor and routed.data["from_team_id"] == fallback.pk
    assert routed.message.endswith("Chinese-speaking team")
    unassigned = case.events.get(kind=CaseEvent.Kind.ASSIGNED)
    assert unassigned.data["from_assignee_id"] == oncall.pk
    assert Notification.objects.filter(user=lead, case=case, message__contains="waiting for an agent").exists()


def test_an_assignee_who_works_the_new_team_keeps_the_case(supervisor, fallback, chinese):
    both = _member(fallback)
    TeamMembershipFactory(team=chinese, user=both)
    case = case_move_team(case=CaseFactory(team=fallback, assignee=both), team=chinese, actor=supervisor)
    assert (case.team, case.assignee) == (chinese, both)


def test_an_agent_cannot_move_a_case_and_the_same_team_is_refused(agent, supervisor, chinese):
    case = CaseFactory(team=agent.crm_team, assignee=agent)
    with pytest.raises(NotPermitted):
        case_move_team(case=case, team=chinese, actor=agent)
    with pytest.raises(CaseRuleError) as same:
        case_move_team(case=case, team=agent.crm_team, actor=supervisor)
    assert same.value.code == "same_team"


# --- lowering an escalation ------------------------------------------------------------------------


def test_an_agent_cannot_lower_an_escalation_a_rule_raised(agent):
    case = CaseFactory(team=agent.crm_team, assignee=agent, escalation_level=2)
    with pytest.raises(NotPermitted):
        case_escalate(case=case, actor=agent, reason="calmed down", level=0)
    case.refresh_from_db()
    assert case.escalation_level == 2
    assert case_escalate(case=case, actor=agent, reason="threatens chargeback", level=3).escalation_level == 3


def test_a_supervisor_lowers_an_escalation_with_a_reason(supervisor):
    case = CaseFactory(escalation_level=2)
    with pytest.raises(CaseRuleError) as no_reason:
        case_escalate(case=case, actor=supervisor, reason=" ", level=0)
    assert no_reason.value.code == "reason_required"
    case = case_escalate(case=case, actor=supervisor, reason="Refund confirmed by phone", level=0)
    assert case.escalation_level == 0
    event = case.events.get(kind=CaseEvent.Kind.DEESCALATED)
    assert event.actor == supervisor and event.data["reason"] == "Refund confirmed by phone"
