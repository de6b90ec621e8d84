"""Who may open the inbox, and what each role may do there."""

from __future__ import annotations

from django.urls import reverse

from tests.factories import CaseFactory, TeamFactory, UserFactory


def test_anonymous_visitor_is_sent_to_sign_in(client, db):
    case = CaseFactory()
    for url in (reverse("crm_twitter_inbox:queue"), reverse("crm_twitter_inbox:case", args=[case.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_sign_in_page_lands_on_the_queue(client, agent):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert b"Sign in" in page.content
    response = client.post(reverse("login"), {"username": "alice", "password": "password"})
    assert response.status_code == 302
    assert response["Location"] == reverse("crm_twitter_inbox:queue")


def test_user_without_a_crm_role_is_refused(client, db):
    client.force_login(UserFactory(username="nobody"))
    assert client.get(reverse("crm_twitter_inbox:queue")).status_code == 403


def test_a_group_merely_named_crm_something_is_not_a_role(client, db):
    """Only crm_agent, crm_supervisor and crm_manager open the desk (crm_twitter.roles), as in the API."""
    client.force_login(UserFactory(username="marketer", roles=["crm_marketing"]))
    assert client.get(reverse("crm_twitter_inbox:queue")).status_code == 403


def test_agent_sees_own_team_case_but_another_team_case_is_not_found(client, agent, team_case):
    own = team_case()
    other = CaseFactory(team=TeamFactory())
    client.force_login(agent)
    assert client.get(reverse("crm_twitter_inbox:case", args=[own.pk])).status_code == 200
    assert client.get(reverse("crm_twitter_inbox:case", args=[other.pk])).status_code == 404
    response = client.post(reverse("crm_twitter_inbox:note", args=[other.pk]), {"text": "hi"})
    assert response.status_code == 404
    queue = client.get(reverse("crm_twitter_inbox:queue"), {"queue": "all_open"})
    assert own.reference.encode() in queue.content
    assert other.reference.encode() not in queue.content


def test_supervisor_and_superuser_see_every_team(client, supervisor, admin_user):
    case = CaseFactory(team=TeamFactory())
    for user in (supervisor, admin_user):
        client.force_login(user)
        assert client.get(reverse("crm_twitter_inbox:case", args=[case.pk])).status_code == 200


def test_manager_reads_cases_but_cannot_act(client, manager):
    case = CaseFactory()
    client.force_login(manager)
    page = client.get(reverse("crm_twitter_inbox:case", args=[case.pk]))
    assert page.status_code == 200
    assert b"Read-only" in page.content
    assert b'id="compose-form"' not in page.content
    response = client.post(reverse("crm_twitter_inbox:note", args=[case.pk]), {"text": "hi"})
    assert response.status_code == 403


def test_forms_are_csrf_protected(agent, team_case):
    from django.test import Client

    case = team_case()
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    response = client.post(reverse("crm_twitter_inbox:note", args=[case.pk]), {"text": "no token"})
    assert response.status_code == 403
    assert not case.events.filter(message="no token").exists()
