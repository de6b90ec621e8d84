"""Who is who on the desk, and who may do what: the one table the inbox, the API, the admin, the
reports and the services ask.

Roles are Django groups. Exactly three groups are roles — ``crm_agent``, ``crm_supervisor`` and
``crm_manager`` — and no other group grants anything, whatever its name: a host project's own
``crm_marketing`` or ``crm_export`` group must not open the desk to its members. (Until this
module, the inbox admitted any group whose name began with ``crm_`` while the API admitted the
three; both now admit the three.)

Two kinds of right:

* what follows from the role itself — ``ABILITIES``: using the desk at all, seeing every team's
  cases and desk-wide figures, importing orders, lifting sign-in lockouts, being told when X sync
  needs a person, being offered cases to work;
* acting on cases (replies, notes, status, assignment, promises …) follows Django's model
  permission ``crm_twitter.change_case``, which agents and supervisors hold by default and
  managers do not (``ROLE_PERMISSIONS``, applied by the app's data migration through
  ``crm_twitter.seeds``). An admin can therefore make one person, or a whole role, read-only from
  the admin without a code change; a role is still needed to use the desk at all.

Superusers may do everything, but are not on the roster: they are not offered as assignees
unless they also hold a role that takes cases. Inactive users may do nothing.

This module imports no models, so the data migration can read ``ROLE_PERMISSIONS`` from it.
"""

from __future__ import annotations

import enum
from typing import Any

from django.db.models import Q, QuerySet


class Role(enum.StrEnum):
    """The groups that are desk roles (the value is the group's name)."""

    AGENT = "crm_agent"
    SUPERVISOR = "crm_supervisor"
    MANAGER = "crm_manager"


class Ability(enum.StrEnum):
    """What a role may do, whatever its model permissions."""

    USE_DESK = "use_desk"  # sign in to the inbox, the API and its docs
    SEE_ALL_CASES = "see_all_cases"  # every team's cases and orders; desk-wide figures (reports, X spend)
    IMPORT_ORDERS = "import_orders"  # the API's order writes (the shop's import)
    UNLOCK_SIGNINS = "unlock_signins"  # lift a colleague's sign-in lockout (admin)
    SYNC_ALERTS = "sync_alerts"  # told when X sync or an account's credentials need a person
    TAKE_CASES = "take_cases"  # offered as an assignee
    LOWER_ESCALATIONS = "lower_escalations"  # take a case down an escalation level (with a reason)
    VIEW_INCIDENTS = "view_incidents"  # see incidents (surges) and be alerted when one opens or doubles
    MANAGE_INCIDENTS = "manage_incidents"  # act on an incident: status update, bulk replies/resolve, merge, close


ABILITIES: dict[Role, frozenset[Ability]] = {
    Role.AGENT: frozenset({Ability.USE_DESK, Ability.TAKE_CASES}),
    Role.SUPERVISOR: frozenset(
        {
            Ability.USE_DESK,
            Ability.TAKE_CASES,
            Ability.SEE_ALL_CASES,
            Ability.IMPORT_ORDERS,
            Ability.UNLOCK_SIGNINS,
            Ability.SYNC_ALERTS,
            Ability.LOWER_ESCALATIONS,
            Ability.VIEW_INCIDENTS,
            Ability.MANAGE_INCIDENTS,
        }
    ),
    # Managers read everything and act on no case (they lack change_case).
    Role.MANAGER: frozenset(
        {Ability.USE_DESK, Ability.SEE_ALL_CASES, Ability.IMPORT_ORDERS, Ability.SYNC_ALERTS, Ability.VIEW_INCIDENTS}
    ),
}

# Abilities about being a working member of the desk, which a superuser does not get by being one.
ROSTER_ABILITIES = frozenset({Ability.TAKE_CASES})

# The model permission behind every action on a case, in the inbox, the API and the admin.
CASE_ACTION_PERMISSION = "crm_twitter.change_case"

# The model permissions (app label crm_twitter) each role's group is created with.
ROLE_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.AGENT: (
        "view_case",
        "change_case",
        "view_caseevent",
        "add_caseevent",
        "view_promise",
        "view_caseoutcome",
        "add_promise",
        "change_promise",
        "view_customer",
        "view_xuser",
        "view_order",
        "view_tweet",
        "view_directmessage",
        "view_media",
        "add_outboundmessage",
        "view_outboundmessage",
        "view_replytemplate",
        "view_complaintcategory",
        "view_notification",
    ),
    Role.SUPERVISOR: (
        "view_case",
        "change_case",
        "view_caseevent",
        "add_caseevent",
        "view_promise",
        "view_caseoutcome",
        "add_promise",
        "change_promise",
        "view_customer",
        "change_customer",
        "view_xuser",
        "view_order",
        "change_order",
        "view_tweet",
        "view_directmessage",
        "view_media",
        "add_outboundmessage",
        "view_outboundmessage",
        "change_outboundmessage",
        "view_replytemplate",
        "change_replytemplate",
        "view_complaintcategory",
        "view_team",
        "change_team",
        "view_teammembership",
        "change_teammembership",
        "view_slapolicy",
        "view_notification",
        "view_reportsnapshot",
    ),
    Role.MANAGER: (
        "view_case",
        "view_caseevent",
        "view_promise",
        "view_caseoutcome",
        "view_customer",
        "view_xuser",
        "view_order",
        "view_tweet",
        "view_directmessage",
        "view_media",
        "view_outboundmessage",
        "view_replytemplate",
        "view_complaintcategory",
        "view_team",
        "view_slapolicy",
        "view_notification",
        "view_reportsnapshot",
        "add_reportsnapshot",
        "view_exchangerate",
        "change_exchangerate",
        "add_exchangerate",
        "view_apicall",
    ),
}


def roles_with(ability: Ability) -> tuple[str, ...]:
    """The names of the groups whose role has ``ability``, in ``Role`` order."""
    return tuple(role.value for role in Role if ability in ABILITIES[role])


def user_roles(user: Any) -> frozenset[str]:
    """The desk roles (group names) a user holds; read once and kept on the instance for the request."""
    cached = getattr(user, "_crm_roles", None)
    if cached is None:
        names = [role.value for role in Role]
        cached = frozenset(user.groups.filter(name__in=names).values_list("name", flat=True))
        user._crm_roles = cached
    return cached


def user_may(user: Any, ability: Ability) -> bool:
    """Whether ``user`` has ``ability``: an active user whose role has it, or a superuser."""
    if not (user is not None and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser and ability not in ROSTER_ABILITIES:
        return True
    return any(ability in ABILITIES[Role(name)] for name in user_roles(user))


def user_is_desk_user(user: Any) -> bool:
    """May open the inbox and call the API (a role, or a superuser)."""
    return user_may(user, Ability.USE_DESK)


def user_sees_all_cases(user: Any) -> bool:
    """Sees every team's cases, orders and desk-wide figures; everyone else sees their teams' work."""
    return user_may(user, Ability.SEE_ALL_CASES)


def user_can_act_on_cases(user: Any) -> bool:
    """A desk user with the right to change cases: agents and supervisors work cases, managers read."""
    return user_is_desk_user(user) and (user.is_superuser or user.has_perm(CASE_ACTION_PERMISSION))


def user_can_assign_others(user: Any) -> bool:
    """Handing a case to someone else, or unassigning a colleague, is for those who act on every team's cases."""
    return user_can_act_on_cases(user) and user_sees_all_cases(user)


def user_may_take_cases(user: Any) -> bool:
    """May be handed a case: an active user whose role takes cases (agent, supervisor) and who may
    act on cases. A read-only manager, a colleague an admin made read-only, a user with no desk role
    and a superuser without a role are not on the roster."""
    return user_may(user, Ability.TAKE_CASES) and user_can_act_on_cases(user)


def user_may_lower_escalations(user: Any) -> bool:
    """Taking a case down an escalation level undoes a rule or a colleague's judgement: a
    supervisor's call (rules and agents only ever raise it)."""
    return user_can_act_on_cases(user) and user_may(user, Ability.LOWER_ESCALATIONS)


def users_who_take_cases() -> QuerySet:
    """The roster as a queryset: ``user_may_take_cases`` for many users in one query (the assign menus)."""
    app_label, codename = CASE_ACTION_PERMISSION.split(".")
    may_act = (
        Q(groups__permissions__codename=codename, groups__permissions__content_type__app_label=app_label)
        | Q(user_permissions__codename=codename, user_permissions__content_type__app_label=app_label)
        | Q(is_superuser=True)
    )
    return users_with(Ability.TAKE_CASES).filter(may_act).distinct()


def user_may_view_incidents(user: Any) -> bool:
    """Supervisors and managers see surges (and are alerted); an agent works the cases one by one."""
    return user_may(user, Ability.VIEW_INCIDENTS)


def user_may_manage_incidents(user: Any) -> bool:
    """Answering a surge in public or resolving its cases in bulk speaks for the brand to many
    customers at once: a supervisor's call, and only for one who may act on cases."""
    return user_can_act_on_cases(user) and user_may(user, Ability.MANAGE_INCIDENTS)


def user_may_import_orders(user: Any) -> bool:
    return user_may(user, Ability.IMPORT_ORDERS)


def user_may_unlock_signins(user: Any) -> bool:
    """Supervisors and superusers unlock colleagues; managers only read and agents only work cases,
    so neither can reopen the door an attacker's guesses closed."""
    return user_may(user, Ability.UNLOCK_SIGNINS)


def users_with(ability: Ability) -> QuerySet:
    """The active users who have ``ability`` (for recipient lists and the assignee menus)."""
    from django.contrib.auth import get_user_model

    holders = Q(groups__name__in=roles_with(ability))
    if ability not in ROSTER_ABILITIES:
        holders |= Q(is_superuser=True)
    return get_user_model().objects.filter(holders, is_active=True).distinct()
