"""The transition table, resolution outcomes, reopening and the status moves replies cause."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from crm_twitter.models import Case, CaseEvent, CaseStatus
from crm_twitter.services.case_inputs import MessageArrival, ResponseArrival
from crm_twitter.services.case_intake import case_messages_received, case_response_recorded
from crm_twitter.services.errors import CaseRuleError, IllegalTransition, StaleCase
from crm_twitter.services.lifecycle import (
    TRANSITIONS,
    allowed_transitions,
    case_close,
    case_reopen,
    case_resolve,
    case_transition,
)
from tests.factories import CaseFactory, UserFactory

from .conftest import NOW

S = CaseStatus
ALL = list(S.values)


@pytest.fixture
def actor(db):
    return UserFactory()


def _case(status, **kwargs):
    return CaseFactory(status=status, opened_at=NOW, **kwargs)


LEGAL = [(src, dst) for src, targets in TRANSITIONS.items() for dst in targets if dst != S.RESOLVED]
ILLEGAL = [(src, dst) for src in ALL for dst in ALL if dst not in TRANSITIONS[src] and dst != src]


@pytest.mark.parametrize(("src", "dst"), LEGAL)
def test_each_allowed_transition_moves_the_case_and_records_it(frozen, actor, src, dst):
    case = _case(src)
    moved = case_transition(case=case, to_status=dst, actor=actor, reason="because")
    assert moved.status == dst
    assert Case.objects.get(pk=case.pk).status == dst
    event = moved.events.get()
    assert event.actor == actor
    assert event.data["from"] == src and event.data["to"] == dst
    reopened = src in (S.RESOLVED, S.CLOSED, S.NOT_ACTIONABLE) and dst not in (S.CLOSED,)
    assert event.kind == (CaseEvent.Kind.REOPENED if reopened else CaseEvent.Kind.STATUS_CHANGED)


@pytest.mark.parametrize(("src", "dst"), [p for p in ILLEGAL if p[1] != S.RESOLVED])
def test_each_illegal_transition_is_refused_with_a_reason(frozen, actor, src, dst):
    case = _case(src)
    with pytest.raises(IllegalTransition) as exc:
        case_transition(case=case, to_status=dst, actor=actor)
    assert "cannot move" in exc.value.message
    assert Case.objects.get(pk=case.pk).status == src
    assert not case.events.exists()


def test_the_table_matches_the_documented_flow():
    assert S.ACKNOWLEDGED in TRANSITIONS[S.NEW]
    assert S.IN_DM in TRANSITIONS[S.ACKNOWLEDGED]
    assert S.AWAITING_CUSTOMER in TRANSITIONS[S.PENDING_MERCHANT]
    assert S.PENDING_MERCHANT in TRANSITIONS[S.AWAITING_CUSTOMER]
    assert S.CLOSED in TRANSITIONS[S.RESOLVED]
    assert S.CLOSED not in TRANSITIONS[S.IN_DM]
    assert S.NEW not in TRANSITIONS[S.IN_DM]


def test_unknown_status_is_refused(frozen, actor):
    case = _case(S.NEW)
    with pytest.raises(CaseRuleError) as exc:
        case_transition(case=case, to_status="teleported", actor=actor)
    assert exc.value.field == "to_status"


def test_moving_to_the_same_status_is_refused(frozen, actor):
    with pytest.raises(IllegalTransition):
        case_transition(case=_case(S.IN_DM), to_status=S.IN_DM, actor=actor)


def test_resolving_through_a_plain_transition_asks_for_an_outcome(frozen, actor):
    with pytest.raises(CaseRuleError) as exc:
        case_transition(case=_case(S.IN_DM), to_status=S.RESOLVED, actor=actor)
    assert exc.value.field == "outcome"


def test_stale_version_is_refused_and_nothing_changes(frozen, actor):
    case = _case(S.ACKNOWLEDGED)
    case_transition(case=case, to_status=S.IN_DM, actor=actor, expected_version=case.version)
    with pytest.raises(StaleCase):
        case_transition(case=case, to_status=S.PENDING_MERCHANT, actor=actor, expected_version=case.version)
    assert Case.objects.get(pk=case.pk).status == S.IN_DM


def test_every_change_bumps_the_version(frozen, actor):
    case = _case(S.NEW)
    moved = case_transition(case=case, to_status=S.ACKNOWLEDGED, actor=actor)
    assert moved.version == case.version + 1 == Case.objects.get(pk=case.pk).version


# --- Resolution -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"outcome": ""}, "outcome"),
        ({"outcome": "teleport"}, "outcome"),
        ({"outcome": "refund"}, "refund_amount"),
        ({"outcome": "refund", "refund_amount": "0", "refund_currency": "USD"}, "refund_amount"),
        ({"outcome": "refund", "refund_amount": "-5", "refund_currency": "USD"}, "refund_amount"),
        ({"outcome": "partial_refund", "refund_amount": "-1", "refund_currency": "EUR"}, "refund_amount"),
        ({"outcome": "refund", "refund_amount": "10"}, "refund_currency"),
        ({"outcome": "refund", "refund_amount": "10", "refund_currency": "XYZ"}, "refund_currency"),
        ({"outcome": "refund", "refund_amount": "10", "refund_currency": "bitcoin"}, "refund_currency"),
        ({"outcome": "refund", "refund_amount": "abc", "refund_currency": "USD"}, "refund_amount"),
        ({"outcome": "refund", "refund_amount": "1.005", "refund_currency": "USD"}, "refund_amount"),
        ({"outcome": "declined"}, "note"),
        ({"outcome": "declined", "note": "   "}, "note"),
    ],
)
def test_resolving_with_bad_outcome_details_is_refused(frozen, actor, kwargs, field):
    case = _case(S.IN_DM)
    with pytest.raises(CaseRuleError) as exc:
        case_resolve(case=case, actor=actor, **kwargs)
    assert exc.value.field == field
    assert Case.objects.get(pk=case.pk).status == S.IN_DM


@pytest.mark.parametrize(
    "kwargs",
    [
        {"outcome": "refund", "refund_amount": "59.90", "refund_currency": "USD"},
        {"outcome": "partial_refund", "refund_amount": 10, "refund_currency": "jpy"},
        {"outcome": "replacement"},
        {"outcome": "reship"},
        {"outcome": "return_accepted"},
        {"outcome": "information_only"},
        {"outcome": "declined", "note": "Outside the return window"},
    ],
)
def test_resolving_with_each_outcome_records_it(frozen, actor, kwargs):
    case = _case(S.PENDING_MERCHANT)
    resolved = case_resolve(case=case, actor=actor, **kwargs)
    assert resolved.status == S.RESOLVED and resolved.resolved_at == NOW
    assert resolved.outcome == kwargs["outcome"]
    event = resolved.events.get(kind=CaseEvent.Kind.OUTCOME_RECORDED)
    assert event.data["outcome"] == kwargs["outcome"]
    if "refund_currency" in kwargs:
        assert resolved.refund_currency == kwargs["refund_currency"].upper()


def test_resolving_a_new_case_is_allowed_but_a_closed_one_is_not(frozen, actor):
    case_resolve(case=_case(S.NEW), actor=actor, outcome="information_only")
    with pytest.raises(IllegalTransition):
        case_resolve(case=_case(S.CLOSED), actor=actor, outcome="information_only")


def test_close_only_after_resolution(frozen, actor):
    with pytest.raises(IllegalTransition):
        case_close(case=_case(S.IN_DM), actor=actor)
    closed = case_close(case=_case(S.RESOLVED, resolved_at=NOW), actor=actor)
    assert closed.status == S.CLOSED and closed.closed_at == NOW


def test_allowed_transitions_lists_the_table_row(frozen, db):
    assert allowed_transitions(_case(S.RESOLVED)) == [S.CLOSED, S.NEW, S.ACKNOWLEDGED, S.IN_DM, S.PENDING_MERCHANT]
    merged = _case(S.NEW)
    merged.merged_into = _case(S.NEW)
    assert allowed_transitions(merged) == []


# --- Reopening ------------------------------------------------------------------------------------


def test_manual_reopen_goes_back_to_dm_and_keeps_the_recorded_outcome(frozen, actor):
    case = _case(S.IN_DM, moved_to_dm_at=NOW, first_response_at=NOW)
    case = case_resolve(case=case, actor=actor, outcome="refund", refund_amount="30", refund_currency="EUR")
    reopened = case_reopen(case=case, actor=actor, reason="Parcel came back")
    assert reopened.status == S.IN_DM and reopened.resolved_at is None
    assert reopened.sla_resolution_due is not None and reopened.sla_due_at is not None
    assert reopened.events.filter(kind=CaseEvent.Kind.REOPENED).exists()
    # The refund was paid: reopening leaves it on the case and in its history.
    assert (reopened.outcome, reopened.refund_amount, reopened.refund_currency) == ("refund", 30, "EUR")
    assert [(o.outcome, o.refund_amount) for o in reopened.outcome_records.all()] == [("refund", 30)]


def test_a_case_refunded_twice_keeps_both_refunds(frozen, actor):
    case = _case(S.PENDING_MERCHANT, first_response_at=NOW)
    case = case_resolve(case=case, actor=actor, outcome="refund", refund_amount="30", refund_currency="EUR")
    case = case_reopen(case=case, actor=actor, reason="Second item broken too")
    case = case_resolve(
        case=case, actor=actor, outcome="partial_refund", refund_amount="10.50", refund_currency="usd", note="Half"
    )
    history = [
        (o.outcome, o.refund_amount, o.refund_currency, o.note, o.recorded_by_id) for o in case.outcome_records.all()
    ]
    assert history == [
        ("refund", Decimal("30.00"), "EUR", "", actor.pk),
        ("partial_refund", Decimal("10.50"), "USD", "Half", actor.pk),
    ]
    assert (case.outcome, case.refund_amount) == ("partial_refund", Decimal("10.50"))  # the latest


def test_reopening_an_open_case_is_refused(frozen, actor):
    with pytest.raises(IllegalTransition):
        case_reopen(case=_case(S.IN_DM), actor=actor)


def test_customer_message_within_window_reopens_the_resolved_case(frozen, open_case, actor, settings):
    case = open_case()
    case_response_recorded(response=ResponseArrival(case_id=case.pk, at=NOW, channel="dm"))
    case = case_resolve(case=case, actor=actor, outcome="reship")
    frozen.shift(dt.timedelta(days=13))
    [same] = case_messages_received(
        arrivals=[
            MessageArrival(
                case_id=case.pk, at=NOW + dt.timedelta(days=13), channel="dm", text="The reship is broken too"
            )
        ]
    )
    assert same.pk == case.pk
    assert same.status == S.IN_DM
    assert same.events.filter(kind=CaseEvent.Kind.REOPENED).exists()


def test_customer_message_after_window_opens_a_linked_follow_up(frozen, open_case, actor):
    case = open_case()
    case = case_resolve(case=case, actor=actor, outcome="reship")
    case = case_close(case=case, actor=actor)
    frozen.shift(dt.timedelta(days=15))
    at = NOW + dt.timedelta(days=15)
    [follow_up, again] = case_messages_received(
        arrivals=[
            MessageArrival(case_id=case.pk, at=at, channel="public", text="It broke again"),
            MessageArrival(case_id=case.pk, at=at + dt.timedelta(minutes=1), channel="public", text="Hello??"),
        ]
    )
    assert follow_up.pk != case.pk and again.pk == follow_up.pk
    assert follow_up.reopened_from_id == case.pk
    assert follow_up.customer_id == case.customer_id and follow_up.status == S.NEW
    assert Case.objects.get(pk=follow_up.pk).contact_count == 2
    assert Case.objects.get(pk=case.pk).status == S.CLOSED
    assert case.events.filter(kind=CaseEvent.Kind.UPDATED, data__follow_up_id=follow_up.pk).exists()


def test_reopen_window_is_a_setting(frozen, open_case, actor, settings):
    settings.CRM_TWITTER = {**getattr(settings, "CRM_TWITTER", {}), "REOPEN_WINDOW_DAYS": 2}
    case = case_resolve(case=open_case(), actor=actor, outcome="reship")
    frozen.shift(dt.timedelta(days=3))
    [other] = case_messages_received(
        arrivals=[MessageArrival(case_id=case.pk, at=NOW + dt.timedelta(days=3), channel="dm", text="again")]
    )
    assert other.pk != case.pk


# --- Replies move the case ------------------------------------------------------------------------


def test_first_public_reply_acknowledges(frozen, open_case):
    case = open_case()
    case = case_response_recorded(response=ResponseArrival(case_id=case.pk, at=NOW, channel="public"))
    assert case.status == S.ACKNOWLEDGED and case.first_response_at == NOW


def test_first_dm_moves_to_in_dm_even_from_new(frozen, open_case):
    case = open_case()
    case = case_response_recorded(response=ResponseArrival(case_id=case.pk, at=NOW, channel="dm"))
    assert case.status == S.IN_DM and case.moved_to_dm_at == NOW


def test_later_public_replies_do_not_move_a_case_back(frozen, open_case):
    case = open_case()
    case_response_recorded(response=ResponseArrival(case_id=case.pk, at=NOW, channel="dm"))
    case = case_response_recorded(response=ResponseArrival(case_id=case.pk, at=NOW, channel="public"))
    assert case.status == S.IN_DM
    assert case.events.filter(kind=CaseEvent.Kind.REPLY_SENT).count() == 2


def test_customer_reply_while_awaiting_customer_returns_to_in_dm(frozen, actor):
    case = _case(S.IN_DM, first_response_at=NOW, moved_to_dm_at=NOW)
    case = case_transition(case=case, to_status=S.AWAITING_CUSTOMER, actor=actor)
    [case] = case_messages_received(arrivals=[MessageArrival(case_id=case.pk, at=NOW, channel="dm", text="here")])
    assert case.status == S.IN_DM
