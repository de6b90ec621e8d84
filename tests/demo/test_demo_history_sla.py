"""The demo's year of history is judged against the due times the live desk would have set: the
SLA service's answer for the case's policy, opening time and team (working hours included)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from crm_twitter import models as m
from crm_twitter.demo.history import USER_PREFIX
from crm_twitter.services.sla import sla_add, sla_policies, sla_targets
from crm_twitter.services.working_hours import team_is_on_shift, team_zone


@pytest.fixture
def working_hours_clock(settings):
    settings.CRM_TWITTER = {**getattr(settings, "CRM_TWITTER", {}), "SLA_CLOCK": "working_hours"}


def _history(*args: str) -> list[m.Case]:
    call_command("crm_twitter_demo", "--history", "12", *args, stdout=io.StringIO())
    return list(
        m.Case.objects.filter(customer_x_user__x_id__startswith=USER_PREFIX).select_related("team").order_by("pk")
    )


def _service_due_times(case: m.Case, policies) -> tuple:
    targets = sla_targets(case.priority, policies)
    return (
        sla_add(case.opened_at, targets.first_response, case.team),
        sla_add(case.opened_at, targets.resolution, case.team),
    )


def test_history_due_times_count_the_teams_working_hours(db, working_hours_clock):
    # An admin-edited policy, so the history must read the policy rows, not its own defaults.
    m.SlaPolicy.objects.filter(priority=m.Priority.NORMAL).update(first_response_minutes=90, resolution_minutes=1500)
    cases = _history()
    policies = sla_policies()

    assert len(cases) > 250
    for case in cases:
        assert (case.sla_first_response_due, case.sla_resolution_due) == _service_due_times(case, policies), case
    # Complaints written at night or on a weekend wait for the team's morning, as live ones do.
    off_shift = [c for c in cases if c.team is not None and not team_is_on_shift(c.team, c.opened_at)]
    assert len(off_shift) > 20
    normal = [c for c in off_shift if c.priority == m.Priority.NORMAL]
    assert normal and all(c.sla_first_response_due - c.opened_at > dt.timedelta(minutes=90) for c in normal)
    weekend = [c for c in off_shift if c.opened_at.astimezone(team_zone(c.team)).weekday() >= 5]
    assert weekend
    # Breaches are judged against those due times: none is marked before its clock ran out.
    for case in cases:
        if case.sla_breached_at is not None:
            assert case.sla_breached_at in (case.sla_first_response_due, case.sla_resolution_due)


def test_history_due_times_on_the_calendar_clock(db):
    cases = _history()
    policies = sla_policies()
    for case in cases:
        assert (case.sla_first_response_due, case.sla_resolution_due) == _service_due_times(case, policies), case
