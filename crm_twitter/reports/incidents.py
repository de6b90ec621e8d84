"""The monthly report's "Incidents" section: the surges the desk handled in the month.

An incident belongs to every month it was open in (opened before the month's end, not closed
before its start); an incident merged into another is left out, its cases count in the other.
Duration runs from opening to closing, or to the month's end (or now) while still open. Cost is
the estimated X cost of the messages sent for the incident (status updates and replies to its
customers), at the configured prices — the same estimate the compose guard shows before sending.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from crm_twitter.reports.months import MonthSpan
from crm_twitter.selectors.incidents import incidents_in_period


@dataclass(frozen=True)
class IncidentReportRow:
    title: str
    status: str  # open / closed
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    duration_seconds: float
    cases: int
    cost: Decimal
    root_cause: str


def report_incidents(span: MonthSpan, *, now: dt.datetime | None = None) -> tuple[IncidentReportRow, ...]:
    """The month's incidents, oldest first (one query)."""
    now = now or timezone.now()
    rows = []
    for incident, cost in incidents_in_period(start=span.start, end=span.end):
        until = incident.closed_at or min(now, span.end)
        rows.append(
            IncidentReportRow(
                title=incident.title,
                status=incident.status,
                opened_at=incident.opened_at,
                closed_at=incident.closed_at,
                duration_seconds=max(0.0, (until - incident.opened_at).total_seconds()),
                cases=incident.case_count,
                cost=cost.quantize(Decimal("0.001")),
                root_cause=incident.root_cause,
            )
        )
    return tuple(rows)
