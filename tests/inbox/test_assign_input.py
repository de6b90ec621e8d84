"""The assign form takes a user id in ASCII digits or nothing; anything else is a form error."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import TeamMembershipFactory, UserFactory


def assign(client, case, value):
    url = reverse("crm_twitter_inbox:assign", args=[case.pk])
    return client.post(url, {"version": case.version, "assignee": value}, follow=True)


def flash(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.mark.parametrize("value", ["²", "١٢", "1²", "bob", "9" * 30, "0"])
def test_an_assignee_that_is_not_an_id_is_a_form_error(client, supervisor, agent, team_case, value):
    case = team_case(assignee=agent)
    client.force_login(supervisor)

    response = assign(client, case, value)

    assert response.status_code == 200
    assert any(message.startswith("Assignee:") for message in flash(response)), flash(response)
    case.refresh_from_db()
    assert case.assignee == agent  # not unassigned, as junk used to do


def test_an_id_assigns_and_an_empty_value_unassigns(client, supervisor, agent, team_case):
    bob = UserFactory(username="bob", roles=["crm_agent"])
    TeamMembershipFactory(team=agent.crm_team, user=bob)
    case = team_case(assignee=agent)
    client.force_login(supervisor)

    assign(client, case, f" {bob.pk} ")
    case.refresh_from_db()
    assert case.assignee == bob

    assign(client, case, "")
    case.refresh_from_db()
    assert case.assignee is None


@pytest.mark.parametrize("name", ["team", "assignee", "brand_account", "category", "page", "escalation"])
def test_queue_filters_in_lookalike_digits_do_not_break_the_queue(client, supervisor, name):
    client.force_login(supervisor)
    response = client.get(reverse("crm_twitter_inbox:queue"), {name: "²"})
    assert response.status_code == 200
