"""Who may see which case: the one rule shared by the inbox, the API, the admin and the reports.

Whether a user sees every team's work is a role question (``crm_twitter.roles``); this module
turns the answer into querysets.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from crm_twitter.models import Case, Order, TeamMembership
from crm_twitter.roles import user_sees_all_cases


def cases_visible_to(user, queryset: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """Agents see their teams' cases and cases assigned to them; supervisors and managers all."""
    qs = Case.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return qs.none()
    if user_sees_all_cases(user):
        return qs
    team_ids = TeamMembership.objects.filter(user=user).values("team_id")
    return qs.filter(Q(team_id__in=team_ids) | Q(assignee=user))


def team_ids_of(user) -> list[int]:
    """The ids of the user's teams, read now (one small query), in id order.

    For the queue reads that need them as plain values: ``team_id = 2`` is an index condition the
    planner can order by, a membership subquery is a join whose order it cannot know.
    """
    if not user.is_authenticated:
        return []
    return list(TeamMembership.objects.filter(user=user).order_by("team_id").values_list("team_id", flat=True))


def unassigned_cases_visible_to(user, *, team_ids: list[int] | None = None) -> QuerySet[Case]:
    """The unassigned cases a user may see: ``cases_visible_to`` narrowed to cases nobody owns.

    Same rule, written for the query planner: an agent sees an unassigned case through their teams
    only (the "assigned to them" half cannot match), and a plain team filter lets PostgreSQL read
    the team's unassigned cases from their own index (``crm_tw_case_unassigned_team``). With the
    rule's OR it walked every open case in urgency order whenever the teams had few or none.
    ``team_ids`` (``team_ids_of(user)``, when the caller has them) makes the teams literal values
    instead of a subquery, so one team's queue is an ordered index range (docs/scale.md).
    """
    if not user.is_authenticated:
        return Case.objects.none()
    qs = Case.objects.filter(assignee__isnull=True)
    if user_sees_all_cases(user):
        return qs
    if team_ids is not None:
        return qs.filter(team_id__in=team_ids)
    return qs.filter(team_id__in=TeamMembership.objects.filter(user=user).values("team_id"))


def orders_visible_to(user, queryset: QuerySet[Order] | None = None) -> QuerySet[Order]:
    """Orders a user may see, search and link to a case: for agents, the orders of customers whose
    cases they can see, plus orders already linked to such a case; supervisors and managers all.

    Orders carry a customer's e-mail, address and payment details: an agent working the German
    desk has no business browsing the orders of a French customer. The inbox's order search and
    link/unlink actions and the API's ``/orders/`` share this one rule.
    """
    qs = Order.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return qs.none()
    if user_sees_all_cases(user):
        return qs
    visible = cases_visible_to(user)
    linked = Case.orders.through.objects.filter(case_id__in=visible.values("id")).values("order_id")
    return qs.filter(Q(customer_id__in=visible.values("customer_id")) | Q(id__in=linked))
