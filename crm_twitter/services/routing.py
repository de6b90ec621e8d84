"""Who handles a case: follow-the-sun routing to a team, then the least-loaded agent in it.

Team choice, in order: a team that speaks the case language and is on shift now → a fallback
team (``is_fallback``; on shift first) → any team on shift → any team (language first). Inside
the team: the available agent with the fewest open cases, below their cap
(``membership.max_open_cases`` or ``MAX_OPEN_CASES_PER_AGENT``); when everyone is full the case
waits unassigned in the team queue. Manual assignment and "take it" ignore the cap.

Working hours are ``{"mon": [["09:00", "18:00"]], ...}`` in the team's own time zone; "24:00"
means the end of the day and an interval whose end is before its start runs past midnight.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_twitter.conf import app_settings
from crm_twitter.models import OPEN_STATUSES, Case, CaseEvent, Notification, Team, TeamMembership
from crm_twitter.roles import user_can_assign_others
from crm_twitter.services.errors import CaseRuleError, NotPermitted

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


# --- Shifts ---------------------------------------------------------------------------------------


def team_zone(team: Team) -> dt.tzinfo:
    try:
        return ZoneInfo(team.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def _minutes(value: str) -> int:
    hours, _, minutes = str(value).strip().partition(":")
    total = int(hours) * 60 + int(minutes or 0)
    if not 0 <= total <= 24 * 60:
        raise ValueError(f"not a time of day: {value!r}")
    return total


def shift_intervals(team: Team, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    """The team's working intervals that start on ``day`` (local date), as aware datetimes."""
    zone = team_zone(team)
    hours = team.working_hours or {}
    out = []
    for pair in hours.get(DAYS[day.weekday()], []) or []:
        try:
            start_min, end_min = _minutes(pair[0]), _minutes(pair[1])
        except (ValueError, IndexError, TypeError):
            continue
        # Local wall-clock times resolved to real instants; an end before the start is tomorrow.
        start = _local(day, start_min, zone)
        end = _local(day, end_min, zone) if end_min > start_min else _local(day + dt.timedelta(days=1), end_min, zone)
        if end <= start:
            continue
        out.append((start, end))
    return out


def _local(day: dt.date, minutes: int, zone: dt.tzinfo) -> dt.datetime:
    extra_days, minutes = divmod(minutes, 24 * 60)
    day = day + dt.timedelta(days=extra_days)
    naive = dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60))
    return naive.replace(tzinfo=zone).astimezone(dt.UTC)


def team_is_on_shift(team: Team, now: dt.datetime | None = None) -> bool:
    """Is ``now`` inside one of the team's working intervals (today's, or yesterday's overnight one)?"""
    now = now or timezone.now()
    local_day = now.astimezone(team_zone(team)).date()
    for day in (local_day - dt.timedelta(days=1), local_day):
        for start, end in shift_intervals(team, day):
            if start <= now < end:
                return True
    return False


def team_has_hours(team: Team) -> bool:
    return any(shift_intervals(team, dt.date(2024, 1, 1) + dt.timedelta(days=i)) for i in range(7))


def working_time_add(team: Team | None, start: dt.datetime, minutes: float) -> dt.datetime:
    """``start`` plus ``minutes`` of the team's working time (calendar time without a team or hours)."""
    if team is None or minutes <= 0 or not team_has_hours(team):
        return start + dt.timedelta(minutes=minutes)
    remaining = dt.timedelta(minutes=minutes)
    local_day = start.astimezone(team_zone(team)).date() - dt.timedelta(days=1)
    for _day in range(400):  # a year and a bit of days is plenty for any SLA
        for begin, end in sorted(shift_intervals(team, local_day)):
            if end <= start:
                continue
            begin = max(begin, start)
            if begin + remaining <= end:
                return begin + remaining
            remaining -= end - begin
        local_day += dt.timedelta(days=1)
    return start + dt.timedelta(minutes=minutes)


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
    with connection.cursor() as cursor:
        cursor.execute(sql, [str(s) for s in OPEN_STATUSES])
        return dict(cursor.fetchall())


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
        memberships = list(
            TeamMembership.objects.filter(user__is_active=True).values(
                "team_id", "user_id", "role", "max_open_cases", "is_available"
            )
        )
        counts = _open_cases_by_assignee()
        default_cap = int(app_settings.MAX_OPEN_CASES_PER_AGENT)
        slots: dict[int, AgentSlot] = {}  # one slot per user: load is shared across their teams
        ctx = cls(teams=teams)
        for m in memberships:
            ctx.teams_by_user.setdefault(m["user_id"], []).append(m["team_id"])
            if m["role"] == TeamMembership.Role.SUPERVISOR:
                ctx.supervisors_by_team.setdefault(m["team_id"], []).append(m["user_id"])
                continue
            if not m["is_available"]:
                continue
            slot = slots.setdefault(m["user_id"], AgentSlot(m["user_id"], default_cap, counts.get(m["user_id"], 0)))
            if m["max_open_cases"] is not None:
                slot.cap = int(m["max_open_cases"])
            ctx.agents_by_team.setdefault(m["team_id"], []).append(slot)
        return ctx

    def team(self, team_id: int | None) -> Team | None:
        return next((t for t in self.teams if t.pk == team_id), None)


def _speaks(team: Team, language: str) -> bool:
    lang = (language or "").lower().split("-")[0]
    return bool(lang) and lang in {str(x).lower().split("-")[0] for x in (team.languages or [])}


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
    from crm_twitter.services.lifecycle import case_lock, case_save, event_add
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

    When the new assignee is not in the case's team, the case follows them to their (first) team
    so the team queue and the assignee agree.
    """
    from crm_twitter.services.lifecycle import case_lock, case_save, event_add
    from crm_twitter.services.notifications import notification_send

    if actor is not None and not user_can_assign_others(actor):
        # Agents take cases for themselves and drop their own; the rest is a supervisor's call.
        if assignee is not None and assignee.pk != actor.pk:
            raise NotPermitted(_("Only supervisors assign cases to other people."), field="assignee")
        if assignee is None and case.assignee_id not in (None, actor.pk):
            raise NotPermitted(_("Only supervisors unassign other people's cases."), field="assignee")
    if assignee is not None and not getattr(assignee, "is_active", True):
        raise CaseRuleError("That user is inactive and cannot take cases.", field="assignee", code="inactive_user")
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
        if new_id is not None:
            team_ids = list(
                TeamMembership.objects.filter(user_id=new_id).order_by("id").values_list("team_id", flat=True)
            )
            if team_ids and case.team_id not in team_ids:
                case.team_id = team_ids[0]
                fields.append("team")
        case_save(case, fields)
        actor_id = getattr(actor, "pk", None)
        if new_id is None:
            message = "Unassigned"
        elif old_id is None:
            message = f"Assigned to {assignee}"
        else:
            message = f"Reassigned to {assignee}"
        event_add(
            case,
            CaseEvent.Kind.ASSIGNED,
            actor,
            message,
            {"assignee_id": new_id, "from_assignee_id": old_id, "team_id": case.team_id},
        )
        if new_id is not None:
            # The new assignee and the team's supervisors hear of a person's (re)assignment.
            supervisors = supervisors_of([case.team_id]).get(case.team_id, []) if case.team_id else []
            notification_send(
                users=[new_id, *supervisors],
                case=case,
                kind=Notification.Kind.ASSIGNED,
                message=f"{case}: assigned to {assignee} by {actor or 'the system'}",
                exclude_user_id=actor_id,
            )
    return case


def case_take(*, case: Case, actor, expected_version: int | None = None) -> Case:
    """ "Take it": the acting agent assigns the case to themselves (refused on an outdated picture)."""
    return case_assign(case=case, assignee=actor, actor=actor, expected_version=expected_version)


def supervisors_of(team_ids: Iterable[int]) -> dict[int, list[int]]:
    """Supervisor user ids per team (one query)."""
    out: dict[int, list[int]] = defaultdict(list)
    for team_id, user_id in TeamMembership.objects.filter(
        team_id__in=list(team_ids), role=TeamMembership.Role.SUPERVISOR
    ).values_list("team_id", "user_id"):
        out[team_id].append(user_id)
    return out
