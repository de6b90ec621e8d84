"""The admin keeps the inbox's team rule for staff agents, and a refused edit changes nothing."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib import admin as django_admin
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory

from crm_twitter.models import Case
from tests.factories import (
    CaseFactory,
    ComplaintCategoryFactory,
    CustomerFactory,
    TeamFactory,
    TweetFactory,
    UserFactory,
)


@pytest.fixture
def staff_agent(agent):
    agent.is_staff = True
    agent.save(update_fields=["is_staff"])
    return agent


@pytest.fixture
def other_team_case(db):
    return CaseFactory(team=TeamFactory(name="Team Tokyo", slug="tokyo", languages=["ja"]), language="ja")


def test_staff_agent_lists_only_their_teams_cases(client, staff_agent, other_team_case):
    mine = CaseFactory(team=staff_agent.crm_team)
    client.force_login(staff_agent)
    page = client.get("/admin/crm_twitter/case/")
    assert page.status_code == 200
    assert mine.reference in page.content.decode()
    assert other_team_case.reference not in page.content.decode()


def test_staff_agent_cannot_open_another_teams_case_or_its_tweets(client, staff_agent, other_team_case):
    tweet = TweetFactory(case=other_team_case)
    client.force_login(staff_agent)
    for path in (
        f"/admin/crm_twitter/case/{other_team_case.pk}/change/",
        f"/admin/crm_twitter/tweet/{tweet.pk}/change/",
    ):
        response = client.get(path)
        assert response.status_code != 200, path  # the admin's "does not exist" redirect


def test_staff_agent_sees_each_visible_customer_once(client, staff_agent):
    customer = CustomerFactory(display_name="Twice Seen")
    CaseFactory(team=staff_agent.crm_team, customer=customer)
    CaseFactory(team=staff_agent.crm_team, customer=customer)
    client.force_login(staff_agent)
    page = client.get("/admin/crm_twitter/customer/").content.decode()
    assert page.count("Twice Seen") == 1


def test_superuser_still_sees_every_case(client, admin_user, other_team_case):
    client.force_login(admin_user)
    assert other_team_case.reference in client.get("/admin/crm_twitter/case/").content.decode()


def test_admin_edit_refused_midway_keeps_the_earlier_assignment_out(admin_user, db):
    case = CaseFactory()
    retired = ComplaintCategoryFactory(slug="retired", is_active=False)
    assignee = UserFactory(username="bob", roles=["crm_agent"])
    request = RequestFactory().post("/")
    request.user = admin_user
    request.session = {}
    request._messages = FallbackStorage(request)
    form = SimpleNamespace(
        changed_data=["assignee", "category"],
        cleaned_data={"assignee": assignee, "category": retired, "expected_version": None},
    )
    django_admin.site._registry[Case].save_model(request, case, form, change=True)
    assert request._crm_case_refused
    assert Case.objects.get(pk=case.pk).assignee_id is None


def test_sync_now_queues_each_active_account_after_commit(
    admin_client, django_capture_on_commit_callbacks, monkeypatch
):
    from tests.factories import BrandAccountFactory

    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, *args, **kw: queued.append((func, args)))
    active, idle = BrandAccountFactory(handle="shop_help"), BrandAccountFactory(handle="shop_old", is_active=False)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        admin_client.post(
            "/admin/crm_twitter/brandaccount/",
            {"action": "sync_now", "_selected_action": [active.pk, idle.pk]},
        )
        assert queued == []  # nothing reaches the queue before the transaction commits
    for callback in callbacks:
        callback()
    assert queued == [("crm_twitter.tasks.sync.sync_account_task", (active.pk,))]
