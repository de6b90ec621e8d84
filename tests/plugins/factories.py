"""Fixtures for the users every test needs; rows come from tests/factories.py."""

import pytest

from tests.factories import TeamMembershipFactory, UserFactory


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def agent(db):
    """An agent in one English-speaking team (``agent.crm_team``)."""
    user = UserFactory(username="alice", roles=["crm_agent"])
    membership = TeamMembershipFactory(user=user)
    user.crm_team = membership.team
    return user


@pytest.fixture
def supervisor(db):
    return UserFactory(username="sam", roles=["crm_supervisor"])


@pytest.fixture
def manager(db):
    return UserFactory(username="maria", roles=["crm_manager"])
