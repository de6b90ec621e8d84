"""Fixtures for the API tests: token clients per role and cases inside/outside an agent's team."""

from __future__ import annotations

import importlib

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


def has_service(name: str) -> bool:
    from crm_twitter.api.views.base import SERVICE_MODULES

    for module in SERVICE_MODULES:
        try:
            if hasattr(importlib.import_module(f"crm_twitter.services.{module}"), name):
                return True
        except ImportError:
            continue
    return False


def needs_service(name: str):
    return pytest.mark.skipif(not has_service(name), reason=f"service {name} not installed yet")


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
