"""/api/v1/cases/: the assignment, team and escalation rules of the inbox hold through the API too
(issue #15 item 8, issue #16 bug 5)."""

from __future__ import annotations

from crm_twitter.models import Case, CaseEvent, TeamMembership
from tests.api.conftest import error_of, token_client
from tests.factories import TeamFactory, TeamMembershipFactory, UserFactory


def url(case, action=""):
    return f"/api/v1/cases/{case.pk}/" + (f"{action}/" if action else "")


def test_a_supervisor_cannot_assign_a_case_to_a_user_without_a_desk_role(supervisor_api, team_case):
    nobody = UserFactory(username="contractor", roles=[])
    TeamMembershipFactory(team=team_case.team, user=nobody)
    response = supervisor_api.post(url(team_case, "assign"), {"assignee": nobody.pk}, format="json")
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "not_on_roster" and "no desk role" in error["message"]
    assert Case.objects.get(pk=team_case.pk).assignee_id is None


def test_a_supervisor_cannot_assign_a_case_to_a_read_only_manager(supervisor_api, manager, team_case):
    response = supervisor_api.post(url(team_case, "assign"), {"assignee": manager.pk}, format="json")
    assert response.status_code == 400 and error_of(response)["code"] == "not_on_roster"


def test_assigning_across_teams_moves_the_case_and_its_new_agent_sees_it(supervisor_api, agent, agent_api, team_case):
    chinese = TeamFactory(name="中文", slug="zh", languages=["zh"])
    agent_zh = UserFactory(username="agent_zh", roles=["crm_agent"])
    TeamMembershipFactory(team=chinese, user=agent_zh)

    response = supervisor_api.post(url(team_case, "assign"), {"assignee": agent_zh.pk}, format="json")

    assert response.status_code == 200, response.json()
    assert (response.json()["team"]["id"], response.json()["assignee"]["id"]) == (chinese.pk, agent_zh.pk)
    assert token_client(agent_zh).get(url(team_case)).status_code == 200
    assert agent_api.get(url(team_case)).status_code == 404  # no longer their team's


def test_a_supervisor_moves_a_case_to_another_team(supervisor_api, agent, team_case):
    chinese = TeamFactory(name="中文", slug="zh", languages=["zh"])
    Case.objects.filter(pk=team_case.pk).update(assignee=agent)
    team_case.refresh_from_db()

    response = supervisor_api.post(
        url(team_case, "move"),
        {"team": chinese.pk, "reason": "The customer writes in Chinese", "expected_version": team_case.version},
        format="json",
    )

    assert response.status_code == 200, response.json()
    case = Case.objects.get(pk=team_case.pk)
    assert (case.team_id, case.assignee_id) == (chinese.pk, None)  # agent does not work the Chinese team
    event = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.ROUTED)
    assert event.data["reason"] == "The customer writes in Chinese"


def test_moving_is_refused_to_agents_and_for_unknown_teams_or_stale_pictures(agent_api, supervisor_api, team_case):
    chinese = TeamFactory(name="中文", slug="zh", languages=["zh"])
    assert agent_api.post(url(team_case, "move"), {"team": chinese.pk}, format="json").status_code == 403
    unknown = supervisor_api.post(url(team_case, "move"), {"team": 10**9}, format="json")
    assert unknown.status_code == 400 and "team" in error_of(unknown)["fields"]
    stale = supervisor_api.post(
        url(team_case, "move"), {"team": chinese.pk, "expected_version": team_case.version + 5}, format="json"
    )
    assert stale.status_code == 409
    assert Case.objects.get(pk=team_case.pk).team_id == team_case.team_id


def test_an_agent_cannot_lower_an_escalation_through_the_api(agent_api, team_case):
    Case.objects.filter(pk=team_case.pk).update(escalation_level=2, escalation_reason="Chargeback threatened")
    response = agent_api.post(url(team_case, "escalate"), {"level": 0, "reason": "calmer now"}, format="json")
    assert response.status_code == 403
    assert Case.objects.get(pk=team_case.pk).escalation_level == 2


def test_a_supervisor_lowers_an_escalation_with_a_reason_through_the_api(supervisor_api, team_case):
    Case.objects.filter(pk=team_case.pk).update(escalation_level=2)
    missing = supervisor_api.post(url(team_case, "escalate"), {"level": 0}, format="json")
    assert missing.status_code == 400
    response = supervisor_api.post(
        url(team_case, "escalate"), {"level": 0, "reason": "Refund confirmed"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert Case.objects.get(pk=team_case.pk).escalation_level == 0


def test_team_supervisors_in_the_membership_table_still_need_the_role(supervisor_api, team_case):
    """A membership row saying "supervisor" is not a desk role: without the group, no cases."""
    plain = UserFactory(username="plain", roles=[])
    TeamMembershipFactory(team=team_case.team, user=plain, role=TeamMembership.Role.SUPERVISOR)
    response = supervisor_api.post(url(team_case, "assign"), {"assignee": plain.pk}, format="json")
    assert response.status_code == 400
