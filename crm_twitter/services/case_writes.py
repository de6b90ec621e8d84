"""The writes every case service shares: lock the case row and check the version the person saw,
save changed fields with a version bump, record an audit event.

A low-level module on purpose: lifecycle, routing, escalation, promises, compose, satisfaction and
merge all write through it, and none of them has to import another service to do so. What
``Case.version`` counts is explained in ``services.lifecycle``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_twitter.models import Case, CaseEvent
from crm_twitter.selectors.case_changes import case_changes_since
from crm_twitter.services.errors import StaleCase

__all__ = ["case_lock", "case_save", "event_add", "version_check"]


def case_lock(case: Case | int, *, expected_version: int | None = None, actor=None) -> Case:
    """Re-read the case under a row lock (inside the caller's transaction) and check its version.

    ``actor`` (who asks) only words the refusal: their own change from another window is "you".
    """
    pk = case.pk if isinstance(case, Case) else case
    locked = Case.objects.select_for_update().get(pk=pk)
    version_check(locked, expected_version=expected_version, actor=actor)
    return locked


def version_check(case: Case, *, expected_version: int | None, actor=None) -> None:
    """Refuse a change made from a picture of the case older than its current (locked) version.

    The refusal says what the agent missed (``StaleCase.change``, a ``CaseChange``) and carries
    the version to retry with (``StaleCase.current_version``).
    """
    if expected_version is None or int(expected_version) == case.version:
        return
    change = case_changes_since(case_id=case.pk, version=int(expected_version), user_id=getattr(actor, "pk", None))
    summary = change.sentence()
    exc = StaleCase(
        f"{summary} {_('Reload it and try again.')}"
        if summary
        else _("Someone else changed this case in the meantime; reload it and try again."),
        field="expected_version",
    )
    exc.change = change
    exc.current_version = case.version
    raise exc


def case_save(case: Case, fields: list[str]) -> None:
    """Save the named fields and bump the version (the optimistic-lock token forms carry)."""
    case.version = (case.version or 0) + 1
    Case.objects.filter(pk=case.pk).update(
        version=F("version") + 1,
        **{
            Case._meta.get_field(name).attname: getattr(case, Case._meta.get_field(name).attname)
            for name in dict.fromkeys(fields)
        },
        updated_at=timezone.now(),
    )


def event_add(
    case: Case,
    kind: str,
    actor,
    message: str = "",
    data: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> CaseEvent:
    """Record an audit event, tagged with the case version its change produced (see the module docstring)."""
    actor_id = getattr(actor, "pk", actor) if actor is not None else None
    return CaseEvent.objects.create(
        case_id=case.pk,
        actor_id=actor_id,
        kind=kind,
        message=message[:2000],
        data={**(data or {}), "version": case.version},
        created_at=at or timezone.now(),
    )
