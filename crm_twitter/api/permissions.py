"""Who may call the API: the desk roles of ``crm_twitter.roles`` (the inbox asks the same table),
and read-only tokens that never write."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from crm_twitter.models import ApiToken
from crm_twitter.roles import user_can_act_on_cases, user_is_desk_user, user_may_import_orders, user_sees_all_cases


class DeskUser(permissions.BasePermission):
    """An authenticated user with a desk role; a read-only token may only read."""

    message = _("You need a crm_agent, crm_supervisor or crm_manager role to use the API.")

    def has_permission(self, request, view) -> bool:
        if not user_is_desk_user(request.user):
            return False
        token = request.auth
        read_only = isinstance(token, ApiToken) and token.scope != ApiToken.Scope.READ_WRITE
        if read_only and request.method not in permissions.SAFE_METHODS:
            self.message = _("This API token is read-only.")
            return False
        return True


class SupervisorWrites(permissions.BasePermission):
    """Reads for every desk user; order writes (the shop's import) for the roles that import orders."""

    message = _("Only supervisors and managers may change this.")

    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or user_may_import_orders(request.user)


class SupervisorOnly(permissions.BasePermission):
    """Desk-wide figures (report snapshots): for those who see every team's cases, as in the reports."""

    message = _("Only supervisors and managers may see this.")

    def has_permission(self, request, view) -> bool:
        return user_sees_all_cases(request.user)


class CaseActions(permissions.BasePermission):
    """Reads for every desk user; writes on cases need the right to change cases (as in the inbox)."""

    message = _("Your role may read cases but not act on them.")

    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or user_can_act_on_cases(request.user)
