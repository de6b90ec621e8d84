"""Which team works a case, who may be handed it, and a supervisor moving it to another team.

One rule, asked by manual assignment (inbox, API, admin, demo) and by the move itself:

* a case is handed only to someone on the roster (``crm_twitter.roles.user_may_take_cases``: a
  role that takes cases and the right to act on them — never a read-only manager or a user with
  no desk role);
* who may work it depends on the case's team: its members do; supervisors (who see every team's
  cases) work any team; anyone else works it once the case is in one of their teams. Handing a
  case to a member of another team therefore moves it there (to the one of their teams that
  speaks the case's language, else their first), and someone in no team who does not see every
  team is refused with the reason, rather than given a case their queue would hide.

Routing puts a case in the team on shift that speaks its language, or the fallback team when
none is on shift; a supervisor corrects that by moving the case (``case_move_team``), which keeps
the assignee only when they work the new team.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from crm_twitter.models import CaseEvent, Notification, Team, TeamMembership
from crm_twitter.roles import user_can_assign_others, user_may_take_cases, user_sees_all_cases
from crm_twitter.selectors.queues import queue_counts_forget
from crm_twitter.services.errors import CaseRuleError, NotPermitted


def _person(user) -> str:
    return user.get_full_name() or user.get_username()


def team_speaks(team: Team, language: str) -> bool:
    """Whether ``team`` works in ``language`` ("zh-Hans" and "zh" are the same language here);
    routing's team choice and the assignment rule both ask it."""
    lang = (language or "").lower().split("-")[0]
    return bool(lang) and lang in {str(x).lower().split("-")[0] for x in (team.languages or [])}


def assignee_check(assignee) -> None:
    """Refuse, with the reason, anyone who may not be handed a case at all."""
    if not getattr(assignee, "is_active", True):
        raise CaseRuleError(_("That user is inactive and cannot take cases."), field="assignee", code="inactive_user")
    if not user_may_take_cases(assignee):
        raise CaseRuleError(
            _("%(name)s has no desk role that works cases (agent or supervisor), so cases cannot be assigned to them.")
            % {"name": _person(assignee)},
            field="assignee",
            code="not_on_roster",
        )


def works_team(user, team_id: int | None) -> bool:
    """Whether ``user`` works cases of the team ``team_id`` as it is (member, or sees every team)."""
    if team_id is None or user_sees_all_cases(user):
        return True
    return TeamMembership.objects.filter(user=user, team_id=team_id).exists()


def team_for_assignee(*, case, assignee) -> Team | None:
    """The team ``case`` must be in for ``assignee`` to work it; ``None``: it stays where it is.

    Refuses (``CaseRuleError``) someone who may not be handed a case, or who works no team at all.
    """
    assignee_check(assignee)
    if works_team(assignee, case.team_id):
        return None
    teams = [m.team for m in TeamMembership.objects.filter(user=assignee).select_related("team").order_by("id")]
    if not teams:
        raise CaseRuleError(
            _("%(name)s is in no team, so they cannot work this case. Add them to a team first.")
            % {"name": _person(assignee)},
            field="assignee",
            code="no_team",
        )
    return next((t for t in teams if team_speaks(t, case.language)), teams[0])


def case_move_team(*, case, team: Team, actor, reason: str = "", expected_version: int | None = None):
    """Move a case to another team (a supervisor's decision, recorded with its reason).

    The assignee keeps the case only when they work the new team; otherwise it waits unassigned
    in the new team's queue, and that team's supervisors are told.
    """
    from crm_twitter.services.lifecycle import case_lock, case_save, event_add
    from crm_twitter.services.notifications import notification_send, team_supervisors

    if actor is not None and not user_can_assign_others(actor):
        raise NotPermitted(_("Only supervisors move cases to another team."), field="team")
    reason = (reason or "").strip()[:300]
    with transaction.atomic():
        case = case_lock(case, expected_version=expected_version, actor=actor)
        if case.merged_into_id:
            raise CaseRuleError(
                _("This case was merged into another one; move that case instead."), field="team", code="merged"
            )
        if case.team_id == team.pk:
            raise CaseRuleError(
                _("The case is already in %(team)s.") % {"team": team.name}, field="team", code="same_team"
            )
        old_team_id, old_assignee = case.team_id, case.assignee
        case.team = team
        fields = ["team"]
        keeps_assignee = old_assignee is None or works_team(old_assignee, team.pk)
        if not keeps_assignee:
            case.assignee = None
            fields.append("assignee")
        case_save(case, fields)
        old_name = Team.objects.filter(pk=old_team_id).values_list("name", flat=True).first() if old_team_id else ""
        message = (f"Moved from {old_name} to {team.name}" if old_name else f"Moved to {team.name}") + (
            f": {reason}" if reason else ""
        )
        event_add(
            case,
            CaseEvent.Kind.ROUTED,
            actor,
            message,
            {"team_id": team.pk, "from_team_id": old_team_id, "by": "move", "reason": reason},
        )
        if not keeps_assignee:
            event_add(
                case,
                CaseEvent.Kind.ASSIGNED,
                actor,
                f"Unassigned: {_person(old_assignee)} does not work {team.name}",
                {"assignee_id": None, "from_assignee_id": old_assignee.pk, "team_id": team.pk},
            )
        queue_counts_forget(team_ids=[old_team_id, team.pk], user_ids=[getattr(old_assignee, "pk", None)])
        told = [case.assignee_id] if case.assignee_id else []
        told += team_supervisors(team_ids=[team.pk]).get(team.pk, [])
        notification_send(
            users=told,
            case=case,
            kind=Notification.Kind.ASSIGNED,
            message=f"{case}: moved to {team.name}" + ("" if case.assignee_id else ", waiting for an agent"),
            exclude_user_id=getattr(actor, "pk", None),
        )
    return case
