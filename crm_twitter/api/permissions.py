"""Who may call the API: crm roles as in the inbox, and read-only tokens that never write."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from crm_twitter.models import ApiToken
from crm_twitter.selectors.visibility import user_roles

CRM_ROLES = {"crm_agent", "crm_supervisor", "crm_manager"}
ELEVATED_ROLES = {"crm_supervisor", "crm_manager"}
# The same model permission the inbox checks before any action (crm_twitter.inbox.access):
# agents and supervisors hold it, managers (read-only on cases) do not.
CASE_ACTION_PERMISSION = "crm_twitter.change_case"


def is_desk_user(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or user_roles(user) & CRM_ROLES))


def is_elevated(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or user_roles(user) & ELEVATED_ROLES))


class DeskUser(permissions.BasePermission):
    """An authenticated user with a crm role; a read-only token may only read."""

    message = _("You need a crm_agent, crm_supervisor or crm_manager role to use the API.")

    def has_permission(self, request, view) -> bool:
        if not is_desk_user(request.user):
            return False
        token = request.auth
        read_only = isinstance(token, ApiToken) and token.scope != ApiToken.Scope.READ_WRITE
        if read_only and request.method not in permissions.SAFE_METHODS:
            self.message = _("This API token is read-only.")
            return False
        return True


class SupervisorWrites(permissions.BasePermission):
    """Reads for every desk user; writes (order import …) for supervisors and managers."""

    message = _("Only supervisors and managers may change this.")

    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or is_elevated(request.user)


class SupervisorOnly(permissions.BasePermission):
    message = _("Only supervisors and managers may see this.")

    def has_permission(self, request, view) -> bool:
        return is_elevated(request.user)


def can_act_on_cases(user) -> bool:
    """Agents and supervisors work cases; managers only read them (as in the inbox)."""
    return bool(is_desk_user(user) and (user.is_superuser or user.has_perm(CASE_ACTION_PERMISSION)))


class CaseActions(permissions.BasePermission):
    """Reads for every desk user; writes on cases need the right to change cases."""

    message = _("Your role may read cases but not act on them.")

    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or can_act_on_cases(request.user)
