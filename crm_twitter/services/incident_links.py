"""Linking cases to an incident: the one writer of IncidentCase rows that adds cases.

Detection links the cases of a surge when it opens an incident and every new matching case
while it stays open; people may link by hand too. Either way each case gets its own
``INCIDENT_LINKED`` event (the case's history must say why it was answered in bulk), and the
incident's ``case_count``/``last_linked_at`` stay true to its rows, so the page, the alerts
("the incident doubled") and the reports can read them without counting.

Idempotent: a case already linked is skipped, so linking the same ids twice writes nothing.
A fixed number of queries whatever the number of cases: the incident row is locked (two
workers linking at once wait for each other instead of both writing the same case), the
existing links are read once, new links and events are inserted in bulk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, Max

from crm_twitter.db.bulk import values_insert
from crm_twitter.models import Case, CaseEvent, Incident, IncidentCase

__all__ = ["incident_cases_link"]

_LINK_COLUMNS = ("incident_id", "case_id", "linked_at", "linked_by_id")
_EVENT_COLUMNS = ("case_id", "actor_id", "kind", "message", "data", "created_at")


def incident_cases_link(*, incident: Incident, case_ids: Iterable[int], actor=None, at: dt.datetime) -> int:
    """Link ``case_ids`` to ``incident``; returns how many were newly linked.

    Cases that do not exist, or are already linked, are skipped. ``actor`` is None for
    detection (the system). ``incident.case_count`` and ``incident.last_linked_at`` are
    refreshed on the instance passed in as well as in the database.
    """
    wanted = {int(pk) for pk in case_ids}
    if not wanted:
        return 0
    actor_id = getattr(actor, "pk", actor) if actor is not None else None
    with transaction.atomic():
        # The lock serialises linkers of one incident: the "already linked" read below stays true.
        Incident.objects.select_for_update().filter(pk=incident.pk).values_list("pk", flat=True).first()
        linked = set(IncidentCase.objects.filter(incident_id=incident.pk).values_list("case_id", flat=True))
        candidates = sorted(wanted - linked)
        new_ids = (
            list(Case.objects.filter(pk__in=candidates).order_by("pk").values_list("pk", flat=True))
            if candidates
            else []
        )
        if new_ids:
            values_insert(IncidentCase, _LINK_COLUMNS, [(incident.pk, pk, at, actor_id) for pk in new_ids])
            message = f"Linked to incident: {incident.title}"[:2000]
            data = {"incident_id": incident.pk, "dimension_key": incident.dimension_key}
            values_insert(
                CaseEvent,
                _EVENT_COLUMNS,
                [(pk, actor_id, CaseEvent.Kind.INCIDENT_LINKED, message, data, at) for pk in new_ids],
            )
        # Recount from the rows (another service may have unlinked cases meanwhile).
        totals = IncidentCase.objects.filter(incident_id=incident.pk).aggregate(n=Count("id"), last=Max("linked_at"))
        incident.case_count = totals["n"] or 0
        incident.last_linked_at = totals["last"]
        Incident.objects.filter(pk=incident.pk).update(
            case_count=incident.case_count, last_linked_at=incident.last_linked_at
        )
    return len(new_ids)
