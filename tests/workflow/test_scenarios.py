"""Two walks through the desk: the standard flow, and the failure path that ends at level 3."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from crm_twitter.models import CaseEvent, CaseStatus, ComplaintCategory, Notification, Promise
from crm_twitter.services.case_edits import case_set_category
from crm_twitter.services.case_inputs import MessageArrival, ResponseArrival
from crm_twitter.services.case_intake import case_messages_received, case_response_recorded
from crm_twitter.services.lifecycle import case_close, case_resolve, case_transition
from crm_twitter.services.promises import promise_create, promise_keep
from crm_twitter.services.sla import sla_sweep

from .conftest import NOW

K = CaseEvent.Kind


def test_standard_flow_from_public_complaint_to_closed(frozen, open_case, make_team):
    team = make_team(agents=1, supervisors=1)
    agent = team.agents[0]
    not_received = ComplaintCategory.objects.get(slug="not-received")

    case = open_case(text="@brandhelp my parcel never arrived, order 40001234. I want a refund!")
    assert case.status == CaseStatus.NEW
    assert case.reference == f"CS-2026-{case.pk:06d}"
    assert case.team == team and case.assignee == agent
    assert case.suggested_category == not_received and case.category is None
    assert case.sla_first_response_due == NOW + dt.timedelta(hours=4)

    frozen.shift(dt.timedelta(minutes=20))
    case = case_response_recorded(
        response=ResponseArrival(
            case_id=case.pk, at=NOW + dt.timedelta(minutes=20), channel="public", actor_id=agent.pk
        )
    )
    assert case.status == CaseStatus.ACKNOWLEDGED
    assert case.first_response_at == NOW + dt.timedelta(minutes=20)

    frozen.shift(dt.timedelta(minutes=10))
    [case] = case_messages_received(
        arrivals=[
            MessageArrival(
                case_id=case.pk,
                at=NOW + dt.timedelta(minutes=30),
                channel="dm",
                text="Order 40001234, here's the photo",
            )
        ]
    )
    assert case.contact_count == 2
    assert case.sla_next_response_due == NOW + dt.timedelta(minutes=30, hours=8)

    frozen.shift(dt.timedelta(minutes=10))
    case = case_response_recorded(
        response=ResponseArrival(case_id=case.pk, at=NOW + dt.timedelta(minutes=40), channel="dm", actor_id=agent.pk)
    )
    assert case.status == CaseStatus.IN_DM and case.moved_to_dm_at is not None
    assert case.sla_next_response_due is None

    case = case_transition(
        case=case,
        to_status=CaseStatus.PENDING_MERCHANT,
        actor=agent,
        reason="Asked the warehouse",
        expected_version=case.version,
    )
    promise = promise_create(
        case=case,
        actor=agent,
        kind=Promise.Kind.REFUND,
        description="Refund the order",
        due_at=NOW + dt.timedelta(days=2),
    )
    frozen.shift(dt.timedelta(hours=5))
    promise = promise_keep(promise=promise, actor=agent, note="Refunded via PayPal")
    assert promise.status == Promise.Status.KEPT

    case.refresh_from_db()
    case = case_resolve(
        case=case,
        actor=agent,
        outcome="refund",
        refund_amount="59.90",
        refund_currency="eur",
        note="Full refund",
        expected_version=case.version,
    )
    assert (case.status, case.refund_amount, case.refund_currency) == (CaseStatus.RESOLVED, Decimal("59.90"), "EUR")
    case = case_set_category(case=case, actor=agent, category=not_received)
    assert case.category == not_received and case.category_confirmed
    case = case_close(case=case, actor=agent)
    assert case.status == CaseStatus.CLOSED and case.closed_at is not None

    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == [
        K.CREATED,
        K.STATUS_CHANGED,
        K.REPLY_SENT,
        K.MESSAGE_RECEIVED,
        K.STATUS_CHANGED,
        K.REPLY_SENT,
        K.STATUS_CHANGED,
        K.PROMISE_MADE,
        K.PROMISE_KEPT,
        K.OUTCOME_RECORDED,
        K.STATUS_CHANGED,
        K.CATEGORY_SET,
        K.STATUS_CHANGED,
    ]
    assert case.escalation_level == 0 and not case.is_overdue


def test_failure_path_ends_at_escalation_level_3(
    frozen, open_case, make_team, mailoutbox, django_capture_on_commit_callbacks
):
    team = make_team(agents=1, supervisors=1)
    agent, supervisor = team.agents[0], team.supervisors[0]
    case = open_case(text="@brandhelp my order never arrived")
    case_response_recorded(response=ResponseArrival(case_id=case.pk, at=NOW, channel="public", actor_id=agent.pk))
    case_response_recorded(response=ResponseArrival(case_id=case.pk, at=NOW, channel="dm", actor_id=agent.pk))

    # The DM stalls: the customer writes, nobody answers for six hours…
    case_messages_received(
        arrivals=[MessageArrival(case_id=case.pk, at=NOW + dt.timedelta(minutes=5), channel="dm", text="Any news?")]
    )
    frozen.shift(dt.timedelta(hours=6))
    # …so they nudge in public.
    [case] = case_messages_received(
        arrivals=[
            MessageArrival(
                case_id=case.pk,
                at=NOW + dt.timedelta(hours=6),
                channel="public",
                text="@brandhelp still waiting on my DM!",
                is_public_nudge=True,
            )
        ]
    )
    assert case.escalation_level == 1
    assert case.public_nudge_count == 1

    # The agent promises a refund by tomorrow morning — and misses it.
    case_response_recorded(
        response=ResponseArrival(case_id=case.pk, at=NOW + dt.timedelta(hours=6), channel="dm", actor_id=agent.pk)
    )
    promise = promise_create(
        case=case,
        actor=agent,
        kind="refund",
        description="Refund by tomorrow 9:00",
        due_at=NOW + dt.timedelta(hours=23),
    )
    frozen.shift(dt.timedelta(hours=18))
    with django_capture_on_commit_callbacks(execute=True):
        result = sla_sweep()
    assert result.promises_missed == 1
    promise.refresh_from_db()
    case.refresh_from_db()
    assert promise.status == Promise.Status.MISSED
    assert case.escalation_level == 2 and case.is_overdue
    assert set(Notification.objects.filter(kind=Notification.Kind.PROMISE_MISSED).values_list("user", flat=True)) == {
        agent.pk,
        supervisor.pk,
    }
    assert {m.to[0] for m in mailoutbox} >= {agent.email, supervisor.email}

    # The customer goes over our heads: they mention the founder.
    [case] = case_messages_received(
        arrivals=[
            MessageArrival(
                case_id=case.pk,
                at=NOW + dt.timedelta(hours=24, minutes=5),
                channel="public",
                text="@founder your support ignores me",
                mentions_executive=True,
            )
        ]
    )
    assert case.escalation_level == 3

    rules = [e.data["rule"] for e in case.events.filter(kind=K.ESCALATED).order_by("created_at", "id")]
    assert rules == ["public_nudge", "promise_missed", "executive_mention"]
    # Later rules cannot push past 3.
    frozen.shift(dt.timedelta(days=5))
    sla_sweep()
    case.refresh_from_db()
    assert case.escalation_level == 3
