"""Who may see which case: the one rule shared by the inbox, the API and the reports."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from crm_twitter.models import Case, TeamMembership

SEE_ALL_GROUPS = ("crm_supervisor", "crm_manager")


def user_roles(user) -> set[str]:
    """The crm roles of a user (cached on the instance for the request)."""
    cached = getattr(user, "_crm_roles", None)
    if cached is None:
        cached = set(user.groups.filter(name__startswith="crm_").values_list("name", flat=True))
        user._crm_roles = cached
    return cached


def user_sees_all_cases(user) -> bool:
    return bool(user.is_superuser or user_roles(user) & set(SEE_ALL_GROUPS))


def user_has_crm_role(user) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user_roles(user)))


def user_can_act_on_cases(user) -> bool:
    """Agents and supervisors work cases; managers only read them."""
    return bool(user_has_crm_role(user) and (user.is_superuser or user.has_perm("crm_twitter.change_case")))


def user_can_assign_others(user) -> bool:
    """Handing a case to someone else, or unassigning a colleague, is for supervisors."""
    return bool(user_can_act_on_cases(user) and user_sees_all_cases(user))


def cases_visible_to(user, queryset: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """Agents see their teams' cases and cases assigned to them; supervisors and managers all."""
    qs = Case.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return qs.none()
    if user_sees_all_cases(user):
        return qs
    team_ids = TeamMembership.objects.filter(user=user).values("team_id")
    return qs.filter(Q(team_id__in=team_ids) | Q(assignee=user))
