"""The supervisor's assign menu offers the whole roster grouped by team, and a case moves to another
team from the inbox (issue #16 bug 5; issue #15 item 8)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from crm_twitter.models import CaseStatus
from tests.factories import TeamFactory, TeamMembershipFactory, UserFactory


def url(case, name):
    return reverse(f"crm_twitter_inbox:{name}", args=[case.pk])


def flash(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def chinese(db):
    team = TeamFactory(name="中文 — 上海", languages=["zh"])
    team.agent = UserFactory(username="agent_zh", first_name="伟", last_name="李", roles=["crm_agent"])
    TeamMembershipFactory(team=team, user=team.agent)
    return team


def test_the_assign_menu_offers_every_eligible_user_grouped_by_team(client, agent, supervisor, team_case, chinese):
    manager = UserFactory(username="maria", first_name="Maria", roles=["crm_manager"])
    no_role = UserFactory(username="temp", first_name="Temp", roles=[])
    TeamMembershipFactory(team=agent.crm_team, user=no_role)
    case = team_case(status=CaseStatus.NEW, language="zh")
    client.force_login(supervisor)

    context = client.get(reverse("crm_twitter_inbox:case", args=[case.pk])).context
    groups = {group.label: [u.username for u in group.users] for group in context["assignee_groups"]}

    assert next(iter(groups)) == agent.crm_team.name  # the case's own team first
    assert groups[agent.crm_team.name] == ["alice"]
    assert groups[chinese.name] == ["agent_zh"]
    assert groups["Supervisors (any team)"] == ["sam"]
    offered = {u for users in groups.values() for u in users}
    assert manager.username not in offered and no_role.username not in offered
    assert chinese in context["move_teams"] and agent.crm_team not in context["move_teams"]


def test_a_supervisor_moves_a_case_from_the_inbox_and_the_teams_agent_can_open_it(
    client, agent, supervisor, team_case, chinese
):
    case = team_case(status=CaseStatus.NEW, language="zh", assignee=agent)
    client.force_login(chinese.agent)
    assert client.get(reverse("crm_twitter_inbox:case", args=[case.pk])).status_code == 404

    client.force_login(supervisor)
    response = client.post(
        url(case, "move_team"), {"version": case.version, "team": chinese.pk, "reason": "Chinese"}, follow=True
    )

    assert any("Moved to 中文 — 上海" in m for m in flash(response))
    case.refresh_from_db()
    assert (case.team, case.assignee) == (chinese, None)
    client.force_login(chinese.agent)
    assert client.get(reverse("crm_twitter_inbox:case", args=[case.pk])).status_code == 200


def test_an_agent_cannot_move_a_case(client, agent, team_case, chinese):
    case = team_case(status=CaseStatus.NEW)
    client.force_login(agent)
    response = client.post(url(case, "move_team"), {"version": case.version, "team": chinese.pk}, follow=True)
    assert any("Only supervisors" in m for m in flash(response))
    case.refresh_from_db()
    assert case.team == agent.crm_team


def test_assigning_someone_of_another_team_from_the_inbox_moves_the_case(client, agent, supervisor, team_case, chinese):
    case = team_case(status=CaseStatus.NEW, language="zh")
    client.force_login(supervisor)
    client.post(url(case, "assign"), {"version": case.version, "assignee": chinese.agent.pk}, follow=True)
    case.refresh_from_db()
    assert (case.team, case.assignee) == (chinese, chinese.agent)


def test_a_supervisor_cannot_assign_a_read_only_manager_from_the_inbox(client, supervisor, team_case):
    manager = UserFactory(username="maria", roles=["crm_manager"])
    case = team_case(status=CaseStatus.NEW)
    client.force_login(supervisor)
    response = client.post(url(case, "assign"), {"version": case.version, "assignee": manager.pk}, follow=True)
    assert any("no desk role" in m for m in flash(response))
    case.refresh_from_db()
    assert case.assignee is None
