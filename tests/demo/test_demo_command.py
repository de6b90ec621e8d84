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
    # Through the sign-in form: django-axes needs the request that client.login() does not pass.
    assert client.post("/accounts/login/", {"username": "demo", "password": "demo"}).status_code == 302
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


# --- categories, queues and the year of history ------------------------------------------------


def _live_cases():
    from crm_twitter.demo.history import USER_PREFIX

    return m.Case.objects.exclude(customer_x_user__x_id__startswith=USER_PREFIX)


def _history_cases():
    from crm_twitter.demo.history import USER_PREFIX

    return m.Case.objects.filter(customer_x_user__x_id__startswith=USER_PREFIX)


@pytest.fixture
def synced_desk(db, sandbox):
    from crm_twitter.sandbox.scenarios import scenario_play

    scenario_play(sandbox.state, "demo", live=False)
    return _demo("--sync", "--advance")


def test_advancing_confirms_the_category_of_the_cases_it_moves_on_and_leaves_a_few_for_agents(synced_desk):
    live = _live_cases()
    past_dm = live.exclude(status__in=[m.CaseStatus.NEW, m.CaseStatus.ACKNOWLEDGED, m.CaseStatus.NOT_ACTIONABLE])
    confirmed = live.filter(category_confirmed=True, category__isnull=False)
    assert confirmed.count() >= past_dm.count() - 2  # the customers' own follow-ups may stay open
    assert confirmed.count() >= 10
    assert live.filter(category_confirmed=False).exclude(status=m.CaseStatus.NOT_ACTIONABLE).count() >= 2
    # A wrong keyword suggestion is corrected to what the customer complains about.
    mike = live.get(customer_x_user__handle="mike_t_nyc", reopened_from__isnull=True)
    assert mike.category.slug == "payment-double-charge"
    assert m.CaseEvent.objects.filter(case=mike, kind=m.CaseEvent.Kind.CATEGORY_SET).exists()


def test_after_the_demo_every_inbox_queue_has_cases(synced_desk):
    from crm_twitter.selectors.queues import case_queue_counts

    supervisor = get_user_model().objects.get(username="demo")
    counts = case_queue_counts(user=supervisor)
    for queue in ("unassigned", "escalated", "overdue", "awaiting_customer", "all_open", "resolved"):
        assert counts[queue] > 0, (queue, counts)
    assert case_queue_counts(user=get_user_model().objects.get(username="agent_en"))["mine"] > 0


def test_history_backdates_a_year_of_closed_cases_with_everything_a_report_measures(db):
    import datetime as dt

    from django.utils import timezone

    output = _demo("--history", "12")
    assert "History:" in output

    history = _history_cases()
    assert 250 <= history.count() <= 600
    assert not _live_cases().exists()
    assert set(history.values_list("status", flat=True)) <= {
        m.CaseStatus.RESOLVED,
        m.CaseStatus.CLOSED,
        m.CaseStatus.NOT_ACTIONABLE,
    }
    months = {(o.year, o.month) for o in history.values_list("opened_at", flat=True)}
    assert len(months) >= 12
    assert history.filter(opened_at__lt=timezone.now() - dt.timedelta(days=330)).exists()
    complaints = history.exclude(status=m.CaseStatus.NOT_ACTIONABLE)
    assert not complaints.filter(category_confirmed=False).exists()
    assert not complaints.filter(first_response_at__isnull=True).exists()
    assert not complaints.filter(resolved_at__isnull=True).exists()
    assert not history.filter(status=m.CaseStatus.CLOSED, closed_at__isnull=True).exists()
    assert set(history.values_list("language", flat=True)) == {"en", "zh", "es", "de", "fr", "ja"}
    assert set(history.values_list("brand_account__role", flat=True)) == {"support", "regional", "executive"}
    assert len(set(complaints.values_list("category__slug", flat=True))) == 12
    refunds = history.filter(refund_amount__isnull=False)
    assert len(set(refunds.values_list("refund_currency", flat=True))) >= 5
    assert complaints.filter(moved_to_dm_at__isnull=False).count() > complaints.count() // 2
    assert complaints.filter(sla_breached_at__isnull=False).exists()
    assert complaints.filter(escalation_level__gte=1).exists()
    assert complaints.filter(satisfaction__isnull=False).exists()
    promise_states = set(m.Promise.objects.filter(case__in=history).values_list("status", flat=True))
    assert promise_states == {m.Promise.Status.KEPT, m.Promise.Status.MISSED}
    orders = m.Order.objects.filter(cases__in=history).distinct()
    assert orders.count() > 200
    assert not orders.filter(items__isnull=True).exists()
    assert len(set(orders.values_list("carrier", flat=True))) >= 10
    assert len(set(orders.values_list("destination_country", flat=True))) >= 10
    assert m.Tweet.objects.filter(case__in=history, direction="outbound").exists()
    assert m.DirectMessage.objects.filter(case__in=history, direction="inbound").exists()
    assert m.CaseEvent.objects.filter(case__in=history, kind=m.CaseEvent.Kind.OUTCOME_RECORDED).exists()
    assert all(r and r.startswith("CS-") for r in history.values_list("reference", flat=True))
    currencies = set(refunds.values_list("refund_currency", flat=True)) - {"USD"}
    assert currencies <= set(m.ExchangeRate.objects.values_list("currency", flat=True))

    before = _snapshot()
    assert "nothing to create" in _demo("--history", "12")
    assert _snapshot() == before


def test_last_months_report_is_full_and_shows_what_is_rising(db):
    from crm_twitter.reports.generator import report_generate
    from crm_twitter.reports.months import current_month, month_add

    _demo("--history", "12")
    report = report_generate(month=month_add(current_month(), -1))

    assert report.total.cases >= 15
    assert report.data_quality.uncategorised == 0
    assert report.refunds.converted_total > 0 and not report.refunds.unconverted_currencies
    rising = {group.dimension: [item.key for item in group.items] for group in report.rising}
    assert "YunExpress" in rising["carrier"]
    assert rising["category"]


def test_history_is_written_in_bulk_not_row_by_row(db):
    """`make run` loads a year of history (about 7,600 rows) in seconds because it is written a
    month at a time; one query per case or message would take minutes. The seconds themselves are
    measured by bench/demo_history.py (458 queries today)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        _demo("--history", "12")
    rows = sum(model.objects.count() for model in (m.Case, m.CaseEvent, m.Tweet, m.DirectMessage, m.Order, m.Promise))
    assert rows > 5_000
    assert len(ctx.captured_queries) <= 600, f"{len(ctx.captured_queries)} queries for {rows} rows"


def test_no_history_leaves_the_year_out(db):
    _demo("--offline", "--no-history")
    assert not _history_cases().exists()
    assert _live_cases().exists()


def test_the_chinese_cases_land_in_agent_zhs_team_whatever_the_hour(db, sandbox, time_machine):
    """Issue #16 bug 5: loaded while Shanghai slept, they sat in the fallback team; agent_zh saw none."""
    import datetime as dt

    from crm_twitter.sandbox.scenarios import scenario_play
    from crm_twitter.selectors.visibility import cases_visible_to

    time_machine.move_to(dt.datetime(2026, 12, 7, 15, 0, tzinfo=dt.UTC))  # 23:00 in Shanghai: off shift
    scenario_play(sandbox.state, "demo", live=False)
    output = _demo("--sync", "--advance")

    assert "moved to the team speaking their language" in output
    chinese = _live_cases().filter(language__startswith="zh", status__in=m.OPEN_STATUSES)
    assert chinese.exists()
    assert set(chinese.values_list("team__slug", flat=True)) == {"china-zh"}
    agent_zh = get_user_model().objects.get(username="agent_zh")
    assert cases_visible_to(agent_zh).filter(status__in=m.OPEN_STATUSES, language__startswith="zh").exists()
    moved = m.CaseEvent.objects.filter(case__in=chinese, kind=m.CaseEvent.Kind.ROUTED, actor__username="demo")
    assert moved.exists()
