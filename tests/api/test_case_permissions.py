"""/api/v1/cases/: the same who-may-act rules as the inbox (managers read, agents assign themselves)."""

from __future__ import annotations

from crm_twitter.models import Case, CaseStatus
from tests.api.conftest import error_of
from tests.factories import UserFactory


def url(case, action=""):
    return f"/api/v1/cases/{case.pk}/" + (f"{action}/" if action else "")


def test_manager_reads_a_case(manager_api, team_case):
    assert manager_api.get(url(team_case)).status_code == 200


def test_manager_cannot_change_a_case_through_the_api(manager_api, team_case):
    response = manager_api.post(url(team_case, "transition"), {"to_status": "acknowledged"}, format="json")
    assert response.status_code == 403
    assert error_of(response)["code"]
    assert Case.objects.get(pk=team_case.pk).status == CaseStatus.NEW


def test_manager_cannot_edit_a_case_through_the_api(manager_api, team_case):
    response = manager_api.patch(url(team_case), {"priority": "urgent"}, format="json")
    assert response.status_code == 403
    assert Case.objects.get(pk=team_case.pk).priority == team_case.priority


def test_agent_cannot_assign_a_case_to_someone_else(agent_api, team_case):
    colleague = UserFactory(username="colleague", roles=["crm_agent"])
    response = agent_api.post(url(team_case, "assign"), {"assignee": colleague.pk}, format="json")
    assert response.status_code == 403
    assert Case.objects.get(pk=team_case.pk).assignee_id is None


def test_agent_cannot_unassign_a_colleagues_case(agent_api, team_case):
    colleague = UserFactory(username="colleague", roles=["crm_agent"])
    Case.objects.filter(pk=team_case.pk).update(assignee=colleague)
    response = agent_api.post(url(team_case, "assign"), {"assignee": None}, format="json")
    assert response.status_code == 403
    assert Case.objects.get(pk=team_case.pk).assignee_id == colleague.pk


def test_agent_assigns_a_case_to_themselves(agent_api, agent, team_case):
    response = agent_api.post(url(team_case, "assign"), {"assignee": agent.pk}, format="json")
    assert response.status_code == 200, response.json()
    assert Case.objects.get(pk=team_case.pk).assignee_id == agent.pk
