"""Team visibility in the admin: the rule the inbox and the API apply, for staff who are agents.

A superuser, supervisor or manager sees every row. A staff user who is an agent sees only rows
that hang off the cases ``cases_visible_to`` gives them (orders through ``orders_visible_to``,
the API's and the inbox's order rule); anything else answers as if it did not exist — absent
from change lists, search, filters and autocomplete, and a 404 on its change, delete and history
pages, so an id typed into the URL tells nothing either.

Every admin of a crm_twitter model is one of three kinds, and ``tests/security`` checks that each
registered model is listed as one of them:

- team-scoped rows (a mixin below): cases and everything hanging off a case, customers, X users,
  orders, notifications;
- desk-wide figures (``DeskWideMixin``): the X cost ledger and the monthly reports, which add up
  every team's work — the reports dashboard's rule, supervisors and managers only;
- shared set-up (teams, categories, templates, brand accounts …): the same for every desk user,
  guarded by model permissions alone.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from crm_twitter.models import DirectMessage, Tweet
from crm_twitter.roles import user_sees_all_cases
from crm_twitter.selectors.visibility import cases_visible_to, orders_visible_to


class VisibleRowsMixin:
    """Narrow ``get_queryset`` to ``visible_rows`` for users who do not see every case, and answer
    404 for a row outside it (Django's admin would redirect to the index with "does not exist")."""

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)
        if user_sees_all_cases(request.user):
            return qs
        return self.visible_rows(qs, request.user)

    def visible_rows(self, qs: QuerySet, user: Any) -> QuerySet:
        raise NotImplementedError

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Model:
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(_("No such record, or not one you may see."))
        return obj


class CaseVisibilityMixin(VisibleRowsMixin):
    """Rows whose case (through ``case_lookups``; "" is the case itself) is a visible case.

    Several lookups are OR-ed (media hang off a tweet or a direct message). Each is a subquery on
    the case id, never a join, so a row is listed once however many cases it touches.
    """

    case_lookups: tuple[str, ...] = ("case",)

    def visible_rows(self, qs: QuerySet, user: Any) -> QuerySet:
        visible = cases_visible_to(user).values("pk")
        condition = Q()
        for lookup in self.case_lookups:
            condition |= Q(**{f"{lookup}__in" if lookup else "pk__in": visible})
        return qs.filter(condition)


class CustomerVisibilityMixin(VisibleRowsMixin):
    """Customers of visible cases (the API's ``/customers/`` rule)."""

    def visible_rows(self, qs: QuerySet, user: Any) -> QuerySet:
        return qs.filter(pk__in=cases_visible_to(user).values("customer_id"))


class XUserVisibilityMixin(VisibleRowsMixin):
    """X users a visible case shows: its customer's accounts, and whoever wrote in its thread.

    That is every X user the API and the inbox show an agent (a customer's ``x_users``, a tweet's
    author, a DM's sender), so a link from a visible case's page never leads to a refusal.
    """

    def visible_rows(self, qs: QuerySet, user: Any) -> QuerySet:
        visible = cases_visible_to(user)
        case_ids = visible.values("pk")
        return qs.filter(
            Q(customer_id__in=visible.values("customer_id"))
            | Q(pk__in=visible.values("customer_x_user_id"))
            | Q(pk__in=Tweet.objects.filter(case_id__in=case_ids).values("author_id"))
            | Q(pk__in=DirectMessage.objects.filter(case_id__in=case_ids).values("sender_id"))
        )


class OrderVisibilityMixin(VisibleRowsMixin):
    """Orders through ``orders_visible_to``; ``order_lookup`` reaches the order from the row."""

    order_lookup: str = ""

    def visible_rows(self, qs: QuerySet, user: Any) -> QuerySet:
        if not self.order_lookup:
            return orders_visible_to(user, qs)
        return qs.filter(**{f"{self.order_lookup}__in": orders_visible_to(user).values("pk")})


class NotificationVisibilityMixin(VisibleRowsMixin):
    """Notifications about visible cases, and the user's own notifications about no case."""

    def visible_rows(self, qs: QuerySet, user: Any) -> QuerySet:
        return qs.filter(Q(case_id__in=cases_visible_to(user).values("pk")) | Q(case__isnull=True, user_id=user.pk))


class DeskWideMixin:
    """Figures over every team's work (spend per case, monthly reports): only for users who see
    every case — the rule of the reports dashboard. Anyone else gets the admin's 403, and the
    model is left out of their admin index."""

    def _sees_desk(self, request: HttpRequest) -> bool:
        return user_sees_all_cases(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._sees_desk(request) and super().has_view_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._sees_desk(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._sees_desk(request) and super().has_delete_permission(request, obj)
