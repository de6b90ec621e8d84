"""Promises: what the desk committed to and by when ("refund by Friday", "reship within 48 h").

A promise is kept (with a note), cancelled, or — when still open at its deadline — marked
missed by the SLA sweep, which escalates the case and tells the assignee and supervisors.
A deadline must lie in the future when the promise is made. Making, keeping and cancelling a
promise move the case version, and each takes the ``expected_version`` the person saw.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from crm_twitter.models import OPEN_STATUSES, Case, CaseEvent, Promise
from crm_twitter.services.case_writes import case_lock, case_save, event_add
from crm_twitter.services.errors import CaseRuleError


def promise_create(
    *,
    case: Case,
    actor,
    kind: str,
    description: str,
    due_at: dt.datetime,
    expected_version: int | None = None,
) -> Promise:
    """Record a commitment with its deadline on an open case."""
    description = (description or "").strip()
    if kind not in Promise.Kind.values:
        raise CaseRuleError(f"Unknown promise kind {kind!r}.", field="kind", code="unknown_kind")
    if not description:
        raise CaseRuleError("Say what was promised.", field="description", code="description_required")
    if len(description) > 300:
        raise CaseRuleError("Keep the promise under 300 characters.", field="description", code="too_long")
    if due_at is None or timezone.is_naive(due_at):
        raise CaseRuleError(
            "Give the deadline with a date, time and time zone.", field="due_at", code="invalid_deadline"
        )
    now = timezone.now()
    if due_at <= now:
        raise CaseRuleError(
            "The deadline is in the past; promise something you can still keep.",
            field="due_at",
            code="deadline_in_past",
        )
    with transaction.atomic():
        case = case_lock(case, expected_version=expected_version, actor=actor)
        if case.status not in OPEN_STATUSES:
            raise CaseRuleError(
                f"{case} is not open; reopen it before promising anything.", field="due_at", code="case_not_open"
            )
        promise = Promise.objects.create(
            case=case,
            kind=kind,
            description=description,
            due_at=due_at,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        case_save(case, [])
        event_add(
            case,
            CaseEvent.Kind.PROMISE_MADE,
            actor,
            f"Promised: {description} by {due_at:%Y-%m-%d %H:%M %Z}",
            {"promise_id": promise.pk, "kind": kind, "due_at": due_at.isoformat()},
            at=now,
        )
    return promise


def _promise_lock(promise: Promise, *, expected_version: int | None, actor) -> tuple[Promise, Case]:
    case = case_lock(promise.case_id, expected_version=expected_version, actor=actor)
    return Promise.objects.select_for_update().get(pk=promise.pk), case


def promise_keep(*, promise: Promise, actor, note: str = "", expected_version: int | None = None) -> Promise:
    """The desk did what it promised (late keeping of a missed promise is recorded as such)."""
    with transaction.atomic():
        promise, case = _promise_lock(promise, expected_version=expected_version, actor=actor)
        if promise.status not in (Promise.Status.OPEN, Promise.Status.MISSED):
            raise CaseRuleError(
                f"This promise is already {promise.get_status_display().lower()}.",
                field="status",
                code="promise_closed",
            )
        now = timezone.now()
        late = promise.status == Promise.Status.MISSED or promise.due_at < now
        promise.status, promise.resolved_at, promise.note = Promise.Status.KEPT, now, note
        promise.save(update_fields=["status", "resolved_at", "note"])
        case_save(case, [])
        event_add(
            case,
            CaseEvent.Kind.PROMISE_KEPT,
            actor,
            f"Promise kept{' (late)' if late else ''}: {promise.description}" + (f" — {note}" if note else ""),
            {"promise_id": promise.pk, "late": late, "note": note},
            at=now,
        )
    return promise


def promise_cancel(*, promise: Promise, actor, note: str = "", expected_version: int | None = None) -> Promise:
    """Withdraw an open promise (e.g. the customer chose another remedy)."""
    with transaction.atomic():
        promise, case = _promise_lock(promise, expected_version=expected_version, actor=actor)
        if promise.status != Promise.Status.OPEN:
            raise CaseRuleError(
                f"Only open promises can be cancelled; this one is {promise.get_status_display().lower()}.",
                field="status",
                code="promise_closed",
            )
        now = timezone.now()
        promise.status, promise.resolved_at, promise.note = Promise.Status.CANCELLED, now, note
        promise.save(update_fields=["status", "resolved_at", "note"])
        case_save(case, [])
        event_add(
            case,
            CaseEvent.Kind.PROMISE_CANCELLED,
            actor,
            f"Promise cancelled: {promise.description}" + (f" — {note}" if note else ""),
            {"promise_id": promise.pk, "note": note},
            at=now,
        )
    return promise
