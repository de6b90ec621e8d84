"""Promises: made with a future deadline, kept with a note, cancelled, or missed by the sweep."""

from __future__ import annotations

import datetime as dt

import pytest

from crm_twitter.models import Case, CaseEvent, CaseStatus, Promise
from crm_twitter.services.errors import CaseRuleError
from crm_twitter.services.promises import promise_cancel, promise_create, promise_keep
from crm_twitter.services.sla import sla_sweep
from tests.factories import CaseFactory

from .conftest import NOW

H = dt.timedelta(hours=1)


def test_promise_is_recorded_with_its_deadline(frozen, agent):
    case = CaseFactory(status=CaseStatus.IN_DM)
    promise = promise_create(
        case=case, actor=agent, kind="reship", description="Reship within 48 h", due_at=NOW + 48 * H
    )
    assert promise.status == Promise.Status.OPEN and promise.created_by == agent
    event = case.events.get(kind=CaseEvent.Kind.PROMISE_MADE)
    assert event.data["promise_id"] == promise.pk and event.actor == agent
    assert Case.objects.get(pk=case.pk).version == case.version + 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"due_at": NOW - H}, "due_at"),
        ({"due_at": NOW}, "due_at"),
        ({"due_at": dt.datetime(2026, 3, 5, 12, 0)}, "due_at"),  # naive: no time zone
        ({"description": " "}, "description"),
        ({"kind": "miracle"}, "kind"),
    ],
)
def test_bad_promises_are_refused(frozen, agent, kwargs, field):
    args = {"kind": "refund", "description": "Refund", "due_at": NOW + H, **kwargs}
    with pytest.raises(CaseRuleError) as exc:
        promise_create(case=CaseFactory(), actor=agent, **args)
    assert exc.value.field == field
    assert not Promise.objects.exists()


def test_no_promises_on_a_closed_case(frozen, agent):
    with pytest.raises(CaseRuleError):
        promise_create(
            case=CaseFactory(status=CaseStatus.CLOSED), actor=agent, kind="refund", description="x", due_at=NOW + H
        )


def test_keeping_a_promise_records_the_note(frozen, agent):
    promise = promise_create(case=CaseFactory(), actor=agent, kind="refund", description="Refund", due_at=NOW + H)
    kept = promise_keep(promise=promise, actor=agent, note="PayPal refund id 5X")
    assert kept.status == Promise.Status.KEPT and kept.note == "PayPal refund id 5X" and kept.resolved_at == NOW
    event = promise.case.events.get(kind=CaseEvent.Kind.PROMISE_KEPT)
    assert event.data["late"] is False and "PayPal refund id 5X" in event.message


def test_a_missed_promise_can_still_be_kept_late(frozen, agent):
    promise = promise_create(case=CaseFactory(), actor=agent, kind="refund", description="Refund", due_at=NOW + H)
    frozen.shift(2 * H)
    sla_sweep()
    kept = promise_keep(promise=promise, actor=agent)
    assert kept.status == Promise.Status.KEPT
    assert promise.case.events.get(kind=CaseEvent.Kind.PROMISE_KEPT).data["late"] is True


def test_cancelled_promises_are_never_missed(frozen, agent):
    promise = promise_create(case=CaseFactory(), actor=agent, kind="callback", description="Call back", due_at=NOW + H)
    promise_cancel(promise=promise, actor=agent, note="Customer chose a refund")
    frozen.shift(2 * H)
    assert sla_sweep().promises_missed == 0
    promise.refresh_from_db()
    assert promise.status == Promise.Status.CANCELLED
    with pytest.raises(CaseRuleError):
        promise_keep(promise=promise, actor=agent)
    with pytest.raises(CaseRuleError):
        promise_cancel(promise=promise, actor=agent)


def test_open_promise_becomes_missed_exactly_at_its_deadline(frozen, agent):
    promise = promise_create(case=CaseFactory(), actor=agent, kind="refund", description="Refund", due_at=NOW + H)
    frozen.shift(H - dt.timedelta(seconds=1))
    assert sla_sweep().promises_missed == 0
    frozen.shift(dt.timedelta(seconds=1))
    assert sla_sweep().promises_missed == 1
    promise.refresh_from_db()
    assert promise.status == Promise.Status.MISSED
