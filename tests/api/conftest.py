"""Fixtures for the API tests: token clients per role and cases inside/outside an agent's team."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from crm_twitter.models import ApiToken
from tests.factories import CaseFactory, TeamFactory, UserFactory


def token_client(user, scope: str = ApiToken.Scope.READ_WRITE) -> APIClient:
    token, raw = ApiToken.generate(user=user, name=f"{user.username}-{scope}", scope=scope)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    client.token = token
    client.raw_key = raw
    client.user = user
    return client


@pytest.fixture
def agent_api(agent):
    return token_client(agent)


@pytest.fixture
def agent_read_api(agent):
    return token_client(agent, ApiToken.Scope.READ)


@pytest.fixture
def supervisor_api(supervisor):
    return token_client(supervisor)


@pytest.fixture
def manager_api(manager):
    return token_client(manager)


@pytest.fixture
def outsider_api(db):
    """A user with no crm role at all."""
    return token_client(UserFactory(username="mallory"))


@pytest.fixture
def team_case(agent):
    return CaseFactory(team=agent.crm_team)


@pytest.fixture
def other_case(db):
    return CaseFactory(team=TeamFactory(name="Team Tokyo", slug="tokyo", languages=["ja"]), language="ja")


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"code", "message", "fields"} <= set(body["error"]), body
    return body["error"]
