"""Whom a supervisor may hand a case to, grouped by team, and the teams a case may move to.

The roster is ``crm_twitter.roles.users_who_take_cases`` (the same rule ``case_assign`` enforces),
so the menu never offers someone the service would refuse for their role. Everyone on it is
offered, whatever their team: picking a member of another team moves the case to a team they work
(``crm_twitter.services.case_teams``). Four queries at most, for any desk size.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from crm_twitter.models import Case, Team, TeamMembership
from crm_twitter.roles import Ability, users_who_take_cases, users_with


@dataclass(frozen=True)
class AssigneeGroup:
    """One ``<optgroup>`` of the assign menu: a team (or the supervisors who work any team)."""

    label: str
    users: tuple
    is_case_team: bool = False


def assignee_groups(*, case: Case) -> list[AssigneeGroup]:
    """Every user who may be handed ``case``: its team's first, then other teams by name, then
    supervisors in no team. Each person appears once — under the case's team when they work it,
    else under their first team by name. Agents in no team are left out (the service would refuse
    them: no queue would show them the case)."""
    users = {u.pk: u for u in users_who_take_cases().order_by("first_name", "last_name", "username")}
    memberships = (
        TeamMembership.objects.filter(user_id__in=list(users)).select_related("team").order_by("team__name", "team_id")
    )
    teams_of: dict[int, list[Team]] = {}
    for membership in memberships:
        teams_of.setdefault(membership.user_id, []).append(membership.team)
    by_team: dict[int, list] = {}
    team_by_id: dict[int, Team] = {}
    teamless = [pk for pk in users if pk not in teams_of]
    sees_all = set(users_with(Ability.SEE_ALL_CASES).filter(pk__in=teamless).values_list("pk", flat=True))
    anywhere = [users[pk] for pk in teamless if pk in sees_all]
    for pk, user in users.items():
        teams = teams_of.get(pk, [])
        home = next((t for t in teams if t.pk == case.team_id), teams[0] if teams else None)
        if home is None:
            continue
        team_by_id[home.pk] = home
        by_team.setdefault(home.pk, []).append(user)
    order = sorted(team_by_id.values(), key=lambda t: (t.pk != case.team_id, t.name, t.pk))
    groups = [AssigneeGroup(t.name, tuple(by_team[t.pk]), is_case_team=t.pk == case.team_id) for t in order]
    if anywhere:
        groups.append(AssigneeGroup(_("Supervisors (any team)"), tuple(anywhere)))
    return groups


def teams_to_move_to(*, case: Case) -> list[Team]:
    """The teams a supervisor may move ``case`` to: every team but its own, by name."""
    return list(Team.objects.exclude(pk=case.team_id or 0).order_by("name", "pk"))
