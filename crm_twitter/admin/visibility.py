"""Team visibility in the admin: the rule the inbox and the API apply, for staff who are agents.

A superuser, supervisor or manager sees every row. A staff user who is an agent sees only rows
of the cases ``cases_visible_to`` gives them; anything else answers as if it did not exist.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import HttpRequest

from crm_twitter.selectors.visibility import cases_visible_to, user_sees_all_cases


class CaseVisibilityMixin:
    """Restrict ``get_queryset`` to visible cases through ``case_lookups`` ("" is the case itself).

    Several lookups are OR-ed (media hang off a tweet or a direct message).
    """

    case_lookups: tuple[str, ...] = ("case",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)
        if user_sees_all_cases(request.user):
            return qs
        return self.visible_rows(qs, cases_visible_to(request.user))

    def visible_rows(self, qs: QuerySet, visible: QuerySet) -> QuerySet:
        condition = Q()
        for lookup in self.case_lookups:
            condition |= Q(**{f"{lookup}__in" if lookup else "pk__in": visible.values("pk")})
        return qs.filter(condition)
