"""The demo loader builds a working desk from the scenario files, and running it again changes nothing."""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command

from crm_twitter import models as m


def _demo(*args: str) -> str:
    out = io.StringIO()
    call_command("crm_twitter_demo", *args, stdout=out)
    return out.getvalue()


def _snapshot() -> dict[str, list[dict]]:
    models = [*apps.get_app_config("crm_twitter").get_models(), get_user_model(), get_user_model().groups.through]
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in models}


def _assert_every_lifecycle_state_is_shown() -> None:
    statuses = set(m.Case.objects.values_list("status", flat=True))
    assert statuses == set(m.CaseStatus.values), f"missing: {set(m.CaseStatus.values) - statuses}"
    assert m.Tweet.objects.filter(case__isnull=False).exists()
    assert m.DirectMessage.objects.filter(case__isnull=False).exists()
    refunds = m.Case.objects.filter(outcome__in=[m.Outcome.REFUND, m.Outcome.PARTIAL_REFUND])
    assert len(set(refunds.values_list("refund_currency", flat=True))) >= 2
    assert m.Case.objects.filter(escalation_level__gte=1).exists()
    assert m.Case.objects.filter(satisfaction__isnull=False).exists()
    assert m.Promise.objects.exists()
    assert m.Case.objects.exclude(assignee=None).exists()


@pytest.fixture
def offline_desk(db):
    return _demo("--offline")


def test_offline_demo_builds_a_desk_with_logins_teams_accounts_and_orders(offline_desk, client):
    assert "demo / demo" in offline_desk and "agent_en" in offline_desk

    demo = get_user_model().objects.get(username="demo")
    assert demo.is_superuser and demo.is_staff
    assert demo.groups.filter(name="crm_supervisor").exists()
    assert client.login(username="demo", password="demo")
    assert client.get("/admin/crm_twitter/case/").status_code == 200

    for username, language in [("agent_en", "en"), ("agent_zh", "zh"), ("agent_es", "es")]:
        agent = get_user_model().objects.get(username=username)
        assert agent.check_password("demo")
        assert agent.groups.filter(name="crm_agent").exists()
        team = m.Team.objects.get(memberships__user=agent)
        assert language in team.languages
        assert team.time_zone != "UTC"
        assert any(team.working_hours[day] for day in ("mon", "tue", "wed", "thu", "fri"))
    assert m.Team.objects.filter(is_fallback=True).count() == 1

    accounts = list(m.BrandAccount.objects.all())
    assert {a.role for a in accounts} >= {m.BrandAccount.Role.SUPPORT, m.BrandAccount.Role.EXECUTIVE}
    for account in accounts:
        creds = account.get_credentials()
        assert creds
        assert all(value not in account.credentials_encrypted for value in creds.values())

    orders = m.Order.objects.all()
    assert orders.exists() and m.OrderItem.objects.exists()
    assert not orders.filter(customer__isnull=True).exists()
    currencies = set(orders.values_list("currency", flat=True)) - {"USD"}
    assert currencies <= set(m.ExchangeRate.objects.values_list("currency", flat=True))


def test_offline_demo_shows_cases_in_every_lifecycle_state(offline_desk):
    _assert_every_lifecycle_state_is_shown()


def test_running_the_demo_twice_changes_nothing(offline_desk):
    before = _snapshot()
    output = _demo("--offline")
    assert _snapshot() == before
    assert "nothing to create" in output


def test_demo_synced_from_the_sandbox_shows_every_lifecycle_state(db, sandbox):
    from crm_twitter.sandbox.scenarios import scenario_play

    scenario_play(sandbox.state, "demo", live=False)
    output = _demo("--sync", "--advance")
    assert "stopped" not in output, output
    assert m.Tweet.objects.exists() and m.DirectMessage.objects.exists()
    _assert_every_lifecycle_state_is_shown()
    before = _snapshot()
    _demo("--advance")
    assert _snapshot() == before


def test_sync_and_offline_cannot_be_combined(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="choose one"):
        _demo("--sync", "--offline")


def test_sync_refuses_to_talk_to_anything_but_a_local_sandbox(db, settings):
    from django.core.management.base import CommandError

    settings.CRM_TWITTER = {"API_BASE_URL": "https://api.x.com"}
    with pytest.raises(CommandError, match="sandbox"):
        _demo("--sync")
    assert not m.BrandAccount.objects.exists()
