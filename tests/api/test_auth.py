"""Token auth, scopes, roles and throttling."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from crm_twitter.models import ApiToken
from tests.api.conftest import error_of, token_client
from tests.factories import UserFactory

CASES = "/api/v1/cases/"


def test_bearer_token_lets_an_agent_list_cases(agent_api, team_case):
    response = agent_api.get(CASES)
    assert response.status_code == 200
    assert [c["id"] for c in response.json()["results"]] == [team_case.pk]


def test_token_keyword_is_accepted_too(agent, team_case):
    client = token_client(agent)
    client.credentials(HTTP_AUTHORIZATION=f"Token {client.raw_key}")
    assert client.get(CASES).status_code == 200


def test_no_credentials_is_401_with_error_body(db):
    response = APIClient().get(CASES)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert error_of(response)["code"] == "not_authenticated"


def test_unknown_token_is_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer crm_not-a-real-token")
    response = client.get(CASES)
    assert response.status_code == 401
    assert error_of(response)["code"] == "authentication_failed"


def test_revoked_token_is_401(agent_api):
    ApiToken.objects.filter(pk=agent_api.token.pk).update(revoked_at=timezone.now())
    response = agent_api.get(CASES)
    assert response.status_code == 401
    assert "revoked" in error_of(response)["message"]


def test_token_of_inactive_user_is_401(agent_api, agent):
    agent.is_active = False
    agent.save()
    assert agent_api.get(CASES).status_code == 401


def test_user_without_a_crm_role_is_403(outsider_api):
    response = outsider_api.get(CASES)
    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"


def test_read_only_token_reads_but_cannot_write(agent_read_api, team_case):
    assert agent_read_api.get(f"{CASES}{team_case.pk}/").status_code == 200
    response = agent_read_api.post(f"{CASES}{team_case.pk}/notes/", {"text": "hello"}, format="json")
    assert response.status_code == 403
    assert "read-only" in error_of(response)["message"]
    assert not team_case.events.exists()


def test_last_used_is_recorded_at_most_once_a_minute(agent_api):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        agent_api.get(CASES)
    first = ApiToken.objects.get(pk=agent_api.token.pk).last_used_at
    assert first == start
    with time_machine.travel(start + dt.timedelta(seconds=30), tick=False):
        agent_api.get(CASES)
    assert ApiToken.objects.get(pk=agent_api.token.pk).last_used_at == first
    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        agent_api.get(CASES)
    assert ApiToken.objects.get(pk=agent_api.token.pk).last_used_at == start + dt.timedelta(seconds=61)


def test_each_token_is_throttled_separately(settings, agent):
    cache.clear()
    settings.CRM_TWITTER = {**settings.CRM_TWITTER, "API_THROTTLE_RATE": "3/minute"}
    first, second = token_client(agent), token_client(agent)
    assert [first.get(CASES).status_code for _ in range(3)] == [200, 200, 200]
    response = first.get(CASES)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert error_of(response)["code"] == "throttled"
    assert second.get(CASES).status_code == 200


def test_session_login_works_for_the_inbox_itself(agent, team_case):
    client = APIClient()
    client.force_login(agent)
    assert client.get(CASES).status_code == 200


def test_session_writes_need_csrf(agent, team_case):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(agent)
    response = client.post(f"{CASES}{team_case.pk}/notes/", {"text": "x"}, format="json")
    assert response.status_code == 403


def test_superuser_without_groups_may_use_the_api(db):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    assert token_client(admin).get(CASES).status_code == 200
