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
many cases are open.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Greatest, Least
from django.utils import timezone

from crm_twitter.conf import app_settings
from crm_twitter.models import OPEN_STATUSES, Case, CaseEvent, Notification, Promise, SlaPolicy, Team, TeamMembership
from crm_twitter.services.routing import working_time_add


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
    """A brand reply stops the first/next-response clocks; the case is back on track."""
    if case.first_response_at is None:
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
    return "jsonb_build_object" if connection.vendor == "postgresql" else "json_object"


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _dt_param(value: dt.datetime):
    return connection.ops.adapt_datetimefield_value(value)


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
    with connection.cursor() as cursor:
        cursor.execute(sql, [kind, *message_params, *data_params, _dt_param(now), *from_params])
        return max(cursor.rowcount, 0)


def _insert_notifications_select(
    *, kind: str, message_sql: str, message_params: list, cases_sql: str, cases_params: list, now: dt.datetime
) -> int:
    """Notify the assignee and the team supervisors of every case in ``cases_sql`` (two statements)."""
    ntable, ctable, mtable = (
        _q(Notification._meta.db_table),
        _q(Case._meta.db_table),
        _q(TeamMembership._meta.db_table),
    )
    cols = f"({_q('user_id')}, {_q('case_id')}, {_q('kind')}, {_q('message')}, {_q('created_at')})"
    total = 0
    # Identifiers come from model metadata (quoted); every value is a bound parameter.
    to_assignee = (
        f"INSERT INTO {ntable} {cols} SELECT c.{_q('assignee_id')}, c.{_q('id')}, %s, {message_sql}, %s "  # noqa: S608
        f"FROM {ctable} c WHERE c.{_q('assignee_id')} IS NOT NULL AND c.{_q('id')} IN ({cases_sql})"
    )
    to_supervisors = (
        f"INSERT INTO {ntable} {cols} SELECT m.{_q('user_id')}, c.{_q('id')}, %s, {message_sql}, %s "  # noqa: S608
        f"FROM {ctable} c JOIN {mtable} m ON m.{_q('team_id')} = c.{_q('team_id')} AND m.{_q('role')} = %s "
        f"WHERE (c.{_q('assignee_id')} IS NULL OR m.{_q('user_id')} <> c.{_q('assignee_id')}) "
        f"AND c.{_q('id')} IN ({cases_sql})"
    )
    with connection.cursor() as cursor:
        cursor.execute(to_assignee, [kind, *message_params, _dt_param(now), *cases_params])
        total += max(cursor.rowcount, 0)
        cursor.execute(
            to_supervisors, [kind, *message_params, _dt_param(now), TeamMembership.Role.SUPERVISOR, *cases_params]
        )
        total += max(cursor.rowcount, 0)
    return total


def _sql_of(queryset) -> tuple[str, list]:
    sql, params = queryset.query.sql_with_params()
    return sql, list(params)


def _escalate_by_rule(*, rule: str, level_setting: str, reason: str, cases_qs, now: dt.datetime) -> int:
    """Fire an escalation rule set-wise on ``cases_qs`` (first firing per case only; never lowers).

    New level = max(current + 1, the rule's level), at most 3. The ESCALATED event is written
    first and doubles as the marker the level update joins on, so both stay in step.
    """
    rule_level = int(app_settings.ESCALATION.get(level_setting, 0) or 0)
    if rule_level <= 0:
        return 0
    fired = CaseEvent.objects.filter(case=OuterRef("pk"), kind=CaseEvent.Kind.ESCALATED, data__rule=rule)
    candidates = cases_qs.filter(status__in=OPEN_STATUSES, escalation_level__lt=3).exclude(Exists(fired))
    cand_sql, cand_params = _sql_of(candidates.values("id"))
    level_sql = f"CASE WHEN c.{_q('escalation_level')} + 1 > %s THEN c.{_q('escalation_level')} + 1 ELSE %s END"
    obj = _json_object_sql()
    ctable = _q(Case._meta.db_table)
    inserted = _insert_events_select(
        kind=CaseEvent.Kind.ESCALATED,
        message_sql=f"%s || CAST({level_sql} AS TEXT)",
        message_params=[f"{reason}: escalated to level ", rule_level, rule_level],
        data_sql=f"{obj}('rule', %s, 'from', c.{_q('escalation_level')}, 'level', {level_sql}, 'reason', %s)",
        data_params=[rule, rule_level, rule_level, reason],
        from_sql=f"FROM {ctable} c WHERE c.{_q('id')} IN ({cand_sql})",
        from_params=cand_params,
        now=now,
    )
    if not inserted:
        return 0
    marker = CaseEvent.objects.filter(kind=CaseEvent.Kind.ESCALATED, created_at=now, data__rule=rule)
    Case.objects.filter(pk__in=marker.values("case_id")).update(
        escalation_level=Least(Greatest(F("escalation_level") + 1, rule_level), 3),
        escalation_reason=reason[:300],
        version=F("version") + 1,
    )
    return inserted


def sla_sweep(*, now: dt.datetime | None = None) -> SweepResult:
    """Mark SLA breaches and missed promises, escalate, notify — a fixed number of queries.

    A case is breached when its earliest running due time has passed and it was not already
    marked for that due time (``sla_breached_at < sla_due_at`` lets a later clock breach again).
    Promises still open at their deadline become missed. Each change gets a CaseEvent and the
    assignee and team supervisors get a Notification (and one digest e-mail each). Every step
    is a set-based UPDATE or INSERT … SELECT keyed on this sweep's instant ``now``.
    """
    from crm_twitter.services.notifications import mail_digest_send

    now = now or timezone.now()
    ctable = _q(Case._meta.db_table)
    obj = _json_object_sql()
    breached = missed = escalated = notified = 0
    with transaction.atomic():
        # 1. SLA breaches.
        breached = Case.objects.filter(
            Q(sla_breached_at__isnull=True) | Q(sla_breached_at__lt=F("sla_due_at")),
            status__in=OPEN_STATUSES,
            sla_paused_at__isnull=True,
            sla_due_at__lte=now,
        ).update(sla_breached_at=now, is_overdue=True, version=F("version") + 1)
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
            notified += _insert_notifications_select(
                kind=Notification.Kind.SLA_BREACHED,
                message_sql=f"%s || COALESCE(c.{_q('reference')}, '') || %s || REPLACE({which}, '_', ' ') || %s",
                message_params=["SLA breached on ", ": ", " overdue"],
                cases_sql=breached_sql,
                cases_params=breached_params,
                now=now,
            )
            escalated += _escalate_by_rule(
                rule="sla_breached",
                level_setting="SLA_BREACH_LEVEL",
                reason="SLA breached",
                cases_qs=breached_qs,
                now=now,
            )

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
            missed_cases.update(is_overdue=True, version=F("version") + 1)
            missed_sql, missed_params = _sql_of(missed_cases.values("id"))
            notified += _insert_notifications_select(
                kind=Notification.Kind.PROMISE_MISSED,
                message_sql=f"%s || COALESCE(c.{_q('reference')}, '')",
                message_params=["Promise missed on "],
                cases_sql=missed_sql,
                cases_params=missed_params,
                now=now,
            )
            escalated += _escalate_by_rule(
                rule="promise_missed",
                level_setting="PROMISE_MISSED_LEVEL",
                reason="Promise missed",
                cases_qs=missed_cases,
                now=now,
            )

        # 3. One digest e-mail per person notified by this sweep, and per team supervisors' address.
        if (breached or missed) and app_settings.NOTIFY_BY_EMAIL:
            digest: dict[int, list[str]] = {}
            for user_id, message in Notification.objects.filter(created_at=now).values_list("user_id", "message"):
                digest.setdefault(user_id, []).append(message)
            team_mail: dict[str, list[str]] = {}
            just_missed_cases = Promise.objects.filter(status=Promise.Status.MISSED, resolved_at=now).values("case_id")
            for address, reference, breached_at in (
                Case.objects.filter(Q(sla_breached_at=now) | Q(pk__in=just_missed_cases), team__isnull=False)
                .exclude(team__supervisors_email="")
                .values_list("team__supervisors_email", "reference", "sla_breached_at")
            ):
                what = "SLA breached" if breached_at == now else "Promise missed"
                team_mail.setdefault(address, []).append(f"{what} on {reference}")
            transaction.on_commit(lambda: mail_digest_send(messages_by_user=digest, extra=team_mail))
    return SweepResult(now=now, breached=breached, promises_missed=missed, escalated=escalated, notifications=notified)
