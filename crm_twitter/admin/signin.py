"""Admin for failed sign-ins (django-axes' records) with the supervisor's unlock.

Registered only when django-axes is installed; it replaces axes' own admin for ``AccessAttempt``
with one a supervisor may open, whose one action lifts the lockout of the selected usernames
through ``signin_unlock`` and notes it in each user's admin history.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from crm_twitter.roles import user_may_unlock_signins
from crm_twitter.services.signin import signin_unlock

if apps.is_installed("axes"):
    from axes.admin import AccessAttemptAdmin
    from axes.models import AccessAttempt

    class SignInLockoutAdmin(AccessAttemptAdmin):
        """Failed sign-ins per username and address; "Locked out" once the limit is reached."""

        actions = ["unlock", *AccessAttemptAdmin.actions]

        def has_module_permission(self, request: HttpRequest) -> bool:
            return user_may_unlock_signins(request.user) or super().has_module_permission(request)

        def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
            return user_may_unlock_signins(request.user) or super().has_view_permission(request, obj)

        def has_unlock_permission(self, request: HttpRequest) -> bool:
            return user_may_unlock_signins(request.user)

        @admin.action(description=_("Unlock sign-in for the selected usernames"), permissions=["unlock"])
        def unlock(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
            usernames = set(queryset.values_list("username", flat=True))
            signin_unlock(usernames=usernames, actor=request.user)
            User = get_user_model()
            for user in User.objects.filter(**{f"{User.USERNAME_FIELD}__in": usernames}):
                self.log_change(request, user, "Unlocked sign-in after failed attempts.")
            self.message_user(
                request,
                ngettext("%(n)d username can sign in again.", "%(n)d usernames can sign in again.", len(usernames))
                % {"n": len(usernames)},
                messages.SUCCESS,
            )

    if admin.site.is_registered(AccessAttempt):
        admin.site.unregister(AccessAttempt)
    admin.site.register(AccessAttempt, SignInLockoutAdmin)
