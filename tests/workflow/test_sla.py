"""SLA due times: per priority, admin policies, next response, pause and resume, working hours."""

from __future__ import annotations

import datetime as dt

import pytest

from crm_twitter.models import CaseStatus, SlaPolicy
from crm_twitter.services.case_edits import case_edit
from crm_twitter.services.case_inputs import MessageArrival, ResponseArrival
from crm_twitter.services.case_intake import case_messages_received, case_response_recorded
from crm_twitter.services.lifecycle import case_transition
from tests.factories import UserFactory

from .conftest import NOW, weekdays

H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)


@pytest.fixture
def default_policies(db):
    """The documented defaults, whatever the seed migration left behind."""
    SlaPolicy.objects.all().delete()


def test_new_case_gets_first_response_and_resolution_due_from_the_defaults(frozen, open_case, default_policies):
    case = open_case()
    assert case.priority == "normal"
    assert case.sla_first_response_due == NOW + 4 * H
    assert case.sla_resolution_due == NOW + 72 * H
    assert case.sla_next_response_due is None
    assert case.sla_due_at == case.sla_first_response_due


def test_an_admin_edited_policy_wins_over_the_defaults(frozen, open_case, default_policies):
    SlaPolicy.objects.create(
        priority="normal", first_response_minutes=15, next_response_minutes=30, resolution_minutes=600
    )
    case = open_case()
    assert case.sla_first_response_due == NOW + 15 * M
    assert case.sla_resolution_due == NOW + 10 * H


def test_defaults_are_a_setting(frozen, open_case, default_policies, settings):
    settings.CRM_TWITTER = {
        **getattr(settings, "CRM_TWITTER", {}),
        "SLA_DEFAULTS": {"normal": {"first_response": 5, "next_response": 10, "resolution": 60}},
    }
    assert open_case().sla_first_response_due == NOW + 5 * M


def test_urgent_cases_get_shorter_targets(frozen, open_case, default_policies):
    case = open_case(reach=60_000, engagement=400, text="I will file a chargeback and call my lawyer")
    assert case.priority == "urgent"
    assert case.sla_first_response_due == NOW + 30 * M


def test_first_response_stops_the_first_clock_and_due_moves_to_resolution(frozen, open_case, default_policies):
    case = open_case()
    case = case_response_recorded(response=ResponseArrival(case_id=case.pk, at=NOW + 10 * M, channel="public"))
    assert case.first_response_at == NOW + 10 * M
    assert case.sla_due_at == case.sla_resolution_due


def test_customer_message_after_a_reply_starts_the_next_response_clock(frozen, open_case, default_policies):
    case = open_case()
    case_response_recorded(response=ResponseArrival(case_id=case.pk, at=NOW, channel="public"))
    [case] = case_messages_received(arrivals=[MessageArrival(case_id=case.pk, at=NOW + H, channel="dm", text="hi")])
    assert case.sla_next_response_due == NOW + 9 * H
    assert case.sla_due_at == NOW + 9 * H
    # A second message while still waiting does not push the deadline back.
    [case] = case_messages_received(
        arrivals=[MessageArrival(case_id=case.pk, at=NOW + 2 * H, channel="dm", text="hello?")]
    )
    assert case.sla_next_response_due == NOW + 9 * H
    case = case_response_recorded(response=ResponseArrival(case_id=case.pk, at=NOW + 3 * H, channel="dm"))
    assert case.sla_next_response_due is None


def test_customer_message_before_any_reply_keeps_the_first_response_clock(frozen, open_case, default_policies):
    case = open_case()
    [case] = case_messages_received(
        arrivals=[MessageArrival(case_id=case.pk, at=NOW + H, channel="public", text="hello?")]
    )
    assert case.sla_next_response_due is None
    assert case.sla_due_at == NOW + 4 * H


def test_awaiting_customer_pauses_and_resume_shifts_every_due_time(frozen, open_case, default_policies):
    actor = UserFactory()
    case = open_case()
    case_response_recorded(response=ResponseArrival(case_id=case.pk, at=NOW, channel="dm"))
    case = case_transition(case=case, to_status=CaseStatus.AWAITING_CUSTOMER, actor=actor)
    assert case.sla_paused_at == NOW and case.sla_due_at is None
    frozen.shift(5 * H)
    case = case_transition(case=case, to_status=CaseStatus.PENDING_MERCHANT, actor=actor)
    assert case.sla_paused_at is None
    assert case.sla_resolution_due == NOW + 72 * H + 5 * H
    assert case.sla_due_at == case.sla_resolution_due


def test_customer_reply_ends_the_pause(frozen, open_case, default_policies):
    case = open_case()
    case_response_recorded(response=ResponseArrival(case_id=case.pk, at=NOW, channel="dm"))
    case_transition(case=case, to_status=CaseStatus.AWAITING_CUSTOMER, actor=None)
    frozen.shift(2 * H)
    [case] = case_messages_received(
        arrivals=[MessageArrival(case_id=case.pk, at=NOW + 2 * H, channel="dm", text="here you go")]
    )
    assert case.sla_paused_at is None
    assert case.sla_resolution_due == NOW + 74 * H
    assert case.sla_next_response_due == NOW + 2 * H + 8 * H


def test_no_pause_when_the_setting_is_off(frozen, open_case, default_policies, settings):
    settings.CRM_TWITTER = {**getattr(settings, "CRM_TWITTER", {}), "SLA_PAUSE_WHEN_AWAITING_CUSTOMER": False}
    case = open_case()
    case = case_transition(case=case, to_status=CaseStatus.AWAITING_CUSTOMER, actor=None)
    assert case.sla_paused_at is None and case.sla_due_at is not None


def test_no_pause_when_the_policy_says_so(frozen, open_case, default_policies):
    SlaPolicy.objects.create(
        priority="normal",
        first_response_minutes=240,
        next_response_minutes=480,
        resolution_minutes=4320,
        pause_when_awaiting_customer=False,
    )
    case = case_transition(case=open_case(), to_status=CaseStatus.AWAITING_CUSTOMER, actor=None)
    assert case.sla_paused_at is None


def test_resolved_cases_have_no_running_clock(frozen, open_case, default_policies):
    from crm_twitter.services.lifecycle import case_resolve

    case = case_resolve(case=open_case(), actor=None, outcome="information_only")
    assert case.sla_due_at is None


def test_raising_the_priority_shortens_the_due_times(frozen, open_case, default_policies):
    case = open_case()
    case = case_edit(case=case, actor=None, priority="urgent")
    assert case.sla_first_response_due == NOW + 30 * M
    assert case.sla_resolution_due == NOW + 24 * H


def test_working_hours_clock_counts_only_the_teams_hours_in_its_time_zone(
    frozen, open_case, make_team, default_policies, settings
):
    settings.CRM_TWITTER = {**getattr(settings, "CRM_TWITTER", {}), "SLA_CLOCK": "working_hours"}
    # New York team, 09:00–17:00 weekdays. It's 05:00 in New York: the clock starts at 09:00 local.
    make_team(languages=["en"], time_zone="America/New_York", hours=weekdays("09:00", "17:00"))
    case = open_case()
    assert case.sla_first_response_due == dt.datetime(2026, 3, 2, 18, 0, tzinfo=dt.UTC)  # 13:00 EST
    # 72 working hours = 9 working days of 8 h → Thursday of next week, 17:00 EST (DST starts on the 8th: EDT).
    assert case.sla_resolution_due == dt.datetime(2026, 3, 12, 21, 0, tzinfo=dt.UTC)


def test_calendar_clock_is_the_default(frozen, open_case, make_team, default_policies):
    make_team(languages=["en"], time_zone="America/New_York", hours=weekdays("09:00", "17:00"))
    assert open_case().sla_first_response_due == NOW + 4 * H
