"""Who handles a case: follow-the-sun routing to a team, then the least-loaded agent in it.

Team choice, in order: a team that speaks the case language and is on shift now → a fallback
team (``is_fallback``; on shift first) → any team on shift → any team (language first). Inside
the team: the available agent with the fewest open cases, below their cap
(``membership.max_open_cases`` or ``MAX_OPEN_CASES_PER_AGENT``); when everyone is full the case
waits unassigned in the team queue. Manual assignment and "take it" ignore the cap.

"On shift" is ``services.working_hours``' rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_twitter.conf import app_settings
from crm_twitter.db.sql import rows_fetch
from crm_twitter.models import OPEN_STATUSES, Case, CaseEvent, Notification, Team, TeamMembership
from crm_twitter.roles import user_can_assign_others, users_who_take_cases
from crm_twitter.selectors.queues import queue_counts_forget
from crm_twitter.services.case_teams import team_for_assignee
from crm_twitter.services.case_teams import team_speaks as _speaks
from crm_twitter.services.errors import CaseRuleError, NotPermitted
from crm_twitter.services.working_hours import team_is_on_shift

# --- Routing context (loaded once per batch) ------------------------------------------------------


@dataclass
class AgentSlot:
    user_id: int
    cap: int
    open_count: int


def _open_cases_by_assignee() -> dict[int, int]:
    """Open cases per assignee (agents' load), read for every batch of new cases.

    Plain SQL for one reason: SQLite, without statistics, answers the ORM's query by walking
    every open case through the (status, due) index; with the status test kept off the index
    (unary ``+``) it reads only assigned cases, from the (assignee, status) index alone.
    """
    q = connection.ops.quote_name
    keep_off_index = "+" if connection.vendor == "sqlite" else ""
    statuses = ", ".join(["%s"] * len(OPEN_STATUSES))
    sql = (
        f"SELECT {q('assignee_id')}, COUNT(*) FROM {q(Case._meta.db_table)} "  # noqa: S608 (quoted identifiers)
        f"WHERE {q('assignee_id')} IS NOT NULL AND {keep_off_index}{q('status')} IN ({statuses}) "
        f"GROUP BY {q('assignee_id')}"
    )
    return dict(rows_fetch(sql, [str(s) for s in OPEN_STATUSES]))


_MEMBERSHIP_COLUMNS = ("team_id", "user_id", "role", "max_open_cases", "is_available", "on_roster")


@cache
def _memberships_sql(vendor: str) -> tuple[str, tuple]:
    """The memberships query of ``RoutingContext.load``, compiled once per process (and vendor).

    Its roster test (``users_who_take_cases``: groups, permissions, superusers) made Django build
    and compile a subquery with six joins for every page that opens cases — 1.5 ms of CPU each
    time for a statement whose text never changes (it depends on the code's role table only).
    """
    on_roster = Exists(users_who_take_cases().filter(pk=OuterRef("user_id")))
    query = (
        TeamMembership.objects.filter(user__is_active=True).annotate(on_roster=on_roster).values(*_MEMBERSHIP_COLUMNS)
    ).query
    return query.get_compiler(connection=connection).as_sql()


def _memberships() -> list[dict]:
    """Active users' memberships with ``on_roster`` (may the user take cases), as dicts."""
    sql, params = _memberships_sql(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [dict(zip(_MEMBERSHIP_COLUMNS, row, strict=True)) for row in cursor.fetchall()]


@dataclass
class RoutingContext:
    """Teams, agents and their open-case counts: three queries for a whole batch of cases."""

    teams: list[Team]
    agents_by_team: dict[int, list[AgentSlot]] = field(default_factory=dict)
    supervisors_by_team: dict[int, list[int]] = field(default_factory=dict)
    teams_by_user: dict[int, list[int]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> RoutingContext:
        teams = list(Team.objects.all().order_by("name", "id"))
        # Routing hands cases to the same roster a supervisor may pick from (crm_twitter.roles).
        memberships = _memberships()
        counts = _open_cases_by_assignee()
        default_cap = int(app_settings.MAX_OPEN_CASES_PER_AGENT)
        slots: dict[int, AgentSlot] = {}  # one slot per user: load is shared across their teams
        ctx = cls(teams=teams)
        for m in memberships:
            ctx.teams_by_user.setdefault(m["user_id"], []).append(m["team_id"])
            if m["role"] == TeamMembership.Role.SUPERVISOR:
                ctx.supervisors_by_team.setdefault(m["team_id"], []).append(m["user_id"])
                continue
            if not m["is_available"] or not m["on_roster"]:
                continue
            slot = slots.setdefault(m["user_id"], AgentSlot(m["user_id"], default_cap, counts.get(m["user_id"], 0)))
            if m["max_open_cases"] is not None:
                slot.cap = int(m["max_open_cases"])
            ctx.agents_by_team.setdefault(m["team_id"], []).append(slot)
        return ctx

    def team(self, team_id: int | None) -> Team | None:
        return next((t for t in self.teams if t.pk == team_id), None)


def team_choose(ctx: RoutingContext, *, language: str, now: dt.datetime) -> Team | None:
    """Follow-the-sun team choice (see module docstring). Among equals, the team with most free slots."""
    if not ctx.teams:
        return None
    on_shift = [t for t in ctx.teams if team_is_on_shift(t, now)]

    def roomiest(teams: Iterable[Team]) -> Team | None:
        teams = list(teams)
        if not teams:
            return None
        return max(teams, key=lambda t: sum(max(s.cap - s.open_count, 0) for s in ctx.agents_by_team.get(t.pk, [])))

    fallback = [t for t in ctx.teams if t.is_fallback]
    return (
        roomiest(t for t in on_shift if _speaks(t, language))
        or roomiest(t for t in fallback if t in on_shift)
        or roomiest(fallback)
        or roomiest(on_shift)
        or roomiest(t for t in ctx.teams if _speaks(t, language))
        or ctx.teams[0]
    )


def agent_choose(ctx: RoutingContext, team: Team | None) -> int | None:
    """The least-loaded available agent of the team under their cap; counts the pick in the context."""
    if team is None:
        return None
    candidates = [s for s in ctx.agents_by_team.get(team.pk, []) if s.open_count < s.cap]
    if not candidates:
        return None
    slot = min(candidates, key=lambda s: (s.open_count, s.user_id))
    slot.open_count += 1
    return slot.user_id


# --- Services -------------------------------------------------------------------------------------


def case_route(*, case: Case, now: dt.datetime | None = None) -> Case:
    """(Re)route a case: choose a team and, inside it, an agent; record and notify."""
    from crm_twitter.services.case_writes import case_lock, case_save, event_add
    from crm_twitter.services.notifications import notification_send

    now = now or timezone.now()
    with transaction.atomic():
        case = case_lock(case)
        ctx = RoutingContext.load()
        team = team_choose(ctx, language=case.language, now=now)
        assignee_id = agent_choose(ctx, team)
        old_team, old_assignee = case.team_id, case.assignee_id
        case.team = team
        case.assignee_id = assignee_id
        case_save(case, ["team", "assignee"])
        event_add(
            case,
            CaseEvent.Kind.ROUTED,
            None,
            f"Routed to {team}" if team else "No team to route to",
            {"team_id": team.pk if team else None, "from_team_id": old_team},
        )
        if assignee_id != old_assignee:
            event_add(
                case,
                CaseEvent.Kind.ASSIGNED,
                None,
                "Assigned by routing" if assignee_id else "Unassigned",
                {"assignee_id": assignee_id, "from_assignee_id": old_assignee, "by": "routing"},
            )
            if assignee_id:
                notification_send(
                    users=[assignee_id], case=case, kind=Notification.Kind.ASSIGNED, message=f"{case}: assigned to you"
                )
    return case


def case_assign(*, case: Case, assignee, actor, expected_version: int | None = None) -> Case:
    """Manual (re)assignment; ``assignee=None`` unassigns. Caps don't apply to a person's decision.

    Only someone on the roster who may work the case's team takes it (``case_teams``): handing it
    to a member of another team moves the case to one of their teams, so the team queue and the
    assignee agree; anyone else is refused with the reason.
    """
    from crm_twitter.services.case_writes import case_lock, case_save, event_add
    from crm_twitter.services.notifications import case_watchers_ids, notification_send

    if actor is not None and not user_can_assign_others(actor):
        # Agents take cases for themselves and drop their own; the rest is a supervisor's call.
        if assignee is not None and assignee.pk != actor.pk:
            raise NotPermitted(_("Only supervisors assign cases to other people."), field="assignee")
        if assignee is None and case.assignee_id not in (None, actor.pk):
            raise NotPermitted(_("Only supervisors unassign other people's cases."), field="assignee")
    with transaction.atomic():
        case = case_lock(case, expected_version=expected_version, actor=actor)
        if case.merged_into_id:
            raise CaseRuleError(
                "This case was merged into another one; assign that case instead.", field="assignee", code="merged"
            )
        new_id = assignee.pk if assignee is not None else None
        if new_id == case.assignee_id:
            return case
        old_id = case.assignee_id
        fields = ["assignee"]
        case.assignee_id = new_id
        from_team_id = case.team_id
        if assignee is not None:
            team = team_for_assignee(case=case, assignee=assignee)
            if team is not None:
                case.team = team
                fields.append("team")
        case_save(case, fields)
        actor_id = getattr(actor, "pk", None)
        if new_id is None:
            message = "Unassigned"
        elif old_id is None:
            message = f"Assigned to {assignee}"
        else:
            message = f"Reassigned to {assignee}"
        if case.team_id != from_team_id:
            message += f" (the case moves to {case.team.name}, a team they work)"
            queue_counts_forget(team_ids=[from_team_id, case.team_id], user_ids=[old_id, new_id])
        event_add(
            case,
            CaseEvent.Kind.ASSIGNED,
            actor,
            message,
            {"assignee_id": new_id, "from_assignee_id": old_id, "team_id": case.team_id, "from_team_id": from_team_id},
        )
        if new_id is not None:
            # The new assignee and the team's active supervisors (``notification_recipients``) hear of it.
            notification_send(
                users=case_watchers_ids(case),
                case=case,
                kind=Notification.Kind.ASSIGNED,
                message=f"{case}: assigned to {assignee} by {actor or 'the system'}",
                exclude_user_id=actor_id,
            )
    return case


def case_take(*, case: Case, actor, expected_version: int | None = None) -> Case:
    """ "Take it": the acting agent assigns the case to themselves (refused on an outdated picture)."""
    return case_assign(case=case, assignee=actor, actor=actor, expected_version=expected_version)
