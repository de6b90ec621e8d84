"""Admin for in-app notifications."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm_twitter.admin.visibility import NotificationVisibilityMixin
from crm_twitter.models import Notification


class ReadFilter(admin.SimpleListFilter):
    title = _("read")
    parameter_name = "read"

    def lookups(self, request, model_admin):
        return [("no", _("Unread")), ("yes", _("Read"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(read_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(read_at__isnull=False)
        return queryset


@admin.register(Notification)
class NotificationAdmin(NotificationVisibilityMixin, admin.ModelAdmin):
    list_display = ["created_at", "user", "kind", "case", "message", "read_at"]
    list_filter = ["kind", ReadFilter]
    search_fields = ["message", "user__username", "case__reference"]
    list_select_related = ["user", "case"]
    date_hierarchy = "created_at"
    fields = ["user", "kind", "case", "message", "created_at", "read_at"]
    readonly_fields = fields
    actions = ["mark_read"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Notification]:
        return super().get_queryset(request).select_related("user", "case")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return obj is None and super().has_change_permission(request)

    @admin.action(description=_("Mark selected as read"), permissions=["change"])
    def mark_read(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        count = queryset.filter(read_at__isnull=True).update(read_at=timezone.now())
        self.message_user(request, _("%(n)d notification(s) marked read.") % {"n": count}, messages.SUCCESS)
