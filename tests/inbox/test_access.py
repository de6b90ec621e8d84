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


def test_agent_is_not_offered_a_reports_link_supervisor_and_manager_are(client, agent, supervisor, manager):
    reports = reverse("crm_twitter_reports:dashboard")
    client.force_login(agent)
    assert f'href="{reports}"' not in client.get(reverse("crm_twitter_inbox:queue")).content.decode()
    for user in (supervisor, manager):
        client.force_login(user)
        assert f'href="{reports}"' in client.get(reverse("crm_twitter_inbox:queue")).content.decode()


def test_agent_opening_reports_gets_the_desks_styled_page_and_no_traceback(client, agent, caplog):
    client.force_login(agent)
    with caplog.at_level("WARNING"):
        response = client.get(reverse("crm_twitter_reports:dashboard"))
    html = response.content.decode()
    assert response.status_code == 403
    assert "inbox.css" in html and 'class="topbar"' in html  # the desk's layout, not a bare "403 Forbidden"
    assert "Reports are for supervisors and managers." in html
    assert f'href="{reverse("crm_twitter_inbox:queue")}"' in html
    assert not [record for record in caplog.records if record.exc_info]


def test_user_without_a_role_reads_why_in_the_desks_layout(client, db, caplog):
    client.force_login(UserFactory(username="nobody"))
    with caplog.at_level("WARNING"):
        response = client.get(reverse("crm_twitter_inbox:queue"))
    assert response.status_code == 403
    assert "The support desk is for agents, supervisors and managers." in response.content.decode()
    assert not [record for record in caplog.records if record.exc_info]


def test_top_bar_avatar_shows_the_agents_initials(client, agent):
    agent.first_name, agent.last_name = "Emma", "Clarke"
    agent.save()
    client.force_login(agent)
    html = client.get(reverse("crm_twitter_inbox:queue")).content.decode()
    assert '<span class="avatar sm" aria-hidden="true">EC</span>Emma Clarke' in html


def test_host_projects_handler403_renders_the_desks_page(rf, agent):
    from django.core.exceptions import PermissionDenied

    from crm_twitter.forbidden import permission_denied

    request = rf.get("/admin/somewhere/")
    request.user = agent
    response = permission_denied(request, PermissionDenied("Only supervisors may export."))
    assert response.status_code == 403
    assert "Only supervisors may export." in response.content.decode()
