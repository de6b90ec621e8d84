"""The pure decisions every path asks: the next status and the next escalation level.

The single-case services, the batch intake and the SLA sweep all call these functions, so a
rule changed here changes everywhere (the README's "where a rule lives").
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from crm_twitter.models import Case, CaseEvent, CaseStatus, Promise
from crm_twitter.services.errors import IllegalTransition
from crm_twitter.services.escalation import next_escalation_level, rules_apply
from crm_twitter.services.lifecycle import apply_status, status_after_message, status_after_reply
from crm_twitter.services.sla import sla_sweep
from tests.factories import CaseFactory

S = CaseStatus
AT = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def _case(status: str, **fields) -> Case:
    return Case(status=status, priority="normal", opened_at=AT - dt.timedelta(hours=1), **fields)


@pytest.mark.parametrize(
    ("status", "channel", "moved_to_dm", "answered", "expected"),
    [
        (S.AWAITING_CUSTOMER, "dm", True, True, S.IN_DM),
        (S.RESOLVED, "public", False, False, S.NEW),
        (S.CLOSED, "public", False, True, S.ACKNOWLEDGED),
        (S.CLOSED, "public", True, True, S.IN_DM),
        (S.NOT_ACTIONABLE, "dm", False, False, S.IN_DM),
        (S.IN_DM, "dm", True, True, None),
        (S.NEW, "public", False, False, None),
    ],
)
def test_what_a_customer_message_does_to_the_status(status, channel, moved_to_dm, answered, expected):
    case = _case(status, moved_to_dm_at=AT if moved_to_dm else None, first_response_at=AT if answered else None)
    assert status_after_message(case, channel) == expected


@pytest.mark.parametrize(
    ("status", "channel", "expected"),
    [
        (S.NEW, "public", S.ACKNOWLEDGED),
        (S.NEW, "dm", S.IN_DM),
        (S.ACKNOWLEDGED, "dm", S.IN_DM),
        (S.ACKNOWLEDGED, "public", None),
        (S.PENDING_MERCHANT, "dm", None),
    ],
)
def test_what_a_brand_reply_does_to_the_status(status, channel, expected):
    assert status_after_reply(_case(status), channel) == expected


def test_a_merged_case_is_moved_by_no_message():
    merged = _case(S.CLOSED, merged_into_id=7)
    assert status_after_message(merged, "public") is None
    assert status_after_reply(_case(S.NEW, merged_into_id=7), "public") is None


def test_no_path_can_set_a_status_the_table_forbids():
    # apply_status is what the batch intake uses too: the table's check is inside it.
    with pytest.raises(IllegalTransition):
        apply_status(_case(S.CLOSED), S.AWAITING_CUSTOMER, at=AT)
    with pytest.raises(IllegalTransition):
        apply_status(_case(S.NEW, merged_into_id=3), S.ACKNOWLEDGED, at=AT)


@pytest.mark.parametrize(
    ("current", "rule", "expected"),
    [
        (0, "sla_breached", 1),  # level 1 rule: one step up
        (0, "executive_mention", 2),  # straight to the rule's level
        (2, "sla_breached", 3),  # every new reason raises the case
        (1, "risk_legal", 3),
        (3, "executive_mention", None),  # already at the top
    ],
)
def test_the_next_escalation_level(current, rule, expected):
    assert next_escalation_level(current, rule) == expected


def test_a_rule_turned_off_escalates_nothing(settings):
    settings.CRM_TWITTER = {**settings.CRM_TWITTER, "ESCALATION": {"SLA_BREACH_LEVEL": 0}}
    assert next_escalation_level(0, "sla_breached") is None


@pytest.mark.django_db
@pytest.mark.parametrize("start", [0, 1, 2])
def test_the_sla_sweep_escalates_a_missed_promise_as_the_live_path_would(start):
    now = timezone.now()
    case = CaseFactory(status=S.PENDING_MERCHANT, escalation_level=start)
    Promise.objects.create(
        case=case, kind=Promise.Kind.REFUND, description="Refund", due_at=now - dt.timedelta(minutes=1)
    )
    live = _case(S.PENDING_MERCHANT, escalation_level=start)
    [step] = rules_apply(live, ["promise_missed"], fired=set())

    sla_sweep(now=now)

    case.refresh_from_db()
    assert (case.escalation_level, case.escalation_reason) == (live.escalation_level, live.escalation_reason)
    event = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.ESCALATED)
    assert event.data == {"rule": "promise_missed", "from": start, "level": step.to_level, "reason": step.reason}
    assert event.message == f"{step.reason}: escalated to level {step.to_level}"
    sla_sweep(now=now + dt.timedelta(minutes=1))  # a rule fires once per case
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.ESCALATED).count() == 1
