"""Admin for incidents: read-only. An incident groups every team's cases, so it is a desk-wide
view (supervisors and managers); its actions — status update, bulk replies, resolve all, merge,
unlink, close — go through ``crm_twitter.services.incidents`` on the incident page, where the
privacy guard, the cost confirmation and each case's own events apply."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from crm_twitter.admin.display import preview
from crm_twitter.admin.visibility import DeskWideMixin
from crm_twitter.models import Incident, IncidentCase, IncidentEvent


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class IncidentCaseInline(_ReadOnlyInline):
    model = IncidentCase
    fields = ["case", "case_status", "linked_at", "linked_by"]
    readonly_fields = fields
    verbose_name_plural = _("linked cases")

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("case", "linked_by")

    @admin.display(description=_("Status"))
    def case_status(self, obj: IncidentCase) -> str:
        return obj.case.get_status_display()


class IncidentEventInline(_ReadOnlyInline):
    model = IncidentEvent
    fields = ["created_at", "kind", "actor", "message"]
    readonly_fields = fields
    verbose_name_plural = _("history")

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("actor")


@admin.register(Incident)
class IncidentAdmin(DeskWideMixin, admin.ModelAdmin):
    list_display = [
        "opened_at",
        "title",
        "brand_account",
        "status",
        "case_count",
        "observed_count",
        "expected_count",
        "window_hours",
        "closed_at",
        "root_cause_preview",
    ]
    list_filter = ["status", "brand_account", "window_hours"]
    search_fields = ["title", "dimension_key", "root_cause", "carrier", "sku"]
    list_select_related = ["brand_account"]
    date_hierarchy = "opened_at"
    fields = [
        "title",
        "brand_account",
        "status",
        "category",
        "carrier",
        "sku",
        "destination_country",
        "dimension_key",
        "window_hours",
        "observed_count",
        "expected_count",
        "p_value",
        "case_count",
        "alerted_case_count",
        "opened_at",
        "last_linked_at",
        "closed_at",
        "closed_by",
        "root_cause",
        "merged_into",
        "version",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields
    inlines = [IncidentCaseInline, IncidentEventInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # detection opens incidents

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # acting on an incident happens on its page, through the services

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # the monthly report lists closed incidents

    @admin.display(description=_("Root cause"))
    def root_cause_preview(self, obj: Incident) -> str:
        return preview(obj.root_cause)


class _ReadOnlyDeskWide(DeskWideMixin, admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # unlinking is a service (the case's history says so), never a bare delete


@admin.register(IncidentCase)
class IncidentCaseAdmin(_ReadOnlyDeskWide):
    list_display = ["linked_at", "incident", "case", "linked_by"]
    list_select_related = ["incident", "case", "linked_by"]
    search_fields = ["incident__title", "case__reference"]
    readonly_fields = fields = ["incident", "case", "linked_at", "linked_by"]


@admin.register(IncidentEvent)
class IncidentEventAdmin(_ReadOnlyDeskWide):
    list_display = ["created_at", "incident", "kind", "actor", "message_preview"]
    list_filter = ["kind"]
    list_select_related = ["incident", "actor"]
    search_fields = ["incident__title", "message"]
    readonly_fields = fields = ["incident", "kind", "actor", "message", "data", "created_at"]

    @admin.display(description=_("Message"))
    def message_preview(self, obj: IncidentEvent) -> str:
        return preview(obj.message)
