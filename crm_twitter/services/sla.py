"""Service-level targets: when the desk owes the customer an answer, and the sweep that enforces it.

Three clocks per case, minutes from the ``SlaPolicy`` row of its priority (else ``SLA_DEFAULTS``):
- first response: from ``opened_at`` until the first brand reply;
- next response: from each customer message that arrives while the customer is not already
  waiting, until the next brand reply;
- resolution: from ``opened_at`` until resolved.
``sla_due_at`` is the earliest clock still running; the inbox sorts by it. While a case is
``awaiting_customer`` the clocks pause (when ``SLA_PAUSE_WHEN_AWAITING_CUSTOMER`` and the policy
allow it) and on resume every running due time moves by the paused duration. With
``SLA_CLOCK = "working_hours"`` minutes count only during the case team's working hours.

``sla_sweep`` runs every minute: it marks breaches and missed promises, fires the escalation
rules and notifies assignee and supervisors with a fixed number of set-based queries, however
many cases are open. Its writes are bookkeeping for the agent's optimistic-lock token: they do
not move ``Case.version`` (see services/lifecycle.py), so a page open on a case is not refused
because its clock ran out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import NamedTuple

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.fields.json import KT
from django.utils import timezone

from crm_twitter.conf import app_settings
from crm_twitter.db.bulk import values_insert
from crm_twitter.db.sql import datetime_param, json_object_sql, qn, statement_run
from crm_twitter.models import OPEN_STATUSES, Case, CaseEvent, Notification, Promise, SlaPolicy, Team
from crm_twitter.services.escalation import (
    MAX_LEVEL,
    EscalationStep,
    escalation_notice,
    escalation_step,
    rule_level,
    step_data,
    step_message,
)
from crm_twitter.services.notifications import (
    NotificationSpec,
    notification_recipients,
    notifications_send_many,
    team_supervisors,
)
from crm_twitter.services.working_hours import working_time_add


@dataclass(frozen=True)
class SlaTargets:
    first_response: int
    next_response: int
    resolution: int
    pause_when_awaiting_customer: bool = True


def sla_policies() -> dict[str, SlaTargets]:
    """Targets per priority: admin-edited SlaPolicy rows win over ``SLA_DEFAULTS`` (one query)."""
    out = {
        priority: SlaTargets(int(v["first_response"]), int(v["next_response"]), int(v["resolution"]), True)
        for priority, v in app_settings.SLA_DEFAULTS.items()
    }
    for p in SlaPolicy.objects.all():
        out[p.priority] = SlaTargets(
            p.first_response_minutes, p.next_response_minutes, p.resolution_minutes, p.pause_when_awaiting_customer
        )
    return out


# --- per page: the policies read once for a whole ingest page ---------------------------------------

_PAGE_POLICIES: ContextVar[list[dict[str, SlaTargets]] | None] = ContextVar("crm_twitter_sla_page", default=None)


@contextmanager
def sla_policies_page() -> Iterator[None]:
    """Within it ``sla_policies_cached`` reads the policies once: an ingest page opens cases,
    applies messages and records replies, each a batch that asked for them (a query each).

    The page is one transaction, so one reading is what each batch would have seen anyway.
    """
    token = _PAGE_POLICIES.set([])
    try:
        yield
    finally:
        _PAGE_POLICIES.reset(token)


def sla_policies_cached() -> dict[str, SlaTargets]:
    """``sla_policies()``, read once per ``sla_policies_page`` (every time outside one)."""
    held = _PAGE_POLICIES.get()
    if held is None:
        return sla_policies()
    if not held:
        held.append(sla_policies())
    return held[0]


def sla_targets(priority: str, policies: dict[str, SlaTargets] | None = None) -> SlaTargets:
    policies = policies if policies is not None else sla_policies()
    return policies.get(priority) or policies.get("normal") or SlaTargets(240, 480, 4320)


def sla_add(start: dt.datetime, minutes: int, team: Team | None) -> dt.datetime:
    """``start`` + SLA minutes on the configured clock (calendar, or the team's working hours)."""
    if app_settings.SLA_CLOCK == "working_hours":
        return working_time_add(team, start, minutes)
    return start + dt.timedelta(minutes=minutes)


def _team_of(case: Case, team: Team | None) -> Team | None:
    if team is not None or app_settings.SLA_CLOCK != "working_hours" or not case.team_id:
        return team
    return case.team


def sla_start(case: Case, *, targets: SlaTargets, team: Team | None = None) -> None:
    """Set the first-response and resolution due times of a newly opened (or reopened) case."""
    team = _team_of(case, team)
    case.sla_first_response_due = sla_add(case.opened_at, targets.first_response, team)
    case.sla_resolution_due = sla_add(case.opened_at, targets.resolution, team)
    case.sla_next_response_due = None
    case.sla_paused_at = None
    sla_refresh(case)


def sla_refresh(case: Case) -> None:
    """Recompute ``sla_due_at``: the earliest clock still running (None when closed or paused)."""
    if case.status not in OPEN_STATUSES or case.sla_paused_at is not None:
        case.sla_due_at = None
        return
    dues = [case.sla_next_response_due, case.sla_resolution_due]
    if case.first_response_at is None:
        dues.append(case.sla_first_response_due)
    dues = [d for d in dues if d is not None]
    case.sla_due_at = min(dues) if dues else None


def sla_customer_wrote(case: Case, *, at: dt.datetime, targets: SlaTargets, team: Team | None = None) -> None:
    """A customer message starts the next-response clock (unless one is already running)."""
    if case.first_response_at is not None and case.sla_next_response_due is None:
        case.sla_next_response_due = sla_add(at, targets.next_response, _team_of(case, team))
    sla_refresh(case)


def sla_responded(case: Case, *, at: dt.datetime) -> None:
    """A brand reply stops the first/next-response clocks; the case is back on track.

    The first response is the earliest reply, also when X delivers an earlier one after a later
    one (two accounts' timelines, backfills): it is attached late and the figures follow it.
    """
    if case.first_response_at is None or at < case.first_response_at:
        case.first_response_at = at
    case.sla_next_response_due = None
    sla_refresh(case)
    case.is_overdue = bool(case.sla_due_at and case.sla_due_at <= at)


def sla_pause(case: Case, *, at: dt.datetime, targets: SlaTargets) -> None:
    pausable = app_settings.SLA_PAUSE_WHEN_AWAITING_CUSTOMER and targets.pause_when_awaiting_customer
    if pausable and case.sla_paused_at is None:
        case.sla_paused_at = at
    sla_refresh(case)


def sla_resume(case: Case, *, at: dt.datetime) -> None:
    """Move every running due time by the paused duration and restart the clocks."""
    if case.sla_paused_at is not None:
        delta = max(at - case.sla_paused_at, dt.timedelta(0))
        if case.first_response_at is None and case.sla_first_response_due:
            case.sla_first_response_due += delta
        if case.sla_next_response_due:
            case.sla_next_response_due += delta
        if case.sla_resolution_due:
            case.sla_resolution_due += delta
        case.sla_paused_at = None
    sla_refresh(case)


def sla_reprioritise(case: Case, *, old: SlaTargets, new: SlaTargets) -> None:
    """New priority, new targets; time already added by pauses is kept."""
    team = _team_of(case, None)

    def moved(due: dt.datetime | None, start: dt.datetime, old_min: int, new_min: int) -> dt.datetime | None:
        if due is None:
            return None
        shift = due - sla_add(start, old_min, team)
        return sla_add(start, new_min, team) + shift

    case.sla_first_response_due = moved(
        case.sla_first_response_due, case.opened_at, old.first_response, new.first_response
    )
    case.sla_resolution_due = moved(case.sla_resolution_due, case.opened_at, old.resolution, new.resolution)
    if case.sla_next_response_due is not None:
        case.sla_next_response_due += dt.timedelta(minutes=new.next_response - old.next_response)
    sla_refresh(case)


# --- The sweep ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    now: dt.datetime
    breached: int
    promises_missed: int
    escalated: int
    notifications: int


def _json_object_sql() -> str:
    return json_object_sql()


def _q(name: str) -> str:
    return qn(name)


def _dt_param(value: dt.datetime):
    return datetime_param(value)


def _insert_events_select(
    *,
    kind: str,
    message_sql: str,
    message_params: list,
    data_sql: str,
    data_params: list,
    from_sql: str,
    from_params: list,
    now: dt.datetime,
) -> int:
    """INSERT INTO caseevent SELECT …: one statement writes an event for every matching case (alias c)."""
    table = _q(CaseEvent._meta.db_table)
    sql = (
        f"INSERT INTO {table} ({_q('case_id')}, {_q('actor_id')}, {_q('kind')}, {_q('message')}, {_q('data')}, "
        f"{_q('created_at')}) SELECT c.{_q('id')}, NULL, %s, {message_sql}, {data_sql}, %s {from_sql}"
    )
    return statement_run(sql, [kind, *message_params, *data_params, _dt_param(now), *from_params])


class _Notice(NamedTuple):
    """A case the sweep must tell people about, as selected in SQL."""

    kind: str
    case_id: int
    assignee_id: int | None
    team_id: int | None
    team_address: str
    message: str


def _watchers_notify(*, notices: Sequence[_Notice], now: dt.datetime) -> int:
    """Tell each case's watchers through the one writer: the cases come from set-based queries,
    the recipients from ``notification_recipients`` (the rule the single-case and batch paths
    use), and the rows and e-mails from ``notifications_send_many``. One query for the teams'
    supervisors and one for the rows, however many cases; one digest e-mail per person."""
    if not notices:
        return 0
    supervisors = team_supervisors(team_ids={n.team_id for n in notices if n.team_id})
    specs: list[NotificationSpec] = []
    team_mail: dict[str, list[str]] = {}
    for n in notices:
        for user_id in notification_recipients(
            assignee_id=n.assignee_id, team_id=n.team_id, supervisors_by_team=supervisors
        ):
            specs.append(NotificationSpec(user_id=user_id, case_id=n.case_id, kind=n.kind, message=n.message))
        if n.team_address:
            team_mail.setdefault(n.team_address, []).append(n.message)
    return notifications_send_many(specs=specs, extra_mail=team_mail, at=now)


def _sql_of(queryset) -> tuple[str, list]:
    sql, params = queryset.query.sql_with_params()
    return sql, list(params)


def _escalate_by_rule(*, rule: str, cases_qs, now: dt.datetime) -> dict[int, tuple[EscalationStep, str]]:
    """Fire an escalation rule on the cases of ``cases_qs`` it has not fired for yet; returns the
    step each escalated case took and its name (by case id), for the notifications.

    The candidates are selected (and locked, id order) in SQL; the level each one reaches is
    ``next_escalation_level`` — the rule the single-case and batch paths apply — and the events
    and level changes are written in bulk: one INSERT, and one UPDATE per resulting level (3 at
    most). Like the rest of the sweep this is bookkeeping: the version does not move.
    """
    if rule_level(rule) == 0:
        return {}
    fired = CaseEvent.objects.filter(case=OuterRef("pk"), kind=CaseEvent.Kind.ESCALATED, data__rule=rule)
    candidates = (
        cases_qs.filter(status__in=OPEN_STATUSES, escalation_level__lt=MAX_LEVEL)
        .exclude(Exists(fired))
        .select_for_update()
        .order_by("pk")
        .values_list("pk", "escalation_level", "reference")
    )
    named = [
        (pk, step, reference or f"Case #{pk}")  # as str(case) names it
        for pk, level, reference in candidates
        if (step := escalation_step(level, rule)) is not None
    ]
    steps = [(pk, step) for pk, step, _ in named]
    if not steps:
        return {}
    values_insert(
        CaseEvent,
        ("case_id", "actor_id", "kind", "message", "data", "created_at"),
        [(pk, None, CaseEvent.Kind.ESCALATED, step_message(step), step_data(step), now) for pk, step in steps],
    )
    by_level: dict[tuple[int, str], list[int]] = {}
    for pk, step in steps:
        by_level.setdefault((step.to_level, step.reason), []).append(pk)
    for (level, reason), ids in by_level.items():
        Case.objects.filter(pk__in=ids).update(escalation_level=level, escalation_reason=reason[:300])
    return {pk: (step, label) for pk, step, label in named}


def _escalation_notices(
    escalations: dict[int, tuple[EscalationStep, str]], *, notices: Sequence[_Notice]
) -> list[_Notice]:
    """ESCALATED notices for the cases the sweep escalated, worded as every other path words them
    (``escalation_notice``): one per case, at the level it reached, to the people its breach or
    missed-promise notice already names (no query: every escalated case has one)."""
    about = {n.case_id: n for n in notices}
    if missing := escalations.keys() - about.keys():  # not expected; never leave anyone untold
        rows = Case.objects.filter(pk__in=missing).values_list(
            "pk", "assignee_id", "team_id", "team__supervisors_email"
        )
        about.update(
            {pk: _Notice("", pk, assignee_id, team_id, address or "", "") for pk, assignee_id, team_id, address in rows}
        )
    return [
        _Notice(
            Notification.Kind.ESCALATED,
            case_id,
            about[case_id].assignee_id,
            about[case_id].team_id,
            about[case_id].team_address,
            escalation_notice(label, level=step.to_level, reason=step.reason[:300]),
        )
        for case_id, (step, label) in sorted(escalations.items())
    ]


def sla_sweep(*, now: dt.datetime | None = None) -> SweepResult:
    """Mark SLA breaches and missed promises, escalate, notify — a fixed number of queries.

    A case is breached when its earliest running due time has passed and it was not already
    marked for that due time (``sla_breached_at < sla_due_at`` lets a later clock breach again).
    Promises still open at their deadline become missed. Each change gets a CaseEvent and the
    assignee and team supervisors get a Notification (and one digest e-mail each). Every step
    is a set-based UPDATE, INSERT … SELECT or SELECT keyed on this sweep's instant ``now``; the
    notifications go through the one writer in a single call (``_watchers_notify``).
    """
    now = now or timezone.now()
    ctable = _q(Case._meta.db_table)
    obj = _json_object_sql()
    breached = missed = escalated = 0
    notices: list[_Notice] = []
    escalations: dict[int, tuple[EscalationStep, str]] = {}  # each escalated case's last step, and its name
    with transaction.atomic():
        # 1. SLA breaches.
        breached = Case.objects.filter(
            Q(sla_breached_at__isnull=True) | Q(sla_breached_at__lt=F("sla_due_at")),
            status__in=OPEN_STATUSES,
            sla_paused_at__isnull=True,
            sla_due_at__lte=now,
        ).update(sla_breached_at=now, is_overdue=True)
        if breached:
            breached_qs = Case.objects.filter(sla_breached_at=now)
            breached_sql, breached_params = _sql_of(breached_qs.values("id"))
            which = (
                f"CASE WHEN c.{_q('sla_due_at')} = c.{_q('sla_next_response_due')} THEN 'next_response' "
                f"WHEN c.{_q('first_response_at')} IS NULL AND c.{_q('sla_due_at')} = "
                f"c.{_q('sla_first_response_due')} THEN 'first_response' ELSE 'resolution' END"
            )
            _insert_events_select(
                kind=CaseEvent.Kind.SLA_BREACHED,
                message_sql=f"%s || REPLACE({which}, '_', ' ') || %s",
                message_params=["SLA breached: ", " overdue"],
                data_sql=f"{obj}('clock', {which})",
                data_params=[],
                from_sql=f"FROM {ctable} c WHERE c.{_q('id')} IN ({breached_sql})",
                from_params=breached_params,
                now=now,
            )
            # Who to tell, and about which clock: read back from the events just written.
            breach_rows = (
                CaseEvent.objects.filter(kind=CaseEvent.Kind.SLA_BREACHED, created_at=now, case__sla_breached_at=now)
                .order_by()
                .values_list(
                    "case_id",
                    KT("data__clock"),  # as text: no JSON decoding per row
                    "case__reference",
                    "case__assignee_id",
                    "case__team_id",
                    "case__team__supervisors_email",
                )
            )
            notices += [
                _Notice(
                    Notification.Kind.SLA_BREACHED,
                    case_id,
                    assignee_id,
                    team_id,
                    address or "",
                    f"SLA breached on {reference or f'Case #{case_id}'}: {str(clock).replace('_', ' ')} overdue",
                )
                for case_id, clock, reference, assignee_id, team_id, address in breach_rows
            ]
            steps = _escalate_by_rule(rule="sla_breached", cases_qs=breached_qs, now=now)
            escalated += len(steps)
            escalations.update(steps)

        # 2. Missed promises.
        missed = Promise.objects.filter(status=Promise.Status.OPEN, due_at__lte=now).update(
            status=Promise.Status.MISSED, resolved_at=now
        )
        if missed:
            ptable = _q(Promise._meta.db_table)
            _insert_events_select(
                kind=CaseEvent.Kind.PROMISE_MISSED,
                message_sql=f"%s || p.{_q('description')}",
                message_params=["Promise missed: "],
                data_sql=f"{obj}('promise_id', p.{_q('id')}, 'kind', p.{_q('kind')}, 'due_at', p.{_q('due_at')})",
                data_params=[],
                from_sql=(
                    f"FROM {ptable} p JOIN {ctable} c ON c.{_q('id')} = p.{_q('case_id')} "
                    f"WHERE p.{_q('status')} = %s AND p.{_q('resolved_at')} = %s"
                ),
                from_params=[Promise.Status.MISSED, _dt_param(now)],
                now=now,
            )
            just_missed = Promise.objects.filter(status=Promise.Status.MISSED, resolved_at=now)
            missed_cases = Case.objects.filter(pk__in=just_missed.values("case_id"), status__in=OPEN_STATUSES)
            missed_cases.update(is_overdue=True)
            notices += [
                _Notice(
                    Notification.Kind.PROMISE_MISSED,
                    case_id,
                    assignee_id,
                    team_id,
                    address or "",
                    f"Promise missed on {reference or f'Case #{case_id}'}",  # as str(case) names it
                )
                for case_id, assignee_id, team_id, address, reference in missed_cases.order_by().values_list(
                    "id", "assignee_id", "team_id", "team__supervisors_email", "reference"
                )
            ]
            steps = _escalate_by_rule(rule="promise_missed", cases_qs=missed_cases, now=now)
            escalated += len(steps)
            escalations.update(steps)

        # 3. Notify: the rows in one statement, one digest e-mail per person and team address.
        notices += _escalation_notices(escalations, notices=notices)
        notified = _watchers_notify(notices=notices, now=now)
    return SweepResult(now=now, breached=breached, promises_missed=missed, escalated=escalated, notifications=notified)
